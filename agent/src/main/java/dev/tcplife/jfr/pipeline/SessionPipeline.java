package dev.tcplife.jfr.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import jdk.jfr.FlightRecorder;

import dev.tcplife.jfr.agent.AgentLog;
import dev.tcplife.jfr.bpf.BpfException;
import dev.tcplife.jfr.bpf.KernelClock;
import dev.tcplife.jfr.bpf.OpenSockets;
import dev.tcplife.jfr.bpf.TcpSessionProgram;
import dev.tcplife.jfr.bpf.TcpSessionProgram.Counter;
import dev.tcplife.jfr.jfr.JfrClock;
import dev.tcplife.jfr.jfr.RecordingDemand;
import dev.tcplife.jfr.jfr.TcpSessionEmitter;
import dev.tcplife.jfr.jfr.TcpSessionStatisticsEvent;
import dev.tcplife.jfr.record.TcpSession;
import dev.tcplife.jfr.record.TcpSessionDecoder;
import dev.tcplife.jfr.thread.SocketOwners;
import dev.tcplife.jfr.thread.SocketOwners.Owner;

/**
 * The agent's data flow, the one file to read first:
 *
 * <pre>
 *   kernel program (TcpSessionProgram) -> ring buffer (RingBufferReader) -> decode (TcpSessionDecoder)
 *     -> resolve the opening thread (SocketOwners) -> JFR event (TcpSessionEmitter)
 * </pre>
 *
 * One daemon thread, "tcplife-sessions", reads the ring buffer every poll interval: the kernel never wakes it,
 * which would cost more than the sessions themselves. Closing stops the thread after a last read and releases
 * the kernel program.
 */
public final class SessionPipeline implements AutoCloseable {
    /** A server session can end (say, by a reset) an instant before the JDK's accept returns and names its thread. */
    private static final long OWNER_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long ADOPTION_SWEEP_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long DEMAND_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final TcpSessionProgram program;
    private final SocketOwners owners;
    private final TcpSessionEmitter emitter;
    private final JfrClock clock;
    private final long pollNanos;
    private final long sessionsAdopted;
    private final Deque<Unresolved> unresolved = new ArrayDeque<>();
    private final ReadDelays readDelays = new ReadDelays();
    private final Thread thread;
    private final Runnable statistics = this::commitStatistics;
    private volatile boolean closing;
    private volatile boolean demandChanged = true;

    private record Unresolved(TcpSession session, long deadline) {
    }

    private SessionPipeline(TcpSessionProgram program, SocketOwners owners, TcpSessionEmitter emitter, JfrClock clock,
            long pollMillis, long sessionsAdopted) {
        this.program = program;
        this.sessionsAdopted = sessionsAdopted;
        this.owners = owners;
        this.emitter = emitter;
        this.clock = clock;
        this.pollNanos = TimeUnit.MILLISECONDS.toNanos(pollMillis);
        this.thread = new Thread(this::run, "tcplife-sessions");
        this.thread.setDaemon(true);
    }

    /**
     * Starts reading sessions from an attached program; the pipeline owns the program from now on.
     *
     * @param sessionsAdopted sessions already open when tracing began, handed to the program
     */
    public static SessionPipeline start(TcpSessionProgram program, SocketOwners owners, TcpSessionEmitter emitter,
            JfrClock clock, long pollMillis, long sessionsAdopted) {
        SessionPipeline pipeline = new SessionPipeline(program, owners, emitter, clock, pollMillis, sessionsAdopted);
        FlightRecorder.addPeriodicEvent(TcpSessionStatisticsEvent.class, pipeline.statistics);
        pipeline.thread.start();
        return pipeline;
    }

    private void run() {
        long nextSweep = System.nanoTime() + ADOPTION_SWEEP_NANOS;
        long nextDemandCheck = System.nanoTime();
        while (!closing) {
            long now = System.nanoTime();
            if (demandChanged || now - nextDemandCheck >= 0) {
                demandChanged = false;
                RecordingDemand demand = RecordingDemand.now();
                program.report(demand.wanted(), demand.thresholdNanos());
                nextDemandCheck = now + DEMAND_CHECK_NANOS;
            }
            if (clock != null) {
                clock.recalibrate(); // a fresh anchor for every read: half a microsecond per poll
            }
            readOnce();
            if (now - nextSweep >= 0) {
                sweepAdoptions();
                nextSweep = now + ADOPTION_SWEEP_NANOS;
            }
            LockSupport.parkNanos(this, pollNanos);
        }
    }

