package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jdk.jfr.consumer.RecordedEvent;

import dev.tcplife.jfr.it.workload.ExpectedSession;
import dev.tcplife.jfr.it.workload.FileSignal;
import dev.tcplife.jfr.it.workload.ManyAgentsWorkload;
import dev.tcplife.jfr.it.workload.PeerProcess;

/**
 * Several agents on one machine, each loading its own kernel program: JVM A serves, JVM B (also with the agent)
 * and a third process C (without it) connect to A over loopback. Every session has both ends on this host and
 * every state change is seen by both programs; each recording must hold exactly its own JVM's ends: A its
 * server ends for B's and C's connections, B its client ends, and C's client ends nowhere.
 */
class ManyAgentsIT extends BpfIntegrationTest {
    static final int B_SESSIONS = 15;
    static final int C_SESSIONS = 15;

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void eachAgentRecordsItsOwnEnds(Path jdk, @TempDir Path dir) throws Exception {
        Path portFile = dir.resolve("port");
        AgentRun.Running a = AgentRun.on(jdk).start(dir.resolve("a"), ManyAgentsWorkload.class, "server",
                dir.resolve("a/truth.tsv").toString(), portFile.toString(),
                Integer.toString(B_SESSIONS + C_SESSIONS));
        AgentRun.Running b = null;
        AgentRun.Running c = null;
        try {
            // A writes the port file once it listens and its agent traces; B waits for it by itself.
            b = AgentRun.on(jdk).start(dir.resolve("b"), ManyAgentsWorkload.class, "client",
                    dir.resolve("b/truth.tsv").toString(), portFile.toString(), Integer.toString(B_SESSIONS));
            String port = FileSignal.await(portFile, a::isAlive).strip();
            c = AgentRun.on(jdk).withoutAgent().withoutRecording().start(dir.resolve("c"), PeerProcess.class,
                    "client", port, Integer.toString(C_SESSIONS));
            AgentRun.Result third = c.await();
            assertEquals(0, third.exitCode(), third.describe());
            AgentRun.Result resultB = b.await();
            AgentRun.Result resultA = a.await();

            List<RecordedEvent> eventsA = SessionAssertions.assertRun(resultA, dir.resolve("a/truth.tsv"),
                    new SessionAssertions.Options());
            List<RecordedEvent> eventsB = SessionAssertions.assertRun(resultB, dir.resolve("b/truth.tsv"),
                    new SessionAssertions.Options());

            // A's truth covers both peers: B's client ports, and C's (the rest), which no recording may show.
            List<ExpectedSession> truthA = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("a/truth.tsv")));
            List<ExpectedSession> truthB = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("b/truth.tsv")));
            Set<Integer> portsB = truthB.stream().map(ExpectedSession::localPort).collect(Collectors.toSet());
            Set<Integer> portsC = truthA.stream().map(ExpectedSession::remotePort).collect(Collectors.toSet());
            assertTrue(portsC.containsAll(portsB), "A served every session of B");
            portsC.removeAll(portsB);
            assertEquals(C_SESSIONS, portsC.size(), "A served every session of the third process");
            // Already implied by the exact match above, but this is the point of the test, so said explicitly:
            // C's ends are the client ends with C's ports.
            for (RecordedEvent event : Stream.concat(eventsA.stream(), eventsB.stream()).toList()) {
                assertFalse(event.getString("role").equals("client") && portsC.contains(event.getInt("localPort")),
                        "the third process's end was recorded: " + event);
            }
            assertTrue(eventsB.stream().allMatch(e -> e.getString("role").equals("client")), "B only connected");
            assertTrue(eventsA.stream().allMatch(e -> e.getString("role").equals("server")), "A only accepted");
        } finally {
            a.destroy();
            if (b != null) {
                b.destroy();
            }
            if (c != null) {
                c.destroy();
            }
        }
    }
}
