package dev.tcplife.jfr.it.workload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.tcplife.jfr.it.HostPrograms;

/**
 * The workload of CoreSessionsIT, run in a JVM with the agent: real sessions over loopback, each written down
 * as {@link ExpectedSession} ground truth. Usage: {@code ScenarioWorkload <truth-file> <java-for-peer>}.
 *
 * <p>Scenarios: each side closing first, over IPv4 on dual-stack sockets, pure AF_INET channels and IPv6; an
 * RST from each side; a refused connect; 8 threads holding hundreds of sessions at once; and a second process
 * (no agent) as the peer in both directions, whose own ends must not appear.
 */
public final class ScenarioWorkload {
    static final int CONCURRENT_THREADS = 8;
    static final int SESSIONS_PER_THREAD = 40;
    static final int PEER_SESSIONS = 20;

    private final Queue<ExpectedSession> truth = new ConcurrentLinkedQueue<>();
    private final Random random = new Random(42);
    private final String peerJava;

    private ScenarioWorkload(String peerJava) {
        this.peerJava = peerJava;
    }

    public static void main(String[] args) throws Exception {
        AgentReady.await();
        ScenarioWorkload workload = new ScenarioWorkload(args[1]);
        // A thread of its own: JFR keeps the name a thread had when it first recorded it, so no renaming "main".
        Thread scenarios = new Thread(() -> {
            ThreadMarker.mark();
            try {
                workload.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "scenario-main");
        scenarios.start();
        scenarios.join();
        List<String> lines = new ArrayList<>();
        workload.truth.forEach(s -> lines.add(s.toLine()));
        Files.write(Path.of(args[0]), lines);
        // Leave the agent a few poll intervals to read the last sessions before the recording is written.
        Thread.sleep(500);
    }

    private void run() throws Exception {
        pair("ipv4-client-closes", "127.0.0.1", "IPv4", 1000, 3000, Ending.CLIENT_CLOSES_FIRST);
        pair("ipv4-server-closes", "127.0.0.1", "IPv4", 4000, 200, Ending.SERVER_CLOSES_FIRST);
        pair("ipv6-client-closes", "::1", "IPv6", 5000, 6000, Ending.CLIENT_CLOSES_FIRST);
        pair("ipv6-server-closes", "::1", "IPv6", 7, 70000, Ending.SERVER_CLOSES_FIRST);
        pair("ipv4-client-resets", "127.0.0.1", "IPv4", 3000, 500, Ending.CLIENT_RESETS);
        pair("ipv4-server-resets", "127.0.0.1", "IPv4", 800, 9000, Ending.SERVER_RESETS);
        pair("ipv6-client-resets", "::1", "IPv6", 100, 100, Ending.CLIENT_RESETS);
        reusedClientPort();
        inetChannels();
        refused("127.0.0.1", "IPv4");
        refused("::1", "IPv6");
        concurrent();
        peerAsServer();
        peerAsClient();
    }

    enum Ending {
        CLIENT_CLOSES_FIRST, SERVER_CLOSES_FIRST, CLIENT_RESETS, SERVER_RESETS
    }

    /**
     * One session between a client and a server of this JVM: the client sends {@code up} bytes, the server
     * {@code down}, then it ends as {@code ending} says. Before a reset, the aborting side has its peer's data
     * acknowledged (it sends one more byte, which carries the acknowledgement, and the peer reads it); that last
     * byte itself may be lost to the RST.
     */
    private void pair(String scenario, String host, String family, int up, int down, Ending ending) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(host))) {
            pair(scenario, server, 0, family, up, down, ending);
        }
    }

    /** {@link #pair} with a server of the caller's, and a client bound to {@code clientPort} unless it is 0. */
    private void pair(String scenario, ServerSocket server, int clientPort, String family, int up, int down,
            Ending ending) throws Exception {
        InetAddress address = server.getInetAddress();
        String addressText = address.getHostAddress().equals("0:0:0:0:0:0:0:1") ? "::1" : address.getHostAddress();
        ExecutorService acceptor = Executors.newSingleThreadExecutor(named("acceptor-" + scenario));
        Future<Socket> accepted = acceptor.submit(server::accept);
        long openBegin = now();
        Socket client = new Socket();
        if (clientPort != 0) {
            client.setReuseAddress(true);
            client.bind(new InetSocketAddress(address, clientPort));
        }
        client.connect(new InetSocketAddress(address, server.getLocalPort()));
        long clientOpenEnd = now();
        Socket serverSide = accepted.get(10, TimeUnit.SECONDS);
        long serverOpenEnd = now();
        acceptor.shutdown();

        write(client, up);
        readExactly(serverSide, up);
        write(serverSide, down);
        readExactly(client, down);

        long clientSent = up;
        long clientSentMin = up;
        long serverSent = down;
        long serverSentMin = down;
        boolean reset = ending == Ending.CLIENT_RESETS || ending == Ending.SERVER_RESETS;
        // The first side to close can end as soon as its FIN is acknowledged (a closed socket in FIN_WAIT2
        // becomes a timewait mini-socket); the other when its own FIN is acknowledged.
        long firstEndBegin = now();
        long endBegin;
        long endEnd;
        switch (ending) {
            case CLIENT_CLOSES_FIRST -> {
                client.close();
                readToEnd(serverSide);
                endBegin = now();
                serverSide.close();
                endEnd = now();
            }
            case SERVER_CLOSES_FIRST -> {
                serverSide.close();
                readToEnd(client);
                endBegin = now();
                client.close();
                endEnd = now();
            }
            case CLIENT_RESETS -> {
                write(client, 1);
                readExactly(serverSide, 1);
                clientSent = up + 1;
                endBegin = now();
                abort(client);
                endEnd = now();
                expectReset(serverSide);
            }
            case SERVER_RESETS -> {
                write(serverSide, 1);
                readExactly(client, 1);
                serverSent = down + 1;
                endBegin = now();
                abort(serverSide);
                endEnd = now();
                expectReset(client);
            }
            default -> throw new AssertionError(ending);
        }
        boolean clientFirst = ending == Ending.CLIENT_CLOSES_FIRST || ending == Ending.CLIENT_RESETS;
        // The aborting side's reset is "sent", the other side's "received" (ECONNRESET).
        String clientError = ending == Ending.SERVER_RESETS ? "ECONNRESET" : null;
        String serverError = ending == Ending.CLIENT_RESETS ? "ECONNRESET" : null;
        truth.add(new ExpectedSession(scenario, "client", family, addressText, client.getLocalPort(), addressText,
                server.getLocalPort(), clientSent, clientSentMin, down + (ending == Ending.SERVER_RESETS ? 1 : 0),
                clientFirst ? "local" : "remote", reset, true, clientError, "scenario-main",
                openBegin, clientOpenEnd, clientFirst && !reset ? firstEndBegin : endBegin, endEnd));
        truth.add(new ExpectedSession(scenario, "server", family, addressText, server.getLocalPort(), addressText,
                client.getLocalPort(), serverSent, serverSentMin, up + (ending == Ending.CLIENT_RESETS ? 1 : 0),
                clientFirst ? "remote" : "local", reset, true, serverError, "acceptor-" + scenario,
                openBegin, serverOpenEnd, !clientFirst && !reset ? firstEndBegin : endBegin, endEnd));
    }

    /**
     * One client port, four sessions in a row from it to one server: the server's ends share their name (ports and
     * peer), and they end within one of the agent's polls, so the agent reads each after the next was accepted.
     * Each must still get its own accepting thread, not the next one's nor none. The server closes first, so its end
     * waits in TIME_WAIT, which the next SYN of the same ports takes over, and the client's port is free again.
     */
    private void reusedClientPort() throws Exception {
        InetAddress address = InetAddress.getByName("127.0.0.1");
        int clientPort;
        try (ServerSocket free = new ServerSocket(0, 1, address)) {
            clientPort = free.getLocalPort();
        }
        try (ServerSocket server = new ServerSocket(0, 50, address)) {
            for (int i = 0; i < 4; i++) {
                pair("client-port-reused-" + i, server, clientPort, "IPv4", 10 + i, 20 + i, Ending.SERVER_CLOSES_FIRST);
            }
        }
    }

    /** NIO channels opened for StandardProtocolFamily.INET: plain AF_INET sockets, not dual-stack. */
    private void inetChannels() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            int serverPort = ((InetSocketAddress) server.getLocalAddress()).getPort();
            ExecutorService acceptor = Executors.newSingleThreadExecutor(named("acceptor-inet-channels"));
            Future<SocketChannel> accepted = acceptor.submit(server::accept);
            long openBegin = now();
            SocketChannel client = SocketChannel.open(StandardProtocolFamily.INET);
            client.connect(new InetSocketAddress("127.0.0.1", serverPort));
            long clientOpenEnd = now();
            SocketChannel serverSide = accepted.get(10, TimeUnit.SECONDS);
            long serverOpenEnd = now();
            acceptor.shutdown();
            int clientPort = ((InetSocketAddress) client.getLocalAddress()).getPort();
            client.write(ByteBuffer.allocate(2222));
            readExactly(serverSide, 2222);
            serverSide.write(ByteBuffer.allocate(333));
            readExactly(client, 333);
            long clientEndBegin = now(); // the client's end can come once its FIN is acknowledged
            client.close();
            readExactly(serverSide, 0);
            long endBegin = now();
            serverSide.close();
            long endEnd = now();
            truth.add(new ExpectedSession("inet-channels", "client", "IPv4", "127.0.0.1", clientPort, "127.0.0.1",
                    serverPort, 2222, 2222, 333, "local", false, true, null, "scenario-main",
                    openBegin, clientOpenEnd, clientEndBegin, endEnd));
            truth.add(new ExpectedSession("inet-channels", "server", "IPv4", "127.0.0.1", serverPort, "127.0.0.1",
                    clientPort, 333, 333, 2222, "remote", false, true, null, "acceptor-inet-channels",
                    openBegin, serverOpenEnd, endBegin, endEnd));
        }
    }

    /** A connect to a port nobody listens on: one event, never established, reset by the peer's kernel. */
    private void refused(String host, String family) throws Exception {
        InetAddress address = InetAddress.getByName(host);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, address)) {
            port = probe.getLocalPort();
        }
        Socket socket = new Socket();
        long begin = now();
        try {
            socket.connect(new InetSocketAddress(address, port));
            throw new IllegalStateException("connect to closed port " + port + " succeeded");
        } catch (ConnectException expected) {
            // refused, as intended
        }
        long end = now();
        int localPort = socket.getLocalPort();
        socket.close();
        String text = family.equals("IPv6") ? "::1" : host;
        // The local port is gone once the connect failed: the test matches refused attempts by remote port.
        truth.add(new ExpectedSession("refused-" + family, "client", family, text, localPort, text, port,
                0, 0, 0, "remote", true, false, "ECONNREFUSED", "scenario-main", begin, end, begin, end));
    }

    /**
     * {@value #CONCURRENT_THREADS} threads each connect {@value #SESSIONS_PER_THREAD} sessions and hold them all
     * open, then send, half-close, read the reply and close each; one acceptor thread accepts them all and a pool
     * serves them.
     */
    private void concurrent() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress())) {
            int total = CONCURRENT_THREADS * SESSIONS_PER_THREAD;
            ExecutorService handlers = Executors.newFixedThreadPool(4, named("handler"));
            Thread acceptor = new Thread(() -> {
                ThreadMarker.mark();
                try {
                    for (int i = 0; i < total; i++) {
                        Socket socket = server.accept();
                        long accepted = now();
                        handlers.submit(() -> serveUntilEof(socket, accepted));
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "acceptor-concurrent");
            acceptor.start();
            CountDownLatch allOpen = new CountDownLatch(CONCURRENT_THREADS);
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < CONCURRENT_THREADS; t++) {
                long seed = random.nextLong();
                Thread client = new Thread(() -> concurrentClient(server.getLocalPort(), seed, allOpen),
                        "concurrent-" + t);
                clients.add(client);
                client.start();
            }
            for (Thread client : clients) {
                client.join();
            }
            acceptor.join();
            handlers.shutdown();
            if (!handlers.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("handlers did not finish");
            }
        }
    }

    private void concurrentClient(int port, long seed, CountDownLatch allOpen) {
        ThreadMarker.mark();
        Random sizes = new Random(seed);
        try {
            List<Socket> sockets = new ArrayList<>();
            List<Long> opened = new ArrayList<>();
            for (int i = 0; i < SESSIONS_PER_THREAD; i++) {
                opened.add(now());
                sockets.add(new Socket(InetAddress.getLoopbackAddress(), port));
                opened.add(now());
            }
            allOpen.countDown();
            allOpen.await();
            for (int i = 0; i < sockets.size(); i++) {
                truth.add(halfClose("concurrent", sockets.get(i), port, 1 + sizes.nextInt(20000),
                        opened.get(2 * i), opened.get(2 * i + 1)));
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads until the peer half-closes, answers with half as much plus 7 bytes, closes. */
    private void serveUntilEof(Socket socket, long accepted) {
        try (socket) {
            long up = readToEnd(socket);
            int down = (int) (up / 2 + 7);
            write(socket, down);
            long endBegin = now();
            socket.close();
            long endEnd = now();
            // Opened during some client's connect before this accept: the open bracket is loose here.
            truth.add(new ExpectedSession("concurrent", "server", "IPv4", "127.0.0.1", socket.getLocalPort(),
                    "127.0.0.1", socket.getPort(), down, down, up, "remote", false, true, null, "acceptor-concurrent",
                    accepted - TimeUnit.SECONDS.toNanos(60), accepted, endBegin, endEnd));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A second JVM, without the agent, serves; this JVM's client ends are recorded, the peer's ends are not. */
    private void peerAsServer() throws Exception {
        Process peer = startPeer("server", "0", Integer.toString(PEER_SESSIONS));
        int port = Integer.parseInt(new String(peer.getInputStream().readNBytes(6)).trim());
        for (int i = 0; i < PEER_SESSIONS; i++) {
            truth.add(halfClosingClient("peer-server", port, 100 + 37 * i));
        }
        waitFor(peer);
    }

    /** A second JVM, without the agent, connects to this JVM; only this JVM's server ends are recorded. */
    private void peerAsClient() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ExecutorService acceptor = Executors.newSingleThreadExecutor(named("acceptor-peer-client"));
            long launched = now();
            Process peer = startPeer("client", Integer.toString(server.getLocalPort()), Integer.toString(PEER_SESSIONS));
            for (int i = 0; i < PEER_SESSIONS; i++) {
                Socket socket = acceptor.submit(server::accept).get(30, TimeUnit.SECONDS);
                long accepted = now();
                long up = readToEnd(socket);
                int down = (int) (up / 2 + 7);
                write(socket, down);
                long endBegin = now();
                socket.close();
                long endEnd = now();
                truth.add(new ExpectedSession("peer-client", "server", "IPv4", "127.0.0.1", server.getLocalPort(),
                        "127.0.0.1", socket.getPort(), down, down, up, "remote", false, true, null,
                        "acceptor-peer-client", launched, accepted, endBegin, endEnd));
            }
            acceptor.shutdown();
            waitFor(peer);
        }
    }

    /**
     * A client session to a loopback server of another process, from the calling thread: send {@code up} bytes,
     * half-close, read the answer to its end, close. The client's FIN goes first.
     */
    static ExpectedSession halfClosingClient(String scenario, int port, int up) throws IOException {
        long openBegin = now();
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        return halfClose(scenario, socket, port, up, openBegin, now());
    }

    /** Ends a client session opened between {@code openBegin} and {@code openEnd} as halfClosingClient does. */
    private static ExpectedSession halfClose(String scenario, Socket socket, int port, int up, long openBegin,
            long openEnd) throws IOException {
        long endBegin = now();
        write(socket, up);
        socket.shutdownOutput();
        long down = readToEnd(socket);
        socket.close();
        long endEnd = now();
        return new ExpectedSession(scenario, "client", "IPv4", "127.0.0.1", socket.getLocalPort(), "127.0.0.1", port,
                up, up, down, "local", false, true, null, Thread.currentThread().getName(),
                openBegin, openEnd, endBegin, endEnd);
    }

    private Process startPeer(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(peerJava, "-cp", System.getProperty("java.class.path"),
                PeerProcess.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(HostPrograms.check(command)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static void waitFor(Process peer) throws InterruptedException {
        if (!peer.waitFor(60, TimeUnit.SECONDS) || peer.exitValue() != 0) {
            throw new IllegalStateException("peer process failed");
        }
    }

    static long now() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static void write(Socket socket, int bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(new byte[bytes]);
        out.flush();
    }

    static void readExactly(Socket socket, int bytes) throws IOException {
        InputStream in = socket.getInputStream();
        if (in.readNBytes(bytes).length != bytes) {
            throw new IOException("peer closed before " + bytes + " bytes");
        }
    }

    /** Reads {@code bytes} bytes, or with 0 waits for the end of stream. */
    static void readExactly(SocketChannel channel, int bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(Math.max(bytes, 1));
        if (bytes == 0) {
            if (channel.read(buffer) != -1) {
                throw new IOException("expected the end of stream");
            }
            return;
        }
        while (buffer.position() < bytes) {
            if (channel.read(buffer) < 0) {
                throw new IOException("peer closed before " + bytes + " bytes");
            }
        }
    }

    static long readToEnd(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[65536];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
        }
        return total;
    }

    /** SO_LINGER 0 and close: the kernel sends an RST instead of a FIN. */
    static void abort(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Reads on the side that receives the RST until it sees the reset, then closes it. */
    static void expectReset(Socket socket) throws IOException {
        try {
            while (socket.getInputStream().read() >= 0) {
                // nothing more was sent
            }
        } catch (IOException reset) {
            // "Connection reset", as intended
        }
        socket.close();
    }

    static java.util.concurrent.ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(() -> {
                ThreadMarker.mark();
                runnable.run();
            }, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
