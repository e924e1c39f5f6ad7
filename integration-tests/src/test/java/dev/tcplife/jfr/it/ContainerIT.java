package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tcplife.jfr.it.workload.ExpectedSession;
import dev.tcplife.jfr.it.workload.FileSignal;
import dev.tcplife.jfr.it.workload.FixedPortWorkload;
import dev.tcplife.jfr.it.workload.ScenarioWorkload;

/**
 * The JVM as Docker runs it: in its own PID and network namespace, where it is PID 1 and has a loopback of its
 * own. The agent must filter on the PID the JVM sees, inside its namespace, and keep two such JVMs apart even
 * when they use the very same addresses and ports.
 */
class ContainerIT extends BpfIntegrationTest {
    /** What Docker does for a container, in one command: PID 1 of a new PID namespace, a network with lo up. */
    private static final String[] CONTAINER = {"unshare", "--pid", "--net", "--fork", "--mount-proc", "sh", "-c",
        "ip link set lo up && exec \"$@\"", "sh"};

    /** The container prefix; its shell line runs sh and ip, which the prefix's first word does not show. */
    static String[] container() {
        HostPrograms.require("sh", "ip");
        return CONTAINER;
    }

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void everySessionOnceInsideNamespaces(Path jdk, @TempDir Path dir) throws Exception {
        Path truthFile = dir.resolve("truth.tsv");
        // A JFR repository of its own: the default, /tmp/<start second>_<pid>, is shared by every PID 1 started in
        // the same second, as in the test below.
        AgentRun.Result run = AgentRun.on(jdk).prefix(container())
                .jvmOption("-XX:FlightRecorderOptions=repository=" + dir.resolve("jfr-repository"))
                .run(dir, ScenarioWorkload.class, truthFile.toString(), Jdks.java(jdk).toString());

        SessionAssertions.assertRun(run, truthFile, new SessionAssertions.Options());
        // sh execs java as the namespace's first process: the JVM sees itself as PID 1, and so must the events
        // (assertRun compares every event's pid with jdk.JVMInformation's).
        assertEquals(1, SessionAssertions.jvmPid(run), "the JVM's PID inside its namespace");
    }

    /**
     * Two containers at once, each with a listener on port 45678 and clients on ports 45700-45705: the same
     * five-tuples exist twice in the kernel, in different network namespaces, owned by two processes that are
     * both PID 1. Each recording must hold exactly its own sessions; the byte counts (salted per JVM) tell them
     * apart.
     */
    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void twoContainersOnTheSamePorts(Path jdk, @TempDir Path dir) throws Exception {
        int sessions = 6;
        AgentRun.Running one = startFixedPorts(jdk, dir, "one", sessions, 1);
        AgentRun.Running two = startFixedPorts(jdk, dir, "two", sessions, 2);
        try {
            // Both hold all their sessions open before either closes one.
            FileSignal.await(dir.resolve("one.open"), one::isAlive);
            FileSignal.await(dir.resolve("two.open"), two::isAlive);
            FileSignal.send(dir.resolve("close"));
            AgentRun.Result first = one.await();
            AgentRun.Result second = two.await();

            List<ExpectedSession> truthOne = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("one/truth.tsv")));
            List<ExpectedSession> truthTwo = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("two/truth.tsv")));
            assertEquals(keys(truthOne), keys(truthTwo), "both containers used the same ports");
            SessionAssertions.assertRun(first, dir.resolve("one/truth.tsv"), new SessionAssertions.Options());
            SessionAssertions.assertRun(second, dir.resolve("two/truth.tsv"), new SessionAssertions.Options());
            assertEquals(1, SessionAssertions.jvmPid(first));
            assertEquals(1, SessionAssertions.jvmPid(second));
        } finally {
            one.destroy();
            two.destroy();
        }
    }

    private static AgentRun.Running startFixedPorts(Path jdk, Path dir, String name, int sessions, int salt)
            throws Exception {
        Path workDir = dir.resolve(name);
        // Each JVM its own JFR repository: by default it is /tmp/<start time to the second>_<pid>, the same
        // directory for two PID 1s started in the same second, and the first to exit deletes the other's chunks
        // (Docker gives each container its own /tmp; these share the host's).
        return AgentRun.on(jdk).prefix(container())
                .jvmOption("-XX:FlightRecorderOptions=repository=" + workDir.resolve("jfr-repository"))
                .start(workDir, FixedPortWorkload.class,
                workDir.resolve("truth.tsv").toString(), dir.toString(), name, "45678", "45700",
                Integer.toString(sessions), Integer.toString(salt));
    }

    private static Set<String> keys(List<ExpectedSession> sessions) {
        return sessions.stream().map(ExpectedSession::key).collect(Collectors.toSet());
    }
}
