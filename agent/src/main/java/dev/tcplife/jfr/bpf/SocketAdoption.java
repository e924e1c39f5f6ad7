package dev.tcplife.jfr.bpf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.tcplife.jfr.bpf.TcpSessionContract.AdoptKey;
import dev.tcplife.jfr.bpf.TcpSessionContract.AdoptValue;
import dev.tcplife.jfr.bpf.TcpSessionContract.Globals;
import dev.tcplife.jfr.bpf.TcpSessionContract.ListenerKey;
import dev.tcplife.jfr.os.KernelClock;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.OpenSockets;
import dev.tcplife.jfr.os.TcpStates;

/**
 * Hands the JVM's sockets that are older than the kernel program over to it: listeners, whose children are the
 * JVM's from the first instant, into the "listeners" map; sessions, to follow from their next state change, into
 * "adoptable". Per bucket of local ports, the program's globals count both, so that a foreign socket whose bucket
 * is empty skips the lookups. Not thread-safe.
 */
final class SocketAdoption {
    /** Lists after attaching, again while new listeners turn up: a handful of rounds at most. */
    private static final int ROUNDS = 4;

    private final LibC libc;
    private final ByteBuffer globals;
    private final BpfMap listeners;
    private final BpfMap adoptable;
    /** Adoptable entries this side inserted and the kernel has not taken yet, by local port. */
    private final Map<ByteBuffer, Integer> waiting = new HashMap<>();

    /** Attaching the program, which the handover brackets. */
    interface Attachment {
        void attach() throws BpfException;
    }

    /** {@code globals} is the program's .bss, mapped. */
    SocketAdoption(BpfObject object, LibC libc, ByteBuffer globals) throws BpfException {
        this.libc = libc;
        this.globals = globals;
        this.listeners = object.map("listeners");
        this.adoptable = object.map("adoptable");
    }

    /**
     * Adopts the JVM's open sockets around {@code attachment}, so that no moment goes unwatched. The sockets are
     * listed, and handed to the program, before it attaches: a listener's children are the JVM's from the instant
     * the program runs. They are listed again once it runs, for what was opened in between (a connect, a new
     * listener), and again as long as a list turns up a listener not handed over yet. Once a listener was handed
     * over, the program also adopts, at its first state change, any child of the JVM's listeners that it does not
     * know: one that had no descriptor when the JVM's were listed (it waited in the accept queue) or was created
     * between a listing and the handover.
     *
     * @return what was adopted, and when tracing began: from then on, every session of the JVM that ends is seen
     * @throws IOException when the sockets cannot be listed
     */
    Adoption adoptAround(Attachment attachment) throws BpfException, IOException {
        OpenSockets before = OpenSockets.list(libc);
        DirectBuffers.LONGS.setVolatile(globals, Globals.ADOPTION_START_NS, KernelClock.nowNanos());
        Adoption adoption = handOver(before);
        attachment.attach();
        for (int round = 0; round < ROUNDS; round++) {
            Adoption more = handOver(OpenSockets.list(libc));
            adoption = adoption.plus(more);
            if (more.listeners() == 0) {
                break;
            }
        }
        return new Adoption(adoption.listeners(), adoption.sessions(), adoption.notAdopted(), KernelClock.nowNanos());
    }

    /** Hands over listeners, and sessions to follow, that the program does not know yet. */
    private Adoption handOver(OpenSockets open) throws BpfException {
        int adoptedListeners = 0;
        int adoptedSessions = 0;
        int notAdopted = 0;
        for (OpenSockets.Listener listener : open.listeners()) {
            // A listener made after attaching is known already; one made before counts once.
            if (listeners.insert(listenerKey(open.netns(), listener), BpfMap.intBytes(1))) {
                addToPortBucket(Globals.LISTENER_PORT_COUNTS, listener.port(), 1);
                DirectBuffers.INTS.setVolatile(globals, Globals.OLDER_LISTENERS, 1);
                adoptedListeners++;
            }
        }
        for (OpenSockets.Session session : open.sessions()) {
            byte[] key = adoptKey(open.netns(), session);
            try {
                if (adoptable.insert(key, adoptValue(session))) {
                    addToPortBucket(Globals.ADOPTABLE_PORT_COUNTS, session.localPort(), 1);
                    DirectBuffers.INTS.getAndAdd(globals, Globals.ADOPTABLE_COUNT, 1);
                    waiting.put(ByteBuffer.wrap(key), session.localPort());
                    adoptedSessions++;
                }
            } catch (BpfException full) {
                notAdopted++;
            }
        }
        return new Adoption(adoptedListeners, adoptedSessions, notAdopted, 0);
    }

