package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jdk.jfr.consumer.RecordedEvent;

import dev.tcplife.jfr.it.workload.ExpectedSession;
import dev.tcplife.jfr.it.workload.ScenarioWorkload;

/**
 * The core promise, end to end: a JVM with the agent records each of its TCP sessions exactly once, with every
 * field exact, and none of another process's. Real kernel program, real JVMs, real sockets, real recording.
 */
class CoreSessionsIT {

    @BeforeAll
    static void requireBpf() {
        BpfSupport.require();
    }

    static Stream<Path> jdks() {
        return Jdks.all();
    }

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void everySessionOnceWithExactFields(Path jdk, @TempDir Path dir) throws Exception {
        Path truthFile = dir.resolve("truth.tsv");
        AgentRun.Result run = AgentRun.on(jdk).run(dir, ScenarioWorkload.class, truthFile.toString(),
                Jdks.java(jdk).toString());

        assertEquals(0, run.exitCode(), run.describe());
        assertFalse(run.stderr().contains("[tcplife] ERROR"), run.describe());
        List<ExpectedSession> expected = ExpectedSession.parseAll(Files.readAllLines(truthFile));
        List<RecordedEvent> sessions = run.events("tcplife.TcpSession");
        long pid = sessions.isEmpty() ? -1 : sessions.get(0).getLong("pid");
        SessionAssertions.assertSessions(expected, sessions, run.events("test.ThreadMarker"), workloadPid(run));
        assertEquals(expected.size(), sessions.size());
        assertEquals(workloadPid(run), pid);
    }

    private static long workloadPid(AgentRun.Result run) throws Exception {
        for (RecordedEvent info : run.events("jdk.JVMInformation")) {
            return info.getLong("pid");
        }
        throw new AssertionError("no jdk.JVMInformation event in the recording");
    }
}
