package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jdk.jfr.consumer.RecordedEvent;

import dev.tcplife.jfr.it.workload.ChurnWorkload;

/**
 * The start at JVM launch (issue 10): a JVM that churns loopback sessions from the first line of {@code main} has
 * every one of them recorded, each end once, with the thread that connected or accepted it; also when the
 * machine's cores are all busy; and with start=background, the recording says that tracing began after main, and
 * holds every session that ended after it began.
 */
class StartupIT extends BpfIntegrationTest {
    /** Long enough for tens of thousands of sessions, short enough for CI. */
    private static final String CHURN_MILLIS = "2500";
    private static final String CLIENTS = "2";

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void everySessionFromTheFirstLineOfMain(Path jdk, @TempDir Path dir) throws Exception {
        ChurnRun churn = churn(AgentRun.on(jdk), dir);
        churn.assertEveryEndRecordedOnce();
        churn.assertTracedFromMain(true);
    }

    /** Every core busy with other work while the JVM starts and churns: still every session, from main on. */
    @Test
    void everySessionFromTheFirstLineOfMainUnderCpuContention(@TempDir Path dir) throws Exception {
        AtomicBoolean spinning = new AtomicBoolean(true);
        List<Thread> spinners = new ArrayList<>();
        for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors(); i++) {
            Thread spinner = new Thread(() -> {
                long x = 0;
                while (spinning.get()) {
                    x += System.nanoTime() % 7;
                }
                if (x == 42) {
                    System.out.print("");
                }
            }, "spinner-" + i);
            spinner.setDaemon(true);
            spinner.start();
            spinners.add(spinner);
        }
        ChurnRun churn;
        try {
            churn = churn(AgentRun.on(Path.of(System.getProperty("java.home"))), dir);
        } finally {
            spinning.set(false);
        }
        churn.assertEveryEndRecordedOnce();
        churn.assertTracedFromMain(true);
    }

    /**
     * start=background: main does not wait. Whether tracing began before main or after it, the recording says
     * which, and when; and it has every session that ended after tracing began, and none the workload did not
     * make.
     */
    @Test
    void inTheBackgroundTheRecordingSaysWhenTracingBegan(@TempDir Path dir) throws Exception {
        ChurnRun churn = churn(AgentRun.on(Path.of(System.getProperty("java.home"))).agentOptions("start=background"), dir);
        RecordedEvent statistics = churn.statistics();
        Instant tracingStart = statistics.getInstant("tracingStart");
        churn.assertTracedFromMain(statistics.getBoolean("tracedFromMain"));
        System.out.println("start=background: tracing began " + Duration.between(churn.mainBegan(), tracingStart).toMillis()
                + " ms after main; traced from main: " + statistics.getBoolean("tracedFromMain"));
        // A millisecond for the statistics' resolution, and one for the clocks' conversion.
        churn.assertRecordedSince(tracingStart, 0);
        assertTrue(statistics.getLong("sessionsRecorded") > 0, "sessions after tracing began");
    }

    private static ChurnRun churn(AgentRun agent, Path dir) throws Exception {
        Path truth = dir.resolve("truth.tsv");
        return ChurnRun.of(agent.run(dir, ChurnWorkload.class, truth.toString(), CHURN_MILLIS, CLIENTS), truth);
    }

}
