package dev.tcplife.jfr.thread;

import static dev.tcplife.jfr.record.SyntheticSessions.addressBytes;
import static dev.tcplife.jfr.record.SyntheticSessions.client;
import static dev.tcplife.jfr.record.SyntheticSessions.server;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.os.KernelClock;
import dev.tcplife.jfr.record.TcpSession;

/**
 * Which thread a session is attributed to, and how long a session without one waits for it. The owners are noted
 * as the hooks note them, but with made-up kernel thread ids and times: a test cannot make the kernel reuse an id.
 * No SocketFds: nothing here reads a socket.
 */
class SocketOwnersTest {
    private static final int TID = 4321;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    /** A Thread.print header line for a thread that has lived 5 s; its Java id is no live thread's. */
    private static final String DUMPED_WORKER = "\"dumped-worker\" #1000001 [" + TID + "] prio=5 os_prio=0 cpu=0.42ms"
            + " elapsed=5.00s tid=0x00007f20240dc500 nid=" + TID + " waiting on condition  [0x00007f1ff57fe000]\n";
    /** A dump without the thread: another one only (a real dump lists at least the thread that asks for it). */
    private static final String DUMPED_OTHER = "\"other\" #1000002 [9999] prio=5 os_prio=0 cpu=0.42ms"
            + " elapsed=5.00s tid=0x00007f20240dc600 nid=9999 runnable\n";

    private final SocketOwners owners = new SocketOwners(null, LiveThreads.NONE);

    /** {@code thread}, noted as holding kernel id {@code tid} since {@code sinceNanos}. */
    private static SocketOwner owner(Thread thread, int tid, long sinceNanos) {
        return new SocketOwner(thread, thread.getName(), 1, tid, sinceNanos, null, SocketOwner.Found.JDK_SOCKET);
    }

    /** Owners that look at the JVM's threads through a dump whose text is {@code dump}. */
    private static SocketOwners dumping(String dump) {
        return new SocketOwners(null, LiveThreads.dumpingWith(MethodHandles.constant(String.class, dump)));
    }

    private static int chainLength(SocketOwner owner) {
        int length = 0;
        for (SocketOwner o = owner; o != null; o = o.previous()) {
            length++;
        }
        return length;
    }

    @Test
    void aReusedThreadIdNamesTheThreadThatHeldItWhenTheSessionStarted() {
        SocketOwner first = owners.holdThreadId(owner(new Thread("first"), TID, 1_000));
        SocketOwner second = owners.holdThreadId(owner(new Thread("second"), TID, 5_000));

        assertAll(
                () -> assertSame(first.thread(), owners.claim(client(TID, 0, 2_000), false).thread(),
                        "a session that began while the first thread held the id is the first thread's"),
                () -> assertSame(second, owners.claim(client(TID, 0, 5_000), false), "from the moment the id was noted"),
                () -> assertSame(second, owners.claim(client(TID, 0, 9_000), false)),
                () -> assertNull(owners.claim(client(TID, 0, 500), false), "no thread held the id then that was noted"));
    }

    @Test
    void aClientSessionsThreadStaysNotedForItsNextSessions() {
        SocketOwner noted = owners.holdThreadId(owner(new Thread("pool-1"), TID, 1_000));

        // unlike an accept, a thread's connects are many: claiming one must not forget the thread
        assertSame(noted, owners.claim(client(TID, 0, 2_000), false));
        assertSame(noted, owners.claim(client(TID, 0, 3_000), false));
    }

    @Test
    void onlyTheLatestHoldersOfAnIdAreKept() {
        SocketOwner latest = null;
        for (int i = 1; i <= SocketOwners.HOLDERS_PER_ID + 1; i++) {
            latest = owners.holdThreadId(owner(new Thread("holder-" + i), TID, i * 1_000L));
        }

        assertEquals(SocketOwners.HOLDERS_PER_ID, chainLength(latest));
        assertNull(owners.claim(client(TID, 0, 1_500), false), "the oldest holder was let go");
        assertEquals("holder-2", owners.claim(client(TID, 0, 2_500), false).name());
    }

    @Test
    void aRenamedThreadTakesThePlaceOfItsOwnEntryInsteadOfBecomingItsOwnPredecessor() {
        owners.holdThreadId(owner(new Thread("earlier"), TID, 1_000));
        Thread thread = new Thread("before-rename");
        SocketOwner before = owners.holdThreadId(owner(thread, TID, 2_000));
        thread.setName("after-rename");

        SocketOwner after = owners.holdThreadId(before.renamed());

        assertEquals(2, chainLength(after), "the renamed thread, then the id's earlier holder");
        assertEquals("after-rename", owners.claim(client(TID, 0, 2_500), false).name());
        assertEquals("earlier", owners.claim(client(TID, 0, 1_500), false).name());
    }

    /** Notes a thread with {@code note}, as a hook does, and checks that {@code session} names it only once. */
    private void assertClaimedOnce(Consumer<SocketOwner> note, TcpSession session) {
        SocketOwner noted = owner(new Thread("noted"), TID, 1_000);
        note.accept(noted);

        assertSame(noted, owners.claim(session, false));
        // a later session of the same name (a peer reusing its port, an inode reused) is never the old thread's
        assertNull(owners.claim(session, false), "claimed twice");
    }

    @Test
    void anAcceptedConnectionIsClaimedOnceByItsPortsAndPeer() {
        assertClaimedOnce(noted -> owners.putAccepted(AcceptedSocket.of(8080, addressBytes("192.0.2.7"), 50000), noted),
                server(8080, "192.0.2.7", 50000, 0, 2_000));
    }

