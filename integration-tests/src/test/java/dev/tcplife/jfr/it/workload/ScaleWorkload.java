package dev.tcplife.jfr.it.workload;

import static dev.tcplife.jfr.it.workload.ScenarioWorkload.now;
import static dev.tcplife.jfr.it.workload.ScenarioWorkload.readExactly;
import static dev.tcplife.jfr.it.workload.ScenarioWorkload.write;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import jdk.jfr.consumer.RecordingStream;

/**
 * ScaleIT's JVM: {@code sessions} loopback sessions to itself, all open at once (both ends here: twice as many
 * sockets), a few bytes each way, held open until JFR has sampled tcplife.Statistics twice, then all closed,
 * the client first. Usage: {@code ScaleWorkload <truth-file> <sessions>}.
 */
public final class ScaleWorkload {
    /** Statistics samples taken with every session open, before they close. */
    static final int SAMPLES_WHILE_OPEN = 2;

    public static void main(String[] args) throws Exception {
        AgentReady.await();
        Path truthFile = Path.of(args[0]);
        int sessions = Integer.parseInt(args[1]);
        List<String> truth = new ArrayList<>(2 * sessions);
        ThreadMarker.startMarked("scale-client", () -> {
            run(sessions, truth);
            return null;
        }).get();
        Files.write(truthFile, truth);
    }

    private static void run(int sessions, List<String> truth) throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket listener = new ServerSocket(0, 4096, loopback)) {
            int port = listener.getLocalPort();
            Map<Integer, Socket> accepted = new HashMap<>();
            Map<Integer, Long> acceptedAt = new HashMap<>();
            FutureTask<Void> acceptor = ThreadMarker.startMarked("scale-acceptor", () -> {
                for (int i = 0; i < sessions; i++) {
                    Socket socket = listener.accept();
                    long at = now();
                    synchronized (accepted) {
                        accepted.put(socket.getPort(), socket);
                        acceptedAt.put(socket.getPort(), at);
                    }
                }
                return null;
            });
            Socket[] clients = new Socket[sessions];
            long[] openBegin = new long[sessions];
            long[] openEnd = new long[sessions];
            long connectsBegin = now();
            for (int i = 0; i < sessions; i++) {
                openBegin[i] = now();
                clients[i] = new Socket(loopback, port);
                openEnd[i] = now();
            }
            acceptor.get(60, TimeUnit.SECONDS);
            Socket[] servers = new Socket[sessions];
            for (int i = 0; i < sessions; i++) {
                servers[i] = accepted.get(clients[i].getLocalPort());
                write(clients[i], up(i));
                readExactly(servers[i], up(i));
                write(servers[i], down(i));
                readExactly(clients[i], down(i));
            }

            awaitStatisticsSamples(SAMPLES_WHILE_OPEN);

            long[] endBegin = new long[sessions];
            long[] endEnd = new long[sessions];
            for (int i = 0; i < sessions; i++) {
                endBegin[i] = now();
                clients[i].close();
                servers[i].close();
                endEnd[i] = now();
            }
            for (int i = 0; i < sessions; i++) {
                int clientPort = clients[i].getLocalPort();
                truth.add(new ExpectedSession("scale", "client", "IPv4", "127.0.0.1", clientPort, "127.0.0.1", port,
                        up(i), up(i), down(i), "local", false, true, null, "scale-client", openBegin[i], openEnd[i],
                        endBegin[i], endEnd[i]).toLine());
                // Accepted in the background while the client thread went on connecting: the open bracket
                // begins with the first connect.
                truth.add(new ExpectedSession("scale", "server", "IPv4", "127.0.0.1", port, "127.0.0.1", clientPort,
                        down(i), down(i), up(i), "remote", false, true, null, "scale-acceptor", connectsBegin,
                        acceptedAt.get(clientPort), endBegin[i], endEnd[i]).toLine());
            }
        }
    }

    static int up(int i) {
        return 10 + i % 7;
    }

    static int down(int i) {
        return 20 + i % 11;
    }

    /**
     * Holds the sessions open until JFR has committed {@code samples} tcplife.Statistics events that began
     * after now, so that the recording holds samples taken with all of them open. Only the timing of the events
     * is used here, never their values: the test compares those with what this workload did.
     */
    private static void awaitStatisticsSamples(int samples) throws InterruptedException {
        Instant allOpen = Instant.now();
        CountDownLatch sampled = new CountDownLatch(samples);
        try (RecordingStream stream = new RecordingStream()) {
            stream.enable("tcplife.Statistics").withPeriod(Duration.ofSeconds(1));
            stream.onEvent("tcplife.Statistics", event -> {
                if (event.getStartTime().isAfter(allOpen)) {
                    sampled.countDown();
                }
            });
            stream.startAsync();
            if (!sampled.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no tcplife.Statistics events in 60 s");
            }
        }
    }
}
