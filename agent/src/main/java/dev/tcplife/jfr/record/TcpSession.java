package dev.tcplife.jfr.record;

/**
 * One finished TCP session of the JVM, as the kernel reported it and interpreted for people: payload bytes
 * instead of sequence-number counters, who closed, whether it was reset.
 *
 * @param startNanos CLOCK_MONOTONIC when the session began: SYN sent (client) or child socket created (server)
 * @param establishedNanos CLOCK_MONOTONIC when it became established, 0 if it never did
 * @param endNanos CLOCK_MONOTONIC when it reached TCP_CLOSE
 * @param role {@code "client"} (this JVM connected) or {@code "server"} (this JVM accepted)
 * @param family {@code "IPv4"} (also when carried on a dual-stack IPv6 socket) or {@code "IPv6"}
 * @param localAddress the local address, dotted for IPv4 and RFC 5952 text for IPv6
 * @param localPort the local port
 * @param remoteAddress the remote address, as {@code localAddress}
 * @param remoteAddressHigh the same remote address in the compact form of {@link InetAddresses}: bytes 0-7 of its
 *     16-byte form, big-endian, an IPv4 address IPv4-mapped. With {@code remoteAddressLow}, it is what the thread
 *     attribution matches the JDK's accepted connections on, without parsing {@code remoteAddress} back
 * @param remoteAddressLow bytes 8-15 of it
 * @param remotePort the remote port
 * @param bytesSent payload bytes this end sent that the peer acknowledged
 * @param bytesReceived payload bytes this end received
 * @param closeInitiator {@code "local"} or {@code "remote"}: the side that sent the first FIN, or the RST
 * @param reset whether the session ended with an RST, sent or received
 * @param established whether the handshake completed
 * @param error the socket error at close ({@code "ECONNRESET"}, {@code "ECONNREFUSED"}, ...), null if none
 * @param socketInode the inode of the socket's file (as in /proc/PID/fd and ss -e), 0 if it never had one
 * @param ownerTid the thread that called connect(), numbered as the JVM sees it; 0 when the kernel cannot know
 * @param smoothedRttMicros the smoothed round-trip time at close, in microseconds
 * @param retransmittedSegments segments retransmitted over the session
 * @param startObserved false when the session was already open before tracing began
 */
public record TcpSession(
        long startNanos,
        long establishedNanos,
        long endNanos,
        String role,
        String family,
        String localAddress,
        int localPort,
        String remoteAddress,
        long remoteAddressHigh,
        long remoteAddressLow,
        int remotePort,
        long bytesSent,
        long bytesReceived,
        String closeInitiator,
        boolean reset,
        boolean established,
        String error,
        long socketInode,
        int ownerTid,
        long smoothedRttMicros,
        long retransmittedSegments,
        boolean startObserved) {

    public static final String CLIENT = "client";
    public static final String SERVER = "server";
    public static final String LOCAL = "local";
    public static final String REMOTE = "remote";

    /** Time from the first SYN to ESTABLISHED for a client, in nanoseconds; -1 for a server or a failed connect. */
    public long connectNanos() {
        return CLIENT.equals(role) && established && startObserved ? establishedNanos - startNanos : -1;
    }
}
