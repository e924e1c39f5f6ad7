package dev.tcplife.jfr.bpf;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The JVM's TCP sockets as the kernel lists them in {@code /proc/self/net/tcp} and {@code tcp6}: what was open
 * before the kernel program was attached, so that it can adopt them. A socket is the JVM's when one of its file
 * descriptors holds the socket's inode; a connection still waiting in the accept queue of one of the JVM's
 * listeners (no inode yet) is the JVM's too.
 *
 * @param netns the network namespace the JVM's sockets live in (its inode)
 * @param listeners the JVM's listening sockets
 * @param sessions the JVM's other sockets that a session could still end on
 */
public record OpenSockets(long netns, List<Listener> listeners, List<Session> sessions) {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    /** TCP states as /proc prints them (include/net/tcp_states.h). */
    static final int ESTABLISHED = 0x01;
    static final int SYN_SENT = 0x02;
    static final int SYN_RECV = 0x03;
    static final int FIN_WAIT1 = 0x04;
    static final int FIN_WAIT2 = 0x05;
    static final int CLOSE_WAIT = 0x08;
    static final int LAST_ACK = 0x09;
    static final int LISTEN = 0x0A;
    static final int CLOSING = 0x0B;

    /** A listening socket: its family, its address (4 or 16 bytes, zero for a wildcard) and port. */
    public record Listener(int family, byte[] address, int port) {
        boolean accepts(Session session) {
            return session.family == family && session.localPort == port
                    && (Arrays.equals(session.localAddress, address) || isZero(address));
        }
    }

    /** A socket with a session, addresses as /proc lists them (4 bytes for AF_INET, 16 for AF_INET6). */
    public record Session(int family, byte[] localAddress, int localPort, byte[] remoteAddress, int remotePort,
            long inode, int state, boolean server) {
    }

    /**
     * Lists the JVM's sockets now. The tables list every TCP socket of the network namespace, possibly tens of
     * thousands: each line is read in place, and only the few that are the JVM's are taken apart.
     */
    public static OpenSockets list(LibC libc) throws IOException {
        Set<Long> inodes = ownTcpSocketInodes(libc);
        long netns = ((Number) Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:ino")).longValue();
        if (inodes.isEmpty()) {
            // No TCP socket on any descriptor, as at JVM start: nothing of the JVM's in the tables, which list every
            // socket of the network namespace and take a busy host tens of milliseconds to print.
            return new OpenSockets(netns, List.of(), List.of());
        }
        List<Row> candidates = new ArrayList<>();
        List<Listener> listeners = new ArrayList<>();
        for (int family : new int[] {AF_INET, AF_INET6}) {
            Path table = Path.of(family == AF_INET ? "/proc/self/net/tcp" : "/proc/self/net/tcp6");
            if (!Files.isReadable(table)) {
                continue; // IPv6 disabled
            }
            try (BufferedReader lines = Files.newBufferedReader(table)) {
                lines.readLine(); // the header
                for (String line; (line = lines.readLine()) != null; ) {
                    Row row = Row.of(line, family);
                    boolean ours = inodes.contains(row.inode);
                    if (row.state == LISTEN && ours) {
                        listeners.add(row.listener());
                    } else if (followable(row.state) && (ours || row.inode == 0)) {
                        candidates.add(row); // inode 0: not accepted yet, or another process's closed socket
                    }
                }
            }
        }
        List<Session> sessions = new ArrayList<>();
        for (Row row : candidates) {
            Session session = row.session(false);
            boolean server = listeners.stream().anyMatch(listener -> listener.accepts(session));
            if (row.inode != 0 || server) {
                sessions.add(row.session(server));
            }
        }
        return new OpenSockets(netns, listeners, sessions);
    }

    /**
     * One line of a /proc TCP table: "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...",
     * with state and inode parsed, the addresses kept as text until needed.
     */
    private record Row(String line, int family, int state, long inode) {
        static Row of(String line, int family) {
            int[] bounds = new int[2];
            token(line, 3, bounds);
            int state = (int) parse(line, bounds, 16);
            token(line, 9, bounds);
            return new Row(line, family, state, parse(line, bounds, 10));
        }

        Listener listener() {
            String[] local = field(1).split(":");
            return new Listener(family, address(local[0]), Integer.parseInt(local[1], 16));
        }

        Session session(boolean server) {
            String[] local = field(1).split(":");
            String[] remote = field(2).split(":");
            return new Session(family, address(local[0]), Integer.parseInt(local[1], 16), address(remote[0]),
                    Integer.parseInt(remote[1], 16), inode, state, server);
        }

        private String field(int index) {
            int[] bounds = new int[2];
            token(line, index, bounds);
            return line.substring(bounds[0], bounds[1]);
        }

        /** The start and end of the whitespace-separated token {@code index} of {@code line}. */
        private static void token(String line, int index, int[] bounds) {
            int at = 0;
            for (int token = 0; ; token++) {
                while (at < line.length() && line.charAt(at) == ' ') {
                    at++;
                }
                int start = at;
                while (at < line.length() && line.charAt(at) != ' ') {
                    at++;
                }
                if (token == index || at == line.length()) {
                    bounds[0] = start;
                    bounds[1] = at;
                    return;
                }
            }
        }

        private static long parse(String line, int[] bounds, int radix) {
            long value = 0;
            for (int i = bounds[0]; i < bounds[1]; i++) {
                value = value * radix + Character.digit(line.charAt(i), radix);
            }
            return value;
        }
    }

    /** States with a full socket that will still reach TCP_CLOSE (TIME_WAIT is a mini-socket, already closed). */
    private static boolean followable(int state) {
        return state == ESTABLISHED || state == SYN_SENT || state == SYN_RECV || state == FIN_WAIT1
                || state == FIN_WAIT2 || state == CLOSE_WAIT || state == LAST_ACK || state == CLOSING;
    }

    /** The inodes of the TCP sockets open on this process's file descriptors ("socket:[12345]"). */
    private static Set<Long> ownTcpSocketInodes(LibC libc) throws IOException {
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[") && libc.isTcpSocket(Integer.parseInt(fd.getFileName().toString()))) {
                        inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor closed while listing
                }
            }
        }
        return inodes;
    }

    /**
     * /proc prints each 32-bit word of an address (network order in memory) as a host-order hexadecimal number:
     * writing the number back in host order gives the address bytes.
     */
    static byte[] address(String hex) {
        ByteBuffer bytes = ByteBuffer.allocate(hex.length() / 2).order(ByteOrder.nativeOrder());
        for (int word = 0; word < hex.length() / 8; word++) {
            bytes.putInt((int) Long.parseLong(hex.substring(8 * word, 8 * word + 8), 16));
        }
        return bytes.array();
    }

    static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
