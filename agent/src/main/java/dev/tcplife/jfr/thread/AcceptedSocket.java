package dev.tcplife.jfr.thread;

/**
 * An accepted connection as both the JDK and the kernel's record name it: the local port it arrived on, and the
 * peer's address (as {@link dev.tcplife.jfr.record.InetAddresses} writes it) and port. Unique among the JVM's
 * open connections in a network namespace.
 */
record AcceptedSocket(int localPort, String remoteAddress, int remotePort) {
}
