package dev.tcplife.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Throughput under connection churn with and without the agent, and beside libbpf-tools tcplife tracing the host;
 * the agent's recorded events against the sessions made; what the connect-site event adds to a session. The
 * agent's read delays under churn go to {@link Latency}.
 */
final class Churn extends Measurement {
    enum Configuration {
        NONE("no agent"),
        AGENT("agent, tcplife.jfc"),
        HOST_TCPLIFE("no agent, host-wide libbpf-tools tcplife"),
        PROFILE("agent, tcplife-profile.jfc");

        final String label;

        Configuration(String label) {
            this.label = label;
        }
    }

    /** What the runs of one configuration measured, per run. */
    private record Figures(Stats sessionsPerSecond, Stats cores, Stats cpuMicros, Stats workerCpuMicros,
            Stats readerCpuMicros, Stats readyMillis, Stats warmupSeconds, Stats compileMillis,
            Stats compilerCpuMicros, Stats jfrCpuMicros, Stats deoptimizations, Stats workloadDeoptimizations) {
        Figures() {
            this(new Stats(), new Stats(), new Stats(), new Stats(), new Stats(), new Stats(), new Stats(),
                    new Stats(), new Stats(), new Stats(), new Stats(), new Stats());
        }
    }

    /** An agent run's recording against the sessions its JVM made (with tcplife-profile.jfc, connect events too). */
    private record Recorded(String runName, long made, RecordingFacts facts, boolean profile) {
        long expected() {
            return 2 * made;
        }

        long notTracked() {
            return facts.sessionsNotTracked + facts.listenersNotTracked;
        }

        List<?> cells() {
            return List.of(runName, grouped(made), grouped(expected()), grouped(facts.clientEvents),
                    grouped(facts.serverEvents), grouped(facts.otherEvents), facts.sessionsLost, notTracked(),
                    profile ? grouped(facts.openEvents) : "–");
        }

        private static String grouped(long count) {
            return String.format(Locale.ROOT, "%,d", count);
        }
    }

    private final Map<Configuration, Figures> figures = each(Configuration.class, Figures::new);
    /** Within each round: the agent's throughput over none's, none's CPU per session over the agent's. */
    private final Stats throughputRatio = new Stats();
    private final Stats cpuRatio = new Stats();
    private final Stats hostTcplifeThroughputRatio = new Stats();
    /** tcplife-profile.jfc over tcplife.jfc: the connect-site event's. */
    private final ChurnJvm.AddedPerSession openEvent = new ChurnJvm.AddedPerSession();
    /** Machine CPU used by other processes, and stolen by the hypervisor, during the windows: the noise. */
    private final Stats othersShare = new Stats();
    private final Stats stealShare = new Stats();
    private final Stats tracerCpuMicros = new Stats();
    private final Stats tracerLostEvents = new Stats();
    private final List<Recorded> recordings = new ArrayList<>();
    private final ReadDelays readDelays = new ReadDelays();

    Churn(BenchRun bench) {
        super("churn", "churn", "Churn", bench);
    }

    /** TCP_CLOSE to read by the agent, in the runs with tcplife.jfc. */
    ReadDelays readDelays() {
        return readDelays;
    }

    @Override
    void run() throws Exception {
        inRounds(bench.plan.churnRounds(), Configuration.class, this::churn, results -> {
            ChurnJvm.Result none = results.get(Configuration.NONE);
            ChurnJvm.Result agent = results.get(Configuration.AGENT);
            ChurnJvm.Result tcplife = results.get(Configuration.HOST_TCPLIFE);
            ChurnJvm.Result profile = results.get(Configuration.PROFILE);
            if (none != null && agent != null) {
                throughputRatio.add(agent.perSecond() / none.perSecond());
                cpuRatio.add(none.cpuMicrosPerSession() / agent.cpuMicrosPerSession());
            }
            if (none != null && tcplife != null) {
                hostTcplifeThroughputRatio.add(tcplife.perSecond() / none.perSecond());
            }
            openEvent.add(profile, agent);
        });
    }

