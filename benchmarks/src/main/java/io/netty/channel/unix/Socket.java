package io.netty.channel.unix;

/**
 * A stand-in for Netty's {@code io.netty.channel.unix.Socket}, for {@code dev.tcplife.bench.HookBench} alone:
 * the agent instruments a class of this name and package as it does Netty's (it matches Netty by name, not as a
 * dependency). Its accept returns the descriptor it was given instead of accepting, so that a loop times the
 * agent's hook without the system call of a real accept. Not Netty's code, nor any part of it.
 */
public class Socket {
    private final int descriptor;

    public Socket(int descriptor) {
        this.descriptor = descriptor;
    }

    /** As Netty's: the accepted connection's descriptor, -1 when there was none. */
    public final int accept(byte[] address) {
        return address.length > 0 ? descriptor : -1;
    }
}
