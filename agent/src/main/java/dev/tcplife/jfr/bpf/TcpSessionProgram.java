package dev.tcplife.jfr.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.tcplife.jfr.os.KernelClock;
import dev.tcplife.jfr.os.KernelVersion;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.NativeMemory;
import dev.tcplife.jfr.os.OpenSockets;
import dev.tcplife.jfr.os.TcpStates;


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

    /** Mirrors struct tcp_session_config in tcp_session.h (offsets pinned there). */
    static final int CONFIG_SIZE = 64;
    static final int CONFIG_PIDNS_DEV = 0;
    static final int CONFIG_PIDNS_INO = 8;
    static final int CONFIG_TGID = 16;
    static final int CONFIG_FAMILY_MASK = 20;
    static final int CONFIG_LOCAL_PORTS = 24;
    static final int CONFIG_REMOTE_PORTS = 40;
    static final int CONFIG_MAX_PORTS = 8;
    static final int CONFIG_SESSION_TABLE_MASK = 56;

    /** Mirrors struct tcp_session_globals. */
    static final int GLOBALS_REPORTING_OFF = 4;
    static final int GLOBALS_ADOPTION_START_NS = 8;
    static final int GLOBALS_MIN_DURATION_NS = 16;
    static final int GLOBALS_ADOPTABLE_COUNT = 24;
    static final int GLOBALS_OLDER_LISTENERS = 28;
    static final int GLOBALS_LISTENER_PORT_COUNTS = 32;
    static final int PORT_BUCKETS = 4096;
    static final int GLOBALS_ADOPTABLE_PORT_COUNTS = GLOBALS_LISTENER_PORT_COUNTS + 4 * PORT_BUCKETS;

    /** Mirrors struct tcp_session_adopt_key, tcp_session_adopt_value and tcp_session_listener_key. */
    static final int ADOPT_KEY_SIZE = 40;
    static final int ADOPT_VALUE_SIZE = 16;
    static final int LISTENER_KEY_SIZE = 24;
    static final int ADDR_LEN = 16;

    /** struct tcp_session_record.role and .flags values (see TcpSessionDecoder). */
    static final int ROLE_CLIENT = 1;
    static final int ROLE_SERVER = 2;
    static final int FLAG_ESTABLISHED = 1;
    static final int FLAG_FIN_SENT = 1 << 1;
    static final int FLAG_REMOTE_FIN_FIRST = 1 << 4;

    private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    /** Slots of the counters map, as enum tcp_session_counter in tcp_session.h. */
    public enum Counter {
        SESSIONS_FULL, LISTENERS_FULL, RINGBUF_FULL, FILTERED, BELOW_THRESHOLD, OPEN, UNWANTED, END_UNSEEN, ADOPTED, RECOVERED
    }

    /**
     * What {@link #attach} handed over, what did not fit, and when tracing began (CLOCK_MONOTONIC): every session
     * of the JVM that ends after it is seen.
     */
    public record Adoption(int listeners, int sessions, int notAdopted, long tracingStartNanos) {
        Adoption plus(Adoption more) {
            return new Adoption(listeners + more.listeners, sessions + more.sessions, notAdopted + more.notAdopted,
                    tracingStartNanos);
        }
    }

    /** Lists after attaching, again while new listeners turn up: a handful of rounds at most. */
    static final int ADOPTION_ROUNDS = 4;

    private final BpfObject object;
    private final LibC libc;
    private final RingBufferReader events;
    private final ByteBuffer globals;
    private final BpfMap listeners;
    private final BpfMap adoptable;
    private final BpfMap counters;
    private final int possibleCpus;
    private final NativeMemory counterValues;
    /** Adoptable entries this side inserted and the kernel has not taken yet, by local port. */
    private final Map<ByteBuffer, Integer> waiting = new HashMap<>();

    private TcpSessionProgram(BpfObject object, LibC libc, RingBufferReader events, ByteBuffer globals)
            throws BpfException {
        this.object = object;
        this.libc = libc;
        this.events = events;
        this.globals = globals;
        this.listeners = object.map("listeners");
        this.adoptable = object.map("adoptable");
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
     * unobserved; and listeners, whose children are the JVM's.
     *
     * <p>No moment goes unwatched. The sockets are listed, and handed to the program, before it attaches: a
     * listener's children are the JVM's from the instant the program runs. They are listed again once it runs,
     * for what was opened in between (a connect, a new listener), and again as long as a list turns up a listener
     * not handed over yet. Once a listener was handed over, the program also adopts, at its first state change,
     * any child of the JVM's listeners that it does not know: one that had no descriptor when the JVM's were
     * listed (it waited in the accept queue) or was created between a listing and the handover.
     *
     * @return what was adopted, and when tracing began: from then on, every session of the JVM that ends is seen
     * @throws IOException when the sockets cannot be listed
     */
    public Adoption attach() throws BpfException, IOException {
        OpenSockets before = OpenSockets.list(libc);
        LONGS.setVolatile(globals, GLOBALS_ADOPTION_START_NS, KernelClock.nowNanos());
        Adoption adoption = adopt(before);
        // The backstop first: it acts only on sessions the other program follows, so no moment lacks it.
        object.attach(DESTROY_PROGRAM);
        object.attach(PROGRAM);
        for (int round = 0; round < ADOPTION_ROUNDS; round++) {
            Adoption more = adopt(OpenSockets.list(libc));
            adoption = adoption.plus(more);
            if (more.listeners() == 0) {
                break;
            }
        }
        return new Adoption(adoption.listeners(), adoption.sessions(), adoption.notAdopted(), KernelClock.nowNanos());
    }

    /** Hands over listeners, and sessions to follow, that the program does not know yet. */
    private Adoption adopt(OpenSockets open) throws BpfException {
        int adoptedListeners = 0;
        int adoptedSessions = 0;
        int notAdopted = 0;
        for (OpenSockets.Listener listener : open.listeners()) {
            // A listener made after attaching is known already; one made before counts once.
            if (listeners.insert(listenerKey(open.netns(), listener), intBytes(1))) {
                addToPortBucket(GLOBALS_LISTENER_PORT_COUNTS, listener.port(), 1);
                INTS.setVolatile(globals, GLOBALS_OLDER_LISTENERS, 1);
                adoptedListeners++;
            }
        }
        for (OpenSockets.Session session : open.sessions()) {
            byte[] key = adoptKey(open.netns(), session);
            try {
                if (adoptable.insert(key, adoptValue(session))) {
                    addToPortBucket(GLOBALS_ADOPTABLE_PORT_COUNTS, session.localPort(), 1);
                    INTS.getAndAdd(globals, GLOBALS_ADOPTABLE_COUNT, 1);
                    waiting.put(ByteBuffer.wrap(key), session.localPort());
                    adoptedSessions++;
                }
            } catch (BpfException full) {
                notAdopted++;
            }
        }
        return new Adoption(adoptedListeners, adoptedSessions, notAdopted, 0);
    }

    /**
     * Tells the program whether to report finished sessions at all, and the shortest one worth reporting. It
     * follows every session of the JVM either way, so reporting can resume at any time without losing any.
     */
    public void report(boolean reporting, long minDurationNanos) {
        LONGS.setVolatile(globals, GLOBALS_MIN_DURATION_NS, minDurationNanos);
        INTS.setVolatile(globals, GLOBALS_REPORTING_OFF, reporting ? 0 : 1);
    }

    /** Whether adopted sessions still wait for their next state change. */
    public boolean adoptionPending() {
        return !waiting.isEmpty();
    }

    /**
     * Withdraws waiting adoptions whose socket is gone (or was followed from its connect anyway), so that their
     * port slots cool down for foreign sockets.
     *
     * @throws IOException when the JVM's sockets cannot be listed
     */
    public void sweepAdoptions() throws IOException {
        OpenSockets open = OpenSockets.list(libc);
        Set<ByteBuffer> current = new HashSet<>();
        for (OpenSockets.Session session : open.sessions()) {
            current.add(ByteBuffer.wrap(adoptKey(open.netns(), session)));
        }
        waiting.entrySet().removeIf(entry -> {
            if (current.contains(entry.getKey())) {
                return false;
            }
            // Whoever deletes the entry releases its slot: the kernel when it adopts, this side when it withdraws.
            if (adoptable.delete(entry.getKey().array())) {
                addToPortBucket(GLOBALS_ADOPTABLE_PORT_COUNTS, entry.getValue(), -1);
                INTS.getAndAdd(globals, GLOBALS_ADOPTABLE_COUNT, -1);
            }
            return true;
        });
    }

    /** The kernel's count for {@code counter}, summed over CPUs (OPEN's parts may be negative, their sum is not). */
    public long counter(Counter counter) {
        if (!counters.lookup(intBytes(counter.ordinal()), counterValues)) {
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

    private void addToPortBucket(int base, int port, int delta) {
        INTS.getAndAdd(globals, base + 4 * (port % PORT_BUCKETS), delta);
    }

    static byte[] encode(ProgramConfig config) {
        ByteBuffer buffer = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.nativeOrder());
        buffer.putLong(CONFIG_PIDNS_DEV, config.pidNamespace().kernelDevice());
        buffer.putLong(CONFIG_PIDNS_INO, config.pidNamespace().inode());
        buffer.putInt(CONFIG_TGID, (int) config.pid());
        buffer.putInt(CONFIG_FAMILY_MASK, config.familyMask());
        putPorts(buffer, CONFIG_LOCAL_PORTS, config.localPorts());
        putPorts(buffer, CONFIG_REMOTE_PORTS, config.remotePorts());
        buffer.putInt(CONFIG_SESSION_TABLE_MASK, sessionTableEntries(config.maxSessions()) - 1);
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

    /** struct tcp_session_listener_key: the address as the socket's family stores it, zero-padded. */
    static byte[] listenerKey(long netns, OpenSockets.Listener listener) {
        ByteBuffer key = ByteBuffer.allocate(LISTENER_KEY_SIZE).order(ByteOrder.nativeOrder());
        key.putInt(0, (int) netns);
        key.putShort(4, (short) listener.port());
        key.putShort(6, (short) listener.family());
        key.put(8, listener.address());
        return key.array();
    }

    /** struct tcp_session_adopt_key: addresses in 16 bytes, IPv4 as ::ffff:a.b.c.d, as the program builds it. */
    static byte[] adoptKey(long netns, OpenSockets.Session session) {
        ByteBuffer key = ByteBuffer.allocate(ADOPT_KEY_SIZE).order(ByteOrder.nativeOrder());
        key.putInt(0, (int) netns);
        key.putShort(4, (short) session.localPort());
        key.putShort(6, (short) session.remotePort());
        key.put(8, mapped(session.localAddress()));
        key.put(8 + ADDR_LEN, mapped(session.remoteAddress()));
        return key.array();
    }

    /** struct tcp_session_adopt_value: the role, and what the socket's state says has happened already. */
    static byte[] adoptValue(OpenSockets.Session session) {
        int state = session.state();
        int flags = 0;
        if (state != TcpStates.SYN_SENT && state != TcpStates.SYN_RECV) {
            flags |= FLAG_ESTABLISHED;
        }
        if (state == TcpStates.FIN_WAIT1 || state == TcpStates.FIN_WAIT2 || state == TcpStates.LAST_ACK
                || state == TcpStates.CLOSING) {
            flags |= FLAG_FIN_SENT;
        }
        if (state == TcpStates.CLOSE_WAIT || state == TcpStates.LAST_ACK) {
            flags |= FLAG_REMOTE_FIN_FIRST;
        }
        ByteBuffer value = ByteBuffer.allocate(ADOPT_VALUE_SIZE).order(ByteOrder.nativeOrder());
        value.putLong(0, session.inode());
        value.put(8, (byte) (session.server() ? ROLE_SERVER : ROLE_CLIENT));
        value.put(9, (byte) flags);
        return value.array();
    }

    private static byte[] mapped(byte[] address) {
        if (address.length == ADDR_LEN) {
            return address;
        }
        byte[] mapped = new byte[ADDR_LEN];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(address, 0, mapped, 12, 4);
        return mapped;
    }

    private static byte[] intBytes(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array();
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
