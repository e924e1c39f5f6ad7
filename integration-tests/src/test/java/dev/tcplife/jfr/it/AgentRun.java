package dev.tcplife.jfr.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Runs a workload class in a fresh JVM with the agent jar and a JFR recording, the way a user would:
 * {@code java -javaagent:tcplife-agent.jar=... -XX:StartFlightRecording=...,settings=default,settings=tcplife.jfc}.
 */
public final class AgentRun {
    public static final Path AGENT_JAR = Path.of(System.getProperty("tcplife.agent.jar", "../agent/target/tcplife-agent.jar"));
    public static final Path TEMPLATE = Path.of(System.getProperty("tcplife.template", "../jfr-templates/tcplife.jfc"));
    static final Path TEST_CLASSES = Path.of(System.getProperty("tcplife.test.classes", "target/test-classes"));

    private final Path javaHome;
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<String> prefix = new ArrayList<>();
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

    public AgentRun jvmOption(String option) {
        jvmOptions.add(option);
        return this;
    }

    /** Records with {@code template} (combined with the JDK's default) instead of jfr-templates/tcplife.jfc. */
    public AgentRun template(Path template) {
        this.template = template;
        return this;
    }

    /** No -XX:StartFlightRecording: the workload starts its recordings itself, or none. */
    public AgentRun withoutRecording() {
        this.recording = false;
        return this;
    }

    /** Runs the JVM through a command such as {@code setpriv ...} or {@code unshare ...}. */
    public AgentRun through(String... command) {
        prefix.addAll(List.of(command));
        return this;
    }

    /** The finished run: exit status, output and the recording it wrote. */
    public record Result(int exitCode, String stdout, String stderr, Path recording) {
        public List<RecordedEvent> events(String name) throws IOException {
            List<RecordedEvent> events = new ArrayList<>();
            for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
                if (event.getEventType().getName().equals(name)) {
                    events.add(event);
                }
            }
            return events;
        }

        public String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    public Result run(Path workDir, Class<?> mainClass, String... args) throws IOException, InterruptedException {
        Path recording = workDir.resolve("recording.jfr");
        List<String> command = new ArrayList<>(prefix);
        command.add(Jdks.java(javaHome).toString());
        if (agent) {
            command.add("-javaagent:" + AGENT_JAR.toAbsolutePath() + (agentOptions == null ? "" : "=" + agentOptions));
        }
        if (this.recording) {
            command.add("-XX:StartFlightRecording=filename=" + recording + ",settings=default,settings="
                    + template.toAbsolutePath());
        }
        command.add("-Xlog:jfr+startup=off");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(TEST_CLASSES.toAbsolutePath().toString());
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Path stdout = workDir.resolve("stdout.txt");
        Path stderr = workDir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("workload timed out after " + timeoutSeconds + " s: " + command);
        }
        return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8), recording);
    }
}
