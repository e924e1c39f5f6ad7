package dev.tcplife.jfr.thread;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;

import dev.tcplife.jfr.jfr.TcpSessionOpenEvent;
import dev.tcplife.jfr.record.TcpSession;


/**
 * Which Java thread opened which socket, keyed by the socket's inode: the one identity that both the JDK (an
 * {@code fstat} of the descriptor) and the kernel program ({@code sk->sk_socket->file->f_inode}) can name.
 *
 * <p>Connects are noted before the system call, so the owner is known before the kernel can report the session.
 * Accepts are noted as the JDK's accept returns. Entries leave when their session is claimed; a bounded number
 * of the oldest unclaimed ones (sockets whose connect failed before a SYN was sent) are dropped.
 */
public final class SocketOwners {
    /**
     * The thread that opened a socket: the thread itself, its name and id then (JFR cannot name a thread that has
     * ended by the time the session does), and its kernel thread id then (for a virtual thread, its carrier's).
     */
    public record Owner(Thread thread, String name, long javaId, long osThreadId) {
    }

    static final int CAPACITY = 1 << 17;

    private final SocketFds fds;
    private final Map<Long, Owner> byInode = new LinkedHashMap<>(1024, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Owner> eldest) {
            return size() > CAPACITY;
        }
    };
    /** Asynchronous server channels whose accept is pending, and the thread that asked for it. */
    private final Map<Object, Owner> acceptRequests = Collections.synchronizedMap(new WeakHashMap<>());

    public SocketOwners(SocketFds fds) {
        this.fds = fds;
    }

    /** Removes and returns the owner of the socket with {@code inode}, or null when none was noted. */
    public Owner claim(long inode) {
        if (inode == 0) {
            return null;
        }
        synchronized (byInode) {
            return byInode.remove(inode);
        }
    }

    /** The current thread is about to connect {@code socket}: a SocketImpl or a socket channel. */
    void connecting(Object socket) {
        if (!fds.isInet(socket)) {
            return;
        }
        markOpened(TcpSession.CLIENT, note(fds.fdOf(socket), currentOwner()));
    }

    /** {@code server} accepted a connection into {@code accepted}: a SocketImpl or a FileDescriptor. */
    void accepted(Object accepted, Object server) {
        if (!fds.isInet(server)) {
            return;
        }
        Owner requester = acceptRequests.remove(server);
        markOpened(TcpSession.SERVER, note(fds.fdOf(accepted), requester != null ? requester : currentOwner()));
    }

    /** The current thread asked the asynchronous channel {@code server} for its next connection. */
    void acceptRequested(Object server) {
        acceptRequests.put(server, currentOwner());
    }

    private Owner currentOwner() {
        Thread thread = Thread.currentThread();
        return new Owner(thread, thread.getName(), thread.getId(), fds.currentTid());
    }

    /** Notes {@code owner} for the socket on {@code fd}; returns the socket's inode, 0 if it has none. */
    private long note(int fd, Owner owner) {
        long inode = fds.inode(fd);
        if (inode != 0) {
            synchronized (byInode) {
                byInode.put(inode, owner);
            }
        }
        return inode;
    }

    /** The connect-site event, on the opening thread so that JFR takes that thread's stack. */
    private static void markOpened(String role, long inode) {
        TcpSessionOpenEvent event = new TcpSessionOpenEvent();
        if (inode != 0 && event.isEnabled()) {
            event.role = role;
            event.socketId = inode;
            event.commit();
        }
    }

    /** Sockets noted and not claimed yet. */
    public int size() {
        synchronized (byInode) {
            return byInode.size();
        }
    }
}
