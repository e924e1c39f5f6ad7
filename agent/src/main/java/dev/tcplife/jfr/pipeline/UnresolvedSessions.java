package dev.tcplife.jfr.pipeline;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.BiConsumer;
import java.util.function.ToLongFunction;

import dev.tcplife.jfr.record.TcpSession;
import dev.tcplife.jfr.thread.SocketOwner;
import dev.tcplife.jfr.thread.SocketOwners;

/**
 * Finished sessions on their way to JFR, held while the thread that opened them may still turn up
 * ({@link SocketOwners#ownerWaitNanos}): each read retries them, and emits a session with its thread once it is
 * found, or without it once its wait is over. Times are {@link System#nanoTime()}'s, given by the caller. Used by
 * the reader thread only.
 */
final class UnresolvedSessions {
    /** Sessions waiting for their thread at most; beyond, they are recorded at once, without it. */
    static final int MAX_UNRESOLVED = 4096;

    private final OwnerClaim claim;
    private final ToLongFunction<TcpSession> ownerWaitNanos;
    private final BiConsumer<TcpSession, SocketOwner> emit;
    private final Deque<Unresolved> waiting = new ArrayDeque<>();

    private record Unresolved(TcpSession session, long deadline) {
    }

    /** {@link SocketOwners#claim}: a session's thread, or null; with {@code lastChance}, the session goes next. */
    @FunctionalInterface
    interface OwnerClaim {
        SocketOwner claim(TcpSession session, boolean lastChance);
    }

    /**
     * @param claim names a session's thread, or null ({@link SocketOwners#claim})
     * @param ownerWaitNanos how long a session's thread may yet take to turn up ({@link SocketOwners#ownerWaitNanos})
     * @param emit where sessions go, with their thread or null
     */
    UnresolvedSessions(OwnerClaim claim, ToLongFunction<TcpSession> ownerWaitNanos,
            BiConsumer<TcpSession, SocketOwner> emit) {
        this.claim = claim;
        this.ownerWaitNanos = ownerWaitNanos;
        this.emit = emit;
    }

    /** Emits {@code session} with its thread, or without one that will never be found; else holds it. */
    void deliver(TcpSession session, long nowNanos) {
        SocketOwner owner = claim.claim(session, false);
        long wait = owner != null || waiting.size() >= MAX_UNRESOLVED ? 0 : ownerWaitNanos.applyAsLong(session);
        if (wait > 0) {
            waiting.add(new Unresolved(session, nowNanos + wait));
            return;
        }
        emit.accept(session, owner);
    }

    /**
     * Emits the sessions whose thread has turned up, and those that waited long enough, in the order they came;
     * {@code all}: every one, found or not (the last read).
     */
    void retry(long nowNanos, boolean all) {
        for (int i = waiting.size(); i > 0; i--) {
            Unresolved held = waiting.poll();
            boolean lastChance = all || nowNanos - held.deadline() >= 0;
            SocketOwner owner = claim.claim(held.session(), lastChance);
            if (owner != null || lastChance || ownerWaitNanos.applyAsLong(held.session()) == 0) {
                emit.accept(held.session(), owner);
            } else {
                waiting.add(held);
            }
        }
    }
}
