package dev.tcplife.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM the harness started: its {@code @} lines arrive in order, standard error goes to a file (the agent's log
 * and any failure), and the harness can wait for a given line.
 */
final class Child implements AutoCloseable {
    private static final String EOF = "\u0000eof";
    private static final Pattern AGENT_READY_IN = Pattern.compile("ready in (\\d+) ms");

    final Process process;
    final Path stderr;
    final long launchNanos;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private Child(Process process, Path stderr, long launchNanos) {
        this.process = process;
        this.stderr = stderr;
        this.launchNanos = launchNanos;
        Thread pump = new Thread(this::pump, "child-stdout-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    static Child start(List<String> command, Path stderr) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.to(stderr.toFile()));
        long launch = System.nanoTime();
        Process process = builder.start();
        CleanUp.track(process);
        return new Child(process, stderr, launch);
    }

    private void pump() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("@")) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            // the process ended
        } finally {
            lines.add(EOF);
        }
    }

    /** The next line starting with {@code prefix}; earlier lines are dropped. */
    String await(String prefix, long timeoutSeconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IOException("no " + prefix + " from pid " + process.pid() + " after " + timeoutSeconds
                        + " s" + tail());
            }
            if (line == EOF) {
                lines.add(EOF);
                throw new IOException("pid " + process.pid() + " ended before " + prefix + tail());
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** Waits for the process to end; fails on a non-zero exit. */
    void awaitExit(long timeoutSeconds) throws IOException, InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("pid " + process.pid() + " did not exit within " + timeoutSeconds + " s");
        }
        if (process.exitValue() != 0) {
            throw new IOException("pid " + process.pid() + " exited with " + process.exitValue() + tail());
        }
    }

    String stderrText() {
        try {
            return Files.readString(stderr);
        } catch (IOException e) {
            return "";
        }
    }

    /** The milliseconds of the agent's "ready in" line, or NaN. */
    double agentReadyMillis() {
        return logged(AGENT_READY_IN);
    }

    /** The number {@code figure}'s first group finds in standard error (the agent's log), or NaN. */
    double logged(Pattern figure) {
        Matcher m = figure.matcher(stderrText());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private String tail() {
        String text = stderrText().strip();
        if (text.isEmpty()) {
            return "";
        }
        return ": " + text.substring(Math.max(0, text.length() - 600));
    }

    /** key=value pairs of an {@code @} line. */
    static Map<String, String> fields(String line) {
        Map<String, String> fields = new HashMap<>();
        for (String word : line.split(" ")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                fields.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return fields;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
