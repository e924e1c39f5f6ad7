package dev.tcplife.jfr.bpf;

import static dev.tcplife.jfr.os.NativeLibrary.INT;
import static dev.tcplife.jfr.os.NativeLibrary.LONG;
import static dev.tcplife.jfr.os.NativeLibrary.POINTER;

import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.NativeLibrary;
import dev.tcplife.jfr.os.NativeLibrary.Function;
import dev.tcplife.jfr.os.NativeMemory;

/**
 * The part of libbpf (1.x) the agent calls. Method names are libbpf's own, so that its documentation applies as it
 * is; pointers are addresses (0 for NULL). Functions returning a pointer return NULL and set errno on failure
 * ({@link NativeLibrary#errno()}); those returning an int return a negative errno.
 *
 * <p>Its functions are package-private: other packages only load it and hand it to {@link TcpSessionProgram}, which
 * works through {@link BpfObject} and {@link BpfMap} and asks libbpf itself for the number of possible CPUs alone;
 * {@link LibBpfLog} installs libbpf's print callback.
 */
public final class LibBpf {
    static final int LIBBPF_WARN = 0;
    static final int LIBBPF_INFO = 1;
    static final int LIBBPF_DEBUG = 2;
    static final long BPF_ANY = 0;
    static final long BPF_NOEXIST = 1;
    private static final long LIBBPF_STRICT_ALL = 0xffffffffL;

    private final Function objectOpenMem;
    private final Function objectLoad;
    private final Function objectClose;
    private final Function findMapByName;
    private final Function findProgramByName;
    private final Function mapSetMaxEntries;
    private final Function mapSetInitialValue;
    private final Function mapFd;
    private final Function mapInitialValue;
    private final Function programAttach;
    private final Function linkDestroy;
    private final Function programFd;
    private final Function objGetInfoByFd;
    private final Function mapLookupElem;
    private final Function mapUpdateElem;
    private final Function mapDeleteElem;
    private final Function numPossibleCpus;
    private final Function setPrint;
    /** Where it came from, for the log: the bundled one, the system's, or a path. */
    private final String origin;

    /** The {@code libbpf} option's words for the bundled library and the system's. */
    public static final String BUNDLED = "bundled";
    public static final String SYSTEM = "system";

    private LibBpf(NativeLibrary lib, String origin) {
        this.origin = origin;
        objectOpenMem = lib.function("bpf_object__open_mem", POINTER, POINTER, LONG, POINTER);
        objectLoad = lib.function("bpf_object__load", INT, POINTER);
        objectClose = lib.function("bpf_object__close", NativeLibrary.VOID, POINTER);
        findMapByName = lib.function("bpf_object__find_map_by_name", POINTER, POINTER, POINTER);
        findProgramByName = lib.function("bpf_object__find_program_by_name", POINTER, POINTER, POINTER);
        mapSetMaxEntries = lib.function("bpf_map__set_max_entries", INT, POINTER, INT);
        mapSetInitialValue = lib.function("bpf_map__set_initial_value", INT, POINTER, POINTER, LONG);
        mapFd = lib.function("bpf_map__fd", INT, POINTER);
        mapInitialValue = lib.function("bpf_map__initial_value", POINTER, POINTER, POINTER);
        programAttach = lib.function("bpf_program__attach", POINTER, POINTER);
        linkDestroy = lib.function("bpf_link__destroy", INT, POINTER);
        programFd = lib.function("bpf_program__fd", INT, POINTER);
        objGetInfoByFd = lib.function("bpf_obj_get_info_by_fd", INT, INT, POINTER, POINTER);
        mapLookupElem = lib.function("bpf_map_lookup_elem", INT, INT, POINTER, POINTER);
        mapUpdateElem = lib.function("bpf_map_update_elem", INT, INT, POINTER, POINTER, LONG);
        mapDeleteElem = lib.function("bpf_map_delete_elem", INT, INT, POINTER);
        numPossibleCpus = lib.function("libbpf_num_possible_cpus", INT);
        setPrint = lib.function("libbpf_set_print", POINTER, POINTER);
    }

