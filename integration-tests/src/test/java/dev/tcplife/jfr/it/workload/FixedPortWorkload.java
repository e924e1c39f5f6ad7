package dev.tcplife.jfr.it.workload;

import static dev.tcplife.jfr.it.workload.ScenarioWorkload.now;
import static dev.tcplife.jfr.it.workload.ScenarioWorkload.readExactly;
import static dev.tcplife.jfr.it.workload.ScenarioWorkload.readToEnd;
import static dev.tcplife.jfr.it.workload.ScenarioWorkload.write;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Sessions on fixed ports, to itself: a listener on {@code port} and {@code sessions} clients bound to
 * {@code firstClientPort}, {@code firstClientPort + 1}, ... So two copies in two network namespaces make
 * sessions with the very same addresses and ports; {@code salt} makes their byte counts differ.
 *
 * <p>Usage: {@code FixedPortWorkload <truth-file> <signal-dir> <name> <port> <first-client-port> <sessions> <salt>}.
 * With all sessions open it creates {@code <signal-dir>/<name>.open}, then waits for {@code <signal-dir>/close}
 * before it closes them: the test holds both copies' sessions open at the same time.
 */
public final class FixedPortWorkload {
    public static void main(String[] args) throws Exception {
        AgentReady.await();
        Path truthFile = Path.of(args[0]);
        Path signals = Path.of(args[1]);
        String name = args[2];
        int port = Integer.parseInt(args[3]);
        int firstClientPort = Integer.parseInt(args[4]);
        int sessions = Integer.parseInt(args[5]);
        int salt = Integer.parseInt(args[6]);
        List<String> truth = new ArrayList<>();
        Thread main = new Thread(() -> {
            ThreadMarker.mark();
            try {
                run(signals, name, port, firstClientPort, sessions, salt, truth);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "fixed-client");
        main.start();
        main.join();
        if (truth.size() != 2 * sessions) {
            throw new IllegalStateException("the sessions failed, see above");
        }
        Files.write(truthFile, truth);
    }

    private static void run(Path signals, String name, int port, int firstClientPort, int sessions, int salt,
            List<String> truth) throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(loopback, port), 50);
            ExecutorService acceptor = Executors.newSingleThreadExecutor(ScenarioWorkload.named("fixed-acceptor"));
            List<Socket> clients = new ArrayList<>();
            List<Socket> servers = new ArrayList<>();
            long[] openBegin = new long[sessions];
            long[] clientOpenEnd = new long[sessions];
            long[] serverOpenEnd = new long[sessions];
            for (int i = 0; i < sessions; i++) {
                Future<Socket> accepted = acceptor.submit(server::accept);
                Socket client = new Socket();
                client.bind(new InetSocketAddress(loopback, firstClientPort + i));
                openBegin[i] = now();
                client.connect(new InetSocketAddress(loopback, port));
                clientOpenEnd[i] = now();
                Socket serverSide = accepted.get(10, TimeUnit.SECONDS);
                serverOpenEnd[i] = now();
                clients.add(client);
                servers.add(serverSide);
            }
            acceptor.shutdown();
            int[] up = new int[sessions];
            int[] down = new int[sessions];
            for (int i = 0; i < sessions; i++) {
                up[i] = 100 * (i + 1) + salt;
                down[i] = 50 * (i + 1) + 3 * salt;
                write(clients.get(i), up[i]);
                readExactly(servers.get(i), up[i]);
                write(servers.get(i), down[i]);
                readExactly(clients.get(i), down[i]);
            }

            FileSignal.send(signals.resolve(name + ".open"));
            FileSignal.await(signals.resolve("close"));

            for (int i = 0; i < sessions; i++) {
                // Even sessions: the client closes first; odd ones: the server does.
                boolean clientFirst = i % 2 == 0;
                Socket first = clientFirst ? clients.get(i) : servers.get(i);
                Socket second = clientFirst ? servers.get(i) : clients.get(i);
                first.close();
                readToEnd(second);
                long endBegin = now();
                second.close();
                long endEnd = now();
                int clientPort = firstClientPort + i;
                truth.add(new ExpectedSession("fixed-" + name, "client", "IPv4", "127.0.0.1", clientPort, "127.0.0.1",
                        port, up[i], up[i], down[i], clientFirst ? "local" : "remote", false, true, null,
                        "fixed-client", openBegin[i], clientOpenEnd[i], endBegin, endEnd).toLine());
                truth.add(new ExpectedSession("fixed-" + name, "server", "IPv4", "127.0.0.1", port, "127.0.0.1",
                        clientPort, down[i], down[i], up[i], clientFirst ? "remote" : "local", false, true, null,
                        "fixed-acceptor", openBegin[i], serverOpenEnd[i], endBegin, endEnd).toLine());
            }
        }
    }
}
