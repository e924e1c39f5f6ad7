package dev.tcplife.jfr.it.workload;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * The workloads of ResilienceIT, one per mode; each writes its ground truth to {@code <dir>/truth.tsv}.
 * Usage: {@code ResilienceWorkload <mode> <dir> [template]}; it writes its process id to pid.txt.
 * <ul>
 *   <li>{@code overload}: a burst far beyond the ring buffer while the agent reads only once a second, then,
 *       once the agent has read, a few sessions again; writes how many sessions the burst made to burst.txt.
 *   <li>{@code exit}: sessions from the first line of main, then the JVM exits at once: the dump-on-exit recording
 *       must hold them all.
 *   <li>{@code recordings}: no recording at first; then one with a 100 ms threshold; then none; then one again.
 *       Each recording is dumped to recording-N.jfr; truth.tsv holds only what each should contain, and
 *       phases.txt the scenario names per recording.
 *   <li>{@code plain}: a few sessions, and the agent's state printed, whatever it is (for the privilege tests).
 * </ul>
 */
public final class ResilienceWorkload {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        Files.writeString(dir.resolve("pid.txt"), Long.toString(ProcessHandle.current().pid()));
        List<ExpectedSession> truth = new ArrayList<>();
        switch (args[0]) {
            case "overload" -> overload(dir, truth);
            case "exit" -> exit(truth);
            case "recordings" -> recordings(dir, Path.of(args[2]), truth);
            case "plain" -> plain(truth);
            default -> throw new IllegalArgumentException(args[0]);
        }
        Files.write(dir.resolve("truth.tsv"), truth.stream().map(ExpectedSession::toLine).toList());
    }

    private static void overload(Path dir, List<ExpectedSession> truth) throws Exception {
        AgentReady.await();
        ThreadMarker.mark();
        int burst = 0;
        try (LoopbackSessions sessions = new LoopbackSessions("burst")) {
            long end = System.nanoTime() + 700_000_000L; // well inside one poll interval of the agent (1 s)
            while (System.nanoTime() < end) {
                sessions.make(10, 10);
                burst++;
            }
        }
        Files.writeString(dir.resolve("burst.txt"), Integer.toString(burst));
        Thread.sleep(2500); // the agent reads (and counts what it lost), then the load has fallen
        try (LoopbackSessions sessions = new LoopbackSessions("after")) {
            for (int i = 0; i < 20; i++) {
                truth.addAll(sessions.make(100 + i, 200 + i));
                Thread.sleep(20);
            }
        }
        Thread.sleep(1500);
    }

    private static void exit(List<ExpectedSession> truth) throws Exception {
        // From main's first line, without waiting for the agent: it traces before main, and sets JFR up for its
        // events while main runs, so the JVM may exit before that is done.
        ThreadMarker.mark();
        try (LoopbackSessions sessions = new LoopbackSessions("exit")) {
            for (int i = 0; i < 50; i++) {
                truth.addAll(sessions.make(1000 + i, 10 + i));
            }
        }
        // no pause: the JVM exits right after the last close
    }

    private static void recordings(Path dir, Path template, List<ExpectedSession> truth) throws Exception {
        AgentReady.await();
        ThreadMarker.mark();
        Configuration settings = Configuration.create(template);
        try (LoopbackSessions sessions = new LoopbackSessions("none-before")) {
            for (int i = 0; i < 10; i++) {
                sessions.make(10, 10); // no recording: nobody wants these
            }
        }
        try (Recording thresholded = new Recording(settings)) {
            thresholded.enable("tcplife.TcpSession").withThreshold(Duration.ofMillis(100));
            thresholded.enable("test.ThreadMarker");
            thresholded.start();
            ThreadMarker.mark();
            Thread.sleep(300); // the agent follows a recording's start within a poll interval
            try (LoopbackSessions sessions = new LoopbackSessions("thresholded")) {
                for (int i = 0; i < 10; i++) {
                    sessions.make(10, 10); // shorter than 100 ms: below the threshold
                }
                for (int i = 0; i < 3; i++) {
                    truth.addAll(sessions.make(10, 10, 150)); // held open longer than the threshold
                }
            }
            Thread.sleep(300);
            thresholded.stop();
            thresholded.dump(dir.resolve("recording-1.jfr"));
        }
        Thread.sleep(300);
        try (LoopbackSessions sessions = new LoopbackSessions("none-between")) {
            for (int i = 0; i < 10; i++) {
                sessions.make(10, 10);
            }
        }
        try (Recording again = new Recording(settings)) {
            again.enable("test.ThreadMarker");
            again.start();
            ThreadMarker.mark();
            Thread.sleep(300);
            try (LoopbackSessions sessions = new LoopbackSessions("resumed")) {
                for (int i = 0; i < 10; i++) {
                    truth.addAll(sessions.make(50 + i, 60 + i));
                }
            }
            Thread.sleep(300);
            again.stop();
            again.dump(dir.resolve("recording-2.jfr"));
        }
    }

    private static void plain(List<ExpectedSession> truth) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while ("starting".equals(System.getProperty("tcplife.state")) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        ThreadMarker.mark();
        try (LoopbackSessions sessions = new LoopbackSessions("plain")) {
            for (int i = 0; i < 5; i++) {
                truth.addAll(sessions.make(300 + i, 400 + i));
            }
        }
        System.out.println("workload done; agent state: " + System.getProperty("tcplife.state", "absent"));
        Thread.sleep(300);
    }
}
