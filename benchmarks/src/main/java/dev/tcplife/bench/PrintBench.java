package dev.tcplife.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code print} against the parser it stands on: each format of {@code java -jar tcplife-agent.jar print} on one
 * churn recording, output discarded, beside a JVM that only reads every event of it with the JDK's RecordingFile
 * (this class's main), whole processes timed from launch to exit, peak RSS polled from /proc. Rounds interleave the
 * runs, and each ratio is taken within its round. The recording is made first, by a churn JVM under the agent.
 */
final class PrintBench extends Measurement {
    enum Run {
        READ("yardstick: every event read with jdk.jfr.consumer.RecordingFile, nothing printed", null, null),
        TABLE("`print`", "", null),
        WIDE("`print --wide`", "--wide", null),
        CSV("`print --csv`", "--csv", null),
        JSON("`print --json`", "--json", null),
        JSON_SMALL_HEAP("`print --json` in a 64 MB heap: what it keeps does not grow with the file", "--json",
                "-Xmx64m");

        final String label;
        final String option;
        final String jvmOption;

        Run(String label, String option, String jvmOption) {
            this.label = label;
            this.option = option;
            this.jvmOption = jvmOption;
        }
    }

    /** What the runs of one kind measured, per round. */
    private record Figures(Stats seconds, Stats ratio, Stats peakMb) {
        Figures() {
            this(new Stats(), new Stats(), new Stats());
        }
    }

    private final Map<Run, Figures> figures = each(Run.class, Figures::new);
    private long sessions;
    private long fileBytes;

    PrintBench(BenchRun bench) {
        super("print", "print", "`print`", bench);
    }

    /** The yardstick: reads every event of the recording, as print does, and prints how many were sessions. */
    public static void main(String[] args) throws IOException {
        System.out.println("@result sessions=" + sessions(Path.of(args[0])));
    }

    static long sessions(Path recording) throws IOException {
        long count = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                if (event.getEventType().getName().equals("tcplife.TcpSession")) {
                    count++;
                }
            }
        }
        return count;
    }

    @Override
    void run() throws Exception {
        Path recording = bench.file("print.jfr");
        ChurnJvm.run(bench, bench.workload("log=info", "tcplife.jfc", recording,
                ChurnJvm.args(1000, bench.plan.printWindow(), 2, 8)), "print-recording", null, null);
        try {
            measure(recording);
        } finally {
            bench.deleteUnlessKept(recording);
        }
    }

    private void measure(Path recording) throws IOException, InterruptedException {
        sessions = sessions(recording);
        fileBytes = Files.size(recording);
        for (int round = 0; round < bench.plan.printRounds(); round++) {
            Map<Run, Double> wall = new EnumMap<>(Run.class);
            for (Run run : rotated(Run.values(), round)) {
                List<String> command = new ArrayList<>(run == Run.READ
                        ? bench.jvm(null, null, null, PrintBench.class.getName(), recording.toString())
                        : List.of(bench.java, "-jar", bench.agentJar.toString(), "print", recording.toString()));
                if (run.option != null && !run.option.isEmpty()) {
                    command.add(run.option);
                }
                if (run.jvmOption != null) {
                    command.add(1, run.jvmOption);
                }
                double[] timed = timed(command, bench.file("print-" + run.name().toLowerCase(Locale.ROOT) + ".err"));
                wall.put(run, timed[0]);
                figures.get(run).seconds().add(timed[0]);
                figures.get(run).peakMb().add(timed[1]);
            }
            for (Run run : Run.values()) {
                figures.get(run).ratio().add(wall.get(run) / wall.get(Run.READ));
            }
        }
    }

    /** Launch to exit in seconds, and the peak RSS in MB (VmHWM, read every 5 ms until the process is gone). */
    private static double[] timed(List<String> command, Path stderr) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile()).start();
        CleanUp.track(process);
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        long peakKb = 0;
        while (!process.waitFor(5, TimeUnit.MILLISECONDS)) {
            String kb = Host.firstLine(status, "VmHWM:").replaceAll("[^0-9]", "");
            peakKb = kb.isEmpty() ? peakKb : Math.max(peakKb, Long.parseLong(kb));
        }
        double wall = (System.nanoTime() - start) / 1e9;
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": "
                    + Files.readString(stderr).strip());
        }
        Files.delete(stderr);
        return new double[] {wall, peakKb / 1024.0};
    }

    @Override
    String summaryRows(int number) {
        return row(number, String.format(Locale.ROOT, "`print` of a churn recording (%,d sessions, %.0f MB), launch to "
                + "exit relative to reading its events alone: table; wide; CSV; JSON", sessions, fileBytes / 1e6),
                ratio(Run.TABLE) + "; " + ratio(Run.WIDE) + "; " + ratio(Run.CSV) + "; " + ratio(Run.JSON), "≤ 1.5");
    }

    private String ratio(Run run) {
        return figures.get(run).ratio().format("%.2f");
    }

    @Override
    String section() {
        StringBuilder md = new StringBuilder();
        md.append("A recording of the churn workload under the agent (tcplife.jfc), ")
                .append(String.format(Locale.ROOT, "%,d sessions in %.0f MB", sessions, fileBytes / 1e6))
                .append(", printed by `java -jar tcplife-agent.jar print` in each format with the output discarded, ")
                .append("beside a JVM that only reads its events (`java -cp tcplife-benchmarks.jar ")
                .append("dev.tcplife.bench.PrintBench <file>`); default heap, launch to exit, ")
                .append(bench.plan.printRounds()).append(" rounds, each ratio within its round. Peak RSS is VmHWM ")
                .append("polled every 5 ms: with the default heap (a quarter of the machine's memory) it follows how ")
                .append("much the JVM lets its heap grow, not what print keeps, which the run in a 64 MB heap ")
                .append("bounds.\n\n");
        md.append(table(List.of(Run.values()), run -> {
            Figures f = figures.get(run);
            return List.of(run.label, f.seconds().format("%.2f"), f.ratio().format("%.2f"), f.peakMb().format("%.0f"));
        }, "run", "launch to exit (s)", "relative to the yardstick", "peak RSS (MB)"));
        return md.append('\n').toString();
    }
}
