package dev.tcplife.jfr.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM's TCP sockets, from its own file descriptors: what was open before the kernel program was attached, so
 * that it can adopt them. Each descriptor that is a TCP socket is asked for its addresses and its state
 * (getsockname, getpeername, TCP_INFO): a few system calls per socket of the JVM, where the kernel's tables
 * ({@code /proc/net/tcp}) list every socket of the network namespace, hundreds of thousands under churn, and take
 * seconds to print. A connection waiting in the accept queue of one of the JVM's listeners has no descriptor
 * yet: the kernel program takes those as the JVM's by their listener.
 *
 * @param netns the network namespace the JVM's sockets live in (its inode)
 * @param listeners the JVM's listening sockets
 * @param sessions the JVM's other sockets that a session could still end on
 */
public record OpenSockets(long netns, List<Listener> listeners, List<Session> sessions) {
    /** A listening socket: its family, its address (4 or 16 bytes, zero for a wildcard) and port. */
    public record Listener(int family, byte[] address, int port) {
        boolean accepts(Session session) {
            return session.family == family && session.localPort == port
                    && (Arrays.equals(session.localAddress, address) || isZero(address));
        }
    }

    /**
     * A socket with a session, addresses as its family stores them (4 bytes for AF_INET, 16 for AF_INET6), in
     * one of the {@link TcpStates}.
     */
    public record Session(int family, byte[] localAddress, int localPort, byte[] remoteAddress, int remotePort,
            long inode, int state, boolean server) {
    }

    /** One TCP socket of the JVM, as its descriptor describes it. */
    record Described(int family, byte[] localAddress, int localPort, byte[] remoteAddress, int remotePort, int state,
            long inode) {
    }

    /** Lists the JVM's TCP sockets now. */
    public static OpenSockets list(LibC libc) throws IOException {
        long netns = ((Number) Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:ino")).longValue();
        List<Described> sockets = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith("socket:[")) {
                    Described socket = describe(libc, Integer.parseInt(fd.getFileName().toString()),
                            Long.parseLong(target.substring(8, target.length() - 1)));
                    if (socket != null) {
                        sockets.add(socket);
                    }
                }
            }
        }
        List<Listener> listeners = new ArrayList<>();
        for (Described socket : sockets) {
            if (socket.state() == TcpStates.LISTEN) {
                listeners.add(new Listener(socket.family(), socket.localAddress(), socket.localPort()));
            }
        }
        List<Session> sessions = new ArrayList<>();
        for (Described socket : sockets) {
            if (followable(socket.state())) {
                Session session = new Session(socket.family(), socket.localAddress(), socket.localPort(),
                        socket.remoteAddress(), socket.remotePort(), socket.inode(), socket.state(), false);
                boolean server = listeners.stream().anyMatch(listener -> listener.accepts(session));
                sessions.add(server ? new Session(session.family(), session.localAddress(), session.localPort(),
                        session.remoteAddress(), session.remotePort(), session.inode(), session.state(), true) : session);
            }
        }
        return new OpenSockets(netns, listeners, sessions);
    }

    /**
     * The TCP socket on descriptor {@code fd}; null for any other socket, or one closed meanwhile (whose number a
     * new descriptor may have taken: then it is described as it is now, which is as good).
     */
    private static Described describe(LibC libc, int fd, long inode) {
        if (libc.socketOption(fd, LibC.SOL_SOCKET, LibC.SO_PROTOCOL) != LibC.IPPROTO_TCP) {
            return null;
        }
        int state = libc.tcpState(fd);
        ByteBuffer local = libc.socketAddress(fd, false);
        if (state < 0 || local == null || address(local) == null) {
            return null;
        }
        ByteBuffer remote = libc.socketAddress(fd, true); // none for a listener, or a socket not connected yet
        byte[] remoteAddress = remote == null ? null : address(remote);
        byte[] localAddress = address(local);
        return new Described(family(local), localAddress, port(local),
                remoteAddress != null ? remoteAddress : new byte[localAddress.length], remote == null ? 0 : port(remote),
                state, inode);
    }

    /** States with a full socket that will still reach TCP_CLOSE. */
    private static boolean followable(int state) {
        return state == TcpStates.ESTABLISHED || state == TcpStates.SYN_SENT || state == TcpStates.SYN_RECV
                || state == TcpStates.FIN_WAIT1 || state == TcpStates.FIN_WAIT2 || state == TcpStates.CLOSE_WAIT
                || state == TcpStates.LAST_ACK || state == TcpStates.CLOSING;
    }

    /**
     * The address of a socket address as getsockname and getpeername fill it: struct sockaddr_in (family in host
     * order, port in network order, 4 address bytes) or sockaddr_in6 (family, port, flow info, 16 address bytes);
     * null for another family.
     */
    static byte[] address(ByteBuffer sockaddr) {
        int family = family(sockaddr);
        if (family != LibC.AF_INET && family != LibC.AF_INET6) {
            return null;
        }
        byte[] address = new byte[family == LibC.AF_INET ? 4 : 16];
        sockaddr.get(family == LibC.AF_INET ? 4 : 8, address);
        return address;
    }

    static int family(ByteBuffer sockaddr) {
        return Short.toUnsignedInt(sockaddr.duplicate().order(ByteOrder.nativeOrder()).getShort(0));
    }

    static int port(ByteBuffer sockaddr) {
        return (sockaddr.get(2) & 0xff) << 8 | sockaddr.get(3) & 0xff;
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
