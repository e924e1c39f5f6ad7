package dev.tcplife.bench;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One JVM of {@link Workload}'s churn, run to its end: ready, warm-up, window, exit (and the recording's dump). The
 * churn, kernel, connect loop and print measurements all measure it, each in its own way.
 */
final class ChurnJvm {
    private ChurnJvm() {
    }

    /**
     * What one churn JVM reported, with the agent's "ready in" from its log and the machine's CPU times when its
     * window opened and closed.
     */
    record Result(long made, long failures, int port, long windowSessions, long windowNanos, long cpuNanos,
            long readerCpuNanos, long workerCpuNanos, long warmupMillis, double readyMillis,
            Host.CpuTimes hostAtWindowStart, Host.CpuTimes hostAtWindowEnd, Jit jit) {
        static Result of(String line, double readyMillis, Host.CpuTimes hostAtWindowStart,
                Host.CpuTimes hostAtWindowEnd) {
            Map<String, String> f = Child.fields(line);
            return new Result(Long.parseLong(f.get("made")), Long.parseLong(f.get("failures")),
                    Integer.parseInt(f.get("port")), Long.parseLong(f.get("windowSessions")),
                    Long.parseLong(f.get("windowNanos")), Long.parseLong(f.get("cpuNanos")),
                    Long.parseLong(f.get("readerCpuNanos")), Long.parseLong(f.get("workerCpuNanos")),
                    Long.parseLong(f.get("warmupMillis")), readyMillis, hostAtWindowStart, hostAtWindowEnd,
                    new Jit(Long.parseLong(f.get("compileMillis")), Long.parseLong(f.get("compilerCpuNanos")),
                            Long.parseLong(f.get("jfrCpuNanos")), Long.parseLong(f.get("windowStartMillis")),
                            Long.parseLong(f.get("windowEndMillis"))));
        }

        /** CPU µs per session of the JIT compiler threads in the window. */
        double compilerCpuMicrosPerSession() {
            return jit.compilerCpuNanos() / 1e3 / windowSessions;
        }

        /** CPU µs per session of JFR's own threads in the window. */
        double jfrCpuMicrosPerSession() {
            return jit.jfrCpuNanos() / 1e3 / windowSessions;
        }

        double perSecond() {
            return windowSessions * 1e9 / windowNanos;
        }

        double cpuMicrosPerSession() {
            return cpuNanos / 1e3 / windowSessions;
        }

        double workerCpuMicrosPerSession() {
            return workerCpuNanos / 1e3 / windowSessions;
        }

        /** CPU µs per session of the agent's reader thread in the window. */
        double readerCpuMicrosPerSession() {
            return readerCpuNanos / 1e3 / windowSessions;
        }

        double wallMicrosPerSession() {
            return windowNanos / 1e3 / windowSessions;
        }
    }

    /**
     * The JVM's own work in the window besides the application's: the JIT compilers' time (CompilationMXBean, in
     * ms), the CPU of its compiler threads and of JFR's threads; and the window's wall-clock bounds, to find the
     * recording's events in it.
     */
    record Jit(long compileMillis, long compilerCpuNanos, long jfrCpuNanos, long windowStartMillis,
            long windowEndMillis) {
    }

    /**
     * What one configuration adds to another per session, taken within each round: in the window's time, and in CPU
     * of the client and server threads, where the connect and accept hooks run.
     */
    record AddedPerSession(Stats wallMicros, Stats workerCpuMicros) {
        AddedPerSession() {
            this(new Stats(), new Stats());
        }

        /** Adds a round's difference, unless one of the two runs failed. */
        void add(Result with, Result without) {
            if (with != null && without != null) {
                wallMicros.add(with.wallMicrosPerSession() - without.wallMicrosPerSession());
                workerCpuMicros.add(with.workerCpuMicrosPerSession() - without.workerCpuMicrosPerSession());
            }
        }

        /** "CPU µs in the threads; µs of {@code time}", each number in {@code format}. */
        String format(String format, String time) {
            return workerCpuMicros.format(format) + " µs CPU in the connecting and accepting threads; "
                    + wallMicros.format(format) + " µs of " + time;
        }
    }

    /** Snapshots taken when the churn JVM opens and closes its window. */
    @FunctionalInterface
    interface WindowHook {
        void at(boolean start) throws IOException, InterruptedException;
    }

    /** What to look at once the JVM is ready, before its warm-up ends. */
    @FunctionalInterface
    interface ReadyHook {
        void ready(Child child) throws IOException, InterruptedException;
    }

    /** {@link Workload}'s arguments for a churn. */
    static String[] args(int warmup, int window, int clients, int payload) {
        return new String[] {"churn", "clients=" + clients, "payload=" + payload, "warmup=" + warmup,
                "window=" + window};
    }

    /** Runs {@code command}; its standard error goes to {@code name}.err. Either hook may be null. */
    static Result run(BenchRun bench, List<String> command, String name, WindowHook hook, ReadyHook onReady)
            throws IOException, InterruptedException {
        try (Child child = Child.start(command, bench.file(name + ".err"))) {
            child.await("@ready", 120);
            if (onReady != null) {
                onReady.ready(child);
            }
            child.await("@window-start", 120);
            Host.CpuTimes hostAtWindowStart = Host.cpuTimes();
            if (hook != null) {
                hook.at(true);
            }
            child.await("@window-end", 120);
            Host.CpuTimes hostAtWindowEnd = Host.cpuTimes();
            if (hook != null) {
                hook.at(false);
            }
            String result = child.await("@result", 120);
            child.awaitExit(120);
            Result r = Result.of(result, child.agentReadyMillis(), hostAtWindowStart, hostAtWindowEnd);
            if (r.failures() > 0) {
                BenchRun.progress(name + ": " + r.failures() + " sessions failed");
            }
            bench.deleteUnlessKept(child.stderr);
            return r;
        }
    }
}
