package dev.tcplife.jfr.thread;

import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What the calls inserted into the JDK's socket classes reach: which Java thread opened which socket.
 *
 * <p>This class is never used under its own name. {@link JdkHookInjector} copies it into java.base as
 * {@value JdkHookInjector#HOOKS_CLASS}, beside the socket classes that call it, and the inserted calls name that
 * copy. So the bootstrap class path stays untouched (appending to it would switch off class data sharing for the
 * application's classes), and the hooks may only use java.base types: the listeners are plain functional
 * interfaces, set by the agent. Each hook costs one volatile read while no agent listens and never throws.
 */
public final class SocketHooks {
    /** Receives a SocketImpl or socket channel that the current thread is about to connect. */
    public static volatile Consumer<Object> onConnect;
    /** Receives the accepted socket (a SocketImpl or socket channel) and the server socket or channel. */
    public static volatile BiConsumer<Object, Object> onAccept;
    /** Receives an asynchronous server channel whose next connection the current thread asked for. */
    public static volatile Consumer<Object> onAcceptRequest;

    private SocketHooks() {
    }

    public static void connecting(Object socket) {
        Consumer<Object> listener = onConnect;
        if (listener != null) {
            try {
                listener.accept(socket);
            } catch (Throwable ignored) {
                // never fail the application's connect
            }
        }
    }

    public static void accepted(Object accepted, Object server) {
        BiConsumer<Object, Object> listener = onAccept;
        if (listener != null && accepted != null) {
            try {
                listener.accept(accepted, server);
            } catch (Throwable ignored) {
                // never fail the application's accept
            }
        }
    }

    public static void acceptRequested(Object server) {
        Consumer<Object> listener = onAcceptRequest;
        if (listener != null) {
            try {
                listener.accept(server);
            } catch (Throwable ignored) {
                // never fail the application's accept
            }
        }
    }
}
