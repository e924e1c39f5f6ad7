package dev.tcplife.jfr.thread;

/**
 * The thread that opened a socket: the thread itself, its name and id then (JFR cannot name a thread that has
 * ended by the time the session does), its kernel thread id then (for a virtual thread, its carrier's), and
 * since when, in the kernel's CLOCK_MONOTONIC, it has held that id. {@code previous} is the id's earlier
 * holder, if any was noted; {@code found} says how the thread was found.
 */
public record SocketOwner(Thread thread, String name, long javaId, long osThreadId, long sinceNanos,
        SocketOwner previous, Found found) {
    /** How a session's thread was found: the certainty of the attribution. */
    public enum Found {
        /** The JDK's socket classes named the thread as it connected or accepted: exact. */
        JDK_SOCKET("jdk-socket"),
        /** Netty's native accept (io.netty.channel.unix.Socket.accept, in shaded copies too) named it: exact. */
        NETTY_ACCEPT("netty-accept"),
        /**
         * The kernel's thread id at connect, matched to the live Java thread that holds it: exact for a
         * platform thread; its name is the thread's name when the agent looked, which a rename since the
         * connect would change.
         */
        KERNEL_TID("kernel-tid");

        /** As the event's javaThreadSource field says it. */
        public final String label;

        Found(String label) {
            this.label = label;
        }
    }

    SocketOwner withPrevious(SocketOwner earlier) {
        return new SocketOwner(thread, name, javaId, osThreadId, sinceNanos, earlier, found);
    }

    SocketOwner renamed() {
        return new SocketOwner(thread, thread.getName(), javaId, osThreadId, sinceNanos, previous, found);
    }

    SocketOwner foundBy(Found how) {
        return new SocketOwner(thread, name, javaId, osThreadId, sinceNanos, previous, how);
    }
}
