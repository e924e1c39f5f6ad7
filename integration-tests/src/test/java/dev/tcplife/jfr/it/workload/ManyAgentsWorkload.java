package dev.tcplife.jfr.it.workload;

import static dev.tcplife.jfr.it.workload.ScenarioWorkload.now;
import static dev.tcplife.jfr.it.workload.ScenarioWorkload.readToEnd;
import static dev.tcplife.jfr.it.workload.ScenarioWorkload.write;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One of several JVMs with the agent that talk to each other over loopback, with the protocol of
 * {@link PeerProcess}: the client sends, half-closes and reads to the end; the server reads to the end, answers
 * half as much plus 7 bytes and closes.
 *
 * <ul>
 *   <li>{@code server <truth-file> <port-file> <connections>}: listens, writes its port to the port file, serves
 *       exactly {@code connections} sessions, whoever makes them, and exits;
 *   <li>{@code client <truth-file> <port-file> <sessions>}: waits for the port file and makes its sessions.
 * </ul>
 */
public final class ManyAgentsWorkload {
    private final Queue<ExpectedSession> truth = new ConcurrentLinkedQueue<>();

    public static void main(String[] args) throws Exception {
        AgentReady.await();
        ManyAgentsWorkload workload = new ManyAgentsWorkload();
        Path portFile = Path.of(args[2]);
        int count = Integer.parseInt(args[3]);
        boolean server = args[0].equals("server");
        Thread thread = new Thread(() -> {
            ThreadMarker.mark();
            try {
                if (server) {
                    workload.serve(portFile, count);
                } else {
                    workload.connect(portFile, count);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, server ? "a-acceptor" : "b-client");
        thread.start();
        thread.join();
        if (workload.truth.size() != count) {
            throw new IllegalStateException(workload.truth.size() + " of " + count + " sessions done, see above");
        }
        List<String> lines = new ArrayList<>();
        workload.truth.forEach(s -> lines.add(s.toLine()));
        Files.write(Path.of(args[1]), lines);
    }

    private void serve(Path portFile, int connections) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            int port = server.getLocalPort();
            long listening = now();
            FileSignal.send(portFile, Integer.toString(port));
            ExecutorService handlers = Executors.newFixedThreadPool(2, ScenarioWorkload.named("a-handler"));
            for (int i = 0; i < connections; i++) {
                Socket socket = server.accept();
                long accepted = now();
                handlers.submit(() -> {
                    try (socket) {
                        long up = readToEnd(socket);
                        int down = (int) (up / 2 + 7);
                        write(socket, down);
                        long endBegin = now();
                        socket.close();
                        long endEnd = now();
                        // Connected by another process at some moment after the port file: a loose open bracket.
                        truth.add(new ExpectedSession("many-agents", "server", "IPv4", "127.0.0.1", port,
                                "127.0.0.1", socket.getPort(), down, down, up, "remote", false, true, null,
                                "a-acceptor", listening, accepted, endBegin, endEnd));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            handlers.shutdown();
            if (!handlers.awaitTermination(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("handlers did not finish");
            }
        }
    }

    private void connect(Path portFile, int sessions) throws Exception {
        int port = Integer.parseInt(FileSignal.await(portFile).strip());
        for (int i = 0; i < sessions; i++) {
            truth.add(ScenarioWorkload.halfClosingClient("many-agents", port, 500 + 13 * i));
        }
    }
}
