package dev.tcplife.jfr.it.workload;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;

/**
 * Makes in-JVM loopback sessions quickly, all from the calling thread: connect (the backlog completes the
 * handshake), accept, exchange a known number of bytes each way, the client closes first. Each session has two
 * ends of this JVM, so two ExpectedSessions, both opened by the calling thread.
 */
public final class LoopbackSessions implements AutoCloseable {
    private final String scenario;
    private final ServerSocket server;

    public LoopbackSessions(String scenario) throws IOException {
        this.scenario = scenario;
        this.server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
    }

    public List<ExpectedSession> make(int up, int down) throws IOException {
        return make(up, down, 0);
    }

    /** As {@link #make(int, int)}, holding the session open {@code holdMillis} before closing it. */
    public List<ExpectedSession> make(int up, int down, long holdMillis) throws IOException {
        String thread = Thread.currentThread().getName();
        long openBegin = ScenarioWorkload.now();
        Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        long clientOpenEnd = ScenarioWorkload.now();
        Socket accepted = server.accept();
        long serverOpenEnd = ScenarioWorkload.now();
        ScenarioWorkload.write(client, up);
        ScenarioWorkload.readExactly(accepted, up);
        ScenarioWorkload.write(accepted, down);
        ScenarioWorkload.readExactly(client, down);
        hold(holdMillis);
        // The client's end can come as soon as its FIN is acknowledged (a closed socket in FIN_WAIT2 becomes a
        // timewait mini-socket), the server's when the client acknowledges the server's FIN.
        long clientEndBegin = ScenarioWorkload.now();
        client.close();
        ScenarioWorkload.readToEnd(accepted);
        long serverEndBegin = ScenarioWorkload.now();
        accepted.close();
        long endEnd = ScenarioWorkload.now();
        int port = server.getLocalPort();
        return List.of(
                new ExpectedSession(scenario, "client", "IPv4", "127.0.0.1", client.getLocalPort(), "127.0.0.1", port,
                        up, up, down, "local", false, true, null, thread, openBegin, clientOpenEnd, clientEndBegin, endEnd),
                new ExpectedSession(scenario, "server", "IPv4", "127.0.0.1", port, "127.0.0.1", client.getLocalPort(),
                        down, down, up, "remote", false, true, null, thread, openBegin, serverOpenEnd, serverEndBegin, endEnd));
    }

    private static void hold(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
