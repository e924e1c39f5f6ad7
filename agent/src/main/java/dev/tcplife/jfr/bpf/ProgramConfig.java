package dev.tcplife.jfr.bpf;

import dev.tcplife.jfr.os.PidNamespace;

/**
 * What {@link TcpSessionProgram} is loaded with.
 *
 * @param pid the JVM's process id as it sees itself
 * @param pidNamespace the PID namespace that {@code pid} is numbered in
 * @param familyMask the families to report, {@link TcpSessionContract#FAMILY_IPV4} and
 *        {@link TcpSessionContract#FAMILY_IPV6} bits
 * @param localPorts report only sessions with one of these local ports; empty for all
 * @param remotePorts report only sessions with one of these remote ports; empty for all
 * @param maxSessions how many sessions of the JVM the kernel can follow at once
 * @param ringBufferBytes size of the ring buffer of finished sessions, a power of two
 */
public record ProgramConfig(
        long pid,
        PidNamespace pidNamespace,
        int familyMask,
        int[] localPorts,
        int[] remotePorts,
        int maxSessions,
        int ringBufferBytes) {
}
