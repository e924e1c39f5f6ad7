package dev.tcplife.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark suite, run by {@code scripts/bench}: every measurement side by side in one run, each
 * configuration in its own fresh JVM, repetitions interleaved (round r runs the configurations in an order rotated
 * by r), so that drift on a shared machine spreads over all of them instead of biasing one. Prints a Markdown
 * report on standard output, progress on standard error.
 *
 * <pre>
 *   java -cp tcplife-benchmarks.jar dev.tcplife.bench.Harness [--quick]
 *        [--only startup,churn,kernel,loop,hooks,light,print]
 *        [--agent agent/target/tcplife-agent.jar] [--templates jfr-templates] [--work DIR] [--keep]
 *        [--wait-idle MINUTES] [--command TEXT]
 * </pre>
 */
public final class Harness {
    private static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();
    private static volatile boolean tracefsMountedByUs;
    private static volatile String bpfStatsToRestore;

    /** How long and how often: the full run, or the quick smoke run. */
    record Plan(boolean quick, int churnRounds, int churnWarmup, int churnWindow, int kernelRounds, int kernelWarmup,
            int kernelWindow, int loopRounds, int loopWarmup, int loopWindow, int hookRounds, int hookMillis,
            int startupRounds, int helloPerRound, int lightRuns, int lightRate, int lightWindow, int printRounds,
            int printWindow) {
        static Plan fullRun() {
            return new Plan(false, 5, 3000, 6000, 2, 2000, 4000, 3, 1500, 3000, 3, 2000, 6, 2, 2, 50, 11000, 5, 15000);
        }

        static Plan quickRun() {
            return new Plan(true, 1, 1500, 3000, 1, 1000, 2500, 1, 1000, 2500, 1, 1000, 2, 1, 1, 50, 5000, 1, 4000);
        }
    }

    enum Churn {
        NONE("no agent"),
        AGENT("agent, tcplife.jfc"),
        HOST_TCPLIFE("no agent, host-wide libbpf-tools tcplife"),
        PROFILE("agent, tcplife-profile.jfc");

        final String label;

        Churn(String label) {
            this.label = label;
        }
    }

    enum Kernel {
        FOREIGN("agent, sockets of another process"),
        OWN("agent, its own JVM's sockets"),
        HOST_TCPLIFE("libbpf-tools tcplife, every socket");

        final String label;

        Kernel(String label) {
            this.label = label;
        }
    }

    enum Loop {
        NONE("no agent"),
        THREADS_ON("agent, threads=on (default)"),
        THREADS_OFF("agent, threads=off");

        final String label;

        Loop(String label) {
            this.label = label;
        }
    }

    enum Hooks {
        PLAIN("agent, tcplife.jfc"),
        PROFILE("agent, tcplife-profile.jfc");

        final String label;

        Hooks(String label) {
            this.label = label;
        }
    }

    enum Startup {
        PLAIN("no agent"),
        EMPTY_AGENT("an empty -javaagent (reference)"),
        AGENT("agent");

        final String label;

        Startup(String label) {
            this.label = label;
        }
    }

    private final Plan plan;
    private final Path agentJar;
    private final Path benchJar;
    private final Path templates;
    private final Path work;
    private final boolean keep;
    private final String command;
    private final String java;
    private final List<String> failures = new ArrayList<>();
    private double idleBefore = Double.NaN;

    // churn
    private final Map<Churn, Stats> churnRate = new EnumMap<>(Churn.class);
    private final Map<Churn, Stats> churnCpu = new EnumMap<>(Churn.class);
    private final Map<Churn, Stats> churnCores = new EnumMap<>(Churn.class);
    private final Map<Churn, Stats> churnReaderCpu = new EnumMap<>(Churn.class);
    private final Map<Churn, Stats> churnWorkerCpu = new EnumMap<>(Churn.class);
    private final Stats cpuRatioAgent = new Stats();
    private final Map<Churn, Stats> churnReady = new EnumMap<>(Churn.class);
    private final Map<Churn, Stats> churnWarmup = new EnumMap<>(Churn.class);
    private final Stats ratioAgent = new Stats();
    /** Machine CPU used by other processes, and stolen by the hypervisor, during the churn windows: the noise. */
    private final Stats othersShare = new Stats();
    private final Stats stealShare = new Stats();
    private Host.CpuTimes windowStart;
    private Host.CpuTimes windowEnd;
    private final Stats ratioTcplife = new Stats();
    private final Stats profileWallMicros = new Stats();
    private final Stats profileCpuMicros = new Stats();
    private final Stats tracerCpuMicros = new Stats();
    private long tracerLost;
    private final List<String> lossRows = new ArrayList<>();
    private long sessionsMade;
    private long eventsExpected;
    private long eventsFound;
    private long sessionsLost;
    private long sessionsNotTracked;
    private final Stats churnDelayMedian = new Stats();
    private final Stats churnDelayP99 = new Stats();
    private final Stats churnDelayMax = new Stats();
    // kernel
    private final Map<Kernel, Stats> nsPerHit = new EnumMap<>(Kernel.class);
    private final Map<Kernel, Stats> hitsPerSession = new EnumMap<>(Kernel.class);
    private final Map<Kernel, Stats> floorPerHit = new EnumMap<>(Kernel.class);
    private final Stats floor = new Stats();
    private String bpfStatsBefore = "?";
    // connect loop
    private final Map<Loop, Stats> loopWall = new EnumMap<>(Loop.class);
    private final Map<Loop, Stats> loopCpu = new EnumMap<>(Loop.class);
    private final Map<Loop, Stats> loopWorkerCpu = new EnumMap<>(Loop.class);
    private final Stats instrumentationWall = new Stats();
    private final Stats instrumentationCpu = new Stats();
    // hooks
    private final Map<Hooks, Stats> hookConnectNs = new EnumMap<>(Hooks.class);
    private final Map<Hooks, Stats> hookAcceptNs = new EnumMap<>(Hooks.class);
    private final Map<Hooks, Stats> hookNettyAcceptNs = new EnumMap<>(Hooks.class);
    private final Stats openEventConnectNs = new Stats();
    private final Stats openEventAcceptNs = new Stats();
    // start-up
    private final Map<Startup, Stats> helloMillis = new EnumMap<>(Startup.class);
    private final Map<Startup, Stats> helloMainMillis = new EnumMap<>(Startup.class);
    private final Map<Startup, Stats> mainMillis = new EnumMap<>(Startup.class);
    private final Map<Startup, Stats> rss = new EnumMap<>(Startup.class);
    private final Map<Startup, Stats> peakRss = new EnumMap<>(Startup.class);
    private long netnsSockets = -1;
    private final Map<Startup, Stats> heap = new EnumMap<>(Startup.class);
    private final Map<Startup, Stats> nonHeap = new EnumMap<>(Startup.class);
    private final Stats agentReadyLog = new Stats();
    private final Stats launchToTracingLog = new Stats();
    private final Stats launchToEventsLog = new Stats();
    // print
    private final PrintBench print = new PrintBench();
    // light
    private final Stats lightDelayMedian = new Stats();
    private final Stats lightDelayP99 = new Stats();
    private final Stats lightDelayMax = new Stats();

