package dev.tcplife.jfr.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The kernel half of tcplife-jfr, {@code bpf/src/main/c/tcp_session.bpf.c}: loaded, configured for one JVM and
 * attached to the raw tracepoint {@code inet_sock_set_state}. Its records arrive through {@link #events()}.
 *
 * <p>Needs Linux 5.12+ with BTF ({@code CONFIG_DEBUG_INFO_BTF=y}), libbpf 0.7+ and CAP_BPF with CAP_PERFMON
 * (or root). Closing it detaches the program and frees every map.
 */
public final class TcpSessionProgram implements AutoCloseable {
    static final String OBJECT_RESOURCE = "/dev/tcplife/jfr/bpf/tcp_session.bpf.o";
    static final String PROGRAM = "tcp_session_set_state";
    static final String TRACEPOINT = "inet_sock_set_state";
    static final String SESSIONS_MAP = "sessions";
    static final String EVENTS_MAP = "events";
    static final String COUNTERS_MAP = "counters";
    static final String CONFIG_MAP = ".rodata";
    static final Path KERNEL_BTF = Path.of("/sys/kernel/btf/vmlinux");

    /** Mirrors struct tcp_session_config in tcp_session.h (offsets pinned there). */
    static final int CONFIG_SIZE = 56;
    static final int CONFIG_PIDNS_DEV = 0;
    static final int CONFIG_PIDNS_INO = 8;
    static final int CONFIG_TGID = 16;
    static final int CONFIG_FAMILY_MASK = 20;
    static final int CONFIG_LOCAL_PORTS = 24;
    static final int CONFIG_REMOTE_PORTS = 40;
    static final int CONFIG_MAX_PORTS = 8;

    /** Slots of the counters map, as enum tcp_session_counter in tcp_session.h. */
    public enum Counter {
        SESSIONS_FULL, LISTENERS_FULL, RINGBUF_FULL, FILTERED
    }

    private final BpfObject object;
    private final RingBufferReader events;
    private final int countersFd;
    private final int possibleCpus;
    private final Pointer counterValues;

    private TcpSessionProgram(BpfObject object, RingBufferReader events, int countersFd) {
        this.object = object;
        this.events = events;
        this.countersFd = countersFd;
        this.possibleCpus = object.lib().libbpf_num_possible_cpus();
        this.counterValues = Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(object.lib()), 8L * possibleCpus);
    }

    /**
     * Opens, configures, loads and attaches the program, and maps its ring buffer.
     *
     * @throws BpfException naming the step that failed, and what to do about it where known
     */
    public static TcpSessionProgram load(LibBpf lib, LibC libc, ProgramConfig config) throws BpfException {
        checkKernel();
        /* Open the object */
        BpfObject object = BpfObject.open(lib, objectFile(), "tcp_session");
        try {
            /* Parameterize it for this JVM */
            object.setInitialValue(CONFIG_MAP, encode(config));
            object.setMaxEntries(SESSIONS_MAP, config.maxSessions());
            object.setMaxEntries(EVENTS_MAP, config.ringBufferBytes());
            /* Load and verify */
            object.load();
            /* Attach to the tracepoint */
            object.attachRawTracepoint(PROGRAM, TRACEPOINT);
            /* Map the ring buffer */
            RingBufferReader events = RingBufferReader.map(libc, object.mapFd(EVENTS_MAP), config.ringBufferBytes());
            return new TcpSessionProgram(object, events, object.mapFd(COUNTERS_MAP));
        } catch (BpfException | RuntimeException | Error e) {
            object.close();
            throw e;
        }
    }

    public RingBufferReader events() {
        return events;
    }

    /** The kernel's count for {@code counter}, summed over CPUs. */
    public long counter(Counter counter) {
        byte[] key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(counter.ordinal()).array();
        if (object.lib().bpf_map_lookup_elem(countersFd, key, counterValues) != 0) {
            return 0;
        }
        long sum = 0;
        for (int cpu = 0; cpu < possibleCpus; cpu++) {
            sum += counterValues.getLong(8L * cpu);
        }
        return sum;
    }

    @Override
    public void close() {
        events.close();
        object.close();
    }

    static byte[] encode(ProgramConfig config) {
        ByteBuffer buffer = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.nativeOrder());
        buffer.putLong(CONFIG_PIDNS_DEV, config.pidNamespace().kernelDevice());
        buffer.putLong(CONFIG_PIDNS_INO, config.pidNamespace().inode());
        buffer.putInt(CONFIG_TGID, (int) config.pid());
        buffer.putInt(CONFIG_FAMILY_MASK, config.familyMask());
        putPorts(buffer, CONFIG_LOCAL_PORTS, config.localPorts());
        putPorts(buffer, CONFIG_REMOTE_PORTS, config.remotePorts());
        return buffer.array();
    }

    private static void putPorts(ByteBuffer buffer, int offset, int[] ports) {
        if (ports.length > CONFIG_MAX_PORTS) {
            throw new IllegalArgumentException("at most " + CONFIG_MAX_PORTS + " ports per filter");
        }
        for (int i = 0; i < ports.length; i++) {
            buffer.putShort(offset + 2 * i, (short) ports[i]);
        }
    }

    private static void checkKernel() throws BpfException {
        String release = System.getProperty("os.version", "");
        if (KernelVersion.parse(release).compareTo(KernelVersion.parse("5.12")) < 0) {
            throw new UnsupportedKernelException("BPF ring buffer with atomic operations on kernel " + release, "5.12");
        }
        if (!Files.isReadable(KERNEL_BTF)) {
            throw new BpfException("kernel BTF " + KERNEL_BTF + " not found: the kernel needs CONFIG_DEBUG_INFO_BTF=y");
        }
    }

    private static byte[] objectFile() throws BpfException {
        try (InputStream in = TcpSessionProgram.class.getResourceAsStream(OBJECT_RESOURCE)) {
            if (in == null) {
                throw new BpfException("BPF object " + OBJECT_RESOURCE + " is missing from the agent jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new BpfException("read BPF object " + OBJECT_RESOURCE + ": " + e);
        }
    }
}
