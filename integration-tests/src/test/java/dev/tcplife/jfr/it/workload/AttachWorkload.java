package dev.tcplife.jfr.it.workload;

import static dev.tcplife.jfr.it.workload.ScenarioWorkload.now;
import static dev.tcplife.jfr.it.workload.ScenarioWorkload.readExactly;
import static dev.tcplife.jfr.it.workload.ScenarioWorkload.readToEnd;
import static dev.tcplife.jfr.it.workload.ScenarioWorkload.write;

import java.net.InetAddress;
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
 * A JVM started without the agent, which the test attaches it to (and detaches it from) while it runs. It
 * waits for the test at each step through files in {@code <dir>}.
 *
 * <ul>
 *   <li>{@code attach}: opens a listener and sessions, creates {@code ready} and waits for {@code go} (the test
 *       attaches meanwhile); then sends more on the old sessions, closes them in a known order, accepts new
 *       connections on the old listener and on a new one, and writes {@code truth.tsv}. Old sessions are the
 *       scenarios named {@code old-*}.
 *   <li>{@code stop}: creates {@code ready}; at {@code go} makes sessions, writes {@code truth.tsv} and creates
 *       {@code traced}; at {@code go-after-stop} makes more, writes them to {@code untraced.tsv} and exits.
 *   <li>{@code idle}: creates {@code ready}, waits for {@code exit}.
 * </ul>
 */
public final class AttachWorkload {
    static final int OLD_SESSIONS = 4;
    static final int NEW_SESSIONS = 3;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Path dir;
    private final List<String> truth = new ArrayList<>();

    private AttachWorkload(Path dir) {
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        AttachWorkload workload = new AttachWorkload(Path.of(args[0]));
        String mode = args[1];
        // Its own thread, as in the other workloads: JFR keeps the name a thread had when it first recorded it.
        ThreadMarker.startMarked("attach-main", () -> {
            switch (mode) {
                case "attach" -> workload.attach();
                case "stop" -> workload.stop();
                case "idle" -> {
                    FileSignal.send(workload.dir.resolve("ready"));
                    FileSignal.await(workload.dir.resolve("exit"));
                }
                default -> throw new IllegalArgumentException(mode);
            }
            return null;
        }).get(); // a failure fails the workload (exit 1)
    }

