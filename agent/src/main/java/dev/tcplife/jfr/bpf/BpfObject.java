package dev.tcplife.jfr.bpf;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

import dev.tcplife.jfr.os.Errno;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.NativeLibrary;
import dev.tcplife.jfr.os.NativeMemory;

/**
 * One BPF object file, opened, configured, loaded into the kernel and attached through libbpf.
 *
 * <p>Use it in the order libbpf requires: {@link #open}, then {@link #setMaxEntries} and {@link #setInitialValue}
 * while not yet loaded, then {@link #load}, then {@link #map}, {@link #globals} and {@link #attach}. Closing detaches
 * every link and releases every kernel object the file created; nothing is pinned, so nothing outlives the JVM
 * either. Not thread-safe.
 */
public final class BpfObject implements AutoCloseable {
    /*
     * struct bpf_prog_info of the Linux 6.1 UAPI, and its member recursion_misses (Linux 5.12+): the kernel only
     * appends to it, fills what both it and the caller know, and reports how much that was.
     */
    private static final int PROG_INFO_SIZE = 232;
    private static final int PROG_INFO_RECURSION_MISSES = 208;

    private final LibBpf lib;
    private final long object;
    /** libbpf reads the ELF image from this memory until the object is loaded. */
    private final NativeMemory image;
    private final Deque<Long> links = new ArrayDeque<>();
    private final Deque<Runnable> unmaps = new ArrayDeque<>();
    private boolean loaded;
    private boolean closed;

    private BpfObject(LibBpf lib, long object, NativeMemory image) {
        this.lib = lib;
        this.object = object;
        this.image = image;
    }

    /**
     * Opens an object file held in memory; {@code name} prefixes its internal maps (as bpftool shows them).
     *
     * @throws BpfException when libbpf cannot parse the file
     */
    public static BpfObject open(LibBpf lib, byte[] elf, String name) throws BpfException {
        LibBpfLog.install(lib);
        NativeMemory image = NativeMemory.of(elf);
        long object;
        try (NativeMemory objectName = NativeMemory.cString(name); NativeMemory options = NativeMemory.allocate(16)) {
            // struct bpf_object_open_opts, as far as object_name: libbpf accepts a prefix of the struct.
            options.putLong(0, 16);
            options.putLong(8, objectName.address());
            object = lib.bpf_object__open_mem(image.address(), elf.length, options.address());
        }
        if (object == 0) {
            int errno = NativeLibrary.errno();
            image.close();
            throw failure("open BPF object " + name, errno);
        }
        return new BpfObject(lib, object, image);
    }

    /** Sizes a map before loading; a map's capacity is fixed once loaded. */
    public void setMaxEntries(String map, int maxEntries) throws BpfException {
        requireLoaded(false);
        int error = lib.bpf_map__set_max_entries(mapPointer(map), maxEntries);
        if (error < 0) {
            throw failure("size map " + map + " to " + maxEntries + " entries", -error);
        }
    }

    /** Sets the initial contents of a map before loading: for {@code .rodata}, the program's constants. */
    public void setInitialValue(String map, byte[] value) throws BpfException {
        requireLoaded(false);
        int error = lib.bpf_map__set_initial_value(mapPointer(map), value);
        if (error < 0) {
            throw failure("set the initial value of map " + map, -error);
        }
    }

    /** Creates the maps and loads the programs into the kernel, where the verifier checks them. */
    public void load() throws BpfException {
        requireLoaded(false);
        LibBpfLog.clear();
        int error = lib.bpf_object__load(object);
        if (error < 0) {
            throw failure("load and verify BPF object", -error);
        }
        loaded = true;
    }

    /**
     * Attaches a program where its ELF section says: for {@code tp_btf/<tracepoint>}, a BTF-typed raw tracepoint
     * (BPF_RAW_TRACEPOINT_OPEN, no tracefs needed). The link lives until {@link #close}.
     */
    public void attach(String program) throws BpfException {
        requireLoaded(true);
        long prog = lib.bpf_object__find_program_by_name(object, program);
        if (prog == 0) {
            throw new BpfException("attach " + program + ": no such program in the object");
        }
        LibBpfLog.clear();
        long link = lib.bpf_program__attach(prog);
        if (link == 0) {
            throw failure("attach " + program, NativeLibrary.errno());
        }
        links.push(link);
    }

