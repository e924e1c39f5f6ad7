package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jdk.jfr.consumer.RecordedEvent;

import dev.tcplife.jfr.it.workload.ChurnWorkload;

/**
 * The kernel does not run a BPF program that is already running on the CPU: a softirq that interrupts the program
 * in process context (in a connect() or close()) and changes another socket's state goes unseen. On a plain
 * loopback that is about one state change in a million. With RPS (receive packet steering) on the loopback of a
 * network namespace of the test's own, every packet is processed in an interrupt of one of the CPUs, on top of
 * whatever runs there: the same happens thousands of times a second. Sessions are then recovered from their next
 * state change and from their socket's release, and all but a few are recorded (see the README's limits).
 */
class RpsNestingIT extends BpfIntegrationTest {
    /** Every online CPU (at most 16) in the loopback's RPS mask, as hexadecimal. */
    private static final String[] RPS_NAMESPACE = {"unshare", "--net", "--mount", "sh", "-c",
        "ip link set lo up && mount -t sysfs sysfs /sys"
                + " && n=$(getconf _NPROCESSORS_ONLN) && { [ \"$n\" -le 16 ] || n=16; }"
                + " && printf '%x' $(( (1 << n) - 1 )) > /sys/class/net/lo/queues/rx-0/rps_cpus && exec \"$@\"",
        "sh"};
    /**
     * The share of session ends that may go unrecorded: 0.03% to 0.25% measured here (more on a busier machine),
     * 0.8% before the recovery; each of them counted in sessionEndsUnseen. None may be recorded wrong: a server
     * end recorded as a client's, once in one run of five, is ruled out by comparing socket files at close.
     */
    private static final double ALLOWED_MISSING = 0.005;

    @Test
    void sessionsWhoseStateChangesTheKernelSkippedAreRecovered(@TempDir Path dir) throws Exception {
        HostPrograms.require("sh", "ip", "mount", "getconf");
        Path truth = dir.resolve("truth.tsv");
        ChurnRun churn = ChurnRun.of(AgentRun.on(Path.of(System.getProperty("java.home"))).prefix(RPS_NAMESPACE)
                .run(dir, ChurnWorkload.class, truth.toString(), "8000", "2"), truth);

        RecordedEvent statistics = churn.statistics();
        int ends = churn.ends().size();
        long missing = churn.assertRecorded(end -> true, end -> false, (long) (ends * ALLOWED_MISSING));
        System.out.printf("rps: %d session ends, %d state changes skipped by the kernel, %d sessions recovered,"
                + " %d ends not recorded (%d counted unseen)%n", ends, statistics.getLong("kernelRunsSkipped"),
                statistics.getLong("sessionsRecovered"), missing, statistics.getLong("sessionEndsUnseen"));
        assertTrue(statistics.getLong("kernelRunsSkipped") > 0, "RPS made the kernel skip runs: " + statistics);
        assertTrue(statistics.getLong("sessionsRecovered") > 0, "sessions recovered: " + statistics);
        assertTrue(statistics.getLong("sessionEndsUnseen") >= missing,
                "every end not recorded is counted in sessionEndsUnseen: " + statistics);
    }
}
