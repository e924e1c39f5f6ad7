package dev.tcplife.jfr.it.workload;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A second process, without the agent: {@code server <port> <n>} prints its port (6 characters) and serves n
 * sessions (read to end of stream, answer half plus 7 bytes, close); {@code client <port> <n>} makes n sessions
 * (send, half-close, read to the end, close).
 */
public final class PeerProcess {
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[1]);
        int sessions = Integer.parseInt(args[2]);
        if (args[0].equals("server")) {
            try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
                System.out.printf("%-6d", server.getLocalPort());
                System.out.flush();
                for (int i = 0; i < sessions; i++) {
                    try (Socket socket = server.accept()) {
                        long up = drain(socket.getInputStream());
                        socket.getOutputStream().write(new byte[(int) (up / 2 + 7)]);
                    }
                }
            }
        } else {
            for (int i = 0; i < sessions; i++) {
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    socket.getOutputStream().write(new byte[300 + 11 * i]);
                    socket.shutdownOutput();
                    drain(socket.getInputStream());
                }
            }
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buffer = new byte[65536];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
        }
        return total;
    }
}
