package dev.tcplife.jfr.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.tcplife.jfr.bpf.TcpSessionContract.Config;
import dev.tcplife.jfr.bpf.TcpSessionContract.Counter;
import dev.tcplife.jfr.bpf.TcpSessionContract.Globals;
import dev.tcplife.jfr.os.KernelVersion;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.NativeMemory;

/**
 * The kernel half of tcplife-jfr, {@code bpf/src/main/c/tcp_session.bpf.c}: loaded and configured for one JVM
 * ({@link #load}), then attached to the BTF-typed raw tracepoint {@code inet_sock_set_state} ({@link #attach}).
 * Its records arrive through {@link #events()}.
 *
 * <p>Sockets that were open before the program was attached are adopted as it attaches: listeners own their new
 * children from the first instant, and sessions are followed from their next state change on.
 *
 * <p>Needs Linux 5.12+ with BTF ({@code CONFIG_DEBUG_INFO_BTF=y}), libbpf 0.7+ and CAP_BPF with CAP_PERFMON
 * (or root). Closing it detaches the program and frees every map. Not thread-safe.
 */
public final class TcpSessionProgram implements AutoCloseable {
    static final String OBJECT_RESOURCE = "/dev/tcplife/jfr/bpf/tcp_session.bpf.o";
    static final String PROGRAM = "tcp_session_set_state";
    /** Records a session whose TCP_CLOSE the kernel skipped the program for, when its socket is freed. */
    static final String DESTROY_PROGRAM = "tcp_session_destroy_sock";
    static final Path KERNEL_BTF = Path.of("/sys/kernel/btf/vmlinux");

    private final BpfObject object;
    private final RingBufferReader events;
    private final ByteBuffer globals;
    private final SocketAdoption adoption;
    private final BpfMap counters;
    private final int possibleCpus;
    private final NativeMemory counterValues;

    private TcpSessionProgram(BpfObject object, LibC libc, RingBufferReader events, ByteBuffer globals)
            throws BpfException {
        this.object = object;
        this.events = events;
        this.globals = globals;
        this.adoption = new SocketAdoption(object, libc, globals);
        this.counters = object.map("counters");
        this.possibleCpus = object.lib().libbpf_num_possible_cpus();
        this.counterValues = NativeMemory.allocate(8L * possibleCpus);
    }

    /**
     * Opens, configures and loads the program (the kernel verifies it), and maps its ring buffer; it does not run
     * before {@link #attach}.
     *
     * @throws BpfException naming the step that failed, and what to do about it where known
     */
    public static TcpSessionProgram load(LibBpf lib, LibC libc, ProgramConfig config) throws BpfException {
        checkKernel();
        BpfObject object = BpfObject.open(lib, objectFile(), "tcp_session");
        try {
            object.setInitialValue(".rodata", encode(config));
            object.setMaxEntries("events", config.ringBufferBytes());
            object.setMaxEntries("sessions", sessionTableEntries(config.maxSessions()));
            object.setMaxEntries("adoptable", config.maxSessions());
            object.load();
            RingBufferReader events = RingBufferReader.map(libc, object.map("events").fd(), config.ringBufferBytes());
            return new TcpSessionProgram(object, libc, events, object.globals(".bss", libc));
        } catch (BpfException | RuntimeException | Error e) {
            object.close();
            throw e;
        }
    }

    public RingBufferReader events() {
        return events;
    }

    /**
     * Attaches the program to the tracepoint, adopting the JVM's sockets that are older than it: sessions to follow
     * from their next state change, dated from the moment the program was attached, with their start marked
     * unobserved; and listeners, whose children are the JVM's. No moment goes unwatched: the sockets are handed
     * over before the program attaches, and again after (see {@link SocketAdoption#adoptAround}).
     *
     * @return what was adopted, and when tracing began: from then on, every session of the JVM that ends is seen
     * @throws IOException when the sockets cannot be listed
     */
    public Adoption attach() throws BpfException, IOException {
        return adoption.adoptAround(() -> {
            // The backstop first: it acts only on sessions the other program follows, so no moment lacks it.
            object.attach(DESTROY_PROGRAM);
            object.attach(PROGRAM);
        });
    }

    /**
     * Tells the program whether to report finished sessions at all, and the shortest one worth reporting. It
     * follows every session of the JVM either way, so reporting can resume at any time without losing any.
     */
    public void report(boolean reporting, long minDurationNanos) {
        DirectBuffers.LONGS.setVolatile(globals, Globals.MIN_DURATION_NS, minDurationNanos);
        DirectBuffers.INTS.setVolatile(globals, Globals.REPORTING_OFF, reporting ? 0 : 1);
    }

    /** Whether adopted sessions still wait for their next state change. */
    public boolean adoptionPending() {
        return adoption.pending();
    }

    /**
     * Withdraws waiting adoptions whose socket is gone (or was followed from its connect anyway), so that their
     * port buckets cool down for foreign sockets.
     *
     * @throws IOException when the JVM's sockets cannot be listed
     */
    public void sweepAdoptions() throws IOException {
        adoption.sweep();
    }

    /** The kernel's count for {@code counter}, summed over CPUs (OPEN's parts may be negative, their sum is not). */
    public long counter(Counter counter) {
        if (!counters.lookup(BpfMap.intBytes(counter.ordinal()), counterValues)) {
            return 0;
        }
        long sum = 0;
        for (int cpu = 0; cpu < possibleCpus; cpu++) {
            sum += counterValues.getLong(8L * cpu);
        }
        return sum;
    }

    /** Runs the kernel skipped, either program already running on that CPU (interrupted by a softirq). */
    public long skippedRuns() throws BpfException {
        return object.skippedRuns(PROGRAM) + object.skippedRuns(DESTROY_PROGRAM);
    }

    /** Sessions the kernel follows right now. */
    public long trackedSessions() {
        return counter(Counter.OPEN);
    }

    @Override
    public void close() {
        events.close();
        object.close();
        counterValues.close();
    }

    static byte[] encode(ProgramConfig config) {
        ByteBuffer buffer = ByteBuffer.allocate(Config.SIZE).order(ByteOrder.nativeOrder());
        buffer.putLong(Config.PIDNS_DEV, config.pidNamespace().kernelDevice());
        buffer.putLong(Config.PIDNS_INO, config.pidNamespace().inode());
        buffer.putInt(Config.TGID, (int) config.pid());
        buffer.putInt(Config.FAMILY_MASK, config.familyMask());
        putPorts(buffer, Config.LOCAL_PORTS, config.localPorts());
        putPorts(buffer, Config.REMOTE_PORTS, config.remotePorts());
        buffer.putInt(Config.SESSION_TABLE_MASK, sessionTableEntries(config.maxSessions()) - 1);
        return buffer.array();
    }

    /**
     * Entries of the kernel's session table: a power of two, four to eight times {@code maxSessions}. A socket may
     * probe 16 entries from its hash; at a quarter full, as many sessions as {@code maxSessions} all find one (at
     * half full, about 20 in 65,536 would not, in simulation).
     */
    static int sessionTableEntries(int maxSessions) {
        return Integer.highestOneBit(Math.max(1, maxSessions - 1)) << 3;
    }

    private static void putPorts(ByteBuffer buffer, int offset, int[] ports) {
        if (ports.length > TcpSessionContract.MAX_PORTS) {
            throw new IllegalArgumentException("at most " + TcpSessionContract.MAX_PORTS + " ports per filter");
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
