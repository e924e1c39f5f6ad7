package dev.tcplife.jfr.thread;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.thread.SocketHookWeaver.Hook;
import dev.tcplife.jfr.thread.SocketHookWeaver.Target;

/**
 * The woven code runs: classes shaped like the JDK's and Netty's socket classes, woven, defined in a class loader
 * of their own (and so verified by the JVM), call the hooks with the right arguments, and only where targeted.
 */
class SocketHookWeaverTest {
    /** Stand-in for the hooks class: records each call. */
    public static final class Calls {
        static final List<Object> CALLS = new ArrayList<>();

        public static void connecting(Object socket) {
            CALLS.add(List.of("connecting", socket));
        }

        public static void accepted(Object accepted, Object server) {
            CALLS.add(Arrays.asList("accepted", accepted, server)); // a null accepted is passed on: the hooks drop it
        }

        public static void acceptRequested(Object server) {
            CALLS.add(List.of("acceptRequested", server));
        }

        public static void accepted(int fd) {
            CALLS.add(List.of("accepted", fd));
        }
    }

    /** Shaped like Netty's io.netty.channel.unix.Socket: accept(byte[]) returns a descriptor, or -1. */
    public static final class NativeSocket {
        public final int accept(byte[] address) {
            return address.length > 0 ? address[0] : -1;
        }

        public int accept(byte[] address, int unrelated) {
            return unrelated;
        }
    }

    /** Shaped like the JDK's NioSocketImpl and a server channel. */
    public static final class JdkSocket {
        public Object accepted;

        public void connect(SocketAddress address, int timeout) {
            // the SYN would go out here
        }

        public void accept(Object into) {
            accepted = into;
        }

        public Object finishAccept(boolean blocking) {
            return blocking ? "channel" : null;
        }
    }

    private static final String CALLS = Calls.class.getName().replace('.', '/');

    @BeforeEach
    void forget() {
        Calls.CALLS.clear();
    }

    @Test
    void aNativeAcceptHandsItsDescriptorOver() throws Exception {
        Class<?> woven = weave(NativeSocket.class, List.of(new Target("accept", "([B)I",
                Hook.ACCEPTED_DESCRIPTOR_RETURNED)));
        Object socket = woven.getConstructor().newInstance();

        assertEquals(7, woven.getMethod("accept", byte[].class).invoke(socket, (Object) new byte[] {7}));
        assertEquals(-1, woven.getMethod("accept", byte[].class).invoke(socket, (Object) new byte[0]));
        assertEquals(3, woven.getMethod("accept", byte[].class, int.class).invoke(socket, new byte[] {7}, 3));

        // the hooks class sees every return, -1 included (NettyHooks drops it); the other overload is untouched
        assertEquals(List.of(List.of("accepted", 7), List.of("accepted", -1)), Calls.CALLS);
    }

    @Test
    void connectAndAcceptsAsTheJdkHasThem() throws Exception {
        Class<?> woven = weave(JdkSocket.class, List.of(
                new Target("connect", "(Ljava/net/SocketAddress;I)", Hook.CONNECT),
                new Target("accept", "(Ljava/lang/Object;)", Hook.ACCEPT_INTO_ARGUMENT),
                new Target("finishAccept", null, Hook.ACCEPT_RETURNED)));
        Object socket = woven.getConstructor().newInstance();

        woven.getMethod("connect", SocketAddress.class, int.class).invoke(socket, new InetSocketAddress(80), 0);
        woven.getMethod("accept", Object.class).invoke(socket, "child");
        assertEquals("channel", woven.getMethod("finishAccept", boolean.class).invoke(socket, true));
        woven.getMethod("finishAccept", boolean.class).invoke(socket, false);

        assertEquals(4, Calls.CALLS.size(), Calls.CALLS.toString());
        assertEquals(List.of("connecting", socket), Calls.CALLS.get(0));
        assertEquals(List.of("accepted", "child", socket), Calls.CALLS.get(1));
        assertEquals(List.of("accepted", "channel", socket), Calls.CALLS.get(2));
        assertEquals(Arrays.asList("accepted", null, socket), Calls.CALLS.get(3));
    }

    @Test
    void nettysSocketIsFoundUnderAnyPackageItWasMovedTo() {
        assertTrue(NettyAcceptInstrumentation.isNettySocket("io/netty/channel/unix/Socket"));
        assertTrue(NettyAcceptInstrumentation.isNettySocket("io/grpc/netty/shaded/io/netty/channel/unix/Socket"));
        assertFalse(NettyAcceptInstrumentation.isNettySocket("io/netty/channel/unix/DomainSocket"));
        assertFalse(NettyAcceptInstrumentation.isNettySocket("com/example/myio/netty/channel/unix/Socket"));
        assertFalse(NettyAcceptInstrumentation.isNettySocket("io/netty/channel/epoll/LinuxSocket"));
        assertFalse(NettyAcceptInstrumentation.isNettySocket(null));
    }

    /** {@code type}, woven to call {@link Calls}, defined again in a loader of its own. */
    private static Class<?> weave(Class<?> type, List<Target> targets) throws IOException, ClassNotFoundException {
        byte[] original;
        try (InputStream in = type.getResourceAsStream("/" + type.getName().replace('.', '/') + ".class")) {
            original = in.readAllBytes();
        }
        byte[] woven = SocketHookWeaver.weave(original, targets, CALLS);
        ClassLoader loader = new ClassLoader(SocketHookWeaverTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(type.getName())) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> loaded = findLoadedClass(name);
                        return loaded != null ? loaded : defineClass(name, woven, 0, woven.length);
                    }
                }
                return super.loadClass(name, resolve);
            }
        };
        return loader.loadClass(type.getName());
    }
}
