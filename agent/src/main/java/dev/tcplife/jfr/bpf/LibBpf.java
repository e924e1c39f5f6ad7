package dev.tcplife.jfr.bpf;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The part of libbpf (1.x) the agent calls, through jnr-ffi. Method names are libbpf's own, so that its
 * documentation applies as it is. Functions returning a pointer return NULL and set errno on failure; those
 * returning an int return a negative errno.
 *
 * <p>Only {@link BpfObject} calls this interface: swapping the loader means replacing these two types.
 */
public interface LibBpf {

    /** libbpf's print callback; {@code args} is the C {@code va_list}, formatted with {@link LibC#vsnprintf}. */
    interface PrintFunction {
        @Delegate
        int print(int level, Pointer format, Pointer args);
    }

    int LIBBPF_WARN = 0;
    int LIBBPF_INFO = 1;
    int LIBBPF_DEBUG = 2;

    @SaveError
    Pointer bpf_object__open_mem(Pointer objectBuffer, long size, Pointer openOptions);

    @SaveError
    int bpf_object__load(Pointer object);

    void bpf_object__close(Pointer object);

    Pointer bpf_object__find_map_by_name(Pointer object, String name);

    Pointer bpf_object__find_program_by_name(Pointer object, String name);

    int bpf_map__set_max_entries(Pointer map, int maxEntries);

    int bpf_map__set_initial_value(Pointer map, @In byte[] data, long size);

    int bpf_map__fd(Pointer map);

    /** After loading: the memory-mapped contents of a global-data map (.bss, .data), shared with the kernel. */
    Pointer bpf_map__initial_value(Pointer map, @Out long[] size);

    /** Attaches as the program's section says; for tp_btf, through BPF_RAW_TRACEPOINT_OPEN. */
    @SaveError
    Pointer bpf_program__attach(Pointer program);

    int bpf_link__destroy(Pointer link);

    int bpf_program__fd(Pointer program);

    /** Fills {@code info} (struct bpf_prog_info for a program) up to {@code infoLength}, which it sets to what it wrote. */
    @SaveError
    int bpf_obj_get_info_by_fd(int fd, Pointer info, @In @Out int[] infoLength);

    @SaveError
    int bpf_map_lookup_elem(int mapFd, @In byte[] key, Pointer value);

    @SaveError
    int bpf_map_update_elem(int mapFd, @In byte[] key, @In byte[] value, long flags);

    @SaveError
    int bpf_map_delete_elem(int mapFd, @In byte[] key);

    long BPF_ANY = 0;
    long BPF_NOEXIST = 1;

    int libbpf_num_possible_cpus();

    Pointer libbpf_set_print(PrintFunction function);

    /** libbpf 0.x only: makes its APIs behave as 1.x does (NULL and errno instead of error pointers). */
    int libbpf_set_strict_mode(int mode);

    int LIBBPF_STRICT_ALL = 0xffffffff;

    /**
     * Loads {@code path} when given, else the system's {@code libbpf.so.1}, else its {@code libbpf.so.0}.
     *
     * @throws UnsatisfiedLinkError when none can be loaded
     */
    static LibBpf load(String path) {
        UnsatisfiedLinkError failure = null;
        for (String name : path != null ? new String[] {path} : new String[] {"libbpf.so.1", "libbpf.so.0"}) {
            try {
                LibBpf lib = LibraryLoader.create(LibBpf.class).failImmediately().load(name);
                if (name.endsWith(".so.0")) {
                    lib.libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
                }
                return lib;
            } catch (UnsatisfiedLinkError e) {
                failure = e;
            }
        }
        throw failure;
    }
}
