package dev.tcplife.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

/**
 * Start-up time and memory: {@link Hello} with and without the agent, and beside an empty agent, launch to main and
 * to exit; then a JVM with a recording, launch to main, to tracing and to events, and its memory once ready.
 */
final class Startup extends Measurement {
    enum Configuration {
        PLAIN("no agent"),
        EMPTY_AGENT("an empty -javaagent (reference)"),
        AGENT("agent");

        final String label;

        Configuration(String label) {
            this.label = label;
        }
    }

    /** What the runs of one configuration measured: Hello's times, then the probe's (a JVM with a recording). */
    private record Figures(Stats helloMainMillis, Stats helloExitMillis, Stats mainMillis, Stats rssMb,
            Stats peakRssMb, Stats heapMb, Stats nonHeapMb) {
        Figures() {
            this(new Stats(), new Stats(), new Stats(), new Stats(), new Stats(), new Stats(), new Stats());
        }
    }

    private static final Pattern TRACING_AFTER_LAUNCH = Pattern.compile("tracing (\\d+) ms after launch");
    private static final Pattern EVENTS_AFTER_LAUNCH = Pattern.compile("events (\\d+) ms after launch");

    private final Map<Configuration, Figures> figures = each(Configuration.class, Figures::new);
    /** The agent's log in the probe: its "ready in", and launch to tracing and to events flowing. */
    private final Stats agentReadyMillis = new Stats();
    private final Stats launchToTracingMillis = new Stats();
    private final Stats launchToEventsMillis = new Stats();
    private long netnsSockets = -1;

    Startup(BenchRun bench) {
        super("startup", "start-up", "Start-up and memory", bench);
    }

