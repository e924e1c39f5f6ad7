package dev.tcplife.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark suite, run by {@code scripts/bench}: every measurement side by side in one run, each
 * configuration in its own fresh JVM, repetitions interleaved (round r runs the configurations in an order rotated
 * by r), so that drift on a shared machine spreads over all of them instead of biasing one. Prints a Markdown
 * report on standard output, progress on standard error. Each measurement is a {@link Measurement} with its own
 * figures and its part of the report; this class reads the arguments, runs them, and puts the report together.
 *
 * <pre>
 *   java -cp tcplife-benchmarks.jar dev.tcplife.bench.Harness [--quick]
 *        [--only startup,churn,pair,kernel,loop,hooks,light,print]
 *        [--agent agent/target/tcplife-agent.jar] [--templates jfr-templates] [--work DIR] [--keep]
 *        [--wait-idle MINUTES] [--command TEXT]
 * </pre>
 */
public final class Harness {
    private final BenchRun bench;
    private final String command;
    /** The share of the machine's CPU time in use just before the run. */
    private final double busyBefore;
    private final Churn churn;
    /**
     * Every measurement in the order of the report, which numbers their sections 1, 2, 3...: the same number
     * whatever {@code --only} leaves out, so that a section can be compared from one report to the next.
     */
    private final List<Measurement> inReportOrder;
    /** The same in the order they run. */
    private final List<Measurement> inRunOrder;

