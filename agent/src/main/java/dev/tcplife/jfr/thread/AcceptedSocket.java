package dev.tcplife.jfr.thread;

import java.net.InetAddress;

import dev.tcplife.jfr.record.InetAddresses;

/**
 * An accepted connection as both the JDK and the kernel's record name it: the local port it arrived on, and the
 * peer's address and port. Unique among the JVM's open connections in a network namespace.
 *
 * <p>The address is kept in the compact form of {@link InetAddresses} (its 16 bytes in two longs, an IPv4 address
 * IPv4-mapped), which the decoded record carries too ({@code TcpSession.remoteAddressHigh()}): the JDK and the
 * agent's records both give an IPv4-mapped peer as IPv4, and either way it is the same key. So the JDK's accept
 * names its connection from the address's bytes, and the reader claims it from the record's, neither making nor
 * parsing text.
 */
final class AcceptedSocket {
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
        if (address.length != 4 && address.length != 16) {
            return null;
        }
        return new AcceptedSocket(localPort, InetAddresses.high(address), InetAddresses.low(address), remotePort);
    }

    /** Whether this names the connection of these ports and peer: {@link #equals} without a key to compare with. */
    boolean is(int localPort, long addressHigh, long addressLow, int remotePort) {
        return this.localPort == localPort && this.remotePort == remotePort && this.addressHigh == addressHigh
                && this.addressLow == addressLow;
    }

    /** {@link #hashCode} of the connection of these ports and peer, without a key. */
    static int hash(int localPort, long addressHigh, long addressLow, int remotePort) {
        int hash = localPort * 31 + remotePort;
        hash = hash * 31 + Long.hashCode(addressHigh);
        return hash * 31 + Long.hashCode(addressLow);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AcceptedSocket that && is(that.localPort, that.addressHigh, that.addressLow,
                that.remotePort);
    }

    @Override
    public int hashCode() {
        return hash(localPort, addressHigh, addressLow, remotePort);
    }

    @Override
    public String toString() {
        return String.format("%d <- %016x%016x:%d", localPort, addressHigh, addressLow, remotePort);
    }
}
