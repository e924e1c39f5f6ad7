package dev.tcplife.jfr.thread;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

import dev.tcplife.jfr.thread.SocketHookWeaver.Hook;
import dev.tcplife.jfr.thread.SocketHookWeaver.Target;

/**
 * Names the thread of a connection that Netty's native transports accept: epoll accepts in JNI, where neither
 * the JDK's socket classes nor the kernel's tracepoint see an accept. Netty's own accept wrapper,
 * {@code io.netty.channel.unix.Socket.accept(byte[])}, returns the new descriptor on the accepting thread (the
 * server channel's event loop); a call inserted before its return hands the descriptor to {@link SocketOwners},
 * which notes the thread by the socket's inode, read with one fstat.
 *
 * <p>The class is matched by name, whatever package it was relocated to (gRPC's {@code grpc-netty-shaded} moves
 * Netty under {@code io.grpc.netty.shaded.io.netty}), so that no library becomes a dependency of the agent. Its
 * hooks class, a copy of {@link NettyHooks}, is defined beside it in its own class loader: the application's
 * classes can reach nothing of the agent's.
 */
public final class NettyAcceptInstrumentation extends HookedClasses {
    static final String HOOKS_NAME = "TcplifeNettyHooks";
    private static final String SOCKET = "io/netty/channel/unix/Socket";
    private static final List<Target> TARGETS = List.of(new Target("accept", "([B)I", Hook.ACCEPTED_DESCRIPTOR_RETURNED));

    private final IntConsumer onAccepted;
    private final MethodHandle defineClass;
    private final MethodHandle findLoadedClass;
    /** The hooks classes defined so far, to silence on close; weakly, not to keep an application's loader alive. */
    private final List<WeakReference<Class<?>>> hooksClasses = new ArrayList<>();

    private NettyAcceptInstrumentation(Instrumentation instrumentation, IntConsumer onAccepted, Consumer<String> problems,
            MethodHandle defineClass, MethodHandle findLoadedClass) {
        super(instrumentation, problems, "Netty's native accept");
        this.onAccepted = onAccepted;
        this.defineClass = defineClass;
        this.findLoadedClass = findLoadedClass;
    }

    /**
     * Instruments each copy of Netty's Socket that the JVM loads from now on, and those loaded already.
     *
     * @param problems told, in a sentence, of a copy that could not be instrumented: its accepted connections
     *     then go without a thread, nothing else
     * @throws ReflectiveOperationException when java.lang cannot be opened to the agent (to define the hooks)
     */
    public static NettyAcceptInstrumentation install(Instrumentation instrumentation, SocketOwners owners,
            Consumer<String> problems) throws ReflectiveOperationException {
        // ClassLoader.defineClass is protected: java.lang is opened to the agent's own classes alone.
        instrumentation.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
                Map.of("java.lang", Set.of(NettyAcceptInstrumentation.class.getModule())), Set.of(), Map.of());
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(ClassLoader.class, MethodHandles.lookup());
        MethodHandle defineClass = lookup.findVirtual(ClassLoader.class, "defineClass", MethodType.methodType(
                Class.class, String.class, byte[].class, int.class, int.class, ProtectionDomain.class));
        MethodHandle findLoadedClass = lookup.findVirtual(ClassLoader.class, "findLoadedClass",
                MethodType.methodType(Class.class, String.class));
        NettyAcceptInstrumentation transformer = new NettyAcceptInstrumentation(instrumentation,
                owners::acceptedNatively, problems, defineClass, findLoadedClass);
        transformer.register();
        return transformer;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classFile) {
        if (loader == null || !isNettySocket(className)) {
            return null;
        }
        String hooks = className.substring(0, className.length() - "Socket".length()) + HOOKS_NAME;
        try {
            defineHooks(loader, hooks, protectionDomain);
            return SocketHookWeaver.weave(classFile, TARGETS, hooks);
        } catch (Throwable e) {
            problems.accept("cannot instrument " + className.replace('/', '.')
                    + ", the connections it accepts will have no Java thread: " + e);
            return null;
        }
    }

    /** io/netty/channel/unix/Socket, or that name under a relocated package. */
    static boolean isNettySocket(String className) {
        return className != null && className.endsWith(SOCKET)
                && (className.length() == SOCKET.length() || className.charAt(className.length() - SOCKET.length() - 1) == '/');
    }

    /** The hooks class in {@code loader}, beside Netty's Socket; one already there (a previous attach) is reused. */
    private synchronized void defineHooks(ClassLoader loader, String hooks, ProtectionDomain domain) throws Throwable {
        String name = hooks.replace('/', '.');
        Class<?> defined = (Class<?>) findLoadedClass.invoke(loader, name);
        if (defined == null) {
            byte[] bytes = JdkHookInjector.copyOf(NettyHooks.class, hooks);
            defined = (Class<?>) defineClass.invoke(loader, name, bytes, 0, bytes.length, domain);
        }
        defined.getField("onAccepted").set(null, onAccepted);
        hooksClasses.add(new WeakReference<>(defined));
    }

    @Override
    boolean isTarget(Class<?> loaded) {
        return loaded.getClassLoader() != null && isNettySocket(loaded.getName().replace('.', '/'));
    }

    @Override
    synchronized void silence() {
        for (WeakReference<Class<?>> reference : hooksClasses) {
            Class<?> hooks = reference.get();
            if (hooks != null) {
                try {
                    hooks.getField("onAccepted").set(null, null);
                } catch (ReflectiveOperationException e) {
                    problems.accept("could not silence Netty's accept hook: " + e);
                }
            }
        }
    }
}
