package dev.tcplife.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The churn with one client thread and no payload, on one CPU: what the JDK socket instrumentation adds to a
 * connect and an accept in place, as threads=on against threads=off.
 */
final class ConnectLoop extends Measurement {
    enum Configuration {
        NONE("no agent"),
        THREADS_ON("agent, threads=on (default)"),
        THREADS_OFF("agent, threads=off");

        final String label;

        Configuration(String label) {
            this.label = label;
        }
    }

    /** What the runs of one configuration measured, per session. */
    private record Figures(Stats wallMicros, Stats cpuMicros, Stats workerCpuMicros) {
        Figures() {
            this(new Stats(), new Stats(), new Stats());
        }
    }

    private final Map<Configuration, Figures> figures = each(Configuration.class, Figures::new);
    /** threads=on over threads=off: the JDK socket instrumentation's. */
    private final ChurnJvm.AddedPerSession instrumentation = new ChurnJvm.AddedPerSession();

    ConnectLoop(BenchRun bench) {
        super("loop", "connect loop", "Connect loop", bench);
    }

    @Override
    void run() throws Exception {
        inRounds(bench.plan.loopRounds(), Configuration.class, this::loop, results -> instrumentation.add(
                results.get(Configuration.THREADS_ON), results.get(Configuration.THREADS_OFF)));
    }

    private ChurnJvm.Result loop(Configuration config, String name) throws IOException, InterruptedException {
        Path recording = bench.file(name + ".jfr");
        String[] args = ChurnJvm.args(bench.plan.loopWarmup(), bench.plan.loopWindow(), 1, 0);
        String agent = switch (config) {
            case NONE -> null;
            case THREADS_ON -> "threads=on";
            case THREADS_OFF -> "threads=off";
        };
        List<String> command = bench.workload(agent, "tcplife.jfc", recording, args);
        command.addAll(0, pinnedToOneCpu());
        ChurnJvm.Result r = ChurnJvm.run(bench, command, name, null, null);
        bench.deleteUnlessKept(recording);
        Figures f = figures.get(config);
        f.wallMicros().add(r.wallMicrosPerSession());
        f.cpuMicros().add(r.cpuMicrosPerSession());
        f.workerCpuMicros().add(r.workerCpuMicrosPerSession());
        BenchRun.progress(String.format(Locale.ROOT, "%-28s %6.2f us/session, CPU %6.2f us/session, %6.2f us in "
                + "client and server threads", name, r.wallMicrosPerSession(), r.cpuMicrosPerSession(),
                r.workerCpuMicrosPerSession()));
        return r;
    }

    /**
     * {@code taskset -c <the last CPU>}, or nothing without taskset: the connect loop's two threads then always
     * share one CPU. Left to the scheduler they land on one CPU or two from run to run, and a wake-up across CPUs
     * costs so much more in a virtual machine that the same configuration varied by half.
     */
    private static List<String> pinnedToOneCpu() {
        if (Host.onPath("taskset")) {
            return List.of("taskset", "-c", Integer.toString(Runtime.getRuntime().availableProcessors() - 1));
        }
        return List.of();
    }

    @Override
    String summaryRows(int number) {
        return row(number, "JDK socket instrumentation (threads=on − threads=off), per connect+accept",
                instrumentation.format("%.2f", "loop time"), "–");
    }

    @Override
    String section() {
        Plan plan = bench.plan;
        StringBuilder md = new StringBuilder();
        md.append("The churn JVM with one client thread: connect, ")
                .append("wait for the server's FIN, close; the server thread accepts and closes; no payload; the JVM ")
                .append("pinned to one CPU (`taskset`), so that both threads always share it. ")
                .append(plan.loopRounds()).append(" rounds, ").append(plan.loopWindow() / 1000.0)
                .append(" s windows after the same kind of warm-up. threads=on − threads=off is what the JDK socket ")
                .append("instrumentation adds to a connect and an accept, in place, caches and all.\n\n");
        md.append(table(List.of(Configuration.values()), l -> {
            Figures f = figures.get(l);
            return List.of(l.label, f.wallMicros().format("%.2f"), f.cpuMicros().format("%.2f"),
                    f.workerCpuMicros().format("%.2f"));
        }, "configuration", "µs per session", "CPU µs per session", "in client + server threads"));
        return md.append('\n').toString();
    }
}