    /** Whether adopted sessions still wait for their next state change. */
    boolean pending() {
        return !waiting.isEmpty();
    }

    /**
     * Withdraws waiting adoptions whose socket is gone (or was followed from its connect anyway), so that their
     * port buckets cool down for foreign sockets.
     *
     * @throws IOException when the JVM's sockets cannot be listed
     */
    void sweep() throws IOException {
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
                addToPortBucket(Globals.ADOPTABLE_PORT_COUNTS, entry.getValue(), -1);
                DirectBuffers.INTS.getAndAdd(globals, Globals.ADOPTABLE_COUNT, -1);
            }
            return true;
        });
    }

    /** Adds {@code delta} to the __u32 of {@code port}'s bucket in the globals' array at {@code base}. */
    private void addToPortBucket(int base, int port, int delta) {
        DirectBuffers.INTS.getAndAdd(globals, base + 4 * (port % TcpSessionContract.PORT_BUCKETS), delta);
    }

    /** struct tcp_session_listener_key: the address as the socket's family stores it, zero-padded. */
    static byte[] listenerKey(long netns, OpenSockets.Listener listener) {
        ByteBuffer key = ByteBuffer.allocate(ListenerKey.SIZE).order(ByteOrder.nativeOrder());
        key.putInt(ListenerKey.NETNS, (int) netns);
        key.putShort(ListenerKey.PORT, (short) listener.port());
        key.putShort(ListenerKey.FAMILY, (short) listener.family());
        key.put(ListenerKey.ADDR, listener.address());
        return key.array();
    }

    /** struct tcp_session_adopt_key: addresses in 16 bytes, IPv4 as ::ffff:a.b.c.d, as the program builds it. */
    static byte[] adoptKey(long netns, OpenSockets.Session session) {
        ByteBuffer key = ByteBuffer.allocate(AdoptKey.SIZE).order(ByteOrder.nativeOrder());
        key.putInt(AdoptKey.NETNS, (int) netns);
        key.putShort(AdoptKey.LOCAL_PORT, (short) session.localPort());
        key.putShort(AdoptKey.REMOTE_PORT, (short) session.remotePort());
        key.put(AdoptKey.LOCAL_ADDR, mapped(session.localAddress()));
        key.put(AdoptKey.REMOTE_ADDR, mapped(session.remoteAddress()));
        return key.array();
    }

    /** struct tcp_session_adopt_value: the role, and what the socket's state says has happened already. */
    static byte[] adoptValue(OpenSockets.Session session) {
        int state = session.state();
        int flags = 0;
        if (state != TcpStates.SYN_SENT && state != TcpStates.SYN_RECV) {
            flags |= TcpSessionContract.ESTABLISHED;
        }
        if (state == TcpStates.FIN_WAIT1 || state == TcpStates.FIN_WAIT2 || state == TcpStates.LAST_ACK
                || state == TcpStates.CLOSING) {
            flags |= TcpSessionContract.FIN_SENT;
        }
        if (state == TcpStates.CLOSE_WAIT || state == TcpStates.LAST_ACK) {
            flags |= TcpSessionContract.REMOTE_FIN_FIRST;
        }
        int role = session.server() ? TcpSessionContract.ROLE_SERVER : TcpSessionContract.ROLE_CLIENT;
        ByteBuffer value = ByteBuffer.allocate(AdoptValue.SIZE).order(ByteOrder.nativeOrder());
        value.putLong(AdoptValue.SOCKET_INO, session.inode());
        value.put(AdoptValue.ROLE, (byte) role);
        value.put(AdoptValue.FLAGS, (byte) flags);
        return value.array();
    }

    /** An IPv4 address as IPv4-mapped IPv6, ::ffff:a.b.c.d; an IPv6 one as it is. */
    private static byte[] mapped(byte[] address) {
        if (address.length == TcpSessionContract.ADDR_LEN) {
            return address;
        }
        byte[] mapped = new byte[TcpSessionContract.ADDR_LEN];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(address, 0, mapped, 12, 4);
        return mapped;
    }
}
