package dev.tcplife.jfr.thread;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.tcplife.jfr.os.KernelClock;
import dev.tcplife.jfr.record.TcpSession;

/**
 * Which Java thread opened which session, noted as the JDK's socket classes connect and accept, and claimed when
 * the kernel reports the session. Each side is named by what the kernel's record already carries, so the JDK's
 * connect and accept pay no system call:
 *
 * <ul>
 *   <li>a connect, by the connecting thread's kernel id: the kernel program records it at connect(), and a
 *       platform thread keeps its id for life (it is noted once per thread, and again only when it is renamed);
 *   <li>an accept, by the connection's local port, remote address and remote port;
 *   <li>a virtual thread's connect, whose kernel id is its carrier's, by the socket's inode (one fstat).
 * </ul>
 *
 * A kernel thread id can be reused by a later thread: each noted thread remembers when it was noted, and a
 * session older than that belongs to an earlier holder of the id, kept in a short chain.
 *
 * <p>A client session whose connect no hook saw (made before the hooks were in place, or by native code) is
 * claimed by the kernel's thread id alone, from the JVM's live threads ({@link LiveThreads}).
 */
public final class SocketOwners {
    /**
     * Receives the moment a thread opens a socket, on that thread, for the connect-site event: set once JFR is
     * ready, so that an application's first connects never wait for JFR.
     */
    public interface OpenListener {
        /** Whether any recording wants the moments: only then is the socket's inode worth a system call. */
        boolean wanted();

        /** {@code role} is TcpSession.CLIENT or SERVER; {@code inode} the socket's, never 0. */
        void opened(String role, long inode);
    }

    private static final OpenListener NO_OPEN_LISTENER = new OpenListener() {
        @Override
        public boolean wanted() {
            return false;
        }

        @Override
        public void opened(String role, long inode) {
            // nobody listens yet
        }
    };

    static final int CAPACITY = 1 << 17;
    /** Earlier holders of a thread id worth remembering: their sessions are rare and short-lived anyway. */
    static final int HOLDERS_PER_ID = 4;
    private static final MethodHandle IS_VIRTUAL = isVirtualMethod();
    private static final long ACCEPT_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** The next look at the JVM's threads, plus the reader's own pace. */
    private static final long NEXT_LOOK_NANOS = LiveThreads.MIN_DUMP_INTERVAL_NANOS + TimeUnit.MILLISECONDS.toNanos(200);

