package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import dev.tcplife.jfr.it.workload.ExpectedSession;
import dev.tcplife.jfr.it.workload.ResilienceWorkload;

/**
 * The agent never hurts its host and never loses sessions silently: a full ring buffer is counted and tracing
 * recovers; sessions that end just before exit are in the dump-on-exit recording; the kernel reports only what
 * running recordings want, above their threshold, and resumes when a recording starts again.
 */
class ResilienceIT extends BpfIntegrationTest {
    /** One JDK suffices: the ring buffer and its accounting are the kernel's and the agent's, not the JDK's. */
    @Test
    void overloadIsCountedAndTracingRecovers(@TempDir Path dir) throws Exception {
        AgentRun.Result run = AgentRun.on(Path.of(System.getProperty("java.home")))
                .agentOptions("ringbuffer=64k,poll=1s")
                .run(dir, ResilienceWorkload.class, "overload", dir.toString());
        assertEquals(0, run.exitCode(), run.describe());
        int burst = Integer.parseInt(Files.readString(dir.resolve("burst.txt")).trim());
        List<RecordedEvent> sessions = run.events("tcplife.TcpSession");
        RecordedEvent last = lastStatistics(run.events("tcplife.Statistics"));
        long lost = last.getLong("sessionsLost");

        assertTrue(lost > 0, "a burst of " + burst + " sessions in 0.7 s into a 64 KiB ring read once a second "
                + "must overflow it; lost " + lost);
        // Every end of every session is either an event or counted as lost: nothing vanishes unaccounted.
        List<ExpectedSession> after = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("truth.tsv")));
        assertEquals(2L * burst + after.size(), sessions.size() + lost,
                "events + lost must equal the sessions made (two ends each)");
        assertEquals(sessions.size(), last.getLong("sessionsRecorded"));
        // Once the load has fallen, every session is recorded again, exactly.
        List<RecordedEvent> recovered = sessions.stream()
                .filter(e -> after.stream().anyMatch(s -> s.localPort() == e.getInt("localPort")
                        && s.remotePort() == e.getInt("remotePort") && s.role().equals(e.getString("role"))))
                .toList();
        SessionAssertions.assertSessions(after, recovered, run.events("test.ThreadMarker"), pid(dir));
    }

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void sessionsEndingJustBeforeExitAreInTheExitDump(Path jdk, @TempDir Path dir) throws Exception {
        AgentRun.Result run = AgentRun.on(jdk).run(dir, ResilienceWorkload.class, "exit", dir.toString());
        List<ExpectedSession> truth = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("truth.tsv")));
        SessionAssertions.assertRun(run, truth, new SessionAssertions.Options().pid(pid(dir)));
        RecordedEvent last = lastStatistics(run.events("tcplife.Statistics"));
        assertEquals(truth.size(), last.getLong("sessionsRecorded"), "the exit statistics count every session");
    }

    @Test
    void reportingFollowsRecordingsAndTheirThreshold(@TempDir Path dir) throws Exception {
        AgentRun.Result run = AgentRun.on(Path.of(System.getProperty("java.home"))).withoutRecording()
                .run(dir, ResilienceWorkload.class, "recordings", dir.toString(), AgentRun.TEMPLATE.toString());
        assertEquals(0, run.exitCode(), run.describe());
        List<ExpectedSession> truth = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("truth.tsv")));
        for (int n = 1; n <= 2; n++) {
            Path recording = dir.resolve("recording-" + n + ".jfr");
            String scenario = n == 1 ? "thresholded" : "resumed";
            List<RecordedEvent> all = RecordingFile.readAllEvents(recording);
            List<RecordedEvent> sessions = ofType(all, "tcplife.TcpSession");
            List<ExpectedSession> expected = truth.stream().filter(s -> s.scenario().equals(scenario)).toList();
            SessionAssertions.assertSessions(expected, sessions, ofType(all, "test.ThreadMarker"), pid(dir));
            if (n == 1) {
                RecordedEvent last = lastStatistics(ofType(all, "tcplife.Statistics"));
                assertTrue(last.getLong("sessionsBelowThreshold") >= 20,
                        "the 10 short sessions (20 ends) must be counted below the threshold");
            }
        }
        assertFalse(run.stderr().contains("[tcplife] ERROR"), run.describe());
    }

    static RecordedEvent lastStatistics(List<RecordedEvent> statistics) {
        assertFalse(statistics.isEmpty(), "no tcplife.Statistics event");
        return statistics.stream().max((a, b) -> a.getStartTime().compareTo(b.getStartTime())).orElseThrow();
    }

    private static List<RecordedEvent> ofType(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    /** The workload's process id, as it wrote it. */
    static long pid(Path dir) throws Exception {
        return Long.parseLong(Files.readString(dir.resolve("pid.txt")).trim());
    }
}
