package dev.tcplife.jfr.bpf;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/** The few C library calls the agent needs, by their C names. */
public interface LibC {
    int PROT_READ = 0x1;
    int PROT_WRITE = 0x2;
    int MAP_SHARED = 0x01;
    /** {@code struct stat} is 144 bytes on x86_64 and 128 on aarch64; st_ino is at offset 8 on both. */
    int STAT_SIZE = 256;
    int STAT_INO_OFFSET = 8;

    @SaveError
    Pointer mmap(Pointer address, long length, int protection, int flags, int fd, long offset);

    int munmap(Pointer address, long length);

    int getpagesize();

    @SaveError
    int fstat(int fd, @Out byte[] stat);

    int gettid();

    int vsnprintf(@Out byte[] buffer, long size, Pointer format, Pointer args);

    /** Loads the C library; being the agent's first native call, it also sets up jffi (see below). */
    static LibC load() {
        initializeJffiWithoutUnsafe();
        return LibraryLoader.create(LibC.class).failImmediately().load("c");
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
