package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jdk.jfr.consumer.RecordedEvent;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tcplife.jfr.cli.sessions.ChunkSessions;
import dev.tcplife.jfr.cli.sessions.SessionRow;
import dev.tcplife.jfr.it.workload.ScenarioWorkload;

/**
 * The core promise, end to end: a JVM with the agent records each of its TCP sessions exactly once, with every
 * field exact, and none of another process's. Real kernel program, real JVMs, real sockets, real recording.
 */
class CoreSessionsIT extends BpfIntegrationTest {
    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void everySessionOnceWithExactFields(Path jdk, @TempDir Path dir) throws Exception {
        Path truthFile = dir.resolve("truth.tsv");
        AgentRun.Result run = AgentRun.on(jdk).run(dir, ScenarioWorkload.class, truthFile.toString(),
                Jdks.java(jdk).toString());

        // Every event's pid is compared with the workload's, from jdk.JVMInformation.
        SessionAssertions.assertRun(run, truthFile, new SessionAssertions.Options());

        // The agent's reader waits between reads in parks shorter than default.jfc's threshold for jdk.ThreadPark
        // (20 ms, its poll), so that its waits do not clutter the application's recording: one park a poll, before.
        // A park the scheduler holds up by more than a quarter of it on a loaded machine still reaches the threshold
        // (seen: 21 ms for a 7.5 ms park, once in a run): a few are allowed, against the hundred of a run's polls.
        List<String> readerParks = run.events("jdk.ThreadPark").stream()
                .filter(park -> park.getThread() != null && "tcplife-sessions".equals(park.getThread().getJavaName()))
                .map(park -> park.getDuration() + " in " + (park.getStackTrace() == null ? "?"
                        : park.getStackTrace().getFrames().stream().limit(6)
                                .map(frame -> frame.getMethod().getType().getName() + "." + frame.getMethod().getName())
                                .toList()))
                .toList();
        assertTrue(readerParks.size() <= 3, "jdk.ThreadPark events of the agent's reader thread: " + readerParks);

        assertPrintReadsTheRecordingAsTheJdkDoes(run);
    }

    /** print's reader of chunks, on this JDK's recording, gives every session's row as the JDK's parser does. */
    private static void assertPrintReadsTheRecordingAsTheJdkDoes(AgentRun.Result run) throws IOException {
        List<SessionRow> expected = new ArrayList<>();
        SessionRow.Reader reader = new SessionRow.Reader();
        for (RecordedEvent event : run.events(SessionRow.EVENT)) {
            expected.add(reader.read(event));
        }
        List<SessionRow> read = new ArrayList<>();
        try (ChunkSessions sessions = ChunkSessions.open(run.recording())) {
            assertNotNull(sessions, run.recording() + " is read from its chunks");
            for (SessionRow row = sessions.next(); row != null; row = sessions.next()) {
                read.add(row);
            }
        }
        assertTrue(expected.size() > 10, expected.size() + " sessions");
        assertEquals(expected, read);
    }
}
