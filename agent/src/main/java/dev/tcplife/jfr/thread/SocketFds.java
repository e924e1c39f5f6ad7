package dev.tcplife.jfr.thread;

import java.io.FileDescriptor;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketImpl;
import java.net.StandardProtocolFamily;
import java.util.Map;
import java.util.Set;

import dev.tcplife.jfr.os.LibC;

/**
 * Reads what the agent needs out of the JDK's socket objects (SocketImpl, socket channels, FileDescriptor): the
 * file descriptor, the protocol family, the addresses of an accepted connection. The JDK keeps these fields
 * private, so java.base's packages are opened to the agent alone, through {@link Instrumentation#redefineModule}:
 * the application's own access does not change.
 */
public final class SocketFds {
    private static final MethodType INT_GETTER = MethodType.methodType(int.class, Object.class);
    private static final MethodType OBJECT_GETTER = MethodType.methodType(Object.class, Object.class);

    private static final ClassValue<MethodHandle> FD_VAL = getters("fdVal", int.class, INT_GETTER);
    private static final ClassValue<MethodHandle> FAMILY = getters("family", java.net.ProtocolFamily.class, OBJECT_GETTER);
    private static final ClassValue<MethodHandle> LOCAL_ADDRESS = getters("localAddress", SocketAddress.class, OBJECT_GETTER);
    private static final ClassValue<MethodHandle> REMOTE_ADDRESS = getters("remoteAddress", SocketAddress.class, OBJECT_GETTER);

    /** Set once the native libraries are loaded, as the agent's start goes on; before that, no system calls. */
    private volatile LibC libc;

    /**
     * The fields of FileDescriptor and SocketImpl, in constants: the JIT makes plain field loads of them in the
     * hooks, compiled into the JDK's connect and accept, where handles held in instance fields each go through the
     * method handle's own code. Initialized by {@link #open}, once java.io and java.net are open to the agent.
     */
    private static final class Fields {
        static final MethodHandle DESCRIPTOR_FD = getter(FileDescriptor.class, "fd", int.class, INT_GETTER);
        static final MethodHandle SOCKET_IMPL_FD = getter(SocketImpl.class, "fd", FileDescriptor.class, OBJECT_GETTER);
        static final MethodHandle SOCKET_IMPL_LOCAL_PORT = getter(SocketImpl.class, "localport", int.class, INT_GETTER);
        static final MethodHandle SOCKET_IMPL_PORT = getter(SocketImpl.class, "port", int.class, INT_GETTER);
        static final MethodHandle SOCKET_IMPL_ADDRESS = getter(SocketImpl.class, "address", InetAddress.class,
                OBJECT_GETTER);

        private Fields() {
        }
    }

    private SocketFds() {
    }

    /** Opens java.io, java.net and sun.nio.ch to the agent's module and prepares the field accessors. */
    public static SocketFds open(Instrumentation instrumentation) {
        Module javaBase = Object.class.getModule();
        Set<Module> agent = Set.of(SocketFds.class.getModule());
        instrumentation.redefineModule(javaBase, Set.of(), Map.of(),
                Map.of("java.io", agent, "java.net", agent, "sun.nio.ch", agent), Set.of(), Map.of());
        try {
            MethodHandles.lookup().ensureInitialized(Fields.class);
        } catch (ExceptionInInitializerError e) {
            if (e.getCause() instanceof IllegalStateException cannotRead) {
                throw cannotRead;
            }
            throw e;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return new SocketFds();
    }

    /** The C library, for inodes and thread ids, once the agent has loaded it. */
    public void useNativeCalls(LibC loaded) {
        libc = loaded;
    }

    /** The descriptor of a FileDescriptor, a SocketImpl or a socket channel; -1 if it has none. */
    int fdOf(Object socket) {
        try {
            if (socket instanceof FileDescriptor) {
                return (int) Fields.DESCRIPTOR_FD.invokeExact(socket);
            }
            if (socket instanceof SocketImpl) {
                Object fd = Fields.SOCKET_IMPL_FD.invokeExact(socket);
                return fd == null ? -1 : (int) Fields.DESCRIPTOR_FD.invokeExact(fd);
            }
            MethodHandle fdVal = FD_VAL.get(socket.getClass());
            return fdVal == null ? -1 : (int) fdVal.invokeExact(socket);
        } catch (Throwable e) {
            return -1;
        }
    }

    /** False for a Unix domain channel: the kernel program sees TCP only, so noting it would only leak. */
    boolean isInet(Object socket) {
        if (socket instanceof SocketImpl) {
            return true; // java.net's sockets are TCP's only
        }
        MethodHandle family = socket == null ? null : FAMILY.get(socket.getClass());
        try {
            return family == null || (Object) family.invokeExact(socket) != StandardProtocolFamily.UNIX;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Names an accepted connection as the kernel's record does: local port, remote address, remote port. Null
     * when the object carries none, as a Unix domain connection (then the connection goes unnamed, never misnamed).
     */
    AcceptedSocket accepted(Object socket) {
        try {
            if (socket instanceof SocketImpl) {
                InetAddress remote = (InetAddress) (Object) Fields.SOCKET_IMPL_ADDRESS.invokeExact(socket);
                return remote == null ? null : AcceptedSocket.of((int) Fields.SOCKET_IMPL_LOCAL_PORT.invokeExact(socket),
                        remote.getAddress(), (int) Fields.SOCKET_IMPL_PORT.invokeExact(socket));
            }
            MethodHandle local = LOCAL_ADDRESS.get(socket.getClass());
            MethodHandle remote = REMOTE_ADDRESS.get(socket.getClass());
            if (local == null || remote == null
                    || !((Object) local.invokeExact(socket) instanceof InetSocketAddress localAddress)
                    || !((Object) remote.invokeExact(socket) instanceof InetSocketAddress remoteAddress)
                    || remoteAddress.getAddress() == null) {
                return null;
            }
            return AcceptedSocket.of(localAddress.getPort(), remoteAddress.getAddress().getAddress(),
                    remoteAddress.getPort());
        } catch (Throwable e) {
            return null;
        }
    }

    /** The inode of the socket open on {@code fd}, 0 if there is none: one system call. */
    long inode(int fd) {
        LibC c = libc;
        return fd < 0 || c == null ? 0 : c.inode(fd);
    }

    /** The inode of the TCP socket open on {@code fd}; 0 for any other descriptor: two system calls. */
    long tcpInode(int fd) {
        LibC c = libc;
        return c == null ? 0 : c.tcpSocketInode(fd);
    }

    /** The kernel id of the calling thread (a virtual thread's carrier), as the JVM's PID namespace numbers it. */
    long currentTid() {
        LibC c = libc;
        return c == null ? 0 : c.gettid();
    }

    private static ClassValue<MethodHandle> getters(String name, Class<?> fieldType, MethodType type) {
        return new ClassValue<>() {
            @Override
            protected MethodHandle computeValue(Class<?> owner) {
                return getter(owner, name, fieldType, type);
            }
        };
    }

    /**
     * A getter for a field declared by {@code type} or a superclass whose type is {@code fieldType} or a subtype
     * (channels declare their addresses as SocketAddress or InetSocketAddress), typed as {@code getterType}; null
     * if none.
     */
    private static MethodHandle getter(Class<?> type, String name, Class<?> fieldType, MethodType getterType) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(name);
                if (!fieldType.isAssignableFrom(field.getType())) {
                    return null;
                }
                return MethodHandles.privateLookupIn(c, MethodHandles.lookup()).unreflectGetter(field).asType(getterType);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read " + c.getName() + "." + name + ": " + e, e);
            }
        }
        return null;
    }
}