    private Harness(BenchRun bench, String command, double busyBefore) {
        this.bench = bench;
        this.command = command;
        this.busyBefore = busyBefore;
        churn = new Churn(bench);
        Kernel kernel = new Kernel(bench);
        Startup startup = new Startup(bench);
        Latency latency = new Latency(bench, churn);
        Hooks hooks = new Hooks(bench);
        ConnectLoop loop = new ConnectLoop(bench);
        PrintBench print = new PrintBench(bench);
        SideBySide pair = new SideBySide(bench);
        inReportOrder = List.of(churn, kernel, startup, latency, hooks, loop, print, pair);
        inRunOrder = List.of(startup, churn, pair, kernel, loop, hooks, latency, print);
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean keep = false;
        Set<String> only = Set.of("startup", "churn", "pair", "kernel", "loop", "hooks", "light", "print");
        Path agent = Path.of("agent/target/tcplife-agent.jar");
        Path templates = Path.of("jfr-templates");
        Path work = Path.of("benchmarks/target/bench-run");
        String command = "scripts/bench";
        int waitIdleMinutes = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--keep" -> keep = true;
                case "--only" -> only = Set.of(args[++i].split(","));
                case "--agent" -> agent = Path.of(args[++i]);
                case "--templates" -> templates = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--command" -> command = args[++i];
                case "--wait-idle" -> waitIdleMinutes = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: Harness [--quick] [--only startup,churn,pair,kernel,loop,hooks,light,print]"
                            + " [--agent JAR] [--templates DIR] [--work DIR] [--keep] [--wait-idle MINUTES]"
                            + " [--command TEXT]");
                    System.exit(2);
                }
            }
        }
        Path benchJar = Path.of(Harness.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.createDirectories(work);
        BenchRun bench = new BenchRun(quick ? Plan.quickRun() : Plan.fullRun(), only, agent.toAbsolutePath(),
                benchJar, templates.toAbsolutePath(), work.toAbsolutePath(), keep);
        CleanUp.atExit();
        new Harness(bench, command, waitIdle(waitIdleMinutes)).run();
    }

    /**
     * The share of the machine's CPU time in use over 2 s. With {@code minutes > 0}, samples 5 s at a time until it is
     * under 10% or the minutes have passed: a shared machine's other work is the noise in every figure.
     */
    private static double waitIdle(int minutes) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
        while (true) {
            Host.CpuTimes before = Host.cpuTimes();
            long start = System.nanoTime();
            Thread.sleep(minutes > 0 ? 5000 : 2000);
            Host.CpuTimes after = Host.cpuTimes();
            double busy = (double) (after.busyNanos() - before.busyNanos())
                    / ((System.nanoTime() - start) * (double) Runtime.getRuntime().availableProcessors());
            if (minutes <= 0 || busy < 0.10 || System.nanoTime() > deadline) {
                BenchRun.progress(String.format(Locale.ROOT, "machine busy before the run: %.0f%% of its CPU time",
                        100 * busy));
                return busy;
            }
            BenchRun.progress(String.format(Locale.ROOT, "machine busy: %.0f%% of its CPU time; waiting for it to "
                    + "calm down", 100 * busy));
        }
    }

    private void run() throws IOException {
        long begin = System.nanoTime();
        String loadBefore = loadAverage();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"));
        for (Measurement measurement : inRunOrder) {
            if (bench.selected(measurement.name)) {
                timed(measurement);
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        String report = report(started, took, loadBefore, loadAverage());
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(report);
        out.flush();
        Files.writeString(bench.file("report.md"), report);
        BenchRun.progress("done in " + took.toMinutes() + " min " + took.toSecondsPart() + " s; report also in "
                + bench.file("report.md"));
    }

    /** Runs a measurement, says how long it took; a failure is noted for the report and the run goes on. */
    private void timed(Measurement measurement) {
        long begin = System.nanoTime();
        try {
            measurement.run();
        } catch (Exception e) {
            bench.failures().add(measurement.title + ": " + e.getMessage());
            BenchRun.progress(measurement.title + " failed: " + e);
        }
        BenchRun.progress(measurement.title + " took " + (System.nanoTime() - begin) / 1_000_000_000 + " s");
    }

    // ------------------------------------------------------------------------------------------------ machine

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String machine() {
        String cpu = Host.firstLine(Path.of("/proc/cpuinfo"), "model name").replaceFirst("^model name\\s*:\\s*", "");
        String flags = Host.firstLine(Path.of("/proc/cpuinfo"), "flags");
        String memory = Host.firstLine(Path.of("/proc/meminfo"), "MemTotal").replaceAll("[^0-9]", "");
        double gib = memory.isEmpty() ? 0 : Long.parseLong(memory) / 1048576.0;
        return String.format(Locale.ROOT, "%s, %d cores%s, %.0f GiB; Linux %s %s; %s %s",
                cpu.isEmpty() ? "unknown CPU" : cpu, Runtime.getRuntime().availableProcessors(),
                flags.contains(" hypervisor") ? " (virtual machine)" : "", gib, System.getProperty("os.version"),
                System.getProperty("os.arch"), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"));
    }

    // ------------------------------------------------------------------------------------------------ report

    private String report(String started, Duration took, String loadBefore, String loadAfter) {
        StringBuilder md = new StringBuilder();
        md.append("### Benchmarks\n\n");
        md.append("Measured by `").append(command).append("` on ").append(started).append(", in ")
                .append(took.toMinutes()).append(" min ").append(took.toSecondsPart()).append(" s")
                .append(bench.plan.quick() ? " (quick smoke run: too short for publishing)" : "").append(".\n\n");
        md.append("Machine: ").append(machine()).append("; libbpf-tools ")
                .append(String.join("", HostTcplife.version())).append(", ")
                .append(Host.runOr("bpftool ?", "bpftool", "version").lines().findFirst().orElse("bpftool ?"))
                .append(". Load average before / after: ").append(loadBefore).append(" / ").append(loadAfter)
                .append(String.format(Locale.ROOT, "; the machine was %.0f%% busy just before the run.",
                        100 * busyBefore))
                .append(churn.noise());
        md.append("\n\n");
        md.append("Each figure is the median over repetitions, with the range (min–max) in brackets; each ")
                .append("repetition is a fresh JVM, and the configurations of one measurement take turns, in an order ")
                .append("rotated every round. Every churn JVM records with ")
                .append("`settings=default,settings=jfr-templates/tcplife.jfc` (with or without the agent).\n\n");

        StringBuilder rows = new StringBuilder();
        StringBuilder sections = new StringBuilder();
        for (int i = 0; i < inReportOrder.size(); i++) {
            Measurement measurement = inReportOrder.get(i);
            if (measurement.reported()) {
                int number = i + 1;
                rows.append(measurement.summaryRows(number));
                sections.append("**").append(number).append(". ").append(measurement.heading).append(".** ")
                        .append(measurement.section());
            }
        }
        md.append(Measurement.tableHeader("#", "measurement", "result", "target")).append(rows).append('\n')
                .append(sections);
        if (!bench.failures().isEmpty()) {
            md.append("**Failures**\n\n");
            bench.failures().forEach(f -> md.append("- ").append(f.replace('\n', ' ')).append('\n'));
            md.append('\n');
        }
        return md.toString();
    }
}
