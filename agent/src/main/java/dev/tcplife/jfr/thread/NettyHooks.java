package dev.tcplife.jfr.thread;

import java.util.function.IntConsumer;

/**
 * What the call inserted into Netty's native accept reaches: the descriptor each accept returned, on the thread
 * that accepted.
 *
 * <p>This class is never used under its own name. {@link NettyAcceptInstrumentation} defines a copy named
 * {@value NettyAcceptInstrumentation#HOOKS_NAME} in the package of each copy of Netty's
 * {@code io.netty.channel.unix.Socket} (shaded ones too), in that class's own loader, where the inserted call can
 * reach it. So it uses java.base types only: the listener is a plain IntConsumer, set by the agent. It costs one
 * volatile read while no agent listens and never throws.
 */
public final class NettyHooks {
    /** Receives a descriptor that Netty's accept returned, on the accepting thread. */
    public static volatile IntConsumer onAccepted;

    private NettyHooks() {
    }

    /** {@code fd} is what the accept returned: a new descriptor, or -1 when there was nothing to accept. */
    public static void accepted(int fd) {
        IntConsumer listener = onAccepted;
        if (listener != null && fd >= 0) {
            try {
                listener.accept(fd);
            } catch (Throwable ignored) {
                // never fail the application's accept
            }
        }
    }
}
