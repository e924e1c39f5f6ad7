package dev.tcplife.jfr.thread;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An accepted connection as both the JDK and the kernel's record name it: the local port it arrived on, and the
 * peer's address and port. Unique among the JVM's open connections in a network namespace.
 *
 * <p>The address is kept as its 16 bytes, in two longs, an IPv4 address IPv4-mapped ({@code ::ffff:a.b.c.d}): the
 * JDK and the agent's records both give an IPv4-mapped peer as IPv4, and either way it is the same key. So the
 * JDK's accept names its connection from the address's bytes, without making text of it.
 */
final class AcceptedSocket {
    /** The upper half of an IPv4-mapped address's low 64 bits: {@code ::ffff:0:0}. */
    private static final long V4_MAPPED = 0xffffL << 32;

    final int localPort;
    final int remotePort;
    final long addressHigh;
    final long addressLow;

    private AcceptedSocket(int localPort, long addressHigh, long addressLow, int remotePort) {
        this.localPort = localPort;
        this.remotePort = remotePort;
        this.addressHigh = addressHigh;
        this.addressLow = addressLow;
    }

    /** From the peer's raw address, as {@link InetAddress#getAddress()} gives it: 4 or 16 bytes; null otherwise. */
    static AcceptedSocket of(int localPort, byte[] address, int remotePort) {
        if (address.length == 4) {
            return new AcceptedSocket(localPort, 0, V4_MAPPED | bytesToLong(address, 0, 4), remotePort);
        }
        if (address.length == 16) {
            return new AcceptedSocket(localPort, bytesToLong(address, 0, 8), bytesToLong(address, 8, 8), remotePort);
        }
        return null;
    }

    /**
     * From the peer's address as the agent's records write it (dotted IPv4, RFC 5952 IPv6); null if it is neither.
     * Never a name lookup: text that is not an address literal is rejected, not resolved.
     */
    static AcceptedSocket of(int localPort, String address, int remotePort) {
        if (address == null) {
            return null;
        }
        if (address.indexOf(':') < 0) {
            byte[] ipv4 = dotted(address);
            return ipv4 == null ? null : of(localPort, ipv4, remotePort);
        }
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return null; // not an IPv6 literal (a scope, a name): InetAddress would look it up
            }
        }
        try {
            return of(localPort, InetAddress.getByName(address).getAddress(), remotePort);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The 4 bytes of a dotted-decimal IPv4 address, or null. */
    private static byte[] dotted(String text) {
        byte[] bytes = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part == 4) {
                    return null;
                }
                bytes[part++] = (byte) value;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? bytes : null;
    }

    private static long bytesToLong(byte[] bytes, int from, int count) {
        long value = 0;
        for (int i = from; i < from + count; i++) {
            value = value << 8 | (bytes[i] & 0xff);
        }
        return value;
    }

    /** Whether {@code that} names the same connection: {@link #equals} without the type test or a virtual call. */
    boolean sameAs(AcceptedSocket that) {
        return localPort == that.localPort && remotePort == that.remotePort && addressHigh == that.addressHigh
                && addressLow == that.addressLow;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AcceptedSocket that && sameAs(that);
    }

    @Override
    public int hashCode() {
        int hash = localPort * 31 + remotePort;
        hash = hash * 31 + Long.hashCode(addressHigh);
        return hash * 31 + Long.hashCode(addressLow);
    }

    @Override
    public String toString() {
        return String.format("%d <- %016x%016x:%d", localPort, addressHigh, addressLow, remotePort);
    }
}