    @Override
    void run() throws Exception {
        netnsSockets = netnsSockets();
        Path emptyAgent = bench.file("empty-agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", EmptyAgent.class.getName());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(emptyAgent), manifest)) {
            // the manifest is all: the class comes from the benchmark jar on the class path
        }
        Plan plan = bench.plan;
        for (int round = 0; round < plan.startupRounds(); round++) {
            for (Configuration config : rotated(Configuration.values(), round)) {
                for (int i = 0; i < plan.helloPerRound(); i++) {
                    hello(config, emptyAgent);
                }
            }
            for (Configuration config : rotated(new Configuration[] {Configuration.PLAIN, Configuration.AGENT},
                    round)) {
                probe(config, runName("probe", config, round));
            }
            BenchRun.progress(String.format(Locale.ROOT, "start-up round %d/%d: Hello to exit %.0f / %.0f / %.0f ms, "
                    + "RSS %.1f / %.1f MB", round + 1, plan.startupRounds(),
                    figures.get(Configuration.PLAIN).helloExitMillis().median(),
                    figures.get(Configuration.EMPTY_AGENT).helloExitMillis().median(),
                    figures.get(Configuration.AGENT).helloExitMillis().median(),
                    figures.get(Configuration.PLAIN).rssMb().median(),
                    figures.get(Configuration.AGENT).rssMb().median()));
        }
        Files.deleteIfExists(bench.file("hello.err"));
        Files.deleteIfExists(emptyAgent);
    }

    /** Hello, launch to main and to exit. */
    private void hello(Configuration config, Path emptyAgent) throws IOException, InterruptedException {
        List<String> command = switch (config) {
            case PLAIN -> bench.jvm(null, null, null, Hello.class.getName());
            case EMPTY_AGENT -> bench.jvm(emptyAgent, "", null, null, Hello.class.getName());
            case AGENT -> bench.jvm("log=info", null, null, Hello.class.getName());
        };
        try (Child child = Child.start(command, bench.file("hello.err"))) {
            String main = child.await("@main", 120);
            child.awaitExit(120);
            long exit = System.nanoTime();
            Figures f = figures.get(config);
            f.helloExitMillis().add((exit - child.launchNanos) / 1e6);
            f.helloMainMillis().add((Long.parseLong(Child.fields(main).get("nanos")) - child.launchNanos) / 1e6);
        }
    }

    /** The workload's probe: a JVM with a recording, launch to main, then its memory once the agent traces. */
    private void probe(Configuration config, String name) throws IOException, InterruptedException {
        String agent = config == Configuration.AGENT ? "log=info" : null;
        Path recording = bench.file(name + ".jfr");
        try (Child child = Child.start(bench.workload(agent, "tcplife.jfc", recording, "probe"),
                bench.file(name + ".err"))) {
            Map<String, String> f = Child.fields(child.await("@result", 120));
            child.awaitExit(120);
            Figures figure = figures.get(config);
            figure.mainMillis().add((Long.parseLong(f.get("main")) - child.launchNanos) / 1e6);
            figure.rssMb().add(Long.parseLong(f.get("rss")) / 1048576.0);
            figure.peakRssMb().add(Long.parseLong(f.get("peakRss")) / 1048576.0);
            figure.heapMb().add(Long.parseLong(f.get("heap")) / 1048576.0);
            figure.nonHeapMb().add(Long.parseLong(f.get("nonHeap")) / 1048576.0);
            if (config == Configuration.AGENT) {
                agentReadyMillis.add(child.agentReadyMillis());
                launchToTracingMillis.add(child.logged(TRACING_AFTER_LAUNCH));
                launchToEventsMillis.add(child.logged(EVENTS_AFTER_LAUNCH));
            }
            bench.deleteUnlessKept(child.stderr);
        }
        bench.deleteUnlessKept(recording);
    }

    /** Lines in /proc/net/tcp and tcp6: every TCP socket of this network namespace, TIME_WAIT included. */
    private static long netnsSockets() {
        long lines = 0;
        for (String table : new String[] {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
            try (var stream = Files.lines(Path.of(table))) {
                lines += stream.count() - 1;
            } catch (IOException | UncheckedIOException e) {
                // no IPv6
            }
        }
        return lines;
    }

    /** How much {@code config} adds to a figure over no agent, in medians. */
    private double addedBy(Configuration config, Function<Figures, Stats> figure) {
        return figure.apply(figures.get(config)).median() - figure.apply(figures.get(Configuration.PLAIN)).median();
    }

    @Override
    String summaryRows(int number) {
        Configuration agent = Configuration.AGENT;
        Configuration empty = Configuration.EMPTY_AGENT;
        return row(number, "`main` begins later with `-javaagent`, a recording started at launch (`settings=default,"
                + "settings=tcplife.jfc`)", String.format(Locale.ROOT, "%.0f ms", addedBy(agent, Figures::mainMillis)),
                "≤ 250 ms")
                + row(number, "the same without a recording (`Hello`): launch to main; launch to exit",
                        String.format(Locale.ROOT, "%.0f ms; %.0f ms (an empty agent: %.0f ms; %.0f ms)",
                                addedBy(agent, Figures::helloMainMillis), addedBy(agent, Figures::helloExitMillis),
                                addedBy(empty, Figures::helloMainMillis), addedBy(empty, Figures::helloExitMillis)),
                        "–")
                + row(number, "with that recording, launch to tracing (kernel program attached, socket hooks in "
                        + "place; the agent's log, to 10 ms); launch to events flowing (JFR set up for the agent)",
                        launchToTracingMillis.format("%.0f ms") + "; " + launchToEventsMillis.format("%.0f ms")
                                + " (the agent's own \"ready in\": " + agentReadyMillis.format("%.0f ms") + ")",
                        "≤ 500 ms")
                + row(number, "memory added: RSS after ready and GC; peak RSS (VmHWM)",
                        String.format(Locale.ROOT, "%.1f MB (%s vs %s MB); %.1f MB", addedBy(agent, Figures::rssMb),
                                figures.get(agent).rssMb().format("%.1f"),
                                figures.get(Configuration.PLAIN).rssMb().format("%.1f"),
                                addedBy(agent, Figures::peakRssMb)), "≤ 32 MB")
                + row(number, "memory added: heap used after GC; non-heap (metaspace, code)",
                        String.format(Locale.ROOT, "%.1f MB; %.1f MB", addedBy(agent, Figures::heapMb),
                                addedBy(agent, Figures::nonHeapMb)), "–");
    }

    @Override
    String section() {
        Plan plan = bench.plan;
        StringBuilder md = new StringBuilder();
        md.append("`java [-javaagent:tcplife-agent.jar=log=info] ")
                .append("-cp tcplife-benchmarks.jar dev.tcplife.bench.Hello`, without a recording: launch to the ")
                .append("first line of main, and to exit (main waits until the agent traces; the agent sets JFR ")
                .append("up after, so a JVM can exit before its events flow); ")
                .append(plan.startupRounds() * plan.helloPerRound())
                .append(" runs each. Then a JVM with a recording (`settings=default,settings=tcplife.jfc`) that ")
                .append("waits for tcplife.state=tracing, sleeps 300 ms, runs System.gc() twice, waits 1 s (G1 ")
                .append("returns freed memory concurrently) and reads VmRSS and VmHWM from /proc/self/status; ")
                .append(plan.startupRounds()).append(" runs each. This network namespace had ").append(netnsSockets)
                .append(" TCP sockets (its /proc/net/tcp and tcp6, which the agent reads only when the JVM has ")
                .append("TCP sockets of its own: not at start).\n\n");
        md.append(table(List.of(Configuration.values()), s -> {
            Figures f = figures.get(s);
            return List.of(s.label, f.helloMainMillis().format("%.0f"), f.helloExitMillis().format("%.0f"),
                    f.mainMillis().format("%.0f"), f.rssMb().format("%.1f"), f.peakRssMb().format("%.1f"),
                    f.heapMb().format("%.1f"), f.nonHeapMb().format("%.1f"));
        }, "configuration", "Hello, launch to main (ms)", "Hello, launch to exit (ms)",
                "with a recording: launch to main (ms)", "RSS (MB)", "peak RSS (MB)", "heap used (MB)",
                "non-heap (MB)"));
        return md.append('\n').toString();
    }
}