    @Test
    void anAcceptedConnectionIsNotTakenForAnotherOne() {
        owners.putAccepted(AcceptedSocket.of(8080, addressBytes("192.0.2.7"), 50000), owner(new Thread("acceptor"), TID, 1_000));

        assertAll(
                () -> assertNull(owners.claim(server(8080, "192.0.2.7", 50001, 0, 2_000), false)),
                () -> assertNull(owners.claim(server(8080, "192.0.2.8", 50000, 0, 2_000), false)),
                () -> assertNull(owners.claim(server(8081, "192.0.2.7", 50000, 0, 2_000), false)));
    }

    @Test
    void aConnectionAcceptedNativelyIsClaimedOnceByItsInode() {
        assertClaimedOnce(noted -> owners.putInode(77, noted), server(8080, "192.0.2.7", 50000, 77, 2_000));
    }

    @Test
    void aVirtualThreadsConnectIsClaimedOnceByItsInode() {
        // its kernel id is its carrier's, which names no virtual thread: the connect noted the socket instead
        assertClaimedOnce(noted -> owners.putInode(99, noted), client(TID, 99, 3_000));
    }

    @Test
    void aServerSessionWithASocketWaitsForItsAcceptToReturn() {
        assertTrue(owners.ownerWaitNanos(server(8080, "192.0.2.7", 50000, 77, 2_000)) > 0);
    }

    @Test
    void aServerSessionThatNeverHadASocketFileNeverWaits() {
        // no inode: no accept() ever returned it (reset in the backlog), so no hook will ever name its thread
        assertEquals(0, owners.ownerWaitNanos(server(8080, "192.0.2.7", 50000, 0, 2_000)));
    }

    @Test
    void aClientSessionWithoutAKernelThreadIdNeverWaits() {
        assertEquals(0, dumping(DUMPED_WORKER).ownerWaitNanos(client(0, 99, KernelClock.nowNanos())));
    }

    @Test
    void aClientSessionNeverWaitsWhenThreadsAreNotLookedFor() {
        assertEquals(0, owners.ownerWaitNanos(client(TID, 0, KernelClock.nowNanos())), "threads=off");
    }

    @Test
    void aClientSessionWaitsPastTheNextLookAtTheJvmsThreads() {
        SocketOwners looking = dumping(DUMPED_OTHER);

        assertTrue(looking.ownerWaitNanos(client(TID, 0, KernelClock.nowNanos())) > LiveThreads.MIN_DUMP_INTERVAL_NANOS,
                "no look yet: the first one may find it");
    }

    @Test
    void aLookTakenAfterTheSessionBeganIsFinal() {
        SocketOwners looking = dumping(DUMPED_OTHER);
        TcpSession session = client(TID, 0, KernelClock.nowNanos());

        assertNull(looking.claim(session, false)); // looks, now, and does not find the thread
        assertEquals(0, looking.ownerWaitNanos(session));
        // a session that began after that look may be by a thread started since, which the next look finds
        TcpSession later = client(TID, 0, KernelClock.nowNanos() + 1);
        assertTrue(looking.ownerWaitNanos(later) > LiveThreads.MIN_DUMP_INTERVAL_NANOS);
    }

    @Test
    void aSessionAboutToBeRecordedGetsOneMoreLookWhenTheLastPredatesIt() throws Exception {
        AtomicReference<String> dump = new AtomicReference<>(DUMPED_OTHER);
        SocketOwners looking = new SocketOwners(null, LiveThreads.dumpingWith(MethodHandles.lookup()
                .findVirtual(AtomicReference.class, "get", MethodType.methodType(Object.class)).bindTo(dump)
                .asType(MethodType.methodType(String.class))));
        assertNull(looking.claim(client(TID, 0, KernelClock.nowNanos() - SECOND), false)); // the first look
        TcpSession session = client(TID, 0, KernelClock.nowNanos() + 1);
        dump.set(DUMPED_WORKER); // the thread, started after that look

        assertNull(looking.claim(session, false), "within the interval since the last look, no other");
        assertEquals("dumped-worker", looking.claim(session, true).name(), "its last chance: one more look");
    }

    @Test
    void aDumpThatListsNoThreadIsNoLook() {
        SocketOwners looking = dumping("");
        TcpSession session = client(TID, 0, KernelClock.nowNanos());

        assertNull(looking.claim(session, false));
        assertTrue(looking.ownerWaitNanos(session) > 0, "the session may still wait for a dump that works");
    }

    @Test
    void aDumpThatKeepsFailingIsTriedOncePerIntervalAtMost() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        Supplier<String> failing = () -> {
            tries.incrementAndGet();
            return "";
        };
        SocketOwners looking = new SocketOwners(null, LiveThreads.dumpingWith(MethodHandles.lookup()
                .findVirtual(Supplier.class, "get", MethodType.methodType(Object.class)).bindTo(failing)
                .asType(MethodType.methodType(String.class))));
        TcpSession session = client(TID, 0, KernelClock.nowNanos());

        for (int i = 0; i < 10; i++) {
            looking.claim(session, i % 2 == 0);
        }
        assertEquals(1, tries.get(), "one try within the interval, last chance or not");
    }

    @Test
    void aConnectNoHookSawIsClaimedFromTheJvmsThreadsUnlessItsThreadStartedLater() {
        SocketOwners looking = dumping(DUMPED_WORKER);

        assertNull(looking.claim(client(TID, 0, KernelClock.nowNanos() - 60 * SECOND), false),
                "the thread holding the id now is 5 s old: a session of a minute ago was another's");
        SocketOwner found = looking.claim(client(TID, 0, KernelClock.nowNanos() - SECOND), false);
        assertAll(
                () -> assertEquals("dumped-worker", found.name()),
                () -> assertEquals(SocketOwner.Found.KERNEL_TID, found.found()));
    }
}
