package dev.tcplife.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The churn with and without the agent at the same time, each JVM held to a CPU of its own ({@code taskset}), both
 * measuring the same seconds (Workload's {@code windowAt}). A shared host's speed drifts by ±15% from one run to
 * the next, which in {@link Churn}'s runs, one after the other, is as large as what is measured; here the drift
 * falls on both JVMs alike, and their CPUs swap every round. Each JVM has one CPU for everything it does, its JIT
 * compilers and the agent's reader included: the agent's whole cost is in its throughput.
 *
 * <p>The warm-up is long (20 s, JFR's chunk rotated half-way): on a CPU it shares with the application, C2 took up to
 * 4.4 s of wall time to compile the agent's event commit path (about 1 s of CPU), which it does twice, hot and again
 * after the chunk's first rotation; with 12 s, those compiles fell into the window in half the rounds.
 *
 * <p>One bias, in the agent's favour: the JVM without it still pays the agent's kernel program for each state change
 * of its sockets (another process's sockets, {@link Kernel}'s first figure, about ten hits a session).
 */
final class SideBySide extends Measurement {
    /** Time for both JVMs to start before the warm-up counts: their windows open at one instant. */
    private static final int START_MILLIS = 2000;

    /** What one side measured, per round: its throughput and where its CPU per session went. */
    private record Side(Stats perSecond, Stats cpuMicros, Stats workerMicros, Stats readerMicros, Stats jitMicros,
            Stats jfrMicros, Stats compileMillis) {
        Side() {
            this(new Stats(), new Stats(), new Stats(), new Stats(), new Stats(), new Stats(), new Stats());
        }

        void add(ChurnJvm.Result r) {
            perSecond.add(r.perSecond());
            cpuMicros.add(r.cpuMicrosPerSession());
            workerMicros.add(r.workerCpuMicrosPerSession());
            readerMicros.add(r.readerCpuMicrosPerSession());
            jitMicros.add(r.compilerCpuMicrosPerSession());
            jfrMicros.add(r.jfrCpuMicrosPerSession());
            compileMillis.add(r.jit().compileMillis());
        }

        /** Its row of the CPU table; {@code reader}: whether it has the agent's reader. */
        String row(String name, boolean reader) {
            return Measurement.row(name, cpuMicros.format("%.1f"), workerMicros.format("%.1f"),
                    reader ? readerMicros.format("%.2f") : "n/a", jitMicros.format("%.2f"), jfrMicros.format("%.2f"));
        }
    }

    private final Stats ratio = new Stats();
    private final Stats addedCpuMicros = new Stats();
    private final Side agent = new Side();
    private final Side none = new Side();
    private final List<String> rounds = new ArrayList<>();

    SideBySide(BenchRun bench) {
        super("pair", "churn side by side", "Churn side by side, each JVM on a CPU of its own", bench);
    }

    @Override
    void run() throws Exception {
        ExecutorService runs = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < bench.plan.pairRounds(); round++) {
                round(round, runs);
            }
        } finally {
            runs.shutdownNow();
        }
    }

    private void round(int round, ExecutorService runs) throws InterruptedException {
        long windowAt = System.currentTimeMillis() + START_MILLIS + bench.plan.pairWarmup();
        int agentCpu = round % 2;
        Future<ChurnJvm.Result> withAgent = runs.submit(() -> churn("agent", round, agentCpu, windowAt, "log=info"));
        Future<ChurnJvm.Result> withoutAgent = runs.submit(() -> churn("none", round, 1 - agentCpu, windowAt, null));
        ChurnJvm.Result with;
        ChurnJvm.Result without;
        try {
            with = withAgent.get();
            without = withoutAgent.get();
        } catch (ExecutionException e) {
            bench.failed("pair-" + round, e.getCause() instanceof Exception cause ? cause : e);
            return;
        }
        double r = with.perSecond() / without.perSecond();
        ratio.add(r);
        addedCpuMicros.add(with.cpuMicrosPerSession() - without.cpuMicrosPerSession());
        agent.add(with);
        none.add(without);
        String line = String.format("round %d: agent on CPU %d %,.0f sessions/s, %.1f µs CPU each, %d ms compiling; "
                + "none on CPU %d %,.0f sessions/s, %.1f µs; windows %+d ms apart; ratio %.3f", round, agentCpu,
                with.perSecond(), with.cpuMicrosPerSession(), with.jit().compileMillis(), 1 - agentCpu,
                without.perSecond(), without.cpuMicrosPerSession(),
                with.jit().windowStartMillis() - without.jit().windowStartMillis(), r);
        rounds.add(line);
        BenchRun.progress("pair-" + round + " " + line);
    }

    private ChurnJvm.Result churn(String config, int round, int cpu, long windowAt, String agentOptions)
            throws IOException, InterruptedException {
        String name = "pair-" + config + "-" + round;
        Path recording = bench.file(name + ".jfr");
        List<String> args = new ArrayList<>(List.of(ChurnJvm.args(0, bench.plan.pairWindow(), 2, 8)));
        args.add("windowAt=" + windowAt);
        List<String> command = new ArrayList<>(List.of("taskset", "-c", Integer.toString(cpu)));
        command.addAll(bench.workload(agentOptions, "tcplife.jfc", recording, args.toArray(String[]::new)));
        try {
            return ChurnJvm.run(bench, command, name, null, null);
        } finally {
            bench.deleteUnlessKept(recording);
        }
    }

    @Override
    String summaryRows(int number) {
        return row(number, "churn throughput with the agent over without, side by side at the same time, each JVM on "
                + "a CPU of its own", ratio.format("%.3f") + "; medians " + agent.perSecond().format("%,.0f") + " vs "
                + none.perSecond().format("%,.0f") + " sessions/s", "≥ 0.97")
                + row(number, "the same: JVM CPU per session added by the agent (its reader and JIT included)",
                        addedCpuMicros.format("%.1f µs") + "; " + agent.cpuMicros().format("%.1f") + " vs "
                                + none.cpuMicros().format("%.1f") + " µs", "≤ 4 µs");
    }

    @Override
    String section() {
        StringBuilder text = new StringBuilder()
                .append("Two churn JVMs at once (2 clients, 8-byte payload, `settings=default,settings=jfr-templates/")
                .append("tcplife.jfc`), one with the agent, one without, each held to one CPU by `taskset`, the ")
                .append("CPUs swapped every round; both warm up for ").append(bench.plan.pairWarmup() / 1000.0)
                .append(" s (JFR's chunk rotated half-way) and measure the same ")
                .append(bench.plan.pairWindow() / 1000.0).append(" s, ").append(bench.plan.pairRounds())
                .append(" rounds. The machine's drift falls on both alike; the JVM without the agent still pays the ")
                .append("agent's kernel program for its own sockets (the filter's cost for another process's socket, ")
                .append("in `kernel`), a bias in the agent's favour. Compiling in the window: ")
                .append(agent.compileMillis().format("%.0f")).append(" ms with the agent, ")
                .append(none.compileMillis().format("%.0f")).append(" ms without.\n\n")
                .append(tableHeader("JVM", "CPU µs/session", "in client + server threads", "in the agent's reader",
                        "in JIT compiler threads", "in JFR's threads"))
                .append(agent.row("with the agent", true))
                .append(none.row("without", false))
                .append('\n');
        for (String round : rounds) {
            text.append("- ").append(round).append('\n');
        }
        return text.append('\n').toString();
    }
}
