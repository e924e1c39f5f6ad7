package dev.tcplife.bench;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What the harness must undo at exit, even when interrupted: every process it started, kernel.bpf_stats_enabled
 * turned on by the kernel measurement, tracefs mounted for libbpf-tools tcplife. Static, because the helpers that
 * start processes and mount tracefs (Child, HostTcplife, PrintBench) note them here as they go, and the shutdown
 * hook must find them whatever measurement was running.
 */
final class CleanUp {
    private static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();
    private static volatile boolean tracefsMountedByUs;
    private static volatile String bpfStatsToRestore;

    private CleanUp() {
    }

    /** Runs {@link #run} when the JVM exits. */
    static void atExit() {
        Runtime.getRuntime().addShutdownHook(new Thread(CleanUp::run, "bench-cleanup"));
    }

    static void track(Process process) {
        PROCESSES.add(process);
        process.onExit().thenRun(() -> PROCESSES.remove(process));
    }

    static void tracefsMountedByUs(boolean mounted) {
        tracefsMountedByUs = mounted;
    }

    /** The value to put back into kernel.bpf_stats_enabled at exit, or null when it is as it was. */
    static void bpfStatsToRestore(String value) {
        bpfStatsToRestore = value;
    }

    private static void run() {
        for (Process p : PROCESSES) {
            p.destroyForcibly();
        }
        for (Process p : PROCESSES) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                break;
            }
        }
        try {
            String previous = bpfStatsToRestore;
            if (previous != null) {
                Host.setBpfStats(previous);
                System.err.println("[bench] restored kernel.bpf_stats_enabled=" + previous);
            }
            if (tracefsMountedByUs) {
                HostTcplife.unmountTracefs();
                System.err.println("[bench] unmounted " + Host.TRACEFS);
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("[bench] clean-up failed: " + e.getMessage());
        }
    }
}
