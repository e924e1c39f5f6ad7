package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tcplife.jfr.it.workload.ExpectedSession;
import dev.tcplife.jfr.it.workload.FileSignal;

/**
 * {@code java -jar tcplife-agent.jar watch <pid> --csv} as a user runs it, against a JVM started without the agent:
 * it loads the agent, then prints each session the workload makes, as the workload itself recorded it, within
 * about a second of its end; it ends by itself when the JVM exits, and on Ctrl-C closes its recording and leaves
 * the agent tracing.
 */
class WatchIT extends BpfIntegrationTest {
    /** "About a second" (the JVM's flush period), and room for a busy two-core machine. */
    private static final long MAX_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(3000);

    /** A line of watch's output and when it arrived, in epoch nanoseconds. */
    private record Arrival(String line, long at) {
    }

    /** A running watch: its output lines as they arrive, its error output in a file. */
    private static final class Watch implements AutoCloseable {
        final Process process;
        final Path stderr;
        final LinkedBlockingQueue<Arrival> lines = new LinkedBlockingQueue<>();

        Watch(Path jdk, long pid, Path dir, String... options) throws IOException {
            List<String> command = new ArrayList<>(List.of(Jdks.java(jdk).toString(), "-jar",
                    AgentRun.AGENT_JAR.toAbsolutePath().toString(), "watch", Long.toString(pid)));
            command.addAll(List.of(options));
            stderr = dir.resolve("watch.err");
            process = new ProcessBuilder(HostPrograms.check(command)).redirectError(stderr.toFile()).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.add(new Arrival(line, AttachIT.now()));
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, "watch-output");
            reader.setDaemon(true);
            reader.start();
        }

        String errors() throws IOException {
            return Files.readString(stderr);
        }

