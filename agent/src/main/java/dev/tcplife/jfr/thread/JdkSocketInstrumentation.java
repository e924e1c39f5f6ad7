package dev.tcplife.jfr.thread;

import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.tcplife.jfr.thread.SocketHookWeaver.Hook;
import dev.tcplife.jfr.thread.SocketHookWeaver.Target;

/**
 * Instruments the JDK's socket implementations so that {@link SocketOwners} learns which Java thread connected
 * or accepted each socket. Every TCP connect and accept of the JDK goes through these methods (JDK 17 to 25):
 *
 * <ul>
 *   <li>{@code sun.nio.ch.NioSocketImpl}: {@code java.net.Socket} and {@code ServerSocket};
 *   <li>{@code sun.nio.ch.SocketChannelImpl} and {@code ServerSocketChannelImpl}: NIO channels, blocking or not,
 *       their socket adaptors, and {@code java.net.http.HttpClient};
 *   <li>{@code sun.nio.ch.UnixAsynchronousSocketChannelImpl} and {@code UnixAsynchronousServerSocketChannelImpl}.
 * </ul>
 *
 * <p>Each hook is one static call into {@link SocketHooks} (its copy in java.base), woven in by
 * {@link SocketHookWeaver}. Registering costs nothing at JVM start: the JVM hands the classes over as it loads
 * them, usually after {@code main} began.
 */
public final class JdkSocketInstrumentation extends HookedClasses {
    private static final String HOOKS = JdkHookInjector.HOOKS_CLASS.replace('.', '/');

    /** By internal class name, the methods to hook. */
    private static final Map<String, List<Target>> TARGETS = Map.of(
            "sun/nio/ch/NioSocketImpl", List.of(
                    new Target("connect", "(Ljava/net/SocketAddress;I)", Hook.CONNECT),
                    new Target("accept", "(Ljava/net/SocketImpl;)", Hook.ACCEPT_INTO_ARGUMENT)),
            "sun/nio/ch/SocketChannelImpl", List.of(
                    new Target("connect", "(Ljava/net/SocketAddress;)", Hook.CONNECT),
                    new Target("blockingConnect", null, Hook.CONNECT)),
            "sun/nio/ch/ServerSocketChannelImpl", List.of(
                    new Target("finishAccept", null, Hook.ACCEPT_RETURNED)),
            "sun/nio/ch/UnixAsynchronousSocketChannelImpl", List.of(
                    new Target("implConnect", null, Hook.CONNECT)),
            "sun/nio/ch/UnixAsynchronousServerSocketChannelImpl", List.of(
                    new Target("implAccept", null, Hook.ACCEPT_REQUEST),
                    new Target("finishAccept", null, Hook.ACCEPT_RETURNED)));

    private final JdkHookInjector hooks;

    private JdkSocketInstrumentation(Instrumentation instrumentation, JdkHookInjector hooks, Consumer<String> problems) {
        super(instrumentation, problems, "the JDK's socket classes");
        this.hooks = hooks;
    }

    /**
     * Instruments the JDK's socket classes so that they report to {@code owners}: those loaded later as they load,
     * those loaded already at once.
     *
     * @param problems told, in a sentence, of a class that could not be instrumented: its API then goes without
     *     the Java thread from its calls, nothing else
     * @throws ReflectiveOperationException or IOException when the hooks cannot be placed in java.base
     */
    public static JdkSocketInstrumentation install(Instrumentation instrumentation, SocketOwners owners,
            Consumer<String> problems) throws ReflectiveOperationException, java.io.IOException {
        JdkHookInjector hooks = JdkHookInjector.inject();
        hooks.setListeners(owners::connecting, owners::accepted, owners::acceptRequested);
        JdkSocketInstrumentation transformer = new JdkSocketInstrumentation(instrumentation, hooks, problems);
        transformer.register();
        return transformer;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classFile) {
        // The JDK's socket classes are the bootstrap loader's: a map lookup by name rejects every other class.
        List<Target> targets = loader == null && className != null ? TARGETS.get(className) : null;
        if (targets == null) {
            return null;
        }
        try {
            return SocketHookWeaver.weave(classFile, targets, HOOKS);
        } catch (RuntimeException | LinkageError e) {
            problems.accept("cannot instrument " + className.replace('/', '.')
                    + ", its sessions will have no Java thread from the JDK's calls: " + e);
            return null;
        }
    }

    @Override
    boolean isTarget(Class<?> loaded) {
        return loaded.getClassLoader() == null && TARGETS.containsKey(loaded.getName().replace('.', '/'));
    }

    @Override
    void silence() {
        try {
            hooks.setListeners(null, null, null);
        } catch (ReflectiveOperationException e) {
            problems.accept("could not silence the JDK socket hooks: " + e);
        }
    }
}
