package dev.tcplife.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One run of the suite, as every measurement sees it: the plan, which measurements it makes, the JVM and jars it
 * measures, the folder their files go to, and what failed along the way.
 */
final class BenchRun {
    final Plan plan;
    /** The java command measured: the harness's own. */
    final String java;
    final Path agentJar;
    /** Where the measured JVMs' files go. */
    final Path work;
    private final Set<String> only;
    private final Path benchJar;
    private final Path templates;
    private final boolean keep;
    private final List<String> failures = new ArrayList<>();

    BenchRun(Plan plan, Set<String> only, Path agentJar, Path benchJar, Path templates, Path work, boolean keep) {
        this.plan = plan;
        this.only = only;
        this.java = ProcessHandle.current().info().command().orElse("java");
        this.agentJar = agentJar;
        this.benchJar = benchJar;
        this.templates = templates;
        this.work = work;
        this.keep = keep;
    }

    /** Whether the measurement {@code --only} calls {@code name} is part of this run. */
    boolean selected(String name) {
        return only.contains(name);
    }

    /** A file of {@link #work}. */
    Path file(String name) {
        return work.resolve(name);
    }

    /** Measured files are left behind with {@code --keep}, to be looked into. */
    void deleteUnlessKept(Path file) throws IOException {
        if (!keep) {
            Files.deleteIfExists(file);
        }
    }

    /** Notes a failure for the report's list and says it on the way. */
    void failed(String what, Exception e) {
        failures.add(what + ": " + e.getMessage());
        progress(what + " failed: " + e.getMessage());
    }

    /** What failed, one line each, for the report. */
    List<String> failures() {
        return failures;
    }

    /** A JVM that runs {@link Workload} with {@code args}, as {@link #jvm} starts it. */
    List<String> workload(String agentOptions, String template, Path recording, String... args) {
        return jvm(agentOptions, template, recording, Workload.class.getName(), args);
    }

    List<String> jvm(String agentOptions, String template, Path recording, String mainClass, String... args) {
        return jvm(agentJar, agentOptions, template, recording, mainClass, args);
    }

    /**
     * The command for one measured JVM: the agent jar with its options (none when {@code agentOptions} is null),
     * a recording with the JDK's default template plus {@code template} (none when null), dumped at exit.
     */
    List<String> jvm(Path agent, String agentOptions, String template, Path recording, String mainClass,
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

    /** A line of progress, on standard error: standard output is the report. */
    static void progress(String message) {
        System.err.println("[bench] " + message);
    }
}