        /** Waits until watch says it streams. */
        void awaitWatching() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!errors().contains("each session as it ends")) {
                assertTrue(process.isAlive(), "watch ended early:\n" + errors());
                assertTrue(System.nanoTime() < deadline, "watch did not start streaming:\n" + errors());
                Thread.sleep(50);
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void printsEachSessionAsItEnds(Path jdk, @TempDir Path dir) throws Exception {
        AgentRun.Running workload = AttachIT.startWithoutAgent(jdk, dir, "stop");
        try (Watch watch = new Watch(jdk, workload.pid(), dir, "--csv")) {
            FileSignal.await(dir.resolve("ready"), workload::isAlive);
            watch.awaitWatching();
            FileSignal.send(dir.resolve("go"));
            FileSignal.await(dir.resolve("traced"), workload::isAlive);
            List<ExpectedSession> truth = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("truth.tsv")));
            assertEquals(6, truth.size());

            // The CSV header, then a line for each session the workload made, matched by role and ports.
            Arrival header = watch.lines.poll(10, TimeUnit.SECONDS);
            assertTrue(header != null && header.line().startsWith("start,end,duration_ms,pid,thread"), "header");
            String[] columns = header.line().split(",");
            Map<String, Map<String, String>> printed = new HashMap<>();
            Map<String, Long> arrivals = new HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (printed.size() < truth.size() && System.nanoTime() < deadline) {
                Arrival arrival = watch.lines.poll(500, TimeUnit.MILLISECONDS);
                if (arrival == null) {
                    continue;
                }
                String[] values = arrival.line().split(",", -1);
                Map<String, String> row = new HashMap<>();
                for (int i = 0; i < columns.length; i++) {
                    row.put(columns[i], values[i]);
                }
                String key = row.get("role") + ":" + row.get("local_port") + ":" + row.get("remote_port");
                if (truth.stream().anyMatch(t -> key.equals(key(t)))) {
                    printed.put(key, row);
                    arrivals.put(key, arrival.at());
                }
            }
            List<String> delays = new ArrayList<>();
            for (ExpectedSession expected : truth) {
                String key = key(expected);
                Map<String, String> row = printed.get(key);
                assertTrue(row != null, "no line for " + expected + "; watch printed " + printed.keySet()
                        + "\n" + watch.errors());
                assertEquals(Long.toString(workload.pid()), row.get("pid"), key);
                assertEquals(Long.toString(expected.bytesSent()), row.get("bytes_sent"), key);
                assertEquals(Long.toString(expected.bytesReceived()), row.get("bytes_received"), key);
                assertEquals(expected.threadName(), row.get("thread"), key);
                assertEquals(expected.closeInitiator(), row.get("close_initiator"), key);
                long delay = arrivals.get(key) - expected.endEnd();
                delays.add(key + " " + delay / 1_000_000 + " ms");
                assertTrue(delay < MAX_DELAY_NANOS, key + " printed " + delay / 1_000_000 + " ms after it ended");
            }
            System.out.println("JDK " + Jdks.featureVersion(jdk) + ": watch printed each session after its end: "
                    + delays);

            // The JVM exits: watch says so and ends by itself.
            FileSignal.send(dir.resolve("go-after-stop"));
            assertTrue(watch.process.waitFor(20, TimeUnit.SECONDS), "watch still runs after the JVM exited:\n"
                    + watch.errors());
            assertEquals(0, watch.process.exitValue(), watch.errors());
            assertTrue(watch.errors().contains("tcplife watch: pid " + workload.pid() + " exited"), watch.errors());
            assertFalse(watch.errors().contains("Exception"), watch.errors());
        } finally {
            workload.destroy();
        }
    }

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void ctrlCClosesItsRecordingAndLeavesTheAgentTracing(Path jdk, @TempDir Path dir) throws Exception {
        AgentRun.Running workload = AttachIT.startWithoutAgent(jdk, dir, "idle");
        try (Watch watch = new Watch(jdk, workload.pid(), dir)) {
            FileSignal.await(dir.resolve("ready"), workload::isAlive);
            watch.awaitWatching();
            String pid = Long.toString(workload.pid());
            Command check = Command.run(jdk.resolve("bin/jcmd").toString(), pid, "JFR.check");
            assertTrue(check.stdout().contains("Remote Recording Stream"), check.toString());

            Command interrupt = Command.run("sh", "-c", "kill -INT " + watch.process.pid());
            assertEquals(0, interrupt.exitCode(), interrupt.toString());
            assertTrue(watch.process.waitFor(20, TimeUnit.SECONDS), "watch ignored Ctrl-C:\n" + watch.errors());
            assertTrue(watch.errors().contains("stopped; pid " + pid + " traces on"), watch.errors());
            assertFalse(watch.errors().contains("Exception"), watch.errors());

            Command after = Command.run(jdk.resolve("bin/jcmd").toString(), pid, "JFR.check");
            assertFalse(after.stdout().contains("Remote Recording Stream"), after.toString());
            Command state = Command.run(jdk.resolve("bin/jcmd").toString(), pid, "VM.system_properties");
            assertTrue(state.stdout().contains("tcplife.state=tracing"), state.toString());
            assertTrue(workload.isAlive());
            FileSignal.send(dir.resolve("exit"));
            assertEquals(0, workload.await().exitCode());
        } finally {
            workload.destroy();
        }
    }

    private static String key(ExpectedSession session) {
        return session.role() + ":" + session.localPort() + ":" + session.remotePort();
    }

    /** --every: the workload's sessions added up per peer and service port, client and server side. */
    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void summarisesPerPeer(Path jdk, @TempDir Path dir) throws Exception {
        AgentRun.Running workload = AttachIT.startWithoutAgent(jdk, dir, "stop");
        try (Watch watch = new Watch(jdk, workload.pid(), dir, "--every", "1s")) {
            FileSignal.await(dir.resolve("ready"), workload::isAlive);
            watch.awaitWatching();
            FileSignal.send(dir.resolve("go"));
            FileSignal.await(dir.resolve("traced"), workload::isAlive);
            List<ExpectedSession> truth = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("truth.tsv")));
            int service = truth.stream().filter(t -> t.role().equals("server")).findFirst().orElseThrow().localPort();
            Pattern peerRow = Pattern.compile("^(\\S+)\\s+(\\d+)\\s+(client|server)\\s+(\\d+)\\s");
            Map<String, Long> sessions = new HashMap<>();
            List<String> lines = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (sessions.values().stream().mapToLong(Long::longValue).sum() < 6 && System.nanoTime() < deadline) {
                Arrival arrival = watch.lines.poll(500, TimeUnit.MILLISECONDS);
                if (arrival != null) {
                    lines.add(arrival.line());
                    Matcher row = peerRow.matcher(arrival.line());
                    if (row.find() && Integer.parseInt(row.group(2)) == service) {
                        sessions.merge(row.group(1) + " " + row.group(3), Long.parseLong(row.group(4)), Long::sum);
                    }
                }
            }
            assertEquals(Map.of("127.0.0.1 client", 3L, "127.0.0.1 server", 3L), sessions, String.join("\n", lines));
            FileSignal.send(dir.resolve("go-after-stop"));
            assertTrue(watch.process.waitFor(20, TimeUnit.SECONDS), watch.errors());
            assertEquals(0, watch.process.exitValue(), watch.errors());
        } finally {
            workload.destroy();
        }
    }

    /** What is not a JVM it can watch: one line each, exit status 1, no stack trace. */
    @Test
    void saysInOneLineWhatItCannotWatch(@TempDir Path dir) throws Exception {
        Path jdk = Jdks.all().findFirst().orElseThrow();
        Process sleeper = new ProcessBuilder(HostPrograms.check(List.of("sh", "-c", "read line"))).start();
        try {
            Command notJava = AttachIT.agentCommand(jdk, "watch", sleeper.pid());
            assertEquals(1, notJava.exitCode(), notJava.toString());
            assertEquals("tcplife watch: pid " + sleeper.pid() + " is not a Java virtual machine",
                    notJava.stderr().strip(), notJava.toString());
        } finally {
            sleeper.destroyForcibly();
        }
        long unused = ProcessHandle.current().pid() + 1_000_000;
        Command noProcess = AttachIT.agentCommand(jdk, "watch", unused);
        assertEquals(1, noProcess.exitCode(), noProcess.toString());
        assertEquals("tcplife watch: no process with pid " + unused, noProcess.stderr().strip(), noProcess.toString());
    }
}
