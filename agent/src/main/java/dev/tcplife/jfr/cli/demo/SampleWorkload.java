package dev.tcplife.jfr.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpServer;

import dev.tcplife.jfr.agent.Agent;
import dev.tcplife.jfr.cli.command.Arguments;
import dev.tcplife.jfr.cli.command.Command;

/**
 * The demo's application: a small HTTP service and its clients, the kinds of sessions tcplife is for. A pooled
 * HTTP client reuses one connection; a careless client opens one per request; one peer resets; one connect is
 * refused; one session goes over IPv6.
 */
public final class SampleWorkload implements Command {
    public static final String COMMAND = "sample-workload";

    @Override
    public String summary() {
        return "the demo's sample application (run it under the agent)";
    }

    @Override
    public String usage() {
        return "Usage: java -javaagent:tcplife-agent.jar -XX:StartFlightRecording=... -jar tcplife-agent.jar "
                + COMMAND + " [--rounds N]\n\n"
                + "  --rounds N   the sessions N times, a second apart (1): a JVM to watch, or to attach to\n";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        long rounds = Arguments.parse(args, Set.of(), Set.of("--rounds")).number("--rounds", 1);
        awaitAgent(err);
        if (rounds > 1) {
            out.println("sample-workload: pid " + ProcessHandle.current().pid() + ", " + rounds + " rounds");
        }
        for (long round = 0; round < rounds; round++) {
            if (round > 0) {
                Thread.sleep(1000);
            }
            sessions(out);
        }
        // The agent reads finished sessions every 20 ms: give it time before the JVM exits.
        Thread.sleep(300);
        return Command.OK;
    }

    /** One round: every kind of session, one after the other. */
    private static void sessions(PrintStream out) throws IOException, InterruptedException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        HttpServer http = HttpServer.create(new InetSocketAddress(loopback, 0), 50);
        ExecutorService handlers = Executors.newFixedThreadPool(2, named("http-worker"));
        http.setExecutor(handlers);
        http.createContext("/", exchange -> {
            byte[] body = ("hello from " + Thread.currentThread().getName() + "\n").repeat(200)
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream response = exchange.getResponseBody()) {
                response.write(body);
            }
        });
        http.start();
        URI uri = URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/");
        try {
            runThread("pooled-client", () -> {
                HttpClient client = HttpClient.newHttpClient();
                for (int i = 0; i < 5; i++) {
                    client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
                }
                out.println("pooled-client: 5 requests over one pooled connection");
            });
            runThread("churning-client", () -> {
                for (int i = 0; i < 5; i++) {
                    try (Socket socket = new Socket(loopback, uri.getPort())) { // a new connection every time
                        socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + uri.getAuthority()
                                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        socket.getInputStream().readAllBytes();
                    }
                }
                out.println("churning-client: 5 requests, a new connection each");
            });
            runThread("impatient-client", () -> resetSession(loopback));
            out.println("impatient-client: sent a request and reset the connection");
            runThread("lost-client", () -> {
                try (Socket socket = new Socket(loopback, closedPort(loopback))) {
                    throw new IllegalStateException("connected to a closed port");
                } catch (java.net.ConnectException refused) {
                    out.println("lost-client: connection refused, as expected");
                }
            });
            runThread("ipv6-client", () -> ipv6Session(out));
        } finally {
            http.stop(0);
            handlers.shutdown();
        }
    }

    /** The agent loads in the background at JVM start: sessions opened before it traces would be adopted, not seen. */
    private static void awaitAgent(PrintStream err) throws InterruptedException {
        for (int i = 0; i < 3000 && "starting".equals(System.getProperty(Agent.STATE_PROPERTY)); i++) {
            Thread.sleep(10);
        }
        String state = System.getProperty(Agent.STATE_PROPERTY,
                "not loaded (run it with -javaagent, or watch it: java -jar tcplife-agent.jar watch <pid>)");
        if (!state.equals("tracing")) {
            err.println("sample-workload: the agent is " + state);
        }
    }

    /** Sends a little, reads the answer, then aborts with SO_LINGER 0: the peer sees an RST. */
    private static void resetSession(InetAddress loopback) throws IOException, InterruptedException {
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            Thread peer = new Thread(() -> {
                try (Socket accepted = server.accept(); InputStream in = accepted.getInputStream()) {
                    in.readNBytes(5);
                    accepted.getOutputStream().write("ok".getBytes(StandardCharsets.UTF_8));
                    in.read(); // until the reset
                } catch (IOException expected) {
                    // "Connection reset"
                }
            }, "reset-peer");
            peer.start();
            Socket socket = new Socket(loopback, server.getLocalPort());
            socket.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
            socket.getInputStream().readNBytes(2);
            socket.setSoLinger(true, 0);
            socket.close();
            peer.join();
        }
    }

    private static void ipv6Session(PrintStream out) throws IOException, InterruptedException {
        InetAddress ipv6 = InetAddress.getByName("::1");
        try (ServerSocket server = new ServerSocket(0, 1, ipv6)) {
            Thread echo = new Thread(() -> {
                try (Socket accepted = server.accept()) {
                    accepted.getInputStream().transferTo(accepted.getOutputStream());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "ipv6-echo");
            echo.start();
            try (Socket socket = new Socket(ipv6, server.getLocalPort())) {
                socket.getOutputStream().write(new byte[4096]);
                socket.shutdownOutput();
                socket.getInputStream().readAllBytes();
            }
            echo.join();
            out.println("ipv6-client: echoed 4 KiB over ::1");
        } catch (java.net.SocketException noIpv6) {
            out.println("ipv6-client: skipped, no IPv6 loopback here (" + noIpv6.getMessage() + ")");
        }
    }

    private static int closedPort(InetAddress address) throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, address)) {
            return probe.getLocalPort();
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} on a thread named {@code name}, so that the recording names it, and waits for it. */
    private static void runThread(String name, Body body) throws InterruptedException {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                throw new IllegalStateException(name + " failed", e);
            }
        }, name);
        thread.start();
        thread.join();
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        int[] next = {0};
        return runnable -> new Thread(runnable, prefix + "-" + ++next[0]);
    }
}
