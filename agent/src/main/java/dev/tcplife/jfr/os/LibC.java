package dev.tcplife.jfr.os;

import static dev.tcplife.jfr.os.NativeLibrary.INT;
import static dev.tcplife.jfr.os.NativeLibrary.LONG;
import static dev.tcplife.jfr.os.NativeLibrary.POINTER;

import java.nio.ByteBuffer;

import dev.tcplife.jfr.os.NativeLibrary.Function;

/** The few C library calls the agent needs, by their C names. */
public final class LibC {
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    /** Address families of linux/socket.h. */
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    static final int SOL_SOCKET = 1;
    static final int SO_PROTOCOL = 38;
    static final int IPPROTO_TCP = 6;
    private static final int TCP_INFO = 11;
    /** struct tcp_info is 232 bytes on Linux 6.x and only grows; its first byte is tcpi_state. */
    private static final int TCP_INFO_SIZE = 256;
    /** struct sockaddr_in6, the larger of the two families. */
    private static final int SOCKADDR_SIZE = 28;
    /** mmap's MAP_FAILED, (void *) -1. */
    public static final long MAP_FAILED = -1L;
    /** {@code struct stat} is 144 bytes on x86_64 and 128 on aarch64; st_ino is at offset 8 on both. */
    private static final int STAT_SIZE = 256;
    private static final int STAT_INO_OFFSET = 8;

    private final Function mmap;
    private final Function munmap;
    private final Function getpagesize;
    private final Function fstat;
    private final Function gettid;
    private final Function vsnprintf;
    private final Function getsockopt;
    private final Function getsockname;
    private final Function getpeername;
    /** glibc's own; null elsewhere (musl). */
    private final Function glibcVersion;

    private LibC(NativeLibrary c) {
        mmap = c.function("mmap", POINTER, POINTER, LONG, INT, INT, INT, LONG);
        munmap = c.function("munmap", INT, POINTER, LONG);
        getpagesize = c.function("getpagesize", INT);
        fstat = c.function("fstat", INT, INT, POINTER);
        gettid = c.function("gettid", INT);
        vsnprintf = c.function("vsnprintf", INT, POINTER, LONG, POINTER, POINTER);
        getsockopt = c.function("getsockopt", INT, INT, INT, INT, POINTER, POINTER);
        getsockname = c.function("getsockname", INT, INT, POINTER, POINTER);
        getpeername = c.function("getpeername", INT, INT, POINTER, POINTER);
        glibcVersion = c.optionalFunction("gnu_get_libc_version", POINTER);
    }

    /** Loads the C library; being the agent's first native call, it also sets up jffi (see below). */
    public static LibC load() {
        initializeJffiWithoutUnsafe();
        return new LibC(NativeLibrary.open("libc.so.6", "libc.so"));
    }

    /** The address of the new mapping, or {@link #MAP_FAILED} with errno set. */
    public long mmap(long address, long length, int protection, int flags, int fd, long offset) {
        return mmap.call(address, length, protection, flags, fd, offset);
    }

    public int munmap(long address, long length) {
        return munmap.callInt(address, length);
    }

    public int getpagesize() {
        return getpagesize.callInt();
    }

    /** The inode of the file open on {@code fd}, 0 if fstat fails: one system call. */
    public long inode(int fd) {
        try (NativeMemory stat = NativeMemory.allocate(STAT_SIZE)) {
            return fstat.callInt(fd, stat.address()) == 0 ? stat.getLong(STAT_INO_OFFSET) : 0;
        }
    }

    /** The glibc version ("2.36"), or null on another C library. */
    public String glibcVersion() {
        return glibcVersion == null ? null : NativeMemory.string(glibcVersion.call());
    }

    /** The inode of the TCP socket on {@code fd}; 0 when it is something else (a Unix domain socket, say). */
    public long tcpSocketInode(int fd) {
        return socketOption(fd, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP ? inode(fd) : 0;
    }

    /** An int socket option of {@code fd}; -1 when getsockopt fails (no socket, closed). */
    int socketOption(int fd, int level, int option) {
        try (NativeMemory value = NativeMemory.allocate(Integer.BYTES); NativeMemory length = NativeMemory.allocate(Integer.BYTES)) {
            length.putInt(0, Integer.BYTES);
            return getsockopt.callInt(fd, level, option, value.address(), length.address()) == 0 ? value.getInt(0) : -1;
        }
    }

    /** The TCP state of the socket on {@code fd} (tcp_info's tcpi_state); -1 when it has none. */
    int tcpState(int fd) {
        try (NativeMemory info = NativeMemory.allocate(TCP_INFO_SIZE); NativeMemory length = NativeMemory.allocate(Integer.BYTES)) {
            length.putInt(0, TCP_INFO_SIZE);
            return getsockopt.callInt(fd, IPPROTO_TCP, TCP_INFO, info.address(), length.address()) == 0
                    ? info.getInt(0) & 0xff : -1;
        }
    }

    /** The local ({@code peer} false) or remote address of the socket on {@code fd}, as a sockaddr; null if none. */
    ByteBuffer socketAddress(int fd, boolean peer) {
        try (NativeMemory address = NativeMemory.allocate(SOCKADDR_SIZE); NativeMemory length = NativeMemory.allocate(Integer.BYTES)) {
            length.putInt(0, SOCKADDR_SIZE);
            if ((peer ? getpeername : getsockname).callInt(fd, address.address(), length.address()) != 0) {
                return null;
            }
            byte[] bytes = new byte[SOCKADDR_SIZE];
            address.get(0, bytes, bytes.length);
            return ByteBuffer.wrap(bytes);
        }
    }

    /** The calling thread's kernel id, as the JVM's PID namespace numbers it. */
    public int gettid() {
        return gettid.callInt();
    }

    /** Formats a C format string and its va_list into {@code buffer}; the length the whole text needs. */
    public int vsnprintf(byte[] buffer, long format, long arguments) {
        try (NativeMemory text = NativeMemory.allocate(buffer.length)) {
            int length = vsnprintf.callInt(text.address(), buffer.length, format, arguments);
            text.get(0, buffer, Math.max(0, Math.min(length, buffer.length)));
            return length;
        }
    }

    /**
     * JDK 24 and later warn on the application's stderr when sun.misc.Unsafe's memory methods are used, and will
     * refuse them later. jffi can do without them (its "jffi.unsafe.disabled" mode, a JNI call per native memory
     * access, which the agent makes only off its hot path). The property is set only while the agent's own
     * copy of jffi initializes, so an application's jffi keeps its choice.
     */
    private static void initializeJffiWithoutUnsafe() {
        if (Runtime.version().feature() < 24) {
            return;
        }
        String property = "jffi.unsafe.disabled";
        String previous = System.getProperty(property);
        System.setProperty(property, "true");
        try {
            com.kenai.jffi.MemoryIO.getInstance();
        } finally {
            if (previous == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, previous);
            }
        }
    }
}
