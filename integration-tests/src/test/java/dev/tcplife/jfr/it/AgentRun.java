package dev.tcplife.jfr.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Runs a workload class in a fresh JVM with the agent jar and a JFR recording, the way a user would:
 * {@code java -javaagent:tcplife-agent.jar=... -XX:StartFlightRecording=...,settings=default,settings=tcplife.jfc}.
 *
 * <p>Variants for the other tests: a command prefix (to run the JVM in namespaces, or with other limits), a JVM
 * without the agent or without a recording at start (to attach later), another template, and
 * {@link #start} to run several JVMs at once.
 */
public final class AgentRun {
    public static final Path AGENT_JAR = Path.of(System.getProperty("tcplife.agent.jar", "../agent/target/tcplife-agent.jar"));
    public static final Path TEMPLATE = Path.of(System.getProperty("tcplife.template", "../jfr-templates/tcplife.jfc"));
    static final Path TEST_CLASSES = Path.of(System.getProperty("tcplife.test.classes", "target/test-classes"));

    private final Path javaHome;
    private final List<String> prefix = new ArrayList<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<String> recordingOptions = new ArrayList<>();
    private final List<Path> classPath = new ArrayList<>();
    private String agentOptions;
    private boolean agent = true;
    private boolean recording = true;
    private Path template = TEMPLATE;
    private long timeoutSeconds = 180;

    private AgentRun(Path javaHome) {
        this.javaHome = javaHome;
    }

    public static AgentRun on(Path javaHome) {
        return new AgentRun(javaHome);
    }

    public AgentRun agentOptions(String options) {
        this.agentOptions = options;
        return this;
    }

    public AgentRun withoutAgent() {
        this.agent = false;
        return this;
    }

    /** No -XX:StartFlightRecording: a recording is started later, with jcmd, if at all. */
    public AgentRun withoutRecording() {
        this.recording = false;
        return this;
    }

    /** The tcplife template the recording combines with the JDK's default one. */
    public AgentRun template(Path template) {
        this.template = template;
        return this;
    }

    /** One more option of -XX:StartFlightRecording, such as {@code maxsize=0}. */
    public AgentRun recordingOption(String option) {
        recordingOptions.add(option);
        return this;
    }

    /** Jars the workload needs beside the test classes, such as a library under test. */
    public AgentRun classPath(List<Path> jars) {
        classPath.addAll(jars);
        return this;
    }

    public AgentRun jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    /** Words put before the java command, such as {@code unshare ... sh -c '...' sh}; the java command follows. */
    public AgentRun prefix(String... words) {
        prefix.addAll(List.of(words));
        return this;
    }

    public AgentRun timeoutSeconds(long seconds) {
        this.timeoutSeconds = seconds;
        return this;
    }

    /** The finished run: exit status, output and the recording it wrote. */
    public record Result(int exitCode, String stdout, String stderr, Path recording) {
        public List<RecordedEvent> events(String name) throws IOException {
            List<RecordedEvent> events = new ArrayList<>();
            forEach(name, events::add);
            return events;
        }

        /** How many events named {@code name} the recording holds, for recordings too big to hold in memory. */
        public long count(String name) throws IOException {
            long[] count = {0};
            forEach(name, event -> count[0]++);
            return count[0];
        }

        /** The recording is read as a stream: a soak's holds millions of events. */
        private void forEach(String name, Consumer<RecordedEvent> action) throws IOException {
            try (RecordingFile file = new RecordingFile(recording)) {
                while (file.hasMoreEvents()) {
                    RecordedEvent event = file.readEvent();
                    if (event.getEventType().getName().equals(name)) {
                        action.accept(event);
                    }
                }
            } catch (IOException e) {
                throw new IOException("cannot read the recording " + recording + ": " + e.getMessage() + "\n"
                        + describe(), e);
            }
        }

        public String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** A JVM started by {@link #start}, still running or finished. */
    public final class Running {
        private final Process process;
        private final List<String> command;
        private final Path stdout;
        private final Path stderr;
        private final Path recordingFile;

        private Running(Process process, List<String> command, Path stdout, Path stderr, Path recordingFile) {
            this.process = process;
            this.command = command;
            this.stdout = stdout;
            this.stderr = stderr;
            this.recordingFile = recordingFile;
        }

        /** The started process's id: the JVM's own, or with a prefix the prefix's first process. */
        public long pid() {
            return process.pid();
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** Waits for the JVM to exit (killing it after the run's timeout) and returns what it left. */
        public Result await() throws IOException, InterruptedException {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("workload timed out after " + timeoutSeconds + " s: " + command
                        + "\n--- stdout\n" + Files.readString(stdout) + "\n--- stderr\n" + Files.readString(stderr));
            }
            return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8), recordingFile);
        }

        /** Ends the process if it still runs: for cleanup after a failure. */
        public void destroy() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    public Result run(Path workDir, Class<?> mainClass, String... args) throws IOException, InterruptedException {
        Running running = start(workDir, mainClass, args);
        try {
            return running.await();
        } finally {
            running.destroy();
        }
    }

    /**
     * Starts the JVM in {@code workDir}, where it writes recording.jfr, stdout.txt and stderr.txt: JVMs that run
     * at once need directories of their own.
     */
    public Running start(Path workDir, Class<?> mainClass, String... args) throws IOException {
        Files.createDirectories(workDir);
        Path recordingFile = workDir.resolve("recording.jfr");
        List<String> command = new ArrayList<>(prefix);
        command.add(Jdks.java(javaHome).toString());
        if (agent) {
            command.add("-javaagent:" + AGENT_JAR.toAbsolutePath() + (agentOptions == null ? "" : "=" + agentOptions));
        }
        if (recording) {
            command.add("-XX:StartFlightRecording=filename=" + recordingFile + ",settings=default,settings="
                    + template.toAbsolutePath() + recordingOptions.stream().map(option -> "," + option)
                    .collect(Collectors.joining()));
            command.add("-Xlog:jfr+startup=off");
        }
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(Stream.concat(Stream.of(TEST_CLASSES), classPath.stream())
                .map(path -> path.toAbsolutePath().toString()).collect(Collectors.joining(":")));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Path stdout = workDir.resolve("stdout.txt");
        Path stderr = workDir.resolve("stderr.txt");
        Process process = new ProcessBuilder(HostPrograms.check(command)).directory(workDir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        return new Running(process, command, stdout, stderr, recordingFile);
    }
}
