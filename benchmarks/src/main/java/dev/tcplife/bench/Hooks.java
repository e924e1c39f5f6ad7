package dev.tcplife.bench;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The agent's JDK socket hooks alone, in {@link HookBench}'s loop: CPU per connect, per accept and per Netty
 * accept, and with tcplife-profile.jfc what the connect-site event adds on top.
 */
final class Hooks extends Measurement {
    enum Configuration {
        PLAIN("agent, tcplife.jfc"),
        PROFILE("agent, tcplife-profile.jfc");

        final String label;

        Configuration(String label) {
            this.label = label;
        }
    }

    /** What one HookBench JVM reported: its calling thread's CPU nanoseconds per call of each hook. */
    private record Timed(double connectNs, double acceptNs, double nettyAcceptNs) {
    }

    /** What the runs of one configuration measured, per call. */
    private record Figures(Stats connectNs, Stats acceptNs, Stats nettyAcceptNs) {
        Figures() {
            this(new Stats(), new Stats(), new Stats());
        }
    }

    private final Map<Configuration, Figures> figures = each(Configuration.class, Figures::new);
    /** Within each round: tcplife-profile.jfc minus tcplife.jfc, the connect-site event's. */
    private final Stats openEventConnectNs = new Stats();
    private final Stats openEventAcceptNs = new Stats();

    Hooks(BenchRun bench) {
        super("hooks", "hooks", "Hooks", bench);
    }

    @Override
    void run() throws Exception {
        inRounds(bench.plan.hookRounds(), Configuration.class, this::hooks, results -> {
            Timed plain = results.get(Configuration.PLAIN);
            Timed profile = results.get(Configuration.PROFILE);
            if (plain != null && profile != null) {
                openEventConnectNs.add(profile.connectNs() - plain.connectNs());
                openEventAcceptNs.add(profile.acceptNs() - plain.acceptNs());
            }
        });
    }

    private Timed hooks(Configuration config, String name) throws IOException, InterruptedException {
        List<String> command = bench.jvm("", config == Configuration.PLAIN ? "tcplife.jfc" : "tcplife-profile.jfc",
                bench.file(name + ".jfr"), HookBench.class.getName(), Integer.toString(bench.plan.hookMillis()));
        command.add(1, "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
        command.add(1, "--add-opens=java.base/java.io=ALL-UNNAMED");
        try (Child child = Child.start(command, bench.file(name + ".err"))) {
            Map<String, String> f = Child.fields(child.await("@result", 180));
            child.awaitExit(120);
            Timed timed = new Timed(Double.parseDouble(f.get("connectNs")), Double.parseDouble(f.get("acceptNs")),
                    Double.parseDouble(f.get("nettyAcceptNs")));
            Figures figure = figures.get(config);
            figure.connectNs().add(timed.connectNs());
            figure.acceptNs().add(timed.acceptNs());
            figure.nettyAcceptNs().add(timed.nettyAcceptNs());
            BenchRun.progress(String.format(Locale.ROOT, "%-28s connect hook %,.0f ns, accept hook %,.0f ns, Netty's "
                    + "accept hook %,.0f ns", name, timed.connectNs(), timed.acceptNs(), timed.nettyAcceptNs()));
            bench.deleteUnlessKept(child.stderr);
            return timed;
        } finally {
            bench.deleteUnlessKept(bench.file(name + ".jfr"));
        }
    }

    @Override
    String summaryRows(int number) {
        Figures plain = figures.get(Configuration.PLAIN);
        return row(number, "JDK socket instrumentation alone, CPU per connect; per accept (the hooks in a loop)",
                plain.connectNs().format("%,.0f") + " ns; " + plain.acceptNs().format("%,.0f") + " ns", "–")
                + row(number, "Netty's native accept hook, CPU per accept (the same loop: its fstat, not the accept)",
                        plain.nettyAcceptNs().format("%,.0f") + " ns", "–")
                + row(number, "`tcplife.TcpSessionOpen` alone, CPU per event at a connect; at an accept (the same "
                        + "loop, tcplife-profile.jfc − tcplife.jfc, " + HookBench.DEPTH + " frames deep)",
                        openEventConnectNs.format("%,.0f") + " ns; " + openEventAcceptNs.format("%,.0f") + " ns",
                        "–");
    }

    @Override
    String section() {
        Plan plan = bench.plan;
        StringBuilder md = new StringBuilder();
        md.append("`dev.tcplife.bench.HookBench` calls the listeners the ")
                .append("agent installs in the JDK (`sun.nio.ch.TcplifeSocketHooks`) in a loop, as the inserted ")
                .append("calls do at each connect and accept, with a connected and an accepted loopback channel, and ")
                .append("the accept of a stand-in for Netty's `io.netty.channel.unix.Socket` that the agent ")
                .append("instruments as it does Netty's (it returns the accepted channel's descriptor: the hook's ")
                .append("fstat is timed, not the accept's own system call), ").append(HookBench.DEPTH)
                .append(" frames deep; CPU time of the calling thread per call, over ")
                .append(plan.hookMillis() / 1000.0).append(" s after as long a warm-up; ")
                .append(plan.hookRounds()).append(" rounds.\n\n");
        md.append(table(List.of(Configuration.values()), h -> {
            Figures f = figures.get(h);
            return List.of(h.label, f.connectNs().format("%,.0f"), f.acceptNs().format("%,.0f"),
                    f.nettyAcceptNs().format("%,.0f"));
        }, "configuration", "connect hook (ns)", "accept hook (ns)", "Netty's accept hook (ns)"));
        return md.append('\n').toString();
    }
}
