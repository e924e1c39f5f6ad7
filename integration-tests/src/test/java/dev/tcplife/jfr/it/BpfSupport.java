package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this machine can run the agent for real: root (or CAP_BPF and CAP_PERFMON) and kernel BTF (the agent
 * carries its own libbpf).
 * Outside CI a machine without them skips the BPF tests, saying why; with CI=true they must run, so a missing
 * requirement fails the run loudly instead.
 */
public final class BpfSupport {
    public static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

    private BpfSupport() {
    }

    public static void require() {
        String missing = missing();
        if (missing == null) {
            return;
        }
        if (CI) {
            fail("CI=true but the BPF tests cannot run here: " + missing);
        }
        assumeTrue(false, "BPF tests skipped: " + missing);
    }

    private static String missing() {
        if (!Files.isReadable(Path.of("/sys/kernel/btf/vmlinux"))) {
            return "no kernel BTF at /sys/kernel/btf/vmlinux";
        }
        if (!hasBpfCapabilities()) {
            return "not root and no CAP_BPF + CAP_PERFMON";
        }
        return null;
    }

    /** CapEff of this process has CAP_PERFMON (38) and CAP_BPF (39), as root has. */
    private static boolean hasBpfCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                    long needed = (1L << 38) | (1L << 39);
                    return (caps & needed) == needed;
                }
            }
        } catch (Exception e) {
            return false;
        }
        return false;
    }
}
