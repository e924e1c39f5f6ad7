package dev.tcplife.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The kernel program's cost per tracepoint hit, from the kernel's own BPF statistics over a churn window: the
 * agent's program for another process's sockets and for its own JVM's, libbpf-tools tcplife's, and an empty
 * program on the same tracepoint as the floor. The agent's second program, on tcp_destroy_sock (every socket freed,
 * once), is measured per session beside it.
 */
final class Kernel extends Measurement {
    enum Configuration {
        FOREIGN("agent, sockets of another process"),
        OWN("agent, its own JVM's sockets"),
        HOST_TCPLIFE("libbpf-tools tcplife, every socket");

        final String label;

        Configuration(String label) {
            this.label = label;
        }
    }

    /** What the runs of one configuration measured, per run. */
    private record Figures(Stats nsPerHit, Stats hitsPerSession, Stats emptyProgramNsPerHit,
            Stats destroyNsPerSession) {
        Figures() {
            this(new Stats(), new Stats(), new Stats(), new Stats());
        }
    }

    private final Map<Configuration, Figures> figures = each(Configuration.class, Figures::new);
    /** The empty program's cost per hit over every run. */
    private final Stats floor = new Stats();
    private String bpfStatsBefore = "?";

    Kernel(BenchRun bench) {
        super("kernel", "kernel", "Kernel cost", bench);
    }

    @Override
    void run() throws Exception {
        bpfStatsBefore = Host.bpfStatsEnabled();
        CleanUp.bpfStatsToRestore(bpfStatsBefore);
        Host.setBpfStats("1");
        try {
            EmptyProgram empty = EmptyProgram.start(bench.work);
            try {
                inRounds(bench.plan.kernelRounds(), Configuration.class,
                        (config, name) -> kernel(config, name, empty), results -> { });
            } finally {
                if (empty != null) {
                    empty.close();
                }
            }
        } finally {
            Host.setBpfStats(bpfStatsBefore);
            CleanUp.bpfStatsToRestore(null);
            BenchRun.progress("kernel.bpf_stats_enabled back to " + bpfStatsBefore);
        }
    }