    private final SocketFds fds;
    private final LiveThreads liveThreads;
    private volatile OpenListener openListener = NO_OPEN_LISTENER;
    private final ConcurrentHashMap<Long, SocketOwner> byThreadId = new ConcurrentHashMap<>();
    private final ThreadLocal<SocketOwner> platformOwner = new ThreadLocal<>();
    /** Connections the JDK accepted, by port and peer: filled on the accepting thread (see AcceptedSockets). */
    private final AcceptedSockets accepted = new AcceptedSockets(CAPACITY / 2);
    /** Virtual threads' connects and Netty's native accepts, by inode; oldest dropped when full. */
    private final Map<Long, SocketOwner> byInode = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, SocketOwner> eldest) {
            return size() > CAPACITY;
        }
    };
    /** Guards {@link #accepted} and {@link #byInode}: the hooks put, the reader thread claims. */
    private final Object lock = new Object();
    /** Asynchronous server channels whose accept is pending, and the thread that asked for it. */
    private final Map<Object, SocketOwner> acceptRequests = Collections.synchronizedMap(new WeakHashMap<>());
    /**
     * Whether any asynchronous accept was ever asked for: until then an accept does not look in
     * {@link #acceptRequests}, which costs a lock. Set before the request is noted, by the thread that asks, which
     * the channel then hands the accept to.
     */
    private volatile boolean acceptRequested;

    /** Package-private for tests, which give it a LiveThreads of their own and no SocketFds where none is used. */
    SocketOwners(SocketFds fds, LiveThreads liveThreads) {
        this.fds = fds;
        this.liveThreads = liveThreads;
    }

    /**
     * Owners that the JDK's socket hooks note, with the kernel's thread id behind them for the connects the hooks
     * did not see.
     */
    public static SocketOwners withHooks(SocketFds fds, Instrumentation instrumentation) {
        return new SocketOwners(fds, new LiveThreads(instrumentation));
    }

    /** Owners for threads=off: none is noted, none is looked for. */
    public static SocketOwners none(SocketFds fds) {
        return new SocketOwners(fds, LiveThreads.NONE);
    }

    /** From now on, socket-open moments go to {@code listener}. */
    public void reportOpens(OpenListener listener) {
        openListener = listener;
    }

    /**
     * The thread that opened {@code session}, or null where none can be named. Accepted connections are claimed
     * once. With {@code lastChance}, the session is recorded next, found or not: the JVM's threads are looked at
     * once more if the last look predates it. Called by the reader thread only.
     */
    public SocketOwner claim(TcpSession session, boolean lastChance) {
        if (TcpSession.SERVER.equals(session.role())) {
            SocketOwner jdk = removeAccepted(session);
            return jdk != null || session.socketInode() == 0 ? jdk : remove(session.socketInode());
        }
        for (SocketOwner owner = byThreadId.get((long) session.ownerTid()); owner != null; owner = owner.previous()) {
            if (owner.sinceNanos() <= session.startNanos()) {
                return owner;
            }
        }
        SocketOwner virtual = session.socketInode() == 0 ? null : remove(session.socketInode());
        if (virtual != null || session.ownerTid() == 0) {
            return virtual;
        }
        return liveThreads.owner(session.ownerTid(), session.startNanos(), lastChance);
    }

    /**
     * How long the owner of {@code session}, which {@link #claim} did not name, may yet take to turn up; 0 if it
     * never will. A server session can end (say, by a reset) an instant before the JDK's accept returns and names
     * its thread. A client's thread, connecting in code no hook sees, may have started after the last look at the
     * JVM's threads, and those are looked at at most four times a second.
     */
    public long ownerWaitNanos(TcpSession session) {
        if (TcpSession.SERVER.equals(session.role())) {
            return session.socketInode() == 0 ? 0 : ACCEPT_GRACE_NANOS;
        }
        return session.ownerTid() != 0 && liveThreads.laterLookMayFind(session.startNanos())
                ? NEXT_LOOK_NANOS : 0;
    }

    /** The current thread is about to connect {@code socket}: a SocketImpl or a socket channel. */
    void connecting(Object socket) {
        Thread thread = Thread.currentThread();
        if (isVirtual(thread)) {
            if (!fds.isInet(socket)) {
                return;
            }
            long inode = fds.inode(fds.fdOf(socket));
            if (inode != 0) {
                putInode(inode, newOwner(thread, null));
            }
            markOpened(TcpSession.CLIENT, inode);
            return;
        }
        // A platform thread is noted by its kernel id, whatever it connects; the socket's family is looked up only
        // for the connect-site event: a ClassValue lookup whose lines, in the application's connect, are out of the
        // cache (issue 15).
        platformOwner(thread);
        if (openListener.wanted() && fds.isInet(socket)) {
            markOpened(TcpSession.CLIENT, fds.inode(fds.fdOf(socket)));
        }
    }

    /** {@code server} accepted a connection into {@code accepted}: a SocketImpl or a socket channel. */
    void accepted(Object accepted, Object server) {
        SocketOwner requester = acceptRequested ? acceptRequests.remove(server) : null;
        AcceptedSocket name = fds.accepted(accepted); // null for a Unix domain connection: it has no port
        if (name != null) {
            putAccepted(name, requester != null ? requester : currentOwner());
        }
        if (openListener.wanted() && fds.isInet(server)) {
            markOpened(TcpSession.SERVER, fds.inode(fds.fdOf(accepted)));
        }
    }

    /** Netty's native accept returned descriptor {@code fd} to the current thread: noted by the socket's inode. */
    void acceptedNatively(int fd) {
        long inode = fds.tcpInode(fd);
        if (inode != 0) {
            putInode(inode, currentOwner().foundBy(SocketOwner.Found.NETTY_ACCEPT));
        }
    }

    /** The current thread asked the asynchronous channel {@code server} for its next connection. */
    void acceptRequested(Object server) {
        acceptRequested = true;
        acceptRequests.put(server, currentOwner());
    }

    private SocketOwner currentOwner() {
        Thread thread = Thread.currentThread();
        return isVirtual(thread) ? newOwner(thread, null) : platformOwner(thread);
    }

    /**
     * This platform thread's owner, noted by its kernel id: the id read once per thread, the entry refreshed when
     * the thread is renamed. The common case, a thread connecting again, is a thread-local read and a compare.
     */
    private SocketOwner platformOwner(Thread thread) {
        SocketOwner cached = platformOwner.get();
        if (cached != null && cached.name().equals(thread.getName())) {
            return cached;
        }
        SocketOwner fresh = cached == null ? newOwner(thread, null) : cached.renamed();
        if (fresh.osThreadId() == 0) {
            return fresh; // the agent's native calls are not loaded yet: note the thread at its next connect
        }
        SocketOwner noted = holdThreadId(fresh);
        platformOwner.set(noted);
        return noted;
    }

    /**
     * Notes {@code fresh} as the holder of its kernel thread id from now on, and returns it as noted: the id's
     * earlier holders follow it, at most {@link #HOLDERS_PER_ID} in all, except the same thread noted before (a
     * rename), which it replaces. Package-private for tests, which cannot make two threads share a kernel id.
     */
    SocketOwner holdThreadId(SocketOwner fresh) {
        return byThreadId.compute(fresh.osThreadId(), (id, holder) ->
                fresh.withPrevious(holder == null ? null : holder.thread() == fresh.thread() ? holder.previous()
                        : firstHolders(holder, HOLDERS_PER_ID - 1)));
    }

    private SocketOwner newOwner(Thread thread, SocketOwner previous) {
        return new SocketOwner(thread, thread.getName(), thread.getId(), fds.currentTid(), KernelClock.nowNanos(),
                previous, SocketOwner.Found.JDK_SOCKET);
    }

    /** The chain from {@code holder}, at most {@code count} long. */
    private static SocketOwner firstHolders(SocketOwner holder, int count) {
        return holder == null || count == 0 ? null : holder.withPrevious(firstHolders(holder.previous(), count - 1));
    }

    /**
     * Notes {@code owner} for the session the kernel will report with these ports and peer. Package-private, as
     * {@link #putInode}, for tests, which note sockets without the JDK objects the hooks read.
     */
    void putAccepted(AcceptedSocket key, SocketOwner owner) {
        long now = KernelClock.nowNanos(); // outside the lock, which the reader takes for every server session
        synchronized (lock) {
            accepted.put(key, owner, now);
        }
    }

    /** Notes {@code owner} for the session the kernel will report with this socket inode. */
    void putInode(long inode, SocketOwner owner) {
        synchronized (lock) {
            byInode.put(inode, owner);
        }
    }

    /** The thread that accepted server session {@code session}, which is forgotten; null if none was noted. */
    private SocketOwner removeAccepted(TcpSession session) {
        synchronized (lock) {
            return accepted.remove(session.localPort(), session.remoteAddressHigh(), session.remoteAddressLow(),
                    session.remotePort(), session.startObserved() ? session.startNanos() : Long.MIN_VALUE);
        }
    }

    private SocketOwner remove(long inode) {
        synchronized (lock) {
            return byInode.remove(inode);
        }
    }

    /** The connect-site moment, on the opening thread, so that its event takes that thread's stack. */
    private void markOpened(String role, long inode) {
        if (inode != 0) {
            openListener.opened(role, inode);
        }
    }

    private static boolean isVirtual(Thread thread) {
        try {
            return IS_VIRTUAL != null && (boolean) IS_VIRTUAL.invokeExact(thread);
        } catch (Throwable e) {
            return false;
        }
    }

    /** Thread.isVirtual() on JDK 21 and later; null before, where every thread is a platform thread. */
    private static MethodHandle isVirtualMethod() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
