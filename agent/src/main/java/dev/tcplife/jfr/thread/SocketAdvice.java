package dev.tcplife.jfr.thread;

import net.bytebuddy.asm.Advice;


/**
 * Advice that Byte Buddy inlines into the JDK's socket classes. Each method is one static call into
 * {@link SocketHooks}, redirected to its copy in java.base by {@link JdkHookInjector}; nothing here may throw
 * into the application.
 */
final class SocketAdvice {
    private SocketAdvice() {
    }

    /** On entry to a connect method of a SocketImpl or socket channel: before the SYN goes out. */
    static final class Connect {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object socket) {
            SocketHooks.connecting(socket);
        }
    }

    /** On return from {@code NioSocketImpl.accept(SocketImpl)}: the argument now holds the accepted socket. */
    static final class AcceptIntoArgument {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Object server, @Advice.Argument(0) Object accepted) {
            SocketHooks.accepted(accepted, server);
        }
    }

    /** On return from a server channel's {@code finishAccept(...)}: it returns the accepted channel. */
    static final class FinishAccept {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This Object server, @Advice.Return Object accepted) {
            SocketHooks.accepted(accepted, server);
        }
    }

    /** On entry to an asynchronous channel's accept: the caller is the accepting thread, wherever it completes. */
    static final class AcceptRequest {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object server) {
            SocketHooks.acceptRequested(server);
        }
    }
}