    private void attach() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, LOOPBACK)) {
            // Before the agent: sessions with some bytes each way, both ends in this JVM.
            List<Pair> old = new ArrayList<>();
            ExecutorService oldAcceptor = Executors.newSingleThreadExecutor(ScenarioWorkload.named("old-acceptor"));
            for (int i = 0; i < OLD_SESSIONS; i++) {
                old.add(Pair.open(listener, oldAcceptor, "old-" + i, 100 * (i + 1), 30 * (i + 1)));
            }
            oldAcceptor.shutdown();
            FileSignal.send(dir.resolve("ready"));
            FileSignal.await(dir.resolve("go"));
            ThreadMarker.mark(); // again: the recording started after this thread's first marker

            // Traced from here. The old sessions carry more bytes, then end in order: even ones closed by the
            // client first, odd ones by the server first. Their totals are what the events must show.
            for (int i = 0; i < old.size(); i++) {
                Pair pair = old.get(i);
                pair.exchange(1000 + i, 2000 + i);
            }
            for (int i = 0; i < old.size(); i++) {
                old.get(i).close(i % 2 == 0, "attach-main", "old-acceptor", truth);
            }

            // New connections on the old listener, accepted by a thread started after the attach. A thread that
            // was already blocked in accept() when the agent attached keeps running the uninstrumented method
            // until that call returns (retransformation replaces a method for its next calls only), so the one
            // connection it accepts then has no Java thread: not what this test is about.
            ExecutorService newAcceptor = Executors.newSingleThreadExecutor(ScenarioWorkload.named("new-acceptor"));
            for (int i = 0; i < NEW_SESSIONS; i++) {
                Pair pair = Pair.open(listener, newAcceptor, "new-on-old-listener-" + i, 400 + i, 500 + i);
                pair.close(i % 2 == 0, "attach-main", "new-acceptor", truth);
            }
            newAcceptor.shutdown();
        }
        try (ServerSocket listener = new ServerSocket(0, 50, LOOPBACK)) {
            ExecutorService acceptor = Executors.newSingleThreadExecutor(ScenarioWorkload.named("new-listener-acceptor"));
            for (int i = 0; i < NEW_SESSIONS; i++) {
                Pair pair = Pair.open(listener, acceptor, "new-listener-" + i, 600 + i, 700 + i);
                pair.close(i % 2 == 1, "attach-main", "new-listener-acceptor", truth);
            }
            acceptor.shutdown();
        }
        Files.write(dir.resolve("truth.tsv"), truth);
    }

    private void stop() throws Exception {
        FileSignal.send(dir.resolve("ready"));
        FileSignal.await(dir.resolve("go"));
        ThreadMarker.mark(); // again: the recording started after this thread's first marker
        sessions("traced", truth);
        Files.write(dir.resolve("truth.tsv"), truth);
        FileSignal.send(dir.resolve("traced"));

        FileSignal.await(dir.resolve("go-after-stop"));
        List<String> untraced = new ArrayList<>();
        sessions("untraced", untraced);
        Files.write(dir.resolve("untraced.tsv"), untraced);
    }

    /** {@value #NEW_SESSIONS} sessions on a new listener, accepted by {@code <name>-acceptor}. */
    private static void sessions(String name, List<String> into) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, LOOPBACK)) {
            ExecutorService acceptor = Executors.newSingleThreadExecutor(ScenarioWorkload.named(name + "-acceptor"));
            for (int i = 0; i < NEW_SESSIONS; i++) {
                Pair pair = Pair.open(listener, acceptor, name + "-" + i, 800 + i, 900 + i);
                pair.close(true, "attach-main", name + "-acceptor", into);
            }
            acceptor.shutdown();
        }
    }

    /** One session with both ends in this JVM: the client connects on the calling thread. */
    private static final class Pair {
        final String scenario;
        final Socket client;
        final Socket server;
        final long openBegin;
        final long clientOpenEnd;
        final long serverOpenEnd;
        long up;
        long down;

        private Pair(String scenario, Socket client, Socket server, long openBegin, long clientOpenEnd,
                long serverOpenEnd) {
            this.scenario = scenario;
            this.client = client;
            this.server = server;
            this.openBegin = openBegin;
            this.clientOpenEnd = clientOpenEnd;
            this.serverOpenEnd = serverOpenEnd;
        }

        static Pair open(ServerSocket listener, ExecutorService acceptor, String scenario, int up, int down)
                throws Exception {
            Future<Socket> accepted = acceptor.submit(listener::accept);
            long openBegin = now();
            Socket client = new Socket(LOOPBACK, listener.getLocalPort());
            long clientOpenEnd = now();
            Socket server = accepted.get(10, TimeUnit.SECONDS);
            long serverOpenEnd = now();
            Pair pair = new Pair(scenario, client, server, openBegin, clientOpenEnd, serverOpenEnd);
            pair.exchange(up, down);
            return pair;
        }

        void exchange(int moreUp, int moreDown) throws Exception {
            write(client, moreUp);
            readExactly(server, moreUp);
            write(server, moreDown);
            readExactly(client, moreDown);
            up += moreUp;
            down += moreDown;
        }

        void close(boolean clientFirst, String clientThread, String serverThread, List<String> truth)
                throws Exception {
            Socket first = clientFirst ? client : server;
            Socket second = clientFirst ? server : client;
            first.close();
            readToEnd(second);
            long endBegin = now();
            second.close();
            long endEnd = now();
            truth.add(new ExpectedSession(scenario, "client", "IPv4", "127.0.0.1", client.getLocalPort(), "127.0.0.1",
                    server.getLocalPort(), up, up, down, clientFirst ? "local" : "remote", false, true, null,
                    clientThread, openBegin, clientOpenEnd, endBegin, endEnd).toLine());
            truth.add(new ExpectedSession(scenario, "server", "IPv4", "127.0.0.1", server.getLocalPort(), "127.0.0.1",
                    client.getLocalPort(), down, down, up, clientFirst ? "remote" : "local", false, true, null,
                    serverThread, openBegin, serverOpenEnd, endBegin, endEnd).toLine());
        }
    }
}
