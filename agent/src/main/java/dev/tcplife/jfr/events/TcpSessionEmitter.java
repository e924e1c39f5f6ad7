package dev.tcplife.jfr.events;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;

import jdk.jfr.FlightRecorder;

import dev.tcplife.jfr.record.TcpSession;
import dev.tcplife.jfr.thread.SocketOwner;

/**
 * Turns finished sessions into {@code tcplife.TcpSession} events, dated when the sessions really happened.
 *
 * <p>The public {@link jdk.jfr.Event} API can only date an event "now". The JVM adds the private fields
 * {@code startTime} and {@code duration} (JFR ticks) to every event class, and the generated {@code commit()}
 * keeps non-zero values: setting them on this agent's own event class puts a session where it was. This is
 * checked once when the emitter is created; without it (or without {@link JfrClock}) events are dated when the
 * agent reads them, as the README says.
 */
public final class TcpSessionEmitter {
    /**
     * The event's commit(), called through a handle held in an instance field, which the JIT cannot take for a
     * constant: it calls commit() instead of compiling it into this class's emit and into whatever inlines emit.
     * JFR's generated commit path writes the event's eight text fields through its string pool and compiles to
     * about 94 kB of machine code; inlined, every deoptimization of the reader's path (a session whose thread was
     * not found, a new JFR chunk) recompiled all of it, seconds of one core each time on a two-core host, taken
     * from the application (issue 15). Called through the handle, it is compiled once on its own.
     */
    private final MethodHandle commit;
    private final JfrClock clock;
    private final long pid;
    /** Written by the reader thread only; read by JFR's periodic thread for the statistics event. */
    private volatile long recorded;
    private volatile long belowThreshold;
    private volatile long unwanted;

    private TcpSessionEmitter(JfrClock clock, long pid) {
        this.clock = clock;
        this.pid = pid;
        try {
            this.commit = MethodHandles.lookup().findVirtual(TcpSessionEvent.class, "commit",
                    MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("jdk.jfr.Event has no commit(): " + e, e); // public API since JDK 9
        }
    }

    /**
     * The fields the JVM adds to {@link TcpSessionEvent}, looked up once the class is registered (the first use of
     * this class, in {@link #create}). Static finals because the JIT folds a constant VarHandle into a plain field
     * store, while one held in an instance field goes through VarHandle's generic guards on every event: profiles
     * of the reader showed those guards as one of its larger costs per session.
     */
    private static final class DatingFields {
        static final VarHandle START_TIME;
        static final VarHandle DURATION;
        /** Why the fields are not there; null when they are. */
        static final ReflectiveOperationException MISSING;

        static {
            VarHandle startTime = null;
            VarHandle duration = null;
            ReflectiveOperationException missing = null;
            try {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(TcpSessionEvent.class, MethodHandles.lookup());
                startTime = lookup.findVarHandle(TcpSessionEvent.class, "startTime", long.class);
                duration = lookup.findVarHandle(TcpSessionEvent.class, "duration", long.class);
            } catch (ReflectiveOperationException e) {
                missing = e;
            }
            START_TIME = startTime;
            DURATION = duration;
            MISSING = missing;
        }

        private DatingFields() {
        }
    }

    /**
     * @param clock JFR's clock, or null when it is not usable on this JDK
     * @throws IllegalStateException with the reason when events cannot be dated in the past; the caller may
     *     fall back to {@link #datedWhenRead}
     */
    public static TcpSessionEmitter create(JfrClock clock, long pid) {
        FlightRecorder.register(TcpSessionEvent.class);
        if (clock == null) {
            throw new IllegalStateException("JFR's clock is not available");
        }
        ReflectiveOperationException missing = DatingFields.MISSING;
        if (missing != null) {
            throw new IllegalStateException("this JDK adds no startTime/duration fields to event classes: " + missing,
                    missing);
        }
        return new TcpSessionEmitter(clock, pid);
    }

    private void commit(TcpSessionEvent event) {
        try {
            commit.invokeExact(event);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e); // commit() declares no checked exception
        }
    }

    /** The fallback: events carry the time the agent read them, up to the poll interval after TCP_CLOSE. */
    public static TcpSessionEmitter datedWhenRead(long pid) {
        FlightRecorder.register(TcpSessionEvent.class);
        return new TcpSessionEmitter(null, pid);
    }

    /** Commits one session on the calling thread; {@code owner} may be null. */
    public void emit(TcpSession session, SocketOwner owner) {
        TcpSessionEvent event = new TcpSessionEvent();
        if (!event.isEnabled()) {
            unwanted++;
            return;
        }
        event.pid = pid;
        event.role = session.role();
        event.family = session.family();
        event.localAddress = session.localAddress();
        event.localPort = session.localPort();
        event.remoteAddress = session.remoteAddress();
        event.remotePort = session.remotePort();
        event.bytesSent = session.bytesSent();
        event.bytesReceived = session.bytesReceived();
        event.closeInitiator = session.closeInitiator();
        event.reset = session.reset();
        event.established = session.established();
        event.error = session.error();
        if (owner != null) {
            event.javaThread = owner.thread();
            event.javaThreadName = owner.name();
            event.javaThreadId = owner.javaId();
            event.javaThreadSource = owner.found().label;
        }
        event.osThreadId = session.ownerTid() != 0 ? session.ownerTid() : owner == null ? 0 : owner.osThreadId();
        long connectNanos = session.connectNanos();
        event.connectTime = connectNanos >= 0 ? connectNanos : Long.MIN_VALUE;
        event.smoothedRtt = session.established() ? session.smoothedRttMicros() : Long.MIN_VALUE;
        event.retransmittedSegments = session.retransmittedSegments();
        event.startObserved = session.startObserved();
        event.socketId = session.socketInode();
        if (clock != null) {
            long start = clock.toTicks(session.startNanos());
            DatingFields.START_TIME.set(event, start);
            // a zero duration would make commit() measure "now - start" instead
            DatingFields.DURATION.set(event, Math.max(1, clock.toTicks(session.endNanos()) - start));
        }
        if (event.shouldCommit()) {
            commit(event);
            recorded++;
        } else {
            belowThreshold++;
        }
    }

    /** Events committed so far. */
    public long recorded() {
        return recorded;
    }

    /** Sessions not committed because they were shorter than the event's threshold. */
    public long belowThreshold() {
        return belowThreshold;
    }

    /** Sessions read while no recording enabled the event (between the kernel's last check and now). */
    public long unwanted() {
        return unwanted;
    }
}
