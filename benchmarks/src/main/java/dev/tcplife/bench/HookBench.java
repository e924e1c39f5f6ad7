package dev.tcplife.bench;

import java.io.FileDescriptor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A timed loop of the agent's JDK socket hooks alone, without the system calls of a real connect: what the
 * instrumentation adds to each connect and each accept, in nanoseconds of the calling thread's CPU time, and
 * with tcplife-profile.jfc what the connect-site event (its stack trace included) adds on top.
 *
 * <p>White-box: it calls the listeners the agent installs in {@code sun.nio.ch.TcplifeSocketHooks} (the copy of
 * {@code dev.tcplife.jfr.thread.SocketHooks} the agent puts into java.base) with a connected socket channel and
 * an accepted one, as the inserted calls would, at a stack depth of about {@value #DEPTH} frames; and Netty's
 * native accept as the agent instruments it, through a stand-in of Netty's Socket that returns the accepted
 * channel's descriptor (the hook's fstat included, the accept's own system call not). Needs
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED}. Prints
 * {@code @result connectNs=... acceptNs=... nettyAcceptNs=...}.
 */
public final class HookBench {
    static final int DEPTH = 30;
    private static final String HOOKS = "sun.nio.ch.TcplifeSocketHooks";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private HookBench() {
    }

    public static void main(String[] args) throws Exception {
        long millis = args.length > 0 ? Long.parseLong(args[0]) : 2000;
        while (!"tracing".equals(System.getProperty("tcplife.state"))) {
            if (String.valueOf(System.getProperty("tcplife.state")).startsWith("failed")) {
                throw new IllegalStateException(System.getProperty("tcplife.state"));
            }
            Thread.sleep(5);
        }
        Class<?> hooks = Class.forName(HOOKS, false, null);
        @SuppressWarnings("unchecked")
        Consumer<Object> onConnect = (Consumer<Object>) hooks.getField("onConnect").get(null);
        @SuppressWarnings("unchecked")
        BiConsumer<Object, Object> onAccept = (BiConsumer<Object, Object>) hooks.getField("onAccept").get(null);
        if (onConnect == null || onAccept == null) {
            throw new IllegalStateException("the agent installed no socket hooks (threads=off?)");
        }
        try (ServerSocketChannel server = ServerSocketChannel.open();
                SocketChannel client = SocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            client.connect(server.getLocalAddress());
            try (SocketChannel accepted = server.accept()) {
                Field fd = accepted.getClass().getDeclaredField("fd");
                fd.setAccessible(true);
                FileDescriptor acceptedFd = (FileDescriptor) fd.get(accepted);
                Runnable connect = () -> onConnect.accept(client);
                // as a channel's accept calls it: the channel it returns, whose ports and peer the hook notes
                Runnable accept = () -> onAccept.accept(accepted, server);
                // Netty's native accept, as the agent instruments it: the whole hook, its fstat included
                Field descriptor = FileDescriptor.class.getDeclaredField("fd");
                descriptor.setAccessible(true);
                io.netty.channel.unix.Socket netty = new io.netty.channel.unix.Socket(descriptor.getInt(acceptedFd));
                byte[] address = new byte[26];
                Runnable nettyAccept = () -> netty.accept(address);
                atDepth(DEPTH, () -> {
                    time(connect, millis / 2); // warm-up
                    time(accept, millis / 2);
                    time(nettyAccept, millis / 2);
                    double connectNs = time(connect, millis);
                    double acceptNs = time(accept, millis);
                    double nettyAcceptNs = time(nettyAccept, millis);
                    System.out.printf("@result connectNs=%.1f acceptNs=%.1f nettyAcceptNs=%.1f%n", connectNs, acceptNs,
                            nettyAcceptNs);
                });
            }
        }
    }

    /** Runs {@code task} about {@code millis}; returns the calling thread's CPU nanoseconds per call. */
    private static double time(Runnable task, long millis) {
        long calls = 0;
        long deadline = System.nanoTime() + millis * 1_000_000L;
        long cpu = THREADS.getCurrentThreadCpuTime();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 1000; i++) {
                task.run();
            }
            calls += 1000;
        }
        return (double) (THREADS.getCurrentThreadCpuTime() - cpu) / calls;
    }

    /** Runs {@code task} under {@code depth} more frames: the stack a real connect is called from. */
    private static void atDepth(int depth, Runnable task) {
        if (depth == 0) {
            task.run();
        } else {
            atDepth(depth - 1, task);
        }
    }
}
