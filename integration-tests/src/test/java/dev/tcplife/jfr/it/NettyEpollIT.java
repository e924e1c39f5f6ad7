package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jdk.jfr.consumer.RecordedEvent;

import dev.tcplife.jfr.it.workload.NettyEpollWorkload;

/**
 * Netty's native epoll transport connects and accepts in JNI, where the agent's JDK hooks see nothing. A client
 * session still names the event loop thread that connected: the kernel recorded its thread id at connect(), and
 * the agent finds the live Java thread that holds it (javaThreadSource "kernel-tid"). An accepted session names
 * the boss loop that accepted it: the agent instruments Netty's own accept wrapper (javaThreadSource
 * "netty-accept").
 */
class NettyEpollIT extends BpfIntegrationTest {
    private static final int SESSIONS = 20;

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void everySessionNamesTheLoopThatConnectedOrAccepted(Path jdk, @TempDir Path dir) throws Exception {
        Path truthFile = dir.resolve("truth.tsv");
        AgentRun.Result run = AgentRun.on(jdk).classPath(nettyJars())
                .run(dir, NettyEpollWorkload.class, truthFile.toString(), Integer.toString(SESSIONS));
        assertEquals(0, run.exitCode(), run.describe());
        assertFalse(run.stderr().contains("[tcplife] ERROR"), run.describe());

        Map<String, Long> osThreadIds = new HashMap<>();
        for (RecordedEvent marker : run.events("test.ThreadMarker")) {
            osThreadIds.put(marker.getThread().getJavaName(), marker.getThread().getOSThreadId());
        }
        Map<Integer, RecordedEvent> clients = new HashMap<>();
        int servers = 0;
        for (RecordedEvent event : run.events("tcplife.TcpSession")) {
            if (event.getString("role").equals("client")) {
                assertNull(clients.put(event.getInt("localPort"), event), "one event per client session: " + event);
            } else {
                servers++;
                assertEquals(NettyEpollWorkload.ACCEPTING_THREAD, event.getString("javaThreadName"), event.toString());
                assertEquals("netty-accept", event.getString("javaThreadSource"), event.toString());
                assertEquals(osThreadIds.get(NettyEpollWorkload.ACCEPTING_THREAD), event.getLong("osThreadId"),
                        event.toString());
            }
        }
        List<String> truth = Files.readAllLines(truthFile);
        assertEquals(SESSIONS, truth.size());
        assertEquals(SESSIONS, clients.size(), run.describe());
        assertEquals(SESSIONS, servers, run.describe());
        for (String line : truth) {
            String[] f = line.split("\t");
            RecordedEvent event = clients.get(Integer.parseInt(f[1]));
            assertNotNull(event, "no event for " + line);
            assertEquals(Integer.parseInt(f[2]), event.getInt("remotePort"), event.toString());
            assertEquals(f[3], event.getString("javaThreadName"), event.toString());
            assertEquals("kernel-tid", event.getString("javaThreadSource"), event.toString());
            assertEquals(osThreadIds.get(f[3]), event.getLong("osThreadId"), event.toString());
            if (Jdks.featureVersion(jdk) >= 21) {
                // JDK 17 writes a Thread field of a thread that has ended (the loops are shut down) as none
                assertNotNull(event.getThread("javaThread"), event.toString());
            }
        }
    }

    /** Netty's jars, from the tests' own class path: the workload JVM needs them, and nothing else of it. */
    private static List<Path> nettyJars() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> entry.contains("/io/netty/"))
                .map(Path::of)
                .toList();
    }
}
