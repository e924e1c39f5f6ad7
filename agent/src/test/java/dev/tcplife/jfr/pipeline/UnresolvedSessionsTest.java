package dev.tcplife.jfr.pipeline;

import static dev.tcplife.jfr.record.SyntheticSessions.client;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.record.TcpSession;
import dev.tcplife.jfr.thread.SocketOwner;

/**
 * The wait for a session's thread: the owners are a map the test fills as threads "turn up", every session may
 * wait {@link #WAIT} unless the test says otherwise, and times are given, never read from a clock.
 */
class UnresolvedSessionsTest {
    private static final long WAIT = 100;

    /** The sessions' threads as far as they have turned up. */
    private final Map<TcpSession, SocketOwner> owners = new HashMap<>();
    /** How long each session's thread may yet take: WAIT unless set. */
    private final Map<TcpSession, Long> waits = new HashMap<>();
    private final List<Emitted> emitted = new ArrayList<>();
    /** The sessions claimed with their last chance, in order. */
    private final List<TcpSession> lastChances = new ArrayList<>();
    private final UnresolvedSessions unresolved = new UnresolvedSessions(this::claim,
            session -> waits.getOrDefault(session, WAIT), (session, owner) -> emitted.add(new Emitted(session, owner)));

    private record Emitted(TcpSession session, SocketOwner owner) {
    }

    private SocketOwner claim(TcpSession session, boolean lastChance) {
        if (lastChance) {
            lastChances.add(session);
        }
        return owners.get(session);
    }

    @Test
    void aSessionIsClaimedWithItsLastChanceOnlyWhenItGoesNextFoundOrNot() {
        TcpSession due = session(1);
        TcpSession early = session(2);
        unresolved.deliver(due, 0);
        unresolved.deliver(early, 50);

        unresolved.retry(WAIT, false);
        assertEquals(List.of(due), lastChances, "only the one whose wait is over");
        unresolved.retry(WAIT + 1, true);
        assertEquals(List.of(due, early), lastChances, "the last read: every one left");
    }

    /** A client session of its own: sessions are told apart by their start. */
    private static TcpSession session(long start) {
        return client(1234, 0, start);
    }

    private static SocketOwner owner(String name) {
        return new SocketOwner(null, name, 1, 1234, 0, null, SocketOwner.Found.KERNEL_TID);
    }

    @Test
    void aSessionWhoseThreadIsKnownIsEmittedAtOnceWithIt() {
        TcpSession session = session(1);
        owners.put(session, owner("known"));

        unresolved.deliver(session, 0);

        assertEquals(List.of(new Emitted(session, owner("known"))), emitted);
    }

    @Test
    void aSessionWhoseThreadCannotTurnUpIsEmittedAtOnceWithout() {
        TcpSession session = session(1);
        waits.put(session, 0L);

        unresolved.deliver(session, 0);

        assertEquals(List.of(new Emitted(session, null)), emitted);
    }

    @Test
    void aSessionWhoseThreadTurnsUpWithinItsWaitIsEmittedWithIt() {
        TcpSession session = session(1);
        unresolved.deliver(session, 1_000);
        unresolved.retry(1_050, false);
        assertEquals(List.of(), emitted, "held while its thread may turn up");

        owners.put(session, owner("late"));
        unresolved.retry(1_060, false);

        assertEquals(List.of(new Emitted(session, owner("late"))), emitted);
    }

    @Test
    void sessionsThatWaitUntilTheirDeadlineAreEmittedWithoutInTheOrderTheyCame() {
        TcpSession first = session(1);
        TcpSession second = session(2);
        unresolved.deliver(first, 1_000);
        waits.put(second, WAIT / 2); // a shorter wait: due first, yet emitted second
        unresolved.deliver(second, 1_010);

        unresolved.retry(1_000 + WAIT - 1, false);
        assertEquals(List.of(new Emitted(second, null)), emitted, "the second one's deadline has passed");
        unresolved.retry(1_000 + WAIT, false);

        assertEquals(List.of(new Emitted(second, null), new Emitted(first, null)), emitted);
    }

    @Test
    void aSessionIsLetGoOnceItsThreadCanNoLongerTurnUp() {
        TcpSession session = session(1);
        unresolved.deliver(session, 1_000);

        waits.put(session, 0L); // say, the JVM's threads were looked at since and it was not among them
        unresolved.retry(1_001, false);

        assertEquals(List.of(new Emitted(session, null)), emitted);
    }

    @Test
    void deadlinesHoldAcrossTheWrapOfNanoTime() {
        // System.nanoTime() may be any long: a deadline past Long.MAX_VALUE wraps, and is still ahead
        TcpSession session = session(1);
        unresolved.deliver(session, Long.MAX_VALUE - WAIT / 2);

        unresolved.retry(Long.MAX_VALUE, false);
        assertEquals(List.of(), emitted);
        unresolved.retry(Long.MAX_VALUE + WAIT / 2, false);

        assertEquals(List.of(new Emitted(session, null)), emitted);
    }

    @Test
    void beyondTheBoundSessionsAreEmittedAtOnceWithoutWaiting() {
        for (int i = 0; i < UnresolvedSessions.MAX_UNRESOLVED; i++) {
            unresolved.deliver(session(i), 0);
        }
        assertEquals(List.of(), emitted);

        TcpSession oneTooMany = session(UnresolvedSessions.MAX_UNRESOLVED);
        unresolved.deliver(oneTooMany, 0);

        assertEquals(List.of(new Emitted(oneTooMany, null)), emitted);
        unresolved.retry(1, true);
        assertEquals(UnresolvedSessions.MAX_UNRESOLVED + 1, emitted.size(), "each held session once");
    }

    @Test
    void theLastReadEmitsEveryHeldSessionFoundOrNot() {
        TcpSession found = session(1);
        TcpSession notFound = session(2);
        unresolved.deliver(found, 1_000);
        unresolved.deliver(notFound, 1_000);
        owners.put(found, owner("found"));

        unresolved.retry(1_001, true);

        assertEquals(List.of(new Emitted(found, owner("found")), new Emitted(notFound, null)), emitted);
        unresolved.retry(2_000, true);
        assertEquals(2, emitted.size(), "nothing is held any more");
    }

    @Test
    void aSessionIsNotEmittedTwice() {
        TcpSession session = session(1);
        unresolved.deliver(session, 1_000);
        owners.put(session, owner("late"));
        unresolved.retry(1_001, false);

        unresolved.retry(1_000 + WAIT, false);

        assertEquals(List.of(new Emitted(session, owner("late"))), emitted);
    }
}
