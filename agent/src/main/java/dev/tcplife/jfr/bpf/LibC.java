package dev.tcplife.jfr.bpf;

import static dev.tcplife.jfr.bpf.NativeLibrary.INT;
import static dev.tcplife.jfr.bpf.NativeLibrary.LONG;
import static dev.tcplife.jfr.bpf.NativeLibrary.POINTER;

import dev.tcplife.jfr.bpf.NativeLibrary.Function;

/** The few C library calls the agent needs, by their C names. */
public final class LibC {
    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_SHARED = 0x01;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PROTOCOL = 38;
    private static final int IPPROTO_TCP = 6;
    /** mmap's MAP_FAILED, (void *) -1. */
    static final long MAP_FAILED = -1L;
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

    private LibC(NativeLibrary c) {
        mmap = c.function("mmap", POINTER, POINTER, LONG, INT, INT, INT, LONG);
        munmap = c.function("munmap", INT, POINTER, LONG);
        getpagesize = c.function("getpagesize", INT);
        fstat = c.function("fstat", INT, INT, POINTER);
        gettid = c.function("gettid", INT);
        vsnprintf = c.function("vsnprintf", INT, POINTER, LONG, POINTER, POINTER);
        getsockopt = c.function("getsockopt", INT, INT, INT, INT, POINTER, POINTER);
    }

    /** Loads the C library; being the agent's first native call, it also sets up jffi (see below). */
    public static LibC load() {
        initializeJffiWithoutUnsafe();
        return new LibC(NativeLibrary.open("libc.so.6", "libc.so"));
    }

    /** The address of the new mapping, or {@link #MAP_FAILED} with errno set. */
    long mmap(long address, long length, int protection, int flags, int fd, long offset) {
        return mmap.call(address, length, protection, flags, fd, offset);
    }

    int munmap(long address, long length) {
        return munmap.callInt(address, length);
    }

    int getpagesize() {
        return getpagesize.callInt();
    }

    /** The inode of the file open on {@code fd}, 0 if fstat fails: one system call. */
    public long inode(int fd) {
        try (NativeMemory stat = NativeMemory.allocate(STAT_SIZE)) {
            return fstat.callInt(fd, stat.address()) == 0 ? stat.getLong(STAT_INO_OFFSET) : 0;
        }
    }

    /** Whether {@code fd} is a TCP socket (SO_PROTOCOL is IPPROTO_TCP): one system call. */
    boolean isTcpSocket(int fd) {
        try (NativeMemory value = NativeMemory.allocate(Integer.BYTES); NativeMemory length = NativeMemory.allocate(Integer.BYTES)) {
            length.putInt(0, Integer.BYTES);
            return getsockopt.callInt(fd, SOL_SOCKET, SO_PROTOCOL, value.address(), length.address()) == 0
                    && value.getInt(0) == IPPROTO_TCP;
        }
    }

    /** The calling thread's kernel id, as the JVM's PID namespace numbers it. */
    public int gettid() {
        return gettid.callInt();
    }

    /** Formats a C format string and its va_list into {@code buffer}; the length the whole text needs. */
    int vsnprintf(byte[] buffer, long format, long arguments) {
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