    /**
     * Loads libbpf as the {@code libbpf} option says: {@value #BUNDLED} (also for null), the agent jar's own, or
     * where it cannot serve this host the system's; {@value #SYSTEM}, the system's {@code libbpf.so.1}, else its
     * {@code libbpf.so.0}; anything else, the path of one.
     *
     * @throws UnsatisfiedLinkError when none can be loaded, or it lacks a function the agent calls; its message
     *     says why, and what to install
     */
    public static LibBpf load(String choice, LibC libc) {
        if (choice == null || choice.equals(BUNDLED)) {
            try {
                return of(BundledLibbpf.open(libc), "bundled " + BundledLibbpf.VERSION);
            } catch (UnsatisfiedLinkError bundled) {
                try {
                    return system("the bundled one cannot serve this host (" + bundled.getMessage() + "): ");
                } catch (UnsatisfiedLinkError none) {
                    throw new UnsatisfiedLinkError("the libbpf the agent carries cannot serve this host ("
                            + bundled.getMessage() + ") and the host has none: " + none.getMessage());
                }
            }
        }
        return choice.equals(SYSTEM) ? system("") : of(NativeLibrary.open(choice), choice);
    }

    private static LibBpf system(String why) {
        return of(NativeLibrary.open("libbpf.so.1", "libbpf.so.0"), why + "the system's");
    }

    private static LibBpf of(NativeLibrary library, String origin) {
        // libbpf 0.x only: makes its APIs behave as 1.x does (NULL and errno instead of error pointers).
        NativeLibrary.Function strictMode = library.optionalFunction("libbpf_set_strict_mode", INT, LONG);
        if (strictMode != null) {
            strictMode.call(LIBBPF_STRICT_ALL);
        }
        return new LibBpf(library, origin);
    }

    /** Which libbpf this is: "bundled 1.1.2", "the system's", or the path given. */
    public String origin() {
        return origin;
    }

    long bpf_object__open_mem(long objectBuffer, long size, long openOptions) {
        return objectOpenMem.call(objectBuffer, size, openOptions);
    }

    int bpf_object__load(long object) {
        return objectLoad.callInt(object);
    }

    void bpf_object__close(long object) {
        objectClose.call(object);
    }

    long bpf_object__find_map_by_name(long object, String name) {
        try (NativeMemory text = NativeMemory.cString(name)) {
            return findMapByName.call(object, text.address());
        }
    }

    long bpf_object__find_program_by_name(long object, String name) {
        try (NativeMemory text = NativeMemory.cString(name)) {
            return findProgramByName.call(object, text.address());
        }
    }

    int bpf_map__set_max_entries(long map, int maxEntries) {
        return mapSetMaxEntries.callInt(map, maxEntries);
    }

    int bpf_map__set_initial_value(long map, byte[] data) {
        try (NativeMemory value = NativeMemory.of(data)) {
            return mapSetInitialValue.callInt(map, value.address(), data.length);
        }
    }

    int bpf_map__fd(long map) {
        return mapFd.callInt(map);
    }

    /** After loading: the memory-mapped contents of a global-data map (.bss, .data) and, in {@code size}, its size. */
    long bpf_map__initial_value(long map, long[] size) {
        try (NativeMemory length = NativeMemory.allocate(Long.BYTES)) {
            long address = mapInitialValue.call(map, length.address());
            size[0] = length.getLong(0);
            return address;
        }
    }

    /** Attaches as the program's section says; for tp_btf, through BPF_RAW_TRACEPOINT_OPEN. */
    long bpf_program__attach(long program) {
        return programAttach.call(program);
    }

    int bpf_link__destroy(long link) {
        return linkDestroy.callInt(link);
    }

    int bpf_program__fd(long program) {
        return programFd.callInt(program);
    }

    /** Fills {@code info} (struct bpf_prog_info for a program) up to its size; returns the length written, or -errno. */
    int bpf_obj_get_info_by_fd(int fd, NativeMemory info) {
        try (NativeMemory length = NativeMemory.allocate(Integer.BYTES)) {
            length.putInt(0, (int) info.size());
            int error = objGetInfoByFd.callInt(fd, info.address(), length.address());
            return error != 0 ? error : length.getInt(0);
        }
    }

    int bpf_map_lookup_elem(int mapFd, byte[] key, NativeMemory value) {
        try (NativeMemory k = NativeMemory.of(key)) {
            return mapLookupElem.callInt(mapFd, k.address(), value.address());
        }
    }

    int bpf_map_update_elem(int mapFd, byte[] key, byte[] value, long flags) {
        try (NativeMemory k = NativeMemory.of(key); NativeMemory v = NativeMemory.of(value)) {
            return mapUpdateElem.callInt(mapFd, k.address(), v.address(), flags);
        }
    }

    int bpf_map_delete_elem(int mapFd, byte[] key) {
        try (NativeMemory k = NativeMemory.of(key)) {
            return mapDeleteElem.callInt(mapFd, k.address());
        }
    }

    int libbpf_num_possible_cpus() {
        return numPossibleCpus.callInt();
    }

    /** Installs libbpf's print callback, the address of a C function {@code int (int, const char *, va_list)}. */
    void libbpf_set_print(long function) {
        setPrint.call(function);
    }
}