    private ChurnJvm.Result churn(Configuration config, String name) throws IOException, InterruptedException {
        Path recording = bench.file(name + ".jfr");
        String[] args = ChurnJvm.args(bench.plan.churnWarmup(), bench.plan.churnWindow(), 2, 8);
        List<String> command = switch (config) {
            case NONE, HOST_TCPLIFE -> bench.workload(null, "tcplife.jfc", recording, args);
            case AGENT -> bench.workload("log=info", "tcplife.jfc", recording, args);
            case PROFILE -> bench.workload("log=info", "tcplife-profile.jfc", recording, args);
        };
        ChurnJvm.Result r;
        HostTcplife tracer = null;
        try {
            if (config == Configuration.HOST_TCPLIFE) {
                tracer = HostTcplife.start(bench.file(name + ".tcplife.err"));
            }
            r = ChurnJvm.run(bench, command, name, null, null);
            if (tracer != null) {
                tracer.close();
                tracerCpuMicros.add(tracer.cpuNanos() / 1e3 / r.made());
                tracerLostEvents.add(tracer.lostEvents());
            }
        } finally {
            if (tracer != null) {
                tracer.close();
                bench.deleteUnlessKept(bench.file(name + ".tcplife.err"));
            }
        }
        Figures f = figures.get(config);
        f.sessionsPerSecond().add(r.perSecond());
        f.cpuMicros().add(r.cpuMicrosPerSession());
        f.cores().add((double) r.cpuNanos() / r.windowNanos());
        double capacity = (double) r.windowNanos() * Runtime.getRuntime().availableProcessors();
        othersShare.add(Math.max(0, r.hostAtWindowEnd().busyNanos() - r.hostAtWindowStart().busyNanos()
                - r.cpuNanos()) / capacity);
        stealShare.add((r.hostAtWindowEnd().stealNanos() - r.hostAtWindowStart().stealNanos()) / capacity);
        f.workerCpuMicros().add(r.workerCpuMicrosPerSession());
        f.warmupSeconds().add(r.warmupMillis() / 1000.0);
        f.compileMillis().add(r.jit().compileMillis());
        f.compilerCpuMicros().add(r.compilerCpuMicrosPerSession());
        f.jfrCpuMicros().add(r.jfrCpuMicrosPerSession());
        RecordingFacts.Deoptimizations deopts = RecordingFacts.deoptimizations(recording,
                r.jit().windowStartMillis(), r.jit().windowEndMillis());
        f.deoptimizations().add(deopts.all());
        f.workloadDeoptimizations().add(deopts.workload());
        String detail = "";
        if (config == Configuration.AGENT || config == Configuration.PROFILE) {
            f.readerCpuMicros().add(r.readerCpuMicrosPerSession());
            f.readyMillis().add(r.readyMillis());
            RecordingFacts facts = RecordingFacts.read(recording, r.port());
            recordings.add(new Recorded(name, r.made(), facts, config == Configuration.PROFILE));
            if (config == Configuration.AGENT) {
                readDelays.add(facts);
            }
            detail = String.format(Locale.ROOT, ", events %,d of %,d, lost %d", facts.sessionEvents(), 2 * r.made(),
                    facts.sessionsLost);
        }
        bench.deleteUnlessKept(recording);
        BenchRun.progress(String.format(Locale.ROOT, "%-28s %,8.0f sessions/s, CPU %5.1f us/session (%5.1f in client "
                + "and server threads, %.2f in JIT compilers), warm-up %.1f s, %d ms compiling and %d deopts in the "
                + "window%s", name, r.perSecond(), r.cpuMicrosPerSession(), r.workerCpuMicrosPerSession(),
                r.compilerCpuMicrosPerSession(), r.warmupMillis() / 1000.0, r.jit().compileMillis(), deopts.all(),
                detail));
        return r;
    }

    /** What else used the machine's CPU in the windows, a sentence for the report's machine facts, or "". */
    String noise() {
        if (othersShare.isEmpty()) {
            return "";
        }
        return " During the churn windows, other processes used " + othersShare.map(x -> 100 * x).format("%.0f%%")
                + " of the machine's CPU time and the hypervisor stole " + stealShare.map(x -> 100 * x)
                .format("%.0f%%") + " (the host-wide tcplife run counts its tracer among the others).";
    }

    @Override
    String summaryRows(int number) {
        Figures none = figures.get(Configuration.NONE);
        Figures agent = figures.get(Configuration.AGENT);
        long made = recordings.stream().mapToLong(Recorded::made).sum();
        long expected = recordings.stream().mapToLong(Recorded::expected).sum();
        long found = recordings.stream().mapToLong(r -> r.facts().sessionEvents()).sum();
        long lost = recordings.stream().mapToLong(r -> r.facts().sessionsLost).sum();
        long notTracked = recordings.stream().mapToLong(Recorded::notTracked).sum();
        return row(number, "churn throughput with the agent, relative to without",
                throughputRatio.format("%.3f") + String.format(Locale.ROOT, "; medians %,.0f vs %,.0f sessions/s",
                        agent.sessionsPerSecond().median(), none.sessionsPerSecond().median()), "≥ 0.99")
                + row(number, "the same as CPU: JVM CPU time per session without the agent over with it",
                        cpuRatio.format("%.3f") + String.format(Locale.ROOT, "; medians %.1f vs %.1f µs per session",
                                agent.cpuMicros().median(), none.cpuMicros().median()), "–")
                + row(number, "anchor: churn throughput while libbpf-tools `tcplife` traces the host, relative",
                        hostTcplifeThroughputRatio.format("%.3f") + String.format(Locale.ROOT,
                                "; median %,.0f sessions/s",
                                figures.get(Configuration.HOST_TCPLIFE).sessionsPerSecond().median()), "–")
                + row(number, "JIT compiler threads' CPU in the window, per session, with the agent vs without; "
                        + "the JIT's deoptimizations in the window", agent.compilerCpuMicros().format("%.2f") + " vs "
                        + none.compilerCpuMicros().format("%.2f") + " µs; deoptimizations in the window "
                        + agent.deoptimizations().format("%.0f") + " vs " + none.deoptimizations().format("%.0f"),
                        "–")
                + row(number, "`tcplife.TcpSession` events in the recordings vs 2 × sessions made",
                        String.format(Locale.ROOT, "%,d of %,d (%,d sessions, %d runs); sessionsLost %d, not tracked "
                                + "%d", found, expected, made, recordings.size(), lost, notTracked), "0 lost")
                + row(number, "`tcplife.TcpSessionOpen` (tcplife-profile.jfc − tcplife.jfc in the churn), per "
                        + "session (a connect and an accept); the hooks' loop below is steadier",
                        openEvent.format("%.1f", "churn time"), "–");
    }

