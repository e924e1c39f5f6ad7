package dev.tcplife.jfr.thread;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.none;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.lang.instrument.Instrumentation;
import java.net.SocketAddress;

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
        hooks.setListeners(owners::connecting, owners::accepted, owners::acceptRequested);
        ClassFileLocator adviceFiles = hooks.adviceLocator();
        ElementMatcher.Junction<MethodDescription> connect =
                named("connect").and(takesArguments(2)).and(takesArgument(0, SocketAddress.class));
        ResettableClassFileTransformer transformer = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
                .with(new Problems())
                .ignore(none())
                .type(named("sun.nio.ch.NioSocketImpl"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(advice(adviceFiles, SocketAdvice.Connect.class, connect))
                        .visit(advice(adviceFiles, SocketAdvice.AcceptIntoArgument.class, named("accept").and(takesArguments(1)))))
                .type(named("sun.nio.ch.SocketChannelImpl"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(advice(adviceFiles, SocketAdvice.Connect.class,
                                named("connect").and(takesArguments(1)).or(named("blockingConnect")))))
                .type(named("sun.nio.ch.ServerSocketChannelImpl"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(advice(adviceFiles, SocketAdvice.FinishAccept.class, named("finishAccept"))))
                .type(named("sun.nio.ch.UnixAsynchronousSocketChannelImpl"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(advice(adviceFiles, SocketAdvice.Connect.class, named("implConnect"))))
                .type(named("sun.nio.ch.UnixAsynchronousServerSocketChannelImpl"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(advice(adviceFiles, SocketAdvice.AcceptRequest.class, named("implAccept")))
                        .visit(advice(adviceFiles, SocketAdvice.FinishAccept.class, named("finishAccept"))))
                .installOn(instrumentation);
        return new JdkSocketInstrumentation(instrumentation, transformer, hooks);
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
