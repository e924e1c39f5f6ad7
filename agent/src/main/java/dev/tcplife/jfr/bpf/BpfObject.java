package dev.tcplife.jfr.bpf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One BPF object file, opened, configured, loaded into the kernel and attached through libbpf.
 *
 * <p>Use it in the order libbpf requires: {@link #open}, then {@link #setMaxEntries} and {@link #setInitialValue}
 * while not yet loaded, then {@link #load}, then {@link #attach} and {@link #mapFd}. Closing detaches
 * every link and releases every kernel object the file created; nothing is pinned, so nothing outlives the JVM
 * either. Not thread-safe.
 */
public final class BpfObject implements AutoCloseable {
    private static final int EPERM = 1;
    private static final int EACCES = 13;
    /*
     * struct bpf_prog_info of the Linux 6.1 UAPI, and its member recursion_misses (Linux 5.12+): the kernel only
     * appends to it, fills what both it and the caller know, and reports how much that was.
     */
    private static final int PROG_INFO_SIZE = 232;
    private static final int PROG_INFO_RECURSION_MISSES = 208;

    private final LibBpf lib;
    private final Runtime runtime;
    private final Pointer object;
    /** libbpf reads the ELF image from this memory until the object is loaded. */
    private final Pointer image;
    private final Deque<Pointer> links = new ArrayDeque<>();
    private final Deque<Runnable> unmaps = new ArrayDeque<>();
    private boolean loaded;
    private boolean closed;

    private BpfObject(LibBpf lib, Pointer object, Pointer image) {
        this.lib = lib;
        this.runtime = Runtime.getRuntime(lib);
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
        Runtime runtime = Runtime.getRuntime(lib);
        Pointer image = Memory.allocateDirect(runtime, elf.length, true);
        image.put(0, elf, 0, elf.length);
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        Pointer objectName = Memory.allocateDirect(runtime, nameBytes.length, true);
        objectName.put(0, nameBytes, 0, nameBytes.length);
        // struct bpf_object_open_opts, as far as object_name: libbpf accepts a prefix of the struct.
        Pointer options = Memory.allocateDirect(runtime, 16, true);
        options.putLong(0, 16);
        options.putPointer(8, objectName);
        Pointer object = lib.bpf_object__open_mem(image, elf.length, options);
        if (object == null) {
            throw failure("open BPF object " + name, runtime.getLastError());
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
        int error = lib.bpf_map__set_initial_value(mapPointer(map), value, value.length);
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
        Pointer prog = lib.bpf_object__find_program_by_name(object, program);
        if (prog == null) {
            throw new BpfException("attach " + program + ": no such program in the object");
        }
        LibBpfLog.clear();
        Pointer link = lib.bpf_program__attach(prog);
        if (link == null) {
            throw failure("attach " + program, runtime.getLastError());
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
        Pointer prog = lib.bpf_object__find_program_by_name(object, program);
        if (prog == null) {
            throw new BpfException("no program named " + program + " in the BPF object");
        }
        Pointer info = Memory.allocateDirect(runtime, PROG_INFO_SIZE, true);
        int[] length = {PROG_INFO_SIZE};
        int error = lib.bpf_obj_get_info_by_fd(lib.bpf_program__fd(prog), info, length);
        if (error != 0) {
            throw failure("read the statistics of program " + program, runtime.getLastError());
        }
        return length[0] >= PROG_INFO_RECURSION_MISSES + Long.BYTES ? info.getLong(PROG_INFO_RECURSION_MISSES) : 0;
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
        Pointer map = mapPointer(name);
        if (lib.bpf_map__initial_value(map, size) == null) {
            throw new BpfException("global data " + name + " is not memory-mappable (requires Linux >= 5.5)");
        }
        long length = (size[0] + libc.getpagesize() - 1) / libc.getpagesize() * libc.getpagesize();
        Pointer memory = libc.mmap(null, length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, lib.bpf_map__fd(map), 0);
        if (memory == null || memory.address() == -1L) {
            throw failure("map global data " + name, jnr.ffi.Runtime.getRuntime(libc).getLastError());
        }
        unmaps.push(() -> libc.munmap(memory, length));
        return DirectBuffers.wrap(memory.address(), (int) size[0]);
    }

    public LibBpf lib() {
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
        // image is freed by the garbage collector once this object is gone
    }

    private Pointer mapPointer(String name) throws BpfException {
        Pointer map = lib.bpf_object__find_map_by_name(object, name);
        if (map == null) {
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
        if (errno == EPERM) {
            message.append(" (run the JVM as root, or grant it CAP_BPF and CAP_PERFMON)");
        } else if (errno == EACCES) {
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
