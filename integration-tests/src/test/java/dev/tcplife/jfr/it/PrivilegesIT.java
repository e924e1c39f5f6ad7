package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tcplife.jfr.it.workload.ExpectedSession;
import dev.tcplife.jfr.it.workload.ResilienceWorkload;
import dev.tcplife.jfr.it.workload.ScenarioWorkload;

/**
 * What the agent needs and what it does without: exactly CAP_BPF and CAP_PERFMON are enough (no root); without
 * them, without libbpf, or with a bad option, it says so in one line and the application runs on, unaffected.
 * And it leaves no kernel object behind when the JVM exits.
 */
class PrivilegesIT extends BpfIntegrationTest {
    private static final Path JAVA = Path.of(System.getProperty("java.home"));
    private static final String NOBODY = "65534";

    @Test
    void capBpfAndCapPerfmonAreEnoughAndNothingIsLeftBehind(@TempDir Path temp) throws Exception {
        Path dir = openToAll(temp);
        AgentRun.Result run = AgentRun.on(JAVA)
                .prefix("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                        "--inh-caps=-all,+bpf,+perfmon", "--ambient-caps=-all,+bpf,+perfmon",
                        "--bounding-set=-all,+bpf,+perfmon")
                .agentOptions("log=debug")
                .run(dir, ResilienceWorkload.class, "plain", dir.toString());

        assertEquals(0, run.exitCode(), run.describe());
        assertTrue(run.stdout().contains("agent state: tracing"), run.describe());
        // The program's own statistics (skipped runs) are readable with these capabilities too.
        assertFalse(run.stderr().contains("cannot read the kernel's count of skipped runs"), run.describe());
        assertEquals(0, ResilienceIT.lastStatistics(run.events("tcplife.Statistics")).getLong("kernelRunsSkipped"));
        List<ExpectedSession> truth = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("truth.tsv")));
        SessionAssertions.assertSessions(truth, run.events("tcplife.TcpSession"), run.events("test.ThreadMarker"),
                ResilienceIT.pid(dir));
        long pid = ResilienceIT.pid(dir);
        String programs = bpftool("prog", "show");
        assertTrue(!programs.contains("java(" + pid + ")"), "program still held by the exited JVM:\n" + programs);
        String maps = bpftool("map", "show");
        assertTrue(!maps.contains("java(" + pid + ")"), "maps still held by the exited JVM:\n" + maps);
    }

    @Test
    void withoutPrivilegesOneLineAndTheApplicationRunsOn(@TempDir Path temp) throws Exception {
        Path dir = openToAll(temp);
        AgentRun.Result run = AgentRun.on(JAVA)
                .prefix("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                        "--inh-caps=-all", "--bounding-set=-all")
                .run(dir, ResilienceWorkload.class, "plain", dir.toString());

        assertApplicationUnaffected(run, dir);
        String error = onlyErrorLine(run);
        assertTrue(error.contains("EPERM") && error.contains("CAP_BPF") && error.contains("CAP_PERFMON"), error);
    }

    @Test
    void withoutLibbpfOneLineAndTheApplicationRunsOn(@TempDir Path dir) throws Exception {
        AgentRun.Result run = AgentRun.on(JAVA).agentOptions("libbpf=/nonexistent/libbpf.so.1")
                .run(dir, ResilienceWorkload.class, "plain", dir.toString());

        assertApplicationUnaffected(run, dir);
        String error = onlyErrorLine(run);
        assertTrue(error.contains("libbpf not found") && error.contains("apt-get install libbpf1"), error);
    }

    /**
     * A host without libbpf (issue 13): the system's is hidden in a mount namespace of the JVM's own, and the
     * agent uses the one its jar carries; every session exact.
     */
    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void withoutTheSystemsLibbpfTheBundledOneRecordsEverySession(Path jdk, @TempDir Path dir) throws Exception {
        Path truthFile = dir.resolve("truth.tsv");
        AgentRun.Result run = AgentRun.on(jdk).prefix(withoutSystemLibbpf()).agentOptions("log=debug")
                .run(dir, ScenarioWorkload.class, truthFile.toString(), Jdks.java(jdk).toString());

        SessionAssertions.assertRun(run, truthFile, new SessionAssertions.Options());
        assertTrue(run.stderr().contains("libbpf: bundled 1.1.2"), run.describe());
    }

    /** Asked for the system's libbpf where there is none: one line saying what to install. */
    @Test
    void theSystemsLibbpfAskedForWhereThereIsNoneOneLine(@TempDir Path dir) throws Exception {
        AgentRun.Result run = AgentRun.on(JAVA).prefix(withoutSystemLibbpf()).agentOptions("libbpf=system")
                .run(dir, ResilienceWorkload.class, "plain", dir.toString());

        assertApplicationUnaffected(run, dir);
        String error = onlyErrorLine(run);
        assertTrue(error.contains("libbpf not found") && error.contains("apt-get install libbpf1"), error);
    }

    @Test
    void badOptionOneLineNamingItAndTheApplicationRunsOn(@TempDir Path dir) throws Exception {
        AgentRun.Result run = AgentRun.on(JAVA).agentOptions("lport=80,ringbuffer=3m")
                .run(dir, ResilienceWorkload.class, "plain", dir.toString());

        assertApplicationUnaffected(run, dir);
        String error = onlyErrorLine(run);
        assertTrue(error.contains("'ringbuffer'") && error.contains("power of two"), error);
    }

    /**
     * A prefix that runs the JVM in a mount namespace of its own in which every libbpf of the system reads as an
     * empty file (/dev/null bound over it): the host as if libbpf were not installed.
     */
    private static String[] withoutSystemLibbpf() throws IOException {
        HostPrograms.require("sh", "mount");
        StringBuilder hide = new StringBuilder();
        for (String dir : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64"}) {
            for (String name : new String[] {"libbpf.so.1", "libbpf.so.0"}) {
                Path library = Path.of(dir, name);
                if (Files.exists(library)) {
                    hide.append("mount --bind /dev/null ").append(library.toRealPath()).append(" && ");
                }
            }
        }
        return new String[] {"unshare", "--mount", "sh", "-c", hide + "exec \"$@\"", "sh"};
    }

    /** The workload made its sessions and finished normally; the agent recorded none of them. */
    private static void assertApplicationUnaffected(AgentRun.Result run, Path dir) throws IOException {
        assertEquals(0, run.exitCode(), run.describe());
        assertTrue(run.stdout().contains("workload done; agent state: failed"), run.describe());
        assertEquals(10, ExpectedSession.parseAll(Files.readAllLines(dir.resolve("truth.tsv"))).size());
        assertEquals(0, run.events("tcplife.TcpSession").size(), run.describe());
    }

    private static String onlyErrorLine(AgentRun.Result run) {
        List<String> lines = run.stderr().lines().filter(line -> line.startsWith("[tcplife]")).toList();
        assertEquals(1, lines.size(), "exactly one line from the agent:\n" + run.describe());
        assertTrue(lines.get(0).startsWith("[tcplife] ERROR: "), lines.get(0));
        return lines.get(0);
    }

    /** A directory the unprivileged JVM can write its recording and truth into. */
    private static Path openToAll(Path temp) throws IOException {
        Path dir = Files.createDirectory(temp.resolve("shared"));
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    /** bpftool's output; a failing bpftool fails the test, rather than listing nothing. */
    private static String bpftool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("bpftool"));
        command.addAll(List.of(args));
        Command bpftool = Command.run(command.toArray(String[]::new));
        assertEquals(0, bpftool.exitCode(), bpftool.toString());
        return bpftool.stdout();
    }
}
