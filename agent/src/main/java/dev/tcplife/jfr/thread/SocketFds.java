package dev.tcplife.jfr.thread;

import java.io.FileDescriptor;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.net.SocketImpl;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Set;

import dev.tcplife.jfr.bpf.LibC;

/**
 * Reads the file descriptor out of the JDK's socket objects (SocketImpl, socket channels, FileDescriptor) and
 * names its socket by inode. The JDK keeps these fields private, so java.base's packages are opened to the agent
 * alone, through {@link Instrumentation#redefineModule}: the application's own access does not change.
 */
public final class SocketFds {
    private static final ClassValue<VarHandle> FD_VAL = new ClassValue<>() {
        @Override
        protected VarHandle computeValue(Class<?> type) {
            return field(type, "fdVal", int.class);
        }
    };
    private static final ClassValue<VarHandle> FAMILY = new ClassValue<>() {
        @Override
        protected VarHandle computeValue(Class<?> type) {
            return field(type, "family", java.net.ProtocolFamily.class);
        }
    };

    private final LibC libc;
    private final VarHandle descriptorFd;
    private final VarHandle socketImplFd;

    private SocketFds(LibC libc) {
        this.libc = libc;
        this.descriptorFd = field(FileDescriptor.class, "fd", int.class);
        this.socketImplFd = field(SocketImpl.class, "fd", FileDescriptor.class);
    }

    /** Opens java.io, java.net and sun.nio.ch to the agent's module and prepares the field accessors. */
    public static SocketFds open(Instrumentation instrumentation, LibC libc) {
        Module javaBase = Object.class.getModule();
        Set<Module> agent = Set.of(SocketFds.class.getModule());
        instrumentation.redefineModule(javaBase, Set.of(), Map.of(),
                Map.of("java.io", agent, "java.net", agent, "sun.nio.ch", agent), Set.of(), Map.of());
        return new SocketFds(libc);
    }

    /** The descriptor of a FileDescriptor, a SocketImpl or a socket channel; -1 if it has none. */
    int fdOf(Object socket) {
        if (socket instanceof FileDescriptor) {
            return (int) descriptorFd.get(socket);
        }
        if (socket instanceof SocketImpl) {
            FileDescriptor fd = (FileDescriptor) socketImplFd.get(socket);
            return fd == null ? -1 : (int) descriptorFd.get(fd);
        }
        VarHandle fdVal = FD_VAL.get(socket.getClass());
        return fdVal == null ? -1 : (int) fdVal.get(socket);
    }

    /** False for a Unix domain channel: the kernel program sees TCP only, so noting it would only leak. */
    boolean isInet(Object socket) {
        VarHandle family = socket == null ? null : FAMILY.get(socket.getClass());
        return family == null || family.get(socket) != StandardProtocolFamily.UNIX;
    }

    /** The inode of the socket open on {@code fd}, 0 if fstat fails. */
    long inode(int fd) {
        if (fd < 0) {
            return 0;
        }
        byte[] stat = new byte[LibC.STAT_SIZE];
        if (libc.fstat(fd, stat) != 0) {
            return 0;
        }
        return ByteBuffer.wrap(stat).order(ByteOrder.nativeOrder()).getLong(LibC.STAT_INO_OFFSET);
    }

    /** The kernel id of the calling thread (a virtual thread's carrier), as the JVM's PID namespace numbers it. */
    long currentTid() {
        return libc.gettid();
    }

    /** An accessor for a field declared by {@code type} or a superclass, or null if there is none. */
    private static VarHandle field(Class<?> type, String name, Class<?> fieldType) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(name);
                if (field.getType() != fieldType) {
                    return null;
                }
                return MethodHandles.privateLookupIn(c, MethodHandles.lookup()).unreflectVarHandle(field);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read " + c.getName() + "." + name + ": " + e, e);
            }
        }
        return null;
    }
}
