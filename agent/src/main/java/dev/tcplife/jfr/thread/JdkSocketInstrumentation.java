package dev.tcplife.jfr.thread;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.lang.instrument.Instrumentation;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.Set;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

import dev.tcplife.jfr.agent.AgentLog;

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
 * Classes already loaded are retransformed, so this works when the agent attaches late too. No class changes
 * shape; {@link #close()} restores the original code.
 */
public final class JdkSocketInstrumentation implements AutoCloseable {
    private static final String PACKAGE = "sun.nio.ch.";
    private static final String SOCKET_IMPL = PACKAGE + "NioSocketImpl";
    private static final String CHANNEL = PACKAGE + "SocketChannelImpl";
    private static final String SERVER_CHANNEL = PACKAGE + "ServerSocketChannelImpl";
    private static final String ASYNC_CHANNEL = PACKAGE + "UnixAsynchronousSocketChannelImpl";
    private static final String ASYNC_SERVER_CHANNEL = PACKAGE + "UnixAsynchronousServerSocketChannelImpl";
    private static final Set<String> TARGETS = Set.of(SOCKET_IMPL, CHANNEL, SERVER_CHANNEL, ASYNC_CHANNEL, ASYNC_SERVER_CHANNEL);

    private final Instrumentation instrumentation;
    private final ResettableClassFileTransformer transformer;
    private final JdkHookInjector hooks;

    private JdkSocketInstrumentation(Instrumentation instrumentation, ResettableClassFileTransformer transformer,
            JdkHookInjector hooks) {
        this.instrumentation = instrumentation;
        this.transformer = transformer;
        this.hooks = hooks;
    }

    /**
     * Instruments the JDK's socket classes so that they report to {@code owners}.
     *
     * @throws ReflectiveOperationException or IOException when the hooks cannot be placed in java.base
     */
    public static JdkSocketInstrumentation install(Instrumentation instrumentation, SocketOwners owners)
            throws ReflectiveOperationException, java.io.IOException {
        JdkHookInjector hooks = JdkHookInjector.inject();
        // Byte Buddy's Nexus (self-injected initializers) is unused here and would probe sun.misc.Unsafe, which
        // JDK 24+ warns about on the application's stderr. The property carries our shaded package's name, so
        // the application's own Byte Buddy is unaffected.
        System.setProperty(AgentBuilder.class.getPackageName().replace(".agent.builder", "") + ".nexus.disabled", "true");
        hooks.setListeners(owners::connecting, owners::accepted, owners::acceptRequested);
        ClassFileLocator adviceFiles = hooks.adviceLocator();
        ElementMatcher.Junction<MethodDescription> connect =
                named("connect").and(takesArguments(2)).and(takesArgument(0, SocketAddress.class));
        ResettableClassFileTransformer transformer = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                // Only these classes need retransforming: no walk over every loaded class.
                .with(new AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.Explicit(loaded(instrumentation)))
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
                .with(AgentBuilder.PoolStrategy.Default.FAST)
                .with(new Problems())
                // A name check rejects every other class the JVM loads, before any parsing.
                .ignore(not(nameStartsWith(PACKAGE)))
                .type(named(SOCKET_IMPL))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(advice(adviceFiles, SocketAdvice.Connect.class, connect))
                        .visit(advice(adviceFiles, SocketAdvice.AcceptIntoArgument.class, named("accept").and(takesArguments(1)))))
                .type(named(CHANNEL))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(advice(adviceFiles, SocketAdvice.Connect.class,
                                named("connect").and(takesArguments(1)).or(named("blockingConnect")))))
                .type(named(SERVER_CHANNEL))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(advice(adviceFiles, SocketAdvice.FinishAccept.class, named("finishAccept"))))
                .type(named(ASYNC_CHANNEL))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(advice(adviceFiles, SocketAdvice.Connect.class, named("implConnect"))))
                .type(named(ASYNC_SERVER_CHANNEL))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(advice(adviceFiles, SocketAdvice.AcceptRequest.class, named("implAccept")))
                        .visit(advice(adviceFiles, SocketAdvice.FinishAccept.class, named("finishAccept"))))
                .installOn(instrumentation);
        return new JdkSocketInstrumentation(instrumentation, transformer, hooks);
    }

    /** The instrumented classes that are loaded already. */
    private static Class<?>[] loaded(Instrumentation instrumentation) {
        return Arrays.stream(instrumentation.getAllLoadedClasses())
                .filter(type -> TARGETS.contains(type.getName()))
                .toArray(Class<?>[]::new);
    }

    private static AsmVisitorWrapper advice(ClassFileLocator adviceFiles, Class<?> advice,
            ElementMatcher<? super MethodDescription> methods) {
        return Advice.to(TypeDescription.ForLoadedType.of(advice), adviceFiles).on(methods);
    }

    @Override
    public void close() {
        try {
            hooks.setListeners(null, null, null);
            transformer.reset(instrumentation, AgentBuilder.RedefinitionStrategy.RETRANSFORMATION);
        } catch (RuntimeException | ReflectiveOperationException e) {
            AgentLog.warn("could not restore the JDK's socket classes: " + e);
        }
    }

    /** Reports what could not be instrumented: attribution is then missing for that API, nothing else. */
    private static final class Problems extends AgentBuilder.Listener.Adapter {
        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
            AgentLog.warn("cannot instrument " + typeName + ", its sessions will have no Java thread: " + error);
        }

        @Override
        public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
                DynamicType dynamicType) {
            AgentLog.debug("instrumented " + type.getName());
        }
    }
}