    /**
     * How many times the kernel skipped the program because it was already running on the same CPU (a softirq
     * interrupting it): struct bpf_prog_info.recursion_misses, Linux 5.12 and later; 0 where the kernel does not
     * count them.
     */
    public long skippedRuns(String program) throws BpfException {
        requireLoaded(true);
        long prog = lib.bpf_object__find_program_by_name(object, program);
        if (prog == 0) {
            throw new BpfException("no program named " + program + " in the BPF object");
        }
        try (NativeMemory info = NativeMemory.allocate(PROG_INFO_SIZE)) {
            int length = lib.bpf_obj_get_info_by_fd(lib.bpf_program__fd(prog), info);
            if (length < 0) {
                throw failure("read the statistics of program " + program, -length);
            }
            return length >= PROG_INFO_RECURSION_MISSES + Long.BYTES ? info.getLong(PROG_INFO_RECURSION_MISSES) : 0;
        }
    }

    /** A loaded map, owned by this object. */
    public BpfMap map(String name) throws BpfException {
        requireLoaded(true);
        int fd = lib.bpf_map__fd(mapPointer(name));
        if (fd < 0) {
            throw failure("find the file descriptor of map " + name, -fd);
        }
        return new BpfMap(lib, name, fd);
    }

    /**
     * The memory of a loaded global-data map ({@code .bss}, {@code .data}), mapped from the kernel: writes are
     * seen by the program at once. (libbpf remaps it itself only for skeletons.) Valid until {@link #close}.
     */
    public ByteBuffer globals(String name, LibC libc) throws BpfException {
        requireLoaded(true);
        long[] size = new long[1];
        long map = mapPointer(name);
        if (lib.bpf_map__initial_value(map, size) == 0) {
            throw new BpfException("global data " + name + " is not memory-mappable (requires Linux >= 5.5)");
        }
        long length = (size[0] + libc.getpagesize() - 1) / libc.getpagesize() * libc.getpagesize();
        long memory = libc.mmap(0, length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, lib.bpf_map__fd(map), 0);
        if (memory == LibC.MAP_FAILED) {
            throw failure("map global data " + name, NativeLibrary.errno());
        }
        unmaps.push(() -> libc.munmap(memory, length));
        return DirectBuffers.wrap(memory, (int) size[0]);
    }

    LibBpf lib() {
        return lib;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!links.isEmpty()) {
            lib.bpf_link__destroy(links.pop());
        }
        while (!unmaps.isEmpty()) {
            unmaps.pop().run();
        }
        lib.bpf_object__close(object);
        image.close();
    }

    private long mapPointer(String name) throws BpfException {
        long map = lib.bpf_object__find_map_by_name(object, name);
        if (map == 0) {
            throw new BpfException("no map named " + name + " in the BPF object");
        }
        return map;
    }

    private void requireLoaded(boolean expected) {
        if (closed) {
            throw new IllegalStateException("BPF object is closed");
        }
        if (loaded != expected) {
            throw new IllegalStateException(expected ? "BPF object is not loaded yet" : "BPF object is already loaded");
        }
    }

    /** A failed step: its name, errno, a remedy where one is known, and libbpf's own last words. */
    static BpfException failure(String step, int errno) {
        StringBuilder message = new StringBuilder(step).append(" failed: ").append(Errno.name(errno));
        if (errno == Errno.EPERM) {
            message.append(" (run the JVM as root, or grant it CAP_BPF and CAP_PERFMON)");
        } else if (errno == Errno.EACCES) {
            message.append(" (the kernel refused the program: its verifier, or a security module; log=debug shows why)");
        }
        String detail = LibBpfLog.firstWarning();
        if (detail != null) {
            message.append("; libbpf: ").append(detail);
        }
        return new BpfException(message.toString());
    }

    /** Routes libbpf's messages to {@code sink}; warnings are kept for error messages either way. */
    public static void setVerboseLog(Consumer<String> sink) {
        LibBpfLog.verbose(sink);
    }
}
