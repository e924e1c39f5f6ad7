package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's demo as a user runs it, {@code java -jar tcplife-agent.jar demo}: the sample workload under the
 * agent, then print. Every session the workload says it made is printed, each as it ended.
 *
 * <p>The demo runs the agent jar itself as the application ({@code -jar tcplife-agent.jar sample-workload}), whose
 * classes no application class loader defines: the agent's start, which waits for the application to begin
 * before it sets up its events, waited its whole 10 s, past the workload's end, and the demo printed nothing.
 */
class DemoIT extends BpfIntegrationTest {
    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void theDemoPrintsEverySessionOfTheSampleWorkload(Path jdk, @TempDir Path dir) throws Exception {
        Process demo = new ProcessBuilder(HostPrograms.check(List.of(Jdks.java(jdk).toString(), "-jar",
                AgentRun.AGENT_JAR.toAbsolutePath().toString(), "demo")))
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(demo.waitFor(120, TimeUnit.SECONDS), output);
        assertEquals(0, demo.exitValue(), output);
        assertTrue(output.contains("tracing the TCP sessions of pid") && output.contains("from before main"), output);

        // What the sample workload says it did, and how each of its sessions ends (see SampleWorkload).
        assertEquals(1, lines(output, "pooled-client", "client", "fin-remote"), output);
        assertEquals(5, lines(output, "churning-client", "client", "fin-remote"), output);
        assertEquals(6, lines(output, "HTTP-Dispatcher", "server", "fin-local"), output);
        assertEquals(1, lines(output, "impatient-client", "client", "rst-local"), output);
        assertEquals(1, lines(output, "reset-peer", "server", "rst-remote"), output);
        assertEquals(1, lines(output, "lost-client", "client", "refused"), output);
        assertEquals(1, lines(output, "ipv6-client", "::1", "fin-local"), output);
        assertEquals(1, lines(output, "ipv6-echo", "::1", "fin-remote"), output);
    }

    /** The printed session lines that hold each of {@code words}. */
    private static long lines(String output, String... words) {
        return output.lines().filter(line -> List.of(words).stream().allMatch(word -> line.contains(" " + word + " ")
                || line.endsWith(" " + word))).count();
    }
}
