package dev.tcplife.jfr.it.workload;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A foreign process for ScaleIT, run without the agent: it opens and closes loopback sessions against its own
 * listener as fast as it can, and keeps the last {@code window} of them open, so that at any moment it has
 * 2 x window socket ends that a program taking per-socket state for every socket would count.
 *
 * <p>Usage: {@code ScaleChurner <dir> <window>}. Creates {@code <dir>/port} once it churns; at {@code <dir>/stop}
 * it closes everything and writes {@code <dir>/count}: "sessions seconds".
 *
 * <p>Each session: the client connects and sends a byte, the server reads it, closes the oldest server end
 * beyond the window (server first), answers a byte; the client reads it, and reads the end of its oldest
 * session beyond the window and closes it. One client thread, so both ends' queues are in the same order.
 */
public final class ScaleChurner {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int window = Integer.parseInt(args[1]);
        ServerSocket listener = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> serve(listener, window), "churn-acceptor");
        acceptor.start();
        Deque<Socket> open = new ArrayDeque<>();
        long started = System.nanoTime();
        long sessions = 0;
        boolean announced = false;
        while (true) {
            if (sessions % 256 == 0 && Files.exists(dir.resolve("stop"))) {
                break;
            }
            Socket socket = new Socket(listener.getInetAddress(), listener.getLocalPort());
            socket.getOutputStream().write(1);
            if (socket.getInputStream().read() < 0) {
                throw new IOException("no answer");
            }
            open.addLast(socket);
            if (open.size() > window) {
                try (Socket oldest = open.removeFirst()) {
                    drain(oldest.getInputStream());
                }
            }
            sessions++;
            if (!announced && sessions >= window) {
                FileSignal.send(dir.resolve("port"), Integer.toString(listener.getLocalPort()));
                announced = true;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        for (Socket socket : open) {
            socket.close();
        }
        listener.close();
        acceptor.join();
        FileSignal.send(dir.resolve("count"), sessions + " " + seconds);
    }

    private static void serve(ServerSocket listener, int window) {
        Deque<Socket> open = new ArrayDeque<>();
        try {
            while (true) {
                Socket socket = listener.accept();
                socket.getInputStream().read();
                open.addLast(socket);
                if (open.size() > window) {
                    open.removeFirst().close();
                }
                socket.getOutputStream().write(1);
            }
        } catch (IOException listenerClosed) {
            for (Socket socket : open) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    private static void drain(InputStream in) throws IOException {
        while (in.read() >= 0) {
            // the server sent its byte already; wait for its end of stream
        }
    }
}