    /** One churn window under the program of {@code config}, and under the empty program where there is one. */
    private ChurnJvm.Result kernel(Configuration config, String name, EmptyProgram empty)
            throws IOException, InterruptedException {
        Path recording = bench.file(name + ".jfr");
        Path idleRecording = bench.file(name + "-idle.jfr");
        String[] args = ChurnJvm.args(bench.plan.kernelWarmup(), bench.plan.kernelWindow(), 2, 8);
        int[] programId = {-1};
        int[] destroyId = {-1};
        Host.ProgramStats[] at = new Host.ProgramStats[2];
        Host.ProgramStats[] destroyAt = new Host.ProgramStats[2];
        Host.ProgramStats[] emptyAt = new Host.ProgramStats[2];
        ChurnJvm.WindowHook hook = start -> {
            at[start ? 0 : 1] = Host.programStats(programId[0]);
            if (destroyId[0] >= 0) {
                destroyAt[start ? 0 : 1] = Host.programStats(destroyId[0]);
            }
            if (empty != null) {
                emptyAt[start ? 0 : 1] = Host.programStats(empty.programId);
            }
        };
        ChurnJvm.Result r;
        switch (config) {
            case OWN -> r = ChurnJvm.run(bench, bench.workload("", "tcplife.jfc", recording, args), name, hook,
                    child -> {
                        programId[0] = Host.awaitProgram(child.process.pid(), "tcp_session_set", 30);
                        destroyId[0] = Host.awaitProgram(child.process.pid(), "tcp_session_destr", 30);
                    });
            case FOREIGN -> {
                try (Child idle = Child.start(bench.workload("", "tcplife.jfc", idleRecording, "idle"),
                        bench.file(name + "-idle.err"))) {
                    idle.await("@ready", 120);
                    programId[0] = Host.awaitProgram(idle.process.pid(), "tcp_session_set", 30);
                    destroyId[0] = Host.awaitProgram(idle.process.pid(), "tcp_session_destr", 30);
                    r = ChurnJvm.run(bench, bench.workload(null, "tcplife.jfc", recording, args), name, hook, null);
                    idle.process.getOutputStream().close();
                    idle.awaitExit(60);
                }
                bench.deleteUnlessKept(bench.file(name + "-idle.err"));
            }
            case HOST_TCPLIFE -> {
                try (HostTcplife tracer = HostTcplife.start(bench.file(name + ".tcplife.err"))) {
                    programId[0] = tracer.programId();
                    r = ChurnJvm.run(bench, bench.workload(null, "tcplife.jfc", recording, args), name, hook, null);
                }
                bench.deleteUnlessKept(bench.file(name + ".tcplife.err"));
            }
            default -> throw new IllegalStateException();
        }
        bench.deleteUnlessKept(recording);
        bench.deleteUnlessKept(idleRecording);
        long hits = at[1].runCount() - at[0].runCount();
        long nanos = at[1].runTimeNs() - at[0].runTimeNs();
        if (hits <= 0) {
            throw new IOException("program " + programId[0] + " ran " + hits + " times in the window");
        }
        Figures f = figures.get(config);
        f.nsPerHit().add((double) nanos / hits);
        f.hitsPerSession().add((double) hits / r.windowSessions());
        if (destroyId[0] >= 0) {
            f.destroyNsPerSession().add((double) (destroyAt[1].runTimeNs() - destroyAt[0].runTimeNs())
                    / r.windowSessions());
        }
        String floorText = "";
        if (empty != null) {
            long emptyHits = emptyAt[1].runCount() - emptyAt[0].runCount();
            double emptyNs = emptyHits <= 0 ? Double.NaN
                    : (double) (emptyAt[1].runTimeNs() - emptyAt[0].runTimeNs()) / emptyHits;
            f.emptyProgramNsPerHit().add(emptyNs);
            floor.add(emptyNs);
            floorText = String.format(Locale.ROOT, ", empty program %.0f ns/hit", emptyNs);
        }
        BenchRun.progress(String.format(Locale.ROOT, "%-28s %s (id %d): %,d hits, %.0f ns/hit, %.1f hits/session%s",
                name, at[1].name(), programId[0], hits, (double) nanos / hits, (double) hits / r.windowSessions(),
                floorText));
        return r;
    }

    @Override
    String summaryRows(int number) {
        return row(number + "a", "kernel program, per tracepoint hit, sockets of another process",
                figures.get(Configuration.FOREIGN).nsPerHit().format("%.0f ns"), "≤ 100 ns")
                + row(number + "b", "kernel program, per tracepoint hit, its own JVM's sockets",
                        figures.get(Configuration.OWN).nsPerHit().format("%.0f ns"), "≤ 300 ns")
                + row(number, "anchor: libbpf-tools `tcplife` program, per hit",
                        figures.get(Configuration.HOST_TCPLIFE).nsPerHit().format("%.0f ns"), "–")
                + row(number, "floor: an empty program (`r0 = 0; exit`) on the same tracepoint, same hits",
                        floor.format("%.0f ns"), "–");
    }

    @Override
    String section() {
        StringBuilder md = new StringBuilder();
        md.append("`kernel.bpf_stats_enabled=1` for this measurement ")
                .append("only (it was ").append(bpfStatsBefore).append(", and is again); `bpftool prog show id N` ")
                .append("run_time_ns / run_cnt over the churn window, for the program held by the process measured. ")
                .append("Run time only: for `tcplife` (a tracepoint, not a raw tracepoint) the kernel's work to fill ")
                .append("the tracepoint's record is outside it. Hits per session count both ends' state changes, ")
                .append("and every other socket on the host in the window.\n\n");
        md.append(table(List.of(Configuration.values()), k -> {
            Figures f = figures.get(k);
            return List.of(k.label, f.nsPerHit().format("%.0f"), f.hitsPerSession().format("%.1f"),
                    f.emptyProgramNsPerHit().format("%.0f"), f.destroyNsPerSession().format("%.0f"));
        }, "program", "ns per hit", "hits per session", "empty program, same hits (ns per hit)",
                "agent's tcp_destroy_sock program (ns per session)"));
        return md.append('\n').toString();
    }
}
