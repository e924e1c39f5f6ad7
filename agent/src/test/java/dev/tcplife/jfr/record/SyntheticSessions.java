package dev.tcplife.jfr.record;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Finished sessions made up in a test, as {@link TcpSessionDecoder} would hand them over: what the test names is
 * set, the rest is a plain established loopback session of a millisecond.
 */
public final class SyntheticSessions {
    private SyntheticSessions() {
    }

    /** A session this JVM connected, from kernel thread {@code ownerTid} (0: unknown) on socket {@code inode}. */
    public static TcpSession client(int ownerTid, long inode, long startNanos) {
        return session(TcpSession.CLIENT, 40000, "127.0.0.1", 8080, inode, ownerTid, startNanos);
    }

    /** A session this JVM accepted on {@code localPort} from {@code remoteAddress}:{@code remotePort}. */
    public static TcpSession server(int localPort, String remoteAddress, int remotePort, long inode, long startNanos) {
        return session(TcpSession.SERVER, localPort, remoteAddress, remotePort, inode, 0, startNanos);
    }

    /** The raw bytes of an address literal (4 for IPv4, IPv4-mapped included; 16 for IPv6), never looked up. */
    public static byte[] addressBytes(String literal) {
        if (!literal.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("not an address literal: " + literal);
        }
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private static TcpSession session(String role, int localPort, String remoteAddress, int remotePort, long inode,
            int ownerTid, long startNanos) {
        byte[] remote = addressBytes(remoteAddress);
        return new TcpSession(startNanos, startNanos + 100_000, startNanos + 1_000_000, role, "IPv4", "127.0.0.1",
                localPort, remoteAddress, InetAddresses.high(remote), InetAddresses.low(remote), remotePort, 0, 0,
                TcpSession.LOCAL, false, true, null, inode, ownerTid, 50, 0, true);
    }
}
