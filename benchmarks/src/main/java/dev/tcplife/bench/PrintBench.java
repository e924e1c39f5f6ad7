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
 * runs, and each ratio is taken within its round.
 */
final class PrintBench {
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

    private final Map<Run, Stats> seconds = new EnumMap<>(Run.class);
    private final Map<Run, Stats> ratio = new EnumMap<>(Run.class);
    private final Map<Run, Stats> peakMb = new EnumMap<>(Run.class);
    private long sessions;
    private long fileBytes;

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

    void measure(String java, Path agentJar, Path benchJar, Path recording, int rounds, Path work)
            throws IOException, InterruptedException {
        sessions = sessions(recording);
        fileBytes = Files.size(recording);
        for (int round = 0; round < rounds; round++) {
            Map<Run, Double> wall = new EnumMap<>(Run.class);
            for (int i = 0; i < Run.values().length; i++) {
                Run run = Run.values()[(i + round) % Run.values().length];
                List<String> command = new ArrayList<>(run == Run.READ
                        ? List.of(java, "-cp", benchJar.toString(), PrintBench.class.getName(), recording.toString())
                        : List.of(java, "-jar", agentJar.toString(), "print", recording.toString()));
                if (run.option != null && !run.option.isEmpty()) {
                    command.add(run.option);
                }
                if (run.jvmOption != null) {
                    command.add(1, run.jvmOption);
                }
                double[] timed = timed(command, work.resolve("print-" + run.name().toLowerCase(Locale.ROOT) + ".err"));
                wall.put(run, timed[0]);
                stats(seconds, run).add(timed[0]);
                stats(peakMb, run).add(timed[1]);
            }
            for (Run run : Run.values()) {
                stats(ratio, run).add(wall.get(run) / wall.get(Run.READ));
            }
        }
    }

    /** Launch to exit in seconds, and the peak RSS in MB (VmHWM, read every 5 ms until the process is gone). */
    private static double[] timed(List<String> command, Path stderr) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile()).start();
        Harness.track(process);
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

    private static Stats stats(Map<Run, Stats> map, Run run) {
        return map.computeIfAbsent(run, r -> new Stats());
    }

    /** The summary table's row. */
    String summary() {
        return String.format(Locale.ROOT, "| 7 | `print` of a churn recording (%,d sessions, %.0f MB), launch to exit "
                + "relative to reading its events alone: table; wide; CSV; JSON | %s; %s; %s; %s | ≤ 1.5 |%n",
                sessions, fileBytes / 1e6, stats(ratio, Run.TABLE).format("%.2f"), stats(ratio, Run.WIDE).format("%.2f"),
                stats(ratio, Run.CSV).format("%.2f"), stats(ratio, Run.JSON).format("%.2f"));
    }

    /** The section with every figure. */
    String details(int rounds) {
        StringBuilder md = new StringBuilder();
        md.append("**7. `print`.** A recording of the churn workload under the agent (tcplife.jfc), ")
                .append(String.format(Locale.ROOT, "%,d sessions in %.0f MB", sessions, fileBytes / 1e6))
                .append(", printed by `java -jar tcplife-agent.jar print` in each format with the output discarded, ")
                .append("beside a JVM that only reads its events (`java -cp tcplife-benchmarks.jar ")
                .append("dev.tcplife.bench.PrintBench <file>`); default heap, launch to exit, ").append(rounds)
                .append(" rounds, each ratio within its round. Peak RSS is VmHWM polled every 5 ms: with the default heap ")
                .append("(a quarter of the machine's memory) it follows how much the JVM lets its heap grow, not what ")
                .append("print keeps, which the run in a 64 MB heap bounds.\n\n");
        md.append("| run | launch to exit (s) | relative to the yardstick | peak RSS (MB) |\n|---|---|---|---|\n");
        for (Run run : Run.values()) {
            md.append("| ").append(run.label).append(" | ").append(stats(seconds, run).format("%.2f")).append(" | ")
                    .append(stats(ratio, run).format("%.2f")).append(" | ").append(stats(peakMb, run).format("%.0f"))
                    .append(" |\n");
        }
        return md.append('\n').toString();
    }
}
