package dev.tcplife.jfr.it.workload;

import static dev.tcplife.jfr.it.workload.ScenarioWorkload.now;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;

/**
 * One session per JDK socket API, each connected and accepted on a thread named for it, so that the recording
 * shows whether the agent names the thread that called connect (client) or accept (server), whatever the API.
 * After the connect and the accept, every session goes the same way (the client sends, the server answers, one
 * side closes first), so bytes and close initiators are known exactly.
 *
 * <p>Usage: {@code SocketApisWorkload <truth-file> platform|virtual}; {@code virtual} needs JDK 21 and is
 * reached through reflection, since this code compiles for 17.
 */
public final class SocketApisWorkload {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final List<ExpectedSession> truth = new ArrayList<>();
    /** HttpClients stay reachable to the end: a client that is garbage collected closes its connections. */
    private final List<HttpClient> clients = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        AgentReady.await();
        SocketApisWorkload workload = new SocketApisWorkload();
        boolean virtual = args[1].equals("virtual");
        FutureTask<Void> scenarios = ThreadMarker.startMarked("apis-main", () -> {
            if (virtual) {
                workload.virtualThreads();
            } else {
                workload.platformThreads();
            }
            return null;
        });
        scenarios.get(); // a failed scenario fails the workload (exit 1), so the test never takes it for truth
        List<String> lines = new ArrayList<>();
        workload.truth.forEach(s -> lines.add(s.toLine()));
        Files.write(Path.of(args[0]), lines);
    }

    private void platformThreads() throws Exception {
        javaNetSockets(Threads.platform("socket-client"), Threads.platform("serversocket-acceptor"), "java.net");
        unixDomainChannels(Threads.platform("unix-client"), Threads.platform("unix-acceptor"));
        blockingChannels(Threads.platform("channel-client"), Threads.platform("channel-acceptor"),
                "blocking-channels");
        nonBlockingChannels();
        asynchronousFutureConnectHandlerAccept();
        asynchronousHandlerConnectFutureAccept();
        httpClient();
    }

    /**
     * Virtual threads (JDK 21+) connect and accept: the virtual thread is named, not its carrier; its
     * osThreadId is the carrier's.
     */
    private void virtualThreads() throws Exception {
        javaNetSockets(Threads.virtual("vt-client"), Threads.virtual("vt-server"), "virtual-java.net");
        unixDomainChannels(Threads.virtual("vt-unix-client"), Threads.virtual("vt-unix-acceptor"));
        blockingChannels(Threads.virtual("vt-channel-client"), Threads.virtual("vt-channel-acceptor"), "virtual-channels");
    }

    /** java.net.Socket connects, java.net.ServerSocket accepts. */
    private void javaNetSockets(ThreadMaker clientThread, ThreadMaker serverThread, String scenario)
            throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            Completion<Opened<Socket>> accepted = serverThread.run(() -> opened(server.accept()));
            long openBegin = now();
            Socket client = clientThread.run(() -> new Socket(LOOPBACK, server.getLocalPort())).get();
            long clientOpenEnd = now();
            Opened<Socket> serverSide = accepted.get();
            exchange(scenario, end(client), end(serverSide.value()), clientThread.name(), serverThread.name(),
                    openBegin, clientOpenEnd, serverSide.at(), 1234, 4321, true);
        }
    }

    /**
     * A Unix domain connection through the same channel classes as TCP's, whose connect and accept the agent's hooks
     * see too: no session of it, and none of the sessions around it, may be told from it (no truth is added).
     */
    private void unixDomainChannels(ThreadMaker clientThread, ThreadMaker serverThread) throws Exception {
        Path path = Files.createTempDirectory("tcplife-unix").resolve("socket");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            Completion<SocketChannel> accepted = serverThread.run(server::accept);
            SocketChannel client = clientThread.run(() -> SocketChannel.open(UnixDomainSocketAddress.of(path))).get();
            try (SocketChannel serverSide = accepted.get()) {
                End clientEnd = end(client);
                clientEnd.write(100);
                end(serverSide).readExactly(100);
                clientEnd.close();
            }
        } finally {
            Files.deleteIfExists(path);
            Files.delete(path.getParent());
        }
    }

    /** Blocking SocketChannel.open(address) and ServerSocketChannel.accept(). */
    private void blockingChannels(ThreadMaker clientThread, ThreadMaker serverThread, String scenario)
            throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(LOOPBACK, 0));
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            Completion<Opened<SocketChannel>> accepted = serverThread.run(() -> opened(server.accept()));
            long openBegin = now();
            SocketChannel client = clientThread.run(() -> SocketChannel.open(address)).get();
            long clientOpenEnd = now();
            Opened<SocketChannel> serverSide = accepted.get();
            exchange(scenario, end(client), end(serverSide.value()), clientThread.name(), serverThread.name(),
                    openBegin, clientOpenEnd, serverSide.at(), 2000, 300, false);
        }
    }

    /**
     * A non-blocking SocketChannel connects on one thread (the SYN leaves in connect()) and finishes on
     * another: the connecting thread is the one named. A non-blocking ServerSocketChannel accepts on a thread
     * that waits in a Selector.
     */
    private void nonBlockingChannels() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(LOOPBACK, 0));
            server.configureBlocking(false);
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            Completion<Opened<SocketChannel>> accepted = Threads.platform("selector-acceptor").run(() -> {
                try (Selector selector = Selector.open()) {
                    server.register(selector, SelectionKey.OP_ACCEPT);
                    while (true) {
                        selector.select();
                        SocketChannel channel = server.accept();
                        if (channel != null) {
                            Opened<SocketChannel> opened = opened(channel);
                            channel.configureBlocking(true);
                            return opened;
                        }
                    }
                }
            });
            long openBegin = now();
            SocketChannel client = Threads.platform("nb-connector").run(() -> {
                SocketChannel channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.connect(address);
                return channel;
            }).get();
            Threads.platform("nb-finisher").run(() -> {
                try (Selector selector = Selector.open()) {
                    SelectionKey key = client.register(selector, SelectionKey.OP_CONNECT);
                    while (!client.finishConnect()) {
                        selector.select();
                    }
                    key.cancel();
                    selector.selectNow();
                }
                client.configureBlocking(true);
                return client;
            }).get();
            long clientOpenEnd = now();
            Opened<SocketChannel> serverSide = accepted.get();
            exchange("non-blocking-channels", end(client), end(serverSide.value()), "nb-connector",
                    "selector-acceptor", openBegin, clientOpenEnd, serverSide.at(), 777, 7777, true);
        }
    }

    /**
     * AsynchronousSocketChannel.connect returning a Future; AsynchronousServerSocketChannel.accept with a
     * CompletionHandler, called before the client connects, so that the accept completes later on a thread of
     * the channel group's pool: the thread that called accept is the one named.
     */
    private void asynchronousFutureConnectHandlerAccept() throws Exception {
        try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(LOOPBACK, 0));
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            CompletableFuture<Opened<AsynchronousSocketChannel>> accepted = new CompletableFuture<>();
            CompletableFuture<String> completingThread = new CompletableFuture<>();
            Threads.platform("async-acceptor").run(() -> {
                server.accept(null, new CompletionHandler<AsynchronousSocketChannel, Void>() {
                    @Override
                    public void completed(AsynchronousSocketChannel channel, Void attachment) {
                        completingThread.complete(Thread.currentThread().getName());
                        accepted.complete(opened(channel));
                    }

                    @Override
                    public void failed(Throwable failure, Void attachment) {
                        accepted.completeExceptionally(failure);
                    }
                });
                return null;
            }).get();
            long openBegin = now();
            AsynchronousSocketChannel client = Threads.platform("async-future-client").run(() -> {
                AsynchronousSocketChannel channel = AsynchronousSocketChannel.open();
                channel.connect(address).get(10, TimeUnit.SECONDS);
                return channel;
            }).get();
            long clientOpenEnd = now();
            Opened<AsynchronousSocketChannel> serverSide = accepted.get(10, TimeUnit.SECONDS);
            if (completingThread.get().equals("async-acceptor")) {
                throw new IllegalStateException("the accept completed on the calling thread: nothing to test");
            }
            exchange("async-future-connect-handler-accept", end(client), end(serverSide.value()),
                    "async-future-client", "async-acceptor", openBegin, clientOpenEnd, serverSide.at(), 5000, 50,
                    false);
        }
    }

    /** AsynchronousSocketChannel.connect with a CompletionHandler; AsynchronousServerSocketChannel accept as a Future. */
    private void asynchronousHandlerConnectFutureAccept() throws Exception {
        try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(LOOPBACK, 0));
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            Completion<Opened<AsynchronousSocketChannel>> accepted = Threads.platform("async-future-acceptor")
                    .run(() -> opened(server.accept().get(10, TimeUnit.SECONDS)));
            long openBegin = now();
            CompletableFuture<Long> connected = new CompletableFuture<>();
            AsynchronousSocketChannel client = Threads.platform("async-handler-client").run(() -> {
                AsynchronousSocketChannel channel = AsynchronousSocketChannel.open();
                channel.connect(address, null, new CompletionHandler<Void, Void>() {
                    @Override
                    public void completed(Void result, Void attachment) {
                        connected.complete(now());
                    }

                    @Override
                    public void failed(Throwable failure, Void attachment) {
                        connected.completeExceptionally(failure);
                    }
                });
                return channel;
            }).get();
            long clientOpenEnd = connected.get(10, TimeUnit.SECONDS);
            Opened<AsynchronousSocketChannel> serverSide = accepted.get();
            exchange("async-handler-connect-future-accept", end(client), end(serverSide.value()),
                    "async-handler-client", "async-future-acceptor", openBegin, clientOpenEnd, serverSide.at(),
                    64, 65536, true);
        }
    }

    /**
     * java.net.http.HttpClient against com.sun.net.httpserver.HttpServer. Neither tells how many bytes its
     * connection carried (headers included), so each client talks to the server through a {@link Relay} in
     * this JVM that counts them: four sessions per request, all known to the byte.
     *
     * <p>Which thread connects, as observed on JDK 17 and JDK 25 alike (HttpClientImpl runs the exchange's
     * first stage, which opens the connection, on the calling thread for send() and on the client's executor for
     * sendAsync()):
     * <ul>
     *   <li>{@code send()}: the thread that called send();
     *   <li>{@code sendAsync()}: a thread of the client's executor: the one given to the builder, else the
     *       client's own pool, whose first thread is {@code HttpClient-<client id>-Worker-0}.
     * </ul>
     * The server's connections are accepted by its dispatcher thread, {@code HTTP-Dispatcher}.
     */
    private void httpClient() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        // Handlers run on the dispatcher thread itself, so that it can commit the marker of its OS thread id.
        server.setExecutor(Runnable::run);
        server.createContext("/", exchange -> {
            ThreadMarker.mark();
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                byte[] body = new byte[Integer.parseInt(exchange.getRequestURI().getPath().substring(1))];
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        try {
            int port = server.getAddress().getPort();
            httpRequest("http-send", port, newHttpClient(null), "http-send-caller", false, 1500);

            HttpClient pooled = newHttpClient(null);
            httpRequest("http-send-async", port, pooled, defaultWorker(pooled), true, 2500);

            ExecutorService executor = Executors.newSingleThreadExecutor(ScenarioWorkload.named("http-async-executor"));
            httpRequest("http-send-async-executor", port, newHttpClient(executor), "http-async-executor", true, 3500);
            executor.shutdown();
        } finally {
            server.stop(0);
        }
    }

    private HttpClient newHttpClient(ExecutorService executor) {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(HttpClient.Builder.NO_PROXY);
        if (executor != null) {
            builder.executor(executor);
        }
        HttpClient client = builder.build();
        clients.add(client);
        return client;
    }

    /** The first thread of a client's default executor, {@code HttpClient-<id>-Worker-0}; toString ends "(id)". */
    private static String defaultWorker(HttpClient client) {
        Matcher id = Pattern.compile("\\((\\d+)\\)$").matcher(client.toString());
        if (!id.find()) {
            throw new IllegalStateException("no client id in " + client);
        }
        return "HttpClient-" + id.group(1) + "-Worker-0";
    }

    /**
     * One request from a fresh client through a fresh relay: the client opens exactly one connection. The call
     * is made on a thread of its own, {@code <scenario>-caller}; the relay's thread is {@code <scenario>-relay}.
     * Names are unique per scenario: the markers give each name one OS thread id.
     */
    private void httpRequest(String scenario, int serverPort, HttpClient client, String connectingThread,
            boolean async, int bodySize) throws Exception {
        String relayThread = scenario + "-relay";
        try (Relay relay = new Relay(relayThread, serverPort)) {
            URI uri = URI.create("http://127.0.0.1:" + relay.port() + "/" + bodySize);
            HttpRequest request = HttpRequest.newBuilder(uri).build();
            long openBegin = now();
            HttpResponse<byte[]> response = Threads.platform(scenario + "-caller")
                    .run(() -> async
                            ? client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).get(30, TimeUnit.SECONDS)
                            : client.send(request, HttpResponse.BodyHandlers.ofByteArray()))
                    .get();
            if (response.statusCode() != 200 || response.body().length != bodySize) {
                throw new IllegalStateException("unexpected response " + response);
            }
            // The relay closes first on both sides: HttpClient closes its idle pooled connection at the end of
            // stream, and so does the server.
            long endBegin = now();
            relay.finish();
            long endEnd = now();
            int clientPort = relay.downstream.getPort();
            int relayPort = relay.port();
            int upstreamPort = relay.upstream.getLocalPort();
            long up = relay.bytesUp;
            long down = relay.bytesDown;
            truth.add(new ExpectedSession(scenario, "client", "IPv4", "127.0.0.1", clientPort, "127.0.0.1", relayPort,
                    up, up, down, "remote", false, true, null, connectingThread, openBegin, relay.acceptedAt,
                    endBegin, endEnd));
            truth.add(new ExpectedSession(scenario, "server", "IPv4", "127.0.0.1", relayPort, "127.0.0.1", clientPort,
                    down, down, up, "local", false, true, null, relayThread, openBegin, relay.acceptedAt,
                    endBegin, endEnd));
            truth.add(new ExpectedSession(scenario, "client", "IPv4", "127.0.0.1", upstreamPort, "127.0.0.1",
                    serverPort, up, up, down, "local", false, true, null, relayThread, relay.upstreamBegin,
                    relay.upstreamEnd, endBegin, endEnd));
            truth.add(new ExpectedSession(scenario, "server", "IPv4", "127.0.0.1", serverPort, "127.0.0.1",
                    upstreamPort, down, down, up, "remote", false, true, null, "HTTP-Dispatcher", relay.upstreamBegin,
                    relay.upstreamEnd, endBegin, endEnd));
        }
    }

    /**
     * A TCP relay for one connection, counting the bytes each way: accepts on its thread, connects to the
     * server from the same thread, copies both ways. {@link #finish} half-closes both connections (the relay
     * closes first on both sides) and waits until both peers have closed theirs.
     */
    private static final class Relay implements AutoCloseable {
        private final ServerSocket listener;
        private final Completion<Void> ready;
        volatile Socket downstream;
        volatile Socket upstream;
        volatile long acceptedAt;
        volatile long upstreamBegin;
        volatile long upstreamEnd;
        volatile long bytesUp;
        volatile long bytesDown;
        private FutureTask<Long> pumpUp;
        private FutureTask<Long> pumpDown;

        Relay(String thread, int serverPort) throws IOException {
            listener = new ServerSocket(0, 50, LOOPBACK);
            ready = Threads.platform(thread).run(() -> {
                downstream = listener.accept();
                acceptedAt = now();
                upstreamBegin = now();
                upstream = new Socket(LOOPBACK, serverPort);
                upstreamEnd = now();
                pumpUp = ThreadMarker.startMarked("relay-pump-up", () -> copy(downstream.getInputStream(), upstream.getOutputStream()));
                pumpDown = ThreadMarker.startMarked("relay-pump-down", () -> copy(upstream.getInputStream(), downstream.getOutputStream()));
                return null;
            });
        }

        int port() {
            return listener.getLocalPort();
        }

        void finish() throws Exception {
            ready.get();
            downstream.shutdownOutput();
            upstream.shutdownOutput();
            bytesUp = pumpUp.get(30, TimeUnit.SECONDS);
            bytesDown = pumpDown.get(30, TimeUnit.SECONDS);
            downstream.close();
            upstream.close();
        }

        /** Copies until the end of stream; the output stays open (finish() half-closes it). */
        private static long copy(InputStream in, OutputStream out) throws IOException {
            byte[] buffer = new byte[16384];
            long total = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
                total += n;
            }
            return total;
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    /**
     * The rest of every non-HTTP session: the client sends {@code up} bytes, the server {@code down}, then one
     * side closes, the other reads to the end and closes.
     */
    private void exchange(String scenario, End client, End server, String clientThread, String serverThread,
            long openBegin, long clientOpenEnd, long serverOpenEnd, int up, int down, boolean clientFirst)
            throws Exception {
        int clientPort = client.localPort();
        int serverPort = server.localPort();
        client.write(up);
        server.readExactly(up);
        server.write(down);
        client.readExactly(down);
        End first = clientFirst ? client : server;
        End second = clientFirst ? server : client;
        first.close();
        second.readToEnd();
        long endBegin = now();
        second.close();
        long endEnd = now();
        truth.add(new ExpectedSession(scenario, "client", "IPv4", "127.0.0.1", clientPort, "127.0.0.1",
                serverPort, up, up, down, clientFirst ? "local" : "remote", false, true, null, clientThread,
                openBegin, clientOpenEnd, endBegin, endEnd));
        truth.add(new ExpectedSession(scenario, "server", "IPv4", "127.0.0.1", serverPort, "127.0.0.1",
                clientPort, down, down, up, clientFirst ? "remote" : "local", false, true, null, serverThread,
                openBegin, serverOpenEnd, endBegin, endEnd));
    }

    /** One end of a session, whatever its API. */
    interface End {
        void write(int bytes) throws Exception;

        void readExactly(int bytes) throws Exception;

        void readToEnd() throws Exception;

        void close() throws Exception;

        int localPort() throws Exception;
    }

    static End end(Socket socket) {
        return new End() {
            @Override
            public void write(int bytes) throws IOException {
                ScenarioWorkload.write(socket, bytes);
            }

            @Override
            public void readExactly(int bytes) throws IOException {
                ScenarioWorkload.readExactly(socket, bytes);
            }

            @Override
            public void readToEnd() throws IOException {
                ScenarioWorkload.readToEnd(socket);
            }

            @Override
            public void close() throws IOException {
                socket.close();
            }

            @Override
            public int localPort() {
                return socket.getLocalPort();
            }
        };
    }

    static End end(SocketChannel channel) {
        return new End() {
            @Override
            public void write(int bytes) throws IOException {
                ByteBuffer buffer = ByteBuffer.allocate(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }

            @Override
            public void readExactly(int bytes) throws IOException {
                ScenarioWorkload.readExactly(channel, bytes);
            }

            @Override
            public void readToEnd() throws IOException {
                ScenarioWorkload.readExactly(channel, 0);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }

            @Override
            public int localPort() throws IOException {
                return ((InetSocketAddress) channel.getLocalAddress()).getPort();
            }
        };
    }

    static End end(AsynchronousSocketChannel channel) {
        return new End() {
            @Override
            public void write(int bytes) throws Exception {
                ByteBuffer buffer = ByteBuffer.allocate(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer).get(10, TimeUnit.SECONDS);
                }
            }

            @Override
            public void readExactly(int bytes) throws Exception {
                ByteBuffer buffer = ByteBuffer.allocate(bytes);
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer).get(10, TimeUnit.SECONDS) < 0) {
                        throw new IOException("peer closed before " + bytes + " bytes");
                    }
                }
            }

            @Override
            public void readToEnd() throws Exception {
                if (channel.read(ByteBuffer.allocate(1)).get(10, TimeUnit.SECONDS) != -1) {
                    throw new IOException("expected the end of stream");
                }
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }

            @Override
            public int localPort() throws IOException {
                return ((InetSocketAddress) channel.getLocalAddress()).getPort();
            }
        };
    }

    /** A value and the moment it became available. */
    record Opened<T>(T value, long at) {
    }

    static <T> Opened<T> opened(T value) {
        return new Opened<>(value, now());
    }

    /** The result of a task that runs on another thread. */
    interface Completion<T> {
        T get() throws Exception;
    }

    /** Makes the named thread a task runs on: a platform thread, or on JDK 21+ a virtual one. */
    interface ThreadMaker {
        String name();

        <T> Completion<T> run(Callable<T> task);
    }

    /** Named threads for the connects and accepts. */
    static final class Threads {
        private Threads() {
        }

        /** A platform thread; it commits its marker first, the OS thread id the events must show. */
        static ThreadMaker platform(String name) {
            return new ThreadMaker() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public <T> Completion<T> run(Callable<T> task) {
                    FutureTask<T> future = ThreadMarker.startMarked(name, task);
                    return () -> future.get(30, TimeUnit.SECONDS);
                }
            };
        }

        /**
         * A named virtual thread, {@code Thread.ofVirtual().name(name).unstarted(task)} through reflection. No
         * marker: a virtual thread has no OS thread of its own.
         */
        static ThreadMaker virtual(String name) {
            return new ThreadMaker() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public <T> Completion<T> run(Callable<T> task) {
                    FutureTask<T> future = new FutureTask<>(task);
                    try {
                        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
                        Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
                        builder = ofVirtual.getMethod("name", String.class).invoke(builder, name);
                        Method unstarted = ofVirtual.getMethod("unstarted", Runnable.class);
                        ((Thread) unstarted.invoke(builder, future)).start();
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException("no virtual threads on this JDK", e);
                    }
                    return () -> future.get(30, TimeUnit.SECONDS);
                }
            };
        }
    }
}
