package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jdk.jfr.consumer.RecordedEvent;

import dev.tcplife.jfr.it.workload.SocketApisWorkload;

/**
 * javaThread and javaThreadName are the thread that called connect (client) or accept (server), whatever JDK
 * API made the socket: java.net sockets, blocking and non-blocking channels (connect and finishConnect on
 * different threads, accept through a Selector), asynchronous channels (Future and CompletionHandler, where the
 * completion runs on a pool thread), java.net.http.HttpClient against com.sun.net.httpserver, and on JDK 21+
 * virtual threads. Every other field is checked exactly too.
 *
 * <p>HttpClient, as observed on JDK 17 and 25 (see SocketApisWorkload#httpClient): send() connects on the
 * calling thread; sendAsync() on a thread of the client's executor, by default {@code HttpClient-<id>-Worker-0}.
 */
class SocketApisIT extends BpfIntegrationTest {
    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void theThreadThatConnectedOrAccepted(Path jdk, @TempDir Path dir) throws Exception {
        Path truthFile = dir.resolve("truth.tsv");
        AgentRun.Result run = AgentRun.on(jdk).run(dir, SocketApisWorkload.class, truthFile.toString(), "platform");

        // The HttpClient's own pool threads run no workload code before they connect: no marker, so only a
        // non-zero osThreadId is required of their sessions.
        List<RecordedEvent> sessions = SessionAssertions.assertRun(run, truthFile,
                new SessionAssertions.Options().noOsThreadOfTheirOwn(name -> name.startsWith("HttpClient-")));
        printHttpThreads(jdk, sessions);
    }

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void virtualThreads(Path jdk, @TempDir Path dir) throws Exception {
        int feature = Jdks.featureVersion(jdk);
        assumeTrue(feature >= 21, "virtual threads need JDK 21 or later; " + jdk + " is JDK " + feature);
        Path truthFile = dir.resolve("truth.tsv");
        AgentRun.Result run = AgentRun.on(jdk).run(dir, SocketApisWorkload.class, truthFile.toString(), "virtual");

        // A virtual thread's osThreadId is its carrier's, whichever that was: it need only be a thread id.
        SessionAssertions.assertRun(run, truthFile,
                new SessionAssertions.Options().noOsThreadOfTheirOwn(name -> name.startsWith("vt-")));
    }

    /** For the record: the threads the agent named for HttpClient's connections on this JDK. */
    private static void printHttpThreads(Path jdk, List<RecordedEvent> sessions) {
        for (RecordedEvent session : sessions) {
            String thread = session.getString("javaThreadName");
            if (session.getString("role").equals("client") && thread != null && !thread.endsWith("-relay")
                    && (thread.startsWith("http-") || thread.startsWith("HttpClient-"))) {
                System.out.println("JDK " + Jdks.featureVersion(jdk) + ": an HttpClient connection opened by " + thread);
            }
        }
    }
}