    @Override
    String section() {
        Plan plan = bench.plan;
        StringBuilder md = new StringBuilder();
        md.append("One JVM, two client threads connecting to a server thread ")
                .append("in the same JVM over loopback: connect, 8 bytes each way, the server closes first, then the ")
                .append("client. ").append(plan.churnRounds()).append(" rounds; each JVM waits for the agent to ")
                .append("trace, warms up for at least ").append(plan.churnWarmup() / 1000.0).append(" s (rotating JFR's chunk once half-way: the first ")
                .append("rotation recompiles the event writers) and until ")
                .append("its JIT compilers are quiet (under 50 ms of compilation in a second; at most 5 s longer), ")
                .append("then counts sessions over a ")
                .append(plan.churnWindow() / 1000.0).append(" s window. CPU is the whole JVM's (user + system, ")
                .append("loopback softirq included) in the window: in cores, and per session; then the part of ")
                .append("the client and server threads, where the connect and accept hooks run and the ")
                .append("connect-site events are committed, and of the agent's reader thread ")
                .append("(`tcplife-sessions`), ")
                .append("which decodes each session and commits its events. The sessions are a relay between ")
                .append("threads, so the JVM keeps well under all cores busy: time added on a connecting or ")
                .append("accepting thread lowers throughput fully.\n\n");
        md.append(table(List.of(Configuration.values()), c -> {
            Figures f = figures.get(c);
            return List.of(c.label, f.sessionsPerSecond().format("%,.0f"), f.cores().format("%.2f"),
                    f.cpuMicros().format("%.1f"), f.workerCpuMicros().format("%.1f"),
                    f.readerCpuMicros().format("%.2f"), f.readyMillis().format("%.0f"),
                    f.warmupSeconds().format("%.1f"));
        }, "configuration", "sessions/s", "JVM CPU (cores)", "CPU µs/session", "in client + server threads",
                "in the agent's reader", "agent ready (ms)", "warm-up (s)"));
        md.append("\nWhat the JVM itself does in the same windows: the JIT compilers' time (CompilationMXBean), the ")
                .append("CPU of its compiler threads and of JFR's threads (/proc/self/task), and the deoptimizations ")
                .append("the recording holds (jdk.Deoptimization, all threads and the client and server threads ")
                .append("alone). A warm JVM compiles little; each deoptimization throws compiled code away and is ")
                .append("followed by a recompilation. On a machine of two cores, the compiler threads' CPU is taken ")
                .append("from the application's threads.\n\n");
        md.append(table(List.of(Configuration.values()), c -> {
            Figures f = figures.get(c);
            return List.of(c.label, f.compileMillis().format("%.0f"), f.compilerCpuMicros().format("%.2f"),
                    f.jfrCpuMicros().format("%.2f"), f.deoptimizations().format("%.0f"),
                    f.workloadDeoptimizations().format("%.0f"));
        }, "configuration", "compiling in the window (ms)", "JIT compiler threads, CPU µs/session",
                "JFR's threads, CPU µs/session", "deoptimizations in the window",
                "of them in client + server threads"));
        if (!tracerCpuMicros.isEmpty()) {
            md.append(String.format(Locale.ROOT, "\nThe host-wide `tcplife` process itself used %s µs CPU per "
                    + "session (both ends) on top, and reported %d events lost.\n", tracerCpuMicros.format("%.1f"),
                    (long) tracerLostEvents.sum()));
        }
        md.append('\n').append(table(recordings, Recorded::cells, "run", "sessions made", "events expected",
                "client events", "server events", "other events", "sessionsLost", "not tracked",
                "TcpSessionOpen events"));
        return md.append('\n').toString();
    }
}