    private Harness(Plan plan, Path agentJar, Path benchJar, Path templates, Path work, boolean keep, String command) {
        this.plan = plan;
        this.agentJar = agentJar;
        this.benchJar = benchJar;
        this.templates = templates;
        this.work = work;
        this.keep = keep;
        this.command = command;
        this.java = ProcessHandle.current().info().command().orElse("java");
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean keep = false;
        Set<String> only = Set.of("startup", "churn", "kernel", "loop", "hooks", "light", "print");
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
                    System.err.println("usage: Harness [--quick] [--only startup,churn,kernel,loop,hooks,light,print]"
                            + " [--agent JAR] [--templates DIR] [--work DIR] [--keep] [--wait-idle MINUTES]"
                            + " [--command TEXT]");
                    System.exit(2);
                }
            }
        }
        Path benchJar = Path.of(Harness.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.createDirectories(work);
        Harness harness = new Harness(quick ? Plan.quickRun() : Plan.fullRun(), agent.toAbsolutePath(), benchJar,
                templates.toAbsolutePath(), work.toAbsolutePath(), keep, command);
        Runtime.getRuntime().addShutdownHook(new Thread(Harness::cleanUp, "bench-cleanup"));
        harness.idleBefore = waitIdle(waitIdleMinutes);
        harness.run(only);
    }

    static void track(Process process) {
        PROCESSES.add(process);
        process.onExit().thenRun(() -> PROCESSES.remove(process));
    }

    static void tracefsMountedByUs(boolean mounted) {
        tracefsMountedByUs = mounted;
    }

    /** At exit, even when interrupted: no process of ours left, BPF statistics and tracefs as they were. */
    private static void cleanUp() {
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
                progress(String.format(Locale.ROOT, "machine busy before the run: %.0f%% of its CPU time", 100 * busy));
                return busy;
            }
            progress(String.format(Locale.ROOT, "machine busy: %.0f%% of its CPU time; waiting for it to calm down",
                    100 * busy));
        }
    }

    private static void progress(String message) {
        System.err.println("[bench] " + message);
    }

    private void run(Set<String> only) throws Exception {
        long begin = System.nanoTime();
        String loadBefore = loadAverage();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"));
        if (only.contains("startup")) {
            phase("start-up", this::startupPhase);
        }
        if (only.contains("churn")) {
            phase("churn", this::churnPhase);
        }
        if (only.contains("kernel")) {
            phase("kernel", this::kernelPhase);
        }
        if (only.contains("loop")) {
            phase("connect loop", this::loopPhase);
        }
        if (only.contains("hooks")) {
            phase("hooks", this::hooksPhase);
        }
        if (only.contains("light")) {
            phase("light", this::lightPhase);
        }
        if (only.contains("print")) {
            phase("print", this::printPhase);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        String report = report(started, took, loadBefore, loadAverage(), only);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(report);
        out.flush();
        Files.writeString(work.resolve("report.md"), report);
        progress("done in " + took.toMinutes() + " min " + took.toSecondsPart() + " s; report also in "
                + work.resolve("report.md"));
    }

    @FunctionalInterface
    private interface Phase {
        void run() throws Exception;
    }

    private void phase(String name, Phase phase) {
        long begin = System.nanoTime();
        try {
            phase.run();
        } catch (Exception e) {
            failures.add(name + ": " + e.getMessage());
            progress(name + " failed: " + e);
        }
        progress(name + " took " + (System.nanoTime() - begin) / 1_000_000_000 + " s");
    }

    // ------------------------------------------------------------------------------------------------ JVMs

    private List<String> jvm(String agentOptions, String template, Path recording, String mainClass, String... args) {
        return jvm(agentJar, agentOptions, template, recording, mainClass, args);
    }

    /**
     * The command for one measured JVM: the agent jar with its options (none when {@code agentOptions} is null),
     * a recording with the JDK's default template plus {@code template} (none when null), dumped at exit.
     */
    private List<String> jvm(Path agent, String agentOptions, String template, Path recording, String mainClass,
            String... args) {
        List<String> command = new ArrayList<>();
        command.add(java);
        if (agentOptions != null) {
            command.add("-javaagent:" + agent + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
        }
        if (template != null) {
            command.add("-XX:StartFlightRecording=filename=" + recording + ",dumponexit=true,settings=default,settings="
                    + templates.resolve(template));
            command.add("-Xlog:jfr+startup=off");
        }
        command.add("-cp");
        command.add(benchJar.toString());
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    private static final Pattern READY_IN = Pattern.compile("ready in (\\d+) ms");
    private static final Pattern TRACING_AFTER_LAUNCH = Pattern.compile("tracing (\\d+) ms after launch");
    private static final Pattern EVENTS_AFTER_LAUNCH = Pattern.compile("events (\\d+) ms after launch");

    private static double agentReadyMillis(Child child) {
        return logged(READY_IN, child);
    }

    /** The number the agent's log line gives, or NaN. */
    private static double logged(Pattern figure, Child child) {
        Matcher m = figure.matcher(child.stderrText());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static <E extends Enum<E>> List<E> rotated(E[] values, int round) {
        List<E> order = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            order.add(values[(i + round) % values.length]);
        }
        return order;
    }

    private static <K> Stats stats(Map<K, Stats> map, K key) {
        return map.computeIfAbsent(key, k -> new Stats());
    }

    private void deleteUnlessKept(Path file) throws IOException {
        if (!keep) {
            Files.deleteIfExists(file);
        }
    }

    /** What one churn JVM reported. */
    private record ChurnResult(long made, long failures, int port, long windowSessions, long windowNanos,
            long cpuNanos, long readerCpuNanos, long workerCpuNanos, long churnStartMillis, long windowStartMillis,
            long windowEndMillis,
            long warmupMillis, double readyMillis) {
        static ChurnResult of(String line, double readyMillis) {
            Map<String, String> f = Child.fields(line);
            return new ChurnResult(Long.parseLong(f.get("made")), Long.parseLong(f.get("failures")),
                    Integer.parseInt(f.get("port")), Long.parseLong(f.get("windowSessions")),
                    Long.parseLong(f.get("windowNanos")), Long.parseLong(f.get("cpuNanos")),
                    Long.parseLong(f.get("readerCpuNanos")), Long.parseLong(f.get("workerCpuNanos")),
                    Long.parseLong(f.get("churnStartMillis")),
                    Long.parseLong(f.get("windowStartMillis")), Long.parseLong(f.get("windowEndMillis")),
                    Long.parseLong(f.get("warmupMillis")), readyMillis);
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

        double wallMicrosPerSession() {
            return windowNanos / 1e3 / windowSessions;
        }
    }

    /** Snapshots taken when the churn JVM opens and closes its window. */
    @FunctionalInterface
    private interface WindowHook {
        void at(boolean start) throws IOException, InterruptedException;
    }

    /** Runs one churn JVM to its end: ready, warm-up, window, exit (and the recording's dump). */
    private ChurnResult churn(List<String> command, String name, WindowHook hook, ChildHook onReady)
            throws IOException, InterruptedException {
        try (Child child = Child.start(command, work.resolve(name + ".err"))) {
            child.await("@ready", 120);
            if (onReady != null) {
                onReady.ready(child);
            }
            child.await("@window-start", 120);
            windowStart = Host.cpuTimes();
            if (hook != null) {
                hook.at(true);
            }
            child.await("@window-end", 120);
            windowEnd = Host.cpuTimes();
            if (hook != null) {
                hook.at(false);
            }
            String result = child.await("@result", 120);
            child.awaitExit(120);
            ChurnResult r = ChurnResult.of(result, agentReadyMillis(child));
            if (r.failures() > 0) {
                progress(name + ": " + r.failures() + " sessions failed");
            }
            if (!keep) {
                Files.deleteIfExists(child.stderr);
            }
            return r;
        }
    }

    @FunctionalInterface
    private interface ChildHook {
        void ready(Child child) throws IOException, InterruptedException;
    }

    private String[] churnArgs(int warmup, int window, int clients, int payload) {
        return new String[] {"churn", "clients=" + clients, "payload=" + payload, "warmup=" + warmup,
                "window=" + window};
    }

    // ------------------------------------------------------------------------------------------- 1, 2, 5, 6: churn

    private void churnPhase() throws Exception {
        for (int round = 0; round < plan.churnRounds(); round++) {
            Map<Churn, ChurnResult> results = new EnumMap<>(Churn.class);
            for (Churn config : rotated(Churn.values(), round)) {
                String name = "churn-" + config.name().toLowerCase(Locale.ROOT) + "-" + round;
                try {
                    results.put(config, churnRun(config, name));
                } catch (IOException e) {
                    failures.add(name + ": " + e.getMessage());
                    progress(name + " failed: " + e.getMessage());
                }
            }
            ChurnResult none = results.get(Churn.NONE);
            ChurnResult agent = results.get(Churn.AGENT);
            ChurnResult tcplife = results.get(Churn.HOST_TCPLIFE);
            ChurnResult profile = results.get(Churn.PROFILE);
            if (none != null && agent != null) {
                ratioAgent.add(agent.perSecond() / none.perSecond());
                cpuRatioAgent.add(agent.cpuMicrosPerSession() / none.cpuMicrosPerSession());
            }
            if (none != null && tcplife != null) {
                ratioTcplife.add(tcplife.perSecond() / none.perSecond());
            }
            if (agent != null && profile != null) {
                profileWallMicros.add(profile.wallMicrosPerSession() - agent.wallMicrosPerSession());
                profileCpuMicros.add(profile.workerCpuMicrosPerSession() - agent.workerCpuMicrosPerSession());
            }
        }
    }

    private ChurnResult churnRun(Churn config, String name) throws IOException, InterruptedException {
        Path recording = work.resolve(name + ".jfr");
        String[] args = churnArgs(plan.churnWarmup(), plan.churnWindow(), 2, 8);
        List<String> command = switch (config) {
            case NONE, HOST_TCPLIFE -> jvm(null, "tcplife.jfc", recording, Workload.class.getName(), args);
            case AGENT -> jvm("log=info", "tcplife.jfc", recording, Workload.class.getName(), args);
            case PROFILE -> jvm("log=info", "tcplife-profile.jfc", recording, Workload.class.getName(), args);
        };
        ChurnResult r;
        HostTcplife tracer = null;
        try {
            if (config == Churn.HOST_TCPLIFE) {
                tracer = HostTcplife.start(work.resolve(name + ".tcplife.err"));
            }
            r = churn(command, name, null, null);
            if (tracer != null) {
                tracer.close();
                tracerCpuMicros.add(tracer.cpuNanos() / 1e3 / r.made());
                tracerLost += tracer.lostEvents();
            }
        } finally {
            if (tracer != null) {
                tracer.close();
                deleteUnlessKept(work.resolve(name + ".tcplife.err"));
            }
        }
        stats(churnRate, config).add(r.perSecond());
        stats(churnCpu, config).add(r.cpuMicrosPerSession());
        stats(churnCores, config).add((double) r.cpuNanos() / r.windowNanos());
        double capacity = (double) r.windowNanos() * Runtime.getRuntime().availableProcessors();
        othersShare.add(Math.max(0, windowEnd.busyNanos() - windowStart.busyNanos() - r.cpuNanos()) / capacity);
        stealShare.add((windowEnd.stealNanos() - windowStart.stealNanos()) / capacity);
        stats(churnWorkerCpu, config).add(r.workerCpuMicrosPerSession());
        stats(churnWarmup, config).add(r.warmupMillis() / 1000.0);
        String detail = "";
        if (config == Churn.AGENT || config == Churn.PROFILE) {
            stats(churnReaderCpu, config).add(r.readerCpuNanos() / 1e3 / r.windowSessions());
            stats(churnReady, config).add(r.readyMillis());
            RecordingFacts facts = RecordingFacts.read(recording, r.port());
            long expected = 2 * r.made();
            sessionsMade += r.made();
            eventsExpected += expected;
            eventsFound += facts.sessionEvents();
            sessionsLost += facts.sessionsLost;
            sessionsNotTracked += facts.sessionsNotTracked + facts.listenersNotTracked;
            lossRows.add(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %,d | %d | %d | %s |", name,
                    r.made(), expected, facts.clientEvents, facts.serverEvents, facts.otherEvents, facts.sessionsLost,
                    facts.sessionsNotTracked + facts.listenersNotTracked,
                    config == Churn.PROFILE ? String.format(Locale.ROOT, "%,d", facts.openEvents) : "–"));
            if (config == Churn.AGENT) {
                for (RecordingFacts.Period p : facts.periodsWithSessions()) {
                    churnDelayMedian.add(p.medianNs() / 1e6);
                    churnDelayP99.add(p.p99Ns() / 1e6);
                    churnDelayMax.add(p.maxNs() / 1e6);
                }
            }
            detail = String.format(Locale.ROOT, ", events %,d of %,d, lost %d", facts.sessionEvents(), expected,
                    facts.sessionsLost);
        }
        deleteUnlessKept(recording);
        progress(String.format(Locale.ROOT, "%-28s %,8.0f sessions/s, CPU %5.1f us/session (%5.1f in client and "
                + "server threads), warm-up %.1f s%s", name, r.perSecond(), r.cpuMicrosPerSession(),
                r.workerCpuMicrosPerSession(), r.warmupMillis() / 1000.0, detail));
        return r;
    }

    // ------------------------------------------------------------------------------------------------ 3: kernel

    private void kernelPhase() throws Exception {
        bpfStatsBefore = Host.bpfStatsEnabled();
        bpfStatsToRestore = bpfStatsBefore;
        Host.setBpfStats("1");
        EmptyProgram empty = null;
        try {
            empty = EmptyProgram.start(work);
            for (int round = 0; round < plan.kernelRounds(); round++) {
                for (Kernel config : rotated(Kernel.values(), round)) {
                    String name = "kernel-" + config.name().toLowerCase(Locale.ROOT) + "-" + round;
                    try {
                        kernelRun(config, name, empty);
                    } catch (IOException e) {
                        failures.add(name + ": " + e.getMessage());
                        progress(name + " failed: " + e.getMessage());
                    }
                }
            }
        } finally {
            if (empty != null) {
                empty.close();
            }
            Host.setBpfStats(bpfStatsBefore);
            bpfStatsToRestore = null;
            progress("kernel.bpf_stats_enabled back to " + bpfStatsBefore);
        }
    }

    private void kernelRun(Kernel config, String name, EmptyProgram empty) throws IOException, InterruptedException {
        Path recording = work.resolve(name + ".jfr");
        Path idleRecording = work.resolve(name + "-idle.jfr");
        String[] args = churnArgs(plan.kernelWarmup(), plan.kernelWindow(), 2, 8);
        int[] programId = {-1};
        Host.ProgramStats[] at = new Host.ProgramStats[2];
        Host.ProgramStats[] emptyAt = new Host.ProgramStats[2];
        WindowHook hook = start -> {
            at[start ? 0 : 1] = Host.programStats(programId[0]);
            if (empty != null) {
                emptyAt[start ? 0 : 1] = Host.programStats(empty.programId);
            }
        };
        ChurnResult r;
        switch (config) {
            case OWN -> r = churn(jvm("", "tcplife.jfc", recording, Workload.class.getName(), args), name, hook,
                    child -> programId[0] = Host.awaitProgram(child.process.pid(), "tcp_session_set", 30));
            case FOREIGN -> {
                try (Child idle = Child.start(jvm("", "tcplife.jfc", idleRecording, Workload.class.getName(), "idle"),
                        work.resolve(name + "-idle.err"))) {
                    idle.await("@ready", 120);
                    programId[0] = Host.awaitProgram(idle.process.pid(), "tcp_session_set", 30);
                    r = churn(jvm(null, "tcplife.jfc", recording, Workload.class.getName(), args), name, hook, null);
                    idle.process.getOutputStream().close();
                    idle.awaitExit(60);
                }
                deleteUnlessKept(work.resolve(name + "-idle.err"));
            }
            case HOST_TCPLIFE -> {
                try (HostTcplife tracer = HostTcplife.start(work.resolve(name + ".tcplife.err"))) {
                    programId[0] = tracer.programId();
                    r = churn(jvm(null, "tcplife.jfc", recording, Workload.class.getName(), args), name, hook, null);
                }
                deleteUnlessKept(work.resolve(name + ".tcplife.err"));
            }
            default -> throw new IllegalStateException();
        }
        deleteUnlessKept(recording);
        deleteUnlessKept(idleRecording);
        long hits = at[1].runCount() - at[0].runCount();
        long nanos = at[1].runTimeNs() - at[0].runTimeNs();
        if (hits <= 0) {
            throw new IOException("program " + programId[0] + " ran " + hits + " times in the window");
        }
        stats(nsPerHit, config).add((double) nanos / hits);
        stats(hitsPerSession, config).add((double) hits / r.windowSessions());
        String floorText = "";
        if (empty != null) {
            long emptyHits = emptyAt[1].runCount() - emptyAt[0].runCount();
            double emptyNs = emptyHits <= 0 ? Double.NaN
                    : (double) (emptyAt[1].runTimeNs() - emptyAt[0].runTimeNs()) / emptyHits;
            stats(floorPerHit, config).add(emptyNs);
            floor.add(emptyNs);
            floorText = String.format(Locale.ROOT, ", empty program %.0f ns/hit", emptyNs);
        }
        progress(String.format(Locale.ROOT, "%-28s %s (id %d): %,d hits, %.0f ns/hit, %.1f hits/session%s", name,
                at[1].name(), programId[0], hits, (double) nanos / hits, (double) hits / r.windowSessions(),
                floorText));
    }

    // ------------------------------------------------------------------------------------------------ 6: connect loop

    private void loopPhase() throws Exception {
        for (int round = 0; round < plan.loopRounds(); round++) {
            Map<Loop, ChurnResult> results = new EnumMap<>(Loop.class);
            for (Loop config : rotated(Loop.values(), round)) {
                String name = "loop-" + config.name().toLowerCase(Locale.ROOT) + "-" + round;
                Path recording = work.resolve(name + ".jfr");
                String[] args = churnArgs(plan.loopWarmup(), plan.loopWindow(), 1, 0);
                String agent = switch (config) {
                    case NONE -> null;
                    case THREADS_ON -> "threads=on";
                    case THREADS_OFF -> "threads=off";
                };
                List<String> command = jvm(agent, "tcplife.jfc", recording, Workload.class.getName(), args);
                command.addAll(0, pinnedToOneCpu());
                try {
                    ChurnResult r = churn(command, name, null, null);
                    deleteUnlessKept(recording);
                    results.put(config, r);
                    stats(loopWall, config).add(r.wallMicrosPerSession());
                    stats(loopCpu, config).add(r.cpuMicrosPerSession());
                    stats(loopWorkerCpu, config).add(r.workerCpuMicrosPerSession());
                    progress(String.format(Locale.ROOT, "%-28s %6.2f us/session, CPU %6.2f us/session, %6.2f us in "
                            + "client and server threads", name, r.wallMicrosPerSession(), r.cpuMicrosPerSession(),
                            r.workerCpuMicrosPerSession()));
                } catch (IOException e) {
                    failures.add(name + ": " + e.getMessage());
                    progress(name + " failed: " + e.getMessage());
                }
            }
            ChurnResult on = results.get(Loop.THREADS_ON);
            ChurnResult off = results.get(Loop.THREADS_OFF);
            if (on != null && off != null) {
                instrumentationWall.add(on.wallMicrosPerSession() - off.wallMicrosPerSession());
                instrumentationCpu.add(on.workerCpuMicrosPerSession() - off.workerCpuMicrosPerSession());
            }
        }
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

    // ------------------------------------------------------------------------------------------------ 6: hooks

    // ------------------------------------------------------------------------------------------------ 7: print

    private void printPhase() throws Exception {
        Path recording = work.resolve("print.jfr");
        churn(jvm("log=info", "tcplife.jfc", recording, Workload.class.getName(),
                churnArgs(1000, plan.printWindow(), 2, 8)), "print-recording", null, null);
        try {
            print.measure(java, agentJar, benchJar, recording, plan.printRounds(), work);
        } finally {
            deleteUnlessKept(recording);
        }
    }

    private void hooksPhase() throws Exception {
        for (int round = 0; round < plan.hookRounds(); round++) {
            Map<Hooks, double[]> results = new EnumMap<>(Hooks.class);
            for (Hooks config : rotated(Hooks.values(), round)) {
                String name = "hooks-" + config.name().toLowerCase(Locale.ROOT) + "-" + round;
                List<String> command = jvm("", config == Hooks.PLAIN ? "tcplife.jfc" : "tcplife-profile.jfc",
                        work.resolve(name + ".jfr"), HookBench.class.getName(), Integer.toString(plan.hookMillis()));
                command.add(1, "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
                command.add(1, "--add-opens=java.base/java.io=ALL-UNNAMED");
                try (Child child = Child.start(command, work.resolve(name + ".err"))) {
                    Map<String, String> f = Child.fields(child.await("@result", 180));
                    child.awaitExit(120);
                    double connect = Double.parseDouble(f.get("connectNs"));
                    double accept = Double.parseDouble(f.get("acceptNs"));
                    double nettyAccept = Double.parseDouble(f.get("nettyAcceptNs"));
                    results.put(config, new double[] {connect, accept});
                    stats(hookConnectNs, config).add(connect);
                    stats(hookAcceptNs, config).add(accept);
                    stats(hookNettyAcceptNs, config).add(nettyAccept);
                    progress(String.format(Locale.ROOT, "%-28s connect hook %,.0f ns, accept hook %,.0f ns, Netty's "
                            + "accept hook %,.0f ns", name, connect, accept, nettyAccept));
                    if (!keep) {
                        Files.deleteIfExists(child.stderr);
                    }
                } catch (IOException e) {
                    failures.add(name + ": " + e.getMessage());
                    progress(name + " failed: " + e.getMessage());
                }
                deleteUnlessKept(work.resolve(name + ".jfr"));
            }
            if (results.size() == 2) {
                openEventConnectNs.add(results.get(Hooks.PROFILE)[0] - results.get(Hooks.PLAIN)[0]);
                openEventAcceptNs.add(results.get(Hooks.PROFILE)[1] - results.get(Hooks.PLAIN)[1]);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ 4: start-up

    private void startupPhase() throws Exception {
        netnsSockets = netnsSockets();
        Path emptyAgent = work.resolve("empty-agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", EmptyAgent.class.getName());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(emptyAgent), manifest)) {
            // the manifest is all: the class comes from the benchmark jar on the class path
        }
        for (int round = 0; round < plan.startupRounds(); round++) {
            for (Startup config : rotated(Startup.values(), round)) {
                for (int i = 0; i < plan.helloPerRound(); i++) {
                    List<String> command = switch (config) {
                        case PLAIN -> jvm(null, null, null, Hello.class.getName());
                        case EMPTY_AGENT -> jvm(emptyAgent, "", null, null, Hello.class.getName());
                        case AGENT -> jvm("log=info", null, null, Hello.class.getName());
                    };
                    try (Child child = Child.start(command, work.resolve("hello.err"))) {
                        String main = child.await("@main", 120);
                        child.awaitExit(120);
                        long exit = System.nanoTime();
                        stats(helloMillis, config).add((exit - child.launchNanos) / 1e6);
                        stats(helloMainMillis, config).add(
                                (Long.parseLong(Child.fields(main).get("nanos")) - child.launchNanos) / 1e6);
                    }
                }
            }
            for (Startup config : rotated(new Startup[] {Startup.PLAIN, Startup.AGENT}, round)) {
                String agent = config == Startup.AGENT ? "log=info" : null;
                String name = "probe-" + config.name().toLowerCase(Locale.ROOT) + "-" + round;
                Path recording = work.resolve(name + ".jfr");
                try (Child child = Child.start(jvm(agent, "tcplife.jfc", recording, Workload.class.getName(), "probe"),
                        work.resolve(name + ".err"))) {
                    Map<String, String> f = Child.fields(child.await("@result", 120));
                    child.awaitExit(120);
                    long main = Long.parseLong(f.get("main"));
                    stats(mainMillis, config).add((main - child.launchNanos) / 1e6);
                    stats(rss, config).add(Long.parseLong(f.get("rss")) / 1048576.0);
                    stats(peakRss, config).add(Long.parseLong(f.get("peakRss")) / 1048576.0);
                    stats(heap, config).add(Long.parseLong(f.get("heap")) / 1048576.0);
                    stats(nonHeap, config).add(Long.parseLong(f.get("nonHeap")) / 1048576.0);
                    if (config == Startup.AGENT) {
                        agentReadyLog.add(agentReadyMillis(child));
                        launchToTracingLog.add(logged(TRACING_AFTER_LAUNCH, child));
                        launchToEventsLog.add(logged(EVENTS_AFTER_LAUNCH, child));
                    }
                    if (!keep) {
                        Files.deleteIfExists(child.stderr);
                    }
                }
                deleteUnlessKept(recording);
            }
            progress(String.format(Locale.ROOT, "start-up round %d/%d: Hello to exit %.0f / %.0f / %.0f ms, RSS %.1f / "
                    + "%.1f MB", round + 1, plan.startupRounds(), stats(helloMillis, Startup.PLAIN).median(),
                    stats(helloMillis, Startup.EMPTY_AGENT).median(), stats(helloMillis, Startup.AGENT).median(),
                    stats(rss, Startup.PLAIN).median(), stats(rss, Startup.AGENT).median()));
        }
        Files.deleteIfExists(work.resolve("hello.err"));
        Files.deleteIfExists(emptyAgent);
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

    // ------------------------------------------------------------------------------------------------ 5: light

    private void lightPhase() throws Exception {
        for (int run = 0; run < plan.lightRuns(); run++) {
            String name = "light-" + run;
            Path recording = work.resolve(name + ".jfr");
            try (Child child = Child.start(jvm("", "tcplife.jfc", recording, Workload.class.getName(), "light",
                    "rate=" + plan.lightRate(), "window=" + plan.lightWindow()), work.resolve(name + ".err"))) {
                child.await("@window-end", 120);
                Map<String, String> f = Child.fields(child.await("@result", 120));
                child.awaitExit(120);
                RecordingFacts facts = RecordingFacts.read(recording, Integer.parseInt(f.get("port")));
                for (RecordingFacts.Period p : facts.periodsWithSessions()) {
                    lightDelayMedian.add(p.medianNs() / 1e6);
                    lightDelayP99.add(p.p99Ns() / 1e6);
                    lightDelayMax.add(p.maxNs() / 1e6);
                }
                progress(String.format(Locale.ROOT, "%s: %s sessions, events %,d, read delay median %s ms", name,
                        f.get("made"), facts.sessionEvents(), lightDelayMedian.format("%.1f")));
                if (!keep) {
                    Files.deleteIfExists(child.stderr);
                }
            }
            deleteUnlessKept(recording);
        }
    }

    // ------------------------------------------------------------------------------------------------ report

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

    private String report(String started, Duration took, String loadBefore, String loadAfter, Set<String> only) {
        StringBuilder md = new StringBuilder();
        Stats none = stats(churnRate, Churn.NONE);
        Stats agent = stats(churnRate, Churn.AGENT);
        md.append("### Benchmarks\n\n");
        md.append("Measured by `").append(command).append("` on ").append(started).append(", in ")
                .append(took.toMinutes()).append(" min ").append(took.toSecondsPart()).append(" s")
                .append(plan.quick() ? " (quick smoke run: too short for publishing)" : "").append(".\n\n");
        md.append("Machine: ").append(machine()).append("; libbpf-tools ")
                .append(String.join("", HostTcplife.version())).append(", ")
                .append(Host.runOr("bpftool ?", "bpftool", "version").lines().findFirst().orElse("bpftool ?"))
                .append(". Load average before / after: ").append(loadBefore).append(" / ").append(loadAfter)
                .append(String.format(Locale.ROOT, "; the machine was %.0f%% busy just before the run.",
                        100 * idleBefore));
        if (!othersShare.isEmpty()) {
            md.append(" During the churn windows, other processes used ").append(othersShare.map(x -> 100 * x)
                    .format("%.0f%%")).append(" of the machine's CPU time and the hypervisor stole ")
                    .append(stealShare.map(x -> 100 * x).format("%.0f%%")).append(" (the host-wide tcplife run ")
                    .append("counts its tracer among the others).");
        }
        md.append("\n\n");
        md.append("Each figure is the median over repetitions, with the range (min–max) in brackets; each ")
                .append("repetition is a fresh JVM, and the configurations of one measurement take turns, in an order ")
                .append("rotated every round. Every churn JVM records with ")
                .append("`settings=default,settings=jfr-templates/tcplife.jfc` (with or without the agent).\n\n");

        md.append("| # | measurement | result | target |\n|---|---|---|---|\n");
        if (only.contains("churn")) {
            md.append(row("1", "churn throughput with the agent, relative to without",
                    ratioAgent.format("%.3f") + String.format(Locale.ROOT, "; medians %,.0f vs %,.0f sessions/s",
                            agent.median(), none.median()), "≥ 0.99"));
            md.append(row("1", "the same as CPU: JVM CPU time per session without the agent over with it",
                    cpuRatioAgent.map(x -> 1 / x).format("%.3f") + String.format(Locale.ROOT,
                            "; medians %.1f vs %.1f µs per session", stats(churnCpu, Churn.AGENT).median(),
                            stats(churnCpu, Churn.NONE).median()), "–"));
            md.append(row("1", "anchor: churn throughput while libbpf-tools `tcplife` traces the host, relative",
                    ratioTcplife.format("%.3f") + String.format(Locale.ROOT, "; median %,.0f sessions/s",
                            stats(churnRate, Churn.HOST_TCPLIFE).median()), "–"));
            md.append(row("2", "`tcplife.TcpSession` events in the recordings vs 2 × sessions made",
                    String.format(Locale.ROOT, "%,d of %,d (%,d sessions, %d runs); sessionsLost %d, not tracked %d",
                            eventsFound, eventsExpected, sessionsMade, lossRows.size(), sessionsLost,
                            sessionsNotTracked), "0 lost"));
        }
        if (only.contains("kernel")) {
            md.append(row("3a", "kernel program, per tracepoint hit, sockets of another process",
                    stats(nsPerHit, Kernel.FOREIGN).format("%.0f ns"), "≤ 100 ns"));
            md.append(row("3b", "kernel program, per tracepoint hit, its own JVM's sockets",
                    stats(nsPerHit, Kernel.OWN).format("%.0f ns"), "≤ 300 ns"));
            md.append(row("3", "anchor: libbpf-tools `tcplife` program, per hit",
                    stats(nsPerHit, Kernel.HOST_TCPLIFE).format("%.0f ns"), "–"));
            md.append(row("3", "floor: an empty program (`r0 = 0; exit`) on the same tracepoint, same hits",
                    floor.format("%.0f ns"), "–"));
        }
        if (only.contains("startup")) {
            Stats plain = stats(helloMillis, Startup.PLAIN);
            Stats withAgent = stats(helloMillis, Startup.AGENT);
            Stats plainMain = stats(helloMainMillis, Startup.PLAIN);
            Stats agentMain = stats(helloMainMillis, Startup.AGENT);
            md.append(row("4", "`main` begins later with `-javaagent`, a recording started at launch (`settings=default,"
                    + "settings=tcplife.jfc`)", String.format(Locale.ROOT, "%.0f ms", stats(mainMillis, Startup.AGENT).median()
                    - stats(mainMillis, Startup.PLAIN).median()), "≤ 250 ms"));
            md.append(row("4", "the same without a recording (`Hello`): launch to main; launch to exit",
                    String.format(Locale.ROOT, "%.0f ms; %.0f ms (an empty agent: %.0f ms; %.0f ms)",
                            agentMain.median() - plainMain.median(), withAgent.median() - plain.median(),
                            stats(helloMainMillis, Startup.EMPTY_AGENT).median() - plainMain.median(),
                            stats(helloMillis, Startup.EMPTY_AGENT).median() - plain.median()),
                    "–"));
            md.append(row("4", "with that recording, launch to tracing (kernel program attached, socket hooks in place; "
                    + "the agent's log, to 10 ms); launch to events flowing (JFR set up for the agent)",
                    launchToTracingLog.format("%.0f ms") + "; " + launchToEventsLog.format("%.0f ms")
                            + " (the agent's own \"ready in\": " + agentReadyLog.format("%.0f ms") + ")",
                    "≤ 500 ms"));
            md.append(row("4", "memory added: RSS after ready and GC; peak RSS (VmHWM)",
                    String.format(Locale.ROOT, "%.1f MB (%s vs %s MB); %.1f MB", stats(rss, Startup.AGENT).median()
                            - stats(rss, Startup.PLAIN).median(), stats(rss, Startup.AGENT).format("%.1f"),
                            stats(rss, Startup.PLAIN).format("%.1f"), stats(peakRss, Startup.AGENT).median()
                            - stats(peakRss, Startup.PLAIN).median()), "≤ 32 MB"));
            md.append(row("4", "memory added: heap used after GC; non-heap (metaspace, code)",
                    String.format(Locale.ROOT, "%.1f MB; %.1f MB", stats(heap, Startup.AGENT).median()
                            - stats(heap, Startup.PLAIN).median(), stats(nonHeap, Startup.AGENT).median()
                            - stats(nonHeap, Startup.PLAIN).median()), "–"));
        }
        if (only.contains("churn")) {
            md.append(row("5", "TCP_CLOSE to read by the agent, under churn: median; p99; max",
                    churnDelayMedian.format("%.1f") + "; " + churnDelayP99.format("%.1f") + "; "
                            + churnDelayMax.format("%.1f") + " ms", "–"));
        }
        if (only.contains("light")) {
            md.append(row("5", "TCP_CLOSE to read by the agent, " + plan.lightRate() + " sessions/s: median; p99; max",
                    lightDelayMedian.format("%.1f") + "; " + lightDelayP99.format("%.1f") + "; "
                            + lightDelayMax.format("%.1f") + " ms", "–"));
        }
        if (only.contains("churn")) {
            md.append(row("6", "`tcplife.TcpSessionOpen` (tcplife-profile.jfc − tcplife.jfc in the churn), per "
                    + "session (a connect and an accept); the hooks' loop below is steadier",
                    profileCpuMicros.format("%.1f") + " µs CPU in the connecting and accepting threads; "
                            + profileWallMicros.format("%.1f") + " µs of churn time",
                    "–"));
        }
        if (only.contains("hooks")) {
            md.append(row("6", "JDK socket instrumentation alone, CPU per connect; per accept (the hooks in a loop)",
                    stats(hookConnectNs, Hooks.PLAIN).format("%,.0f") + " ns; "
                            + stats(hookAcceptNs, Hooks.PLAIN).format("%,.0f") + " ns", "–"));
            md.append(row("6", "Netty's native accept hook, CPU per accept (the same loop: its fstat, not the accept)",
                    stats(hookNettyAcceptNs, Hooks.PLAIN).format("%,.0f") + " ns", "–"));
            md.append(row("6", "`tcplife.TcpSessionOpen` alone, CPU per event at a connect; at an accept "
                    + "(the same loop, tcplife-profile.jfc − tcplife.jfc, " + HookBench.DEPTH + " frames deep)",
                    openEventConnectNs.format("%,.0f") + " ns; " + openEventAcceptNs.format("%,.0f") + " ns", "–"));
        }
        if (only.contains("loop")) {
            md.append(row("6", "JDK socket instrumentation (threads=on − threads=off), per connect+accept",
                    instrumentationCpu.format("%.2f") + " µs CPU in the connecting and accepting threads; "
                            + instrumentationWall.format("%.2f") + " µs of loop time",
                    "–"));
        }
        if (only.contains("print")) {
            md.append(print.summary());
        }
        md.append('\n');

        if (only.contains("churn")) {
            md.append("**1, 2, 5, 6. Churn.** One JVM, two client threads connecting to a server thread in the same ")
                    .append("JVM over loopback: connect, 8 bytes each way, the server closes first, then the client. ")
                    .append(plan.churnRounds()).append(" rounds; each JVM waits for the agent to trace, warms up ")
                    .append("for at least ").append(plan.churnWarmup() / 1000.0).append(" s and until its JIT ")
                    .append("compilers are quiet (under 50 ms of compilation in a second; at most 5 s longer), ")
                    .append("then counts sessions over a ")
                    .append(plan.churnWindow() / 1000.0).append(" s window. CPU is the whole JVM's (user + system, ")
                    .append("loopback softirq included) in the window: in cores, and per session; then the part of ")
                    .append("the client and server threads, where the connect and accept hooks run and the ")
                    .append("connect-site events are committed, and of the agent's reader thread ")
                    .append("(`tcplife-sessions`), ")
                    .append("which decodes each session and commits its events. The sessions are a relay between ")
                    .append("threads, so the JVM keeps well under all cores busy: time added on a connecting or ")
                    .append("accepting thread lowers throughput fully.\n\n");
            md.append("| configuration | sessions/s | JVM CPU (cores) | CPU µs/session | in client + server ")
                    .append("threads | in the agent's reader | agent ready (ms) | warm-up (s) |\n")
                    .append("|---|---|---|---|---|---|---|---|\n");
            for (Churn c : Churn.values()) {
                md.append(row(c.label, stats(churnRate, c).format("%,.0f"), stats(churnCores, c).format("%.2f"),
                        stats(churnCpu, c).format("%.1f"), stats(churnWorkerCpu, c).format("%.1f"),
                        stats(churnReaderCpu, c).format("%.2f"), stats(churnReady, c).format("%.0f"),
                        stats(churnWarmup, c).format("%.1f")));
            }
            if (!tracerCpuMicros.isEmpty()) {
                md.append(String.format(Locale.ROOT, "\nThe host-wide `tcplife` process itself used %s µs CPU per "
                        + "session (both ends) on top, and reported %d events lost.\n", tracerCpuMicros.format("%.1f"),
                        tracerLost));
            }
            md.append("\n| run | sessions made | events expected | client events | server events | other events | ")
                    .append("sessionsLost | not tracked | TcpSessionOpen events |\n")
                    .append("|---|---|---|---|---|---|---|---|---|\n");
            lossRows.forEach(r -> md.append(r).append('\n'));
            md.append('\n');
        }
        if (only.contains("kernel")) {
            md.append("**3. Kernel cost.** `kernel.bpf_stats_enabled=1` for this measurement only (it was ")
                    .append(bpfStatsBefore).append(", and is again); `bpftool prog show id N` run_time_ns / run_cnt ")
                    .append("over the churn window, for the program held by the process measured. Run time only: ")
                    .append("for `tcplife` (a tracepoint, not a raw tracepoint) the kernel's work to fill the ")
                    .append("tracepoint's record is outside it. Hits per session count both ends' state changes, ")
                    .append("and every other socket on the host in the window.\n\n");
            md.append("| program | ns per hit | hits per session | empty program, same hits (ns per hit) |\n")
                    .append("|---|---|---|---|\n");
            for (Kernel k : Kernel.values()) {
                md.append(row(k.label, stats(nsPerHit, k).format("%.0f"), stats(hitsPerSession, k).format("%.1f"),
                        stats(floorPerHit, k).format("%.0f")));
            }
            md.append('\n');
        }
        if (only.contains("loop")) {
            md.append("**6. Connect loop.** The churn JVM with one client thread: connect, wait for the server's ")
                    .append("FIN, close; the server thread accepts and closes; no payload; the JVM pinned to one CPU ")
                    .append("(`taskset`), so that both threads always share it. ").append(plan.loopRounds())
                    .append(" rounds, ").append(plan.loopWindow() / 1000.0).append(" s windows after the same kind of ")
                    .append("warm-up. threads=on − threads=off is what the JDK socket instrumentation adds to a ")
                    .append("connect and an accept, in place, caches and all.\n\n");
            md.append("| configuration | µs per session | CPU µs per session | in client + server threads |\n")
                    .append("|---|---|---|---|\n");
            for (Loop l : Loop.values()) {
                md.append(row(l.label, stats(loopWall, l).format("%.2f"), stats(loopCpu, l).format("%.2f"),
                        stats(loopWorkerCpu, l).format("%.2f")));
            }
            md.append('\n');
        }
        if (only.contains("hooks")) {
            md.append("**6. Hooks.** `dev.tcplife.bench.HookBench` calls the listeners the agent installs in the JDK ")
                    .append("(`sun.nio.ch.TcplifeSocketHooks`) in a loop, as the inserted calls do at each connect ")
                    .append("and accept, with a connected and an accepted loopback channel, and the accept of a ")
                    .append("stand-in for Netty's `io.netty.channel.unix.Socket` that the agent instruments as it does ")
                    .append("Netty's (it returns the accepted channel's descriptor: the hook's fstat is timed, not the ")
                    .append("accept's own system call), ").append(HookBench.DEPTH)
                    .append(" frames deep; CPU time of the calling thread per call, over ")
                    .append(plan.hookMillis() / 1000.0).append(" s after as long a warm-up; ")
                    .append(plan.hookRounds()).append(" rounds.\n\n");
            md.append("| configuration | connect hook (ns) | accept hook (ns) | Netty's accept hook (ns) |\n")
                    .append("|---|---|---|---|\n");
            for (Hooks h : Hooks.values()) {
                md.append(row(h.label, stats(hookConnectNs, h).format("%,.0f"),
                        stats(hookAcceptNs, h).format("%,.0f"), stats(hookNettyAcceptNs, h).format("%,.0f")));
            }
            md.append('\n');
        }
        if (only.contains("startup")) {
            md.append("**4. Start-up and memory.** `java [-javaagent:tcplife-agent.jar=log=info] -cp ")
                    .append("tcplife-benchmarks.jar dev.tcplife.bench.Hello`, without a recording: launch to the ")
                    .append("first line of main, and to exit (main waits until the agent traces; the agent sets JFR ")
                    .append("up after, so a JVM can exit before its events flow); ")
                    .append(plan.startupRounds() * plan.helloPerRound())
                    .append(" runs each. Then a JVM with a recording (`settings=default,settings=tcplife.jfc`) that ")
                    .append("waits for tcplife.state=tracing, sleeps 300 ms, runs System.gc() twice, waits 1 s (G1 ")
                    .append("returns freed memory concurrently) and reads VmRSS and VmHWM from /proc/self/status; ")
                    .append(plan.startupRounds()).append(" runs each. This network namespace had ").append(netnsSockets)
                    .append(" TCP sockets (its /proc/net/tcp and tcp6, which the agent reads only when the JVM has ")
                    .append("TCP sockets of its own: not at start).\n\n");
            md.append("| configuration | Hello, launch to main (ms) | Hello, launch to exit (ms) | with a recording: ")
                    .append("launch to main (ms) | RSS (MB) | peak RSS (MB) | heap used (MB) | non-heap (MB) |\n")
                    .append("|---|---|---|---|---|---|---|---|\n");
            for (Startup s : Startup.values()) {
                md.append(row(s.label, stats(helloMainMillis, s).format("%.0f"), stats(helloMillis, s).format("%.0f"),
                        stats(mainMillis, s).format("%.0f"), stats(rss, s).format("%.1f"),
                        stats(peakRss, s).format("%.1f"), stats(heap, s).format("%.1f"),
                        stats(nonHeap, s).format("%.1f")));
            }
            md.append('\n');
        }
        if (only.contains("churn") || only.contains("light")) {
            md.append("**5. Latency.** From the `tcplife.Statistics` events (one per 5 s) of the churn runs with ")
                    .append("tcplife.jfc and of the light runs: `readDelayMedian`, `readDelayP99` (upper bounds of ")
                    .append("quarter-octave histogram buckets) and `readDelayMax`, TCP_CLOSE in the kernel to the ")
                    .append("agent ")
                    .append("reading the record, whose event is committed right after on the same thread. Median over ")
                    .append("the periods of each (the maximum's range shows the worst period); the light workload ")
                    .append("makes ").append(plan.lightRate()).append(" sessions/s for ")
                    .append(plan.lightWindow() / 1000).append(" s.\n\n");
        }
        if (only.contains("print")) {
            md.append(print.details(plan.printRounds()));
        }
        if (!failures.isEmpty()) {
            md.append("**Failures**\n\n");
            failures.forEach(f -> md.append("- ").append(f.replace('\n', ' ')).append('\n'));
            md.append('\n');
        }
        return md.toString();
    }

    /** One line of a Markdown table. */
    private static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }
}