    /**
     * A recording started, stopped or changed: the kernel's reporting follows within a poll interval, not only at
     * the next periodic check. (JFR calls this on the thread that changed the recording.)
     */
    public void recordingsChanged() {
        demandChanged = true;
        LockSupport.unpark(thread);
    }

    /** Sessions adopted from before tracing that have ended unseen no longer need watching for. */
    private synchronized void sweepAdoptions() {
        if (!program.adoptionPending()) {
            return;
        }
        try {
            program.sweepAdoptions(OpenSockets.list());
        } catch (IOException e) {
            AgentLog.debug("could not list the JVM's sockets: " + e);
        }
    }

    /** Reads every finished session the kernel holds, and retries the ones still waiting for their thread. */
    private synchronized void readOnce() {
        try {
            program.events().read(this::onRecord);
            retryUnresolved(System.nanoTime());
        } catch (RuntimeException | Error e) {
            AgentLog.error("reading sessions failed, tracing goes on: " + e);
        }
    }

    private void onRecord(ByteBuffer data, int offset, int length) {
        if (length < TcpSessionDecoder.RECORD_SIZE) {
            return;
        }
        TcpSession session = TcpSessionDecoder.decode(data, offset);
        readDelays.record(KernelClock.nowNanos() - session.endNanos());
        Owner owner = owners.claim(session);
        if (owner == null && TcpSession.SERVER.equals(session.role()) && session.socketInode() != 0) {
            unresolved.add(new Unresolved(session, System.nanoTime() + OWNER_GRACE_NANOS));
            return;
        }
        emitter.emit(session, owner);
    }

    /** Emits the sessions whose thread has turned up, and those that waited long enough; {@code now} MAX_VALUE: all. */
    private void retryUnresolved(long now) {
        for (int i = unresolved.size(); i > 0; i--) {
            Unresolved waiting = unresolved.poll();
            Owner owner = owners.claim(waiting.session());
            if (owner != null || closing || now == Long.MAX_VALUE || now - waiting.deadline() >= 0) {
                emitter.emit(waiting.session(), owner);
            } else {
                unresolved.add(waiting);
            }
        }
    }

    private void commitStatistics() {
        TcpSessionStatisticsEvent event = new TcpSessionStatisticsEvent();
        event.sessionsRecorded = emitter.recorded();
        event.sessionsBelowThreshold = emitter.belowThreshold() + program.counter(Counter.BELOW_THRESHOLD);
        event.sessionsLost = program.counter(Counter.RINGBUF_FULL);
        event.sessionsNotTracked = program.counter(Counter.SESSIONS_FULL);
        event.listenersNotTracked = program.counter(Counter.LISTENERS_FULL);
        event.sessionsFiltered = program.counter(Counter.FILTERED);
        event.sessionsUnwanted = emitter.unwanted() + program.counter(Counter.UNWANTED);
        event.sessionEndsUnseen = program.counter(Counter.END_UNSEEN);
        event.sessionsAdopted = sessionsAdopted;
        long[] delays = readDelays.percentilesAndReset();
        event.readDelayMedian = delays[0];
        event.readDelayP99 = delays[1];
        event.readDelayMax = delays[2];
        synchronized (this) {
            if (!closing) {
                event.sessionsOpen = program.trackedSessions();
                event.kernelRunsSkipped = skippedRuns();
            }
        }
        event.commit();
    }

    /** 0 where the kernel or libbpf cannot tell; the reason is logged at debug level. */
    private long skippedRuns() {
        try {
            return program.skippedRuns();
        } catch (BpfException | RuntimeException | LinkageError e) {
            AgentLog.debug("cannot read the kernel's count of skipped runs: " + e);
            return 0;
        }
    }

    /** Reads what is left, stops the reader thread and releases the kernel program. Idempotent. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        readOnce();
        FlightRecorder.removePeriodicEvent(statistics);
        program.close();
    }

    /**
     * The last read at JVM exit, on the calling thread, before JFR writes its recordings: every session that
     * ended before now, and the final statistics. Synchronized like the reader thread's reads, which may still be
     * running: the sessions waiting for their thread are not shared between two threads at once.
     */
    public synchronized void lastRead() {
        if (!closing) {
            readOnce();
            retryUnresolved(Long.MAX_VALUE);
            commitStatistics();
        }
    }
}
