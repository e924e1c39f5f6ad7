package dev.tcplife.jfr.it.workload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;

/**
 * Loopback sessions from the very first line of {@code main}, as fast as the machine allows, and the truth about
 * each: {@code ChurnWorkload <truth-file> <millis> <clients> [<hold-millis> [<signal-file>]]}.
 *
 * <p>{@code clients} threads "churn-client-N" connect, send a byte, read the echo and close, over and over, for
 * {@code millis}; as many threads "churn-server-N" accept on one listener and echo. With a hold, each client keeps
 * its session open that long before sending, so that sessions are open at any moment (for an attach to adopt).
 * With a signal file, the workload writes it once it runs and churns until that file's name plus ".stop" appears,
 * instead of for {@code millis}.
 *
 * <p>The truth file has one line per session end, the sessions that wake the server threads at the end included: {@code role lport rport thread closeBegin closeEnd}, times in
 * epoch nanoseconds around the close (the kernel's TCP_CLOSE of either end falls after closeBegin); and a first
 * line {@code main <epoch-nanos>}, taken as main began.
 */
public final class ChurnWorkload {
    public static void main(String[] args) throws Exception {
        long mainBegan = now();
        Path truthFile = Path.of(args[0]);
        long millis = Long.parseLong(args[1]);
        int clients = Integer.parseInt(args[2]);
        long holdMillis = args.length > 3 ? Long.parseLong(args[3]) : 0;
        Path signal = args.length > 4 ? Path.of(args[4]) : null;

        List<String> truth = new ArrayList<>();
        truth.add("main\t" + mainBegan);
        try (ServerSocket listener = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress())) {
            List<FutureTask<List<String>>> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                threads.add(ThreadMarker.startMarked("churn-server-" + i, () -> serve(listener)));
            }
            long deadline = System.nanoTime() + millis * 1_000_000;
            Path stop = signal == null ? null : signal.resolveSibling(signal.getFileName() + ".stop");
            List<FutureTask<List<String>>> clientThreads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Callable<List<String>> client = () -> connect(listener.getLocalPort(), holdMillis, deadline, stop);
                clientThreads.add(ThreadMarker.startMarked("churn-client-" + i, client));
            }
            if (signal != null) {
                FileSignal.send(signal);
            }
            for (FutureTask<List<String>> client : clientThreads) {
                truth.addAll(client.get());
            }
            // Wake each server thread from its last accept with a session that sends nothing (sessions too, in
            // the truth), then collect what it saw.
            for (int i = 0; i < clients; i++) {
                Socket wake = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                long closeBegin = now();
                wake.close();
                truth.add(line("client", wake.getLocalPort(), listener.getLocalPort(), "main", closeBegin, now()));
            }
            for (FutureTask<List<String>> server : threads) {
                truth.addAll(server.get());
            }
        }
        Files.write(truthFile, truth);
        System.out.println("churn: " + (truth.size() - 1) + " session ends");
    }

    private static List<String> connect(int port, long holdMillis, long deadline, Path stop) throws IOException,
            InterruptedException {
        List<String> ends = new ArrayList<>();
        String thread = Thread.currentThread().getName();
        for (long n = 0; stop != null ? !Files.exists(stop) : System.nanoTime() < deadline; n++) {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            if (holdMillis > 0) {
                Thread.sleep(holdMillis);
            }
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(1);
            if (in.read() != 1) {
                throw new IOException("no echo");
            }
            long closeBegin = now();
            socket.close();
            ends.add(line("client", socket.getLocalPort(), port, thread, closeBegin, now()));
        }
        return ends;
    }

    /** Echoes one byte per session and closes once the client has; a session with nothing to echo is the end. */
    private static List<String> serve(ServerSocket listener) throws IOException {
        List<String> ends = new ArrayList<>();
        String thread = Thread.currentThread().getName();
        while (true) {
            Socket socket = listener.accept();
            InputStream in = socket.getInputStream();
            int b = in.read();
            if (b < 0) {
                long closeBegin = now();
                socket.close();
                ends.add(line("server", socket.getLocalPort(), socket.getPort(), thread, closeBegin, now()));
                return ends; // the workload's wake-up call, the last of this thread
            }
            socket.getOutputStream().write(b);
            in.read(); // the client's close
            long closeBegin = now();
            socket.close();
            ends.add(line("server", socket.getLocalPort(), socket.getPort(), thread, closeBegin, now()));
        }
    }

    private static String line(String role, int localPort, int remotePort, String thread, long closeBegin,
            long closeEnd) {
        return role + "\t" + localPort + "\t" + remotePort + "\t" + thread + "\t" + closeBegin + "\t" + closeEnd;
    }

    private static long now() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
