package dev.tcplife.jfr.pipeline;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import jdk.jfr.FlightRecorder;

import dev.tcplife.jfr.bpf.Adoption;
import dev.tcplife.jfr.bpf.BpfException;
import dev.tcplife.jfr.bpf.TcpSessionContract.Counter;
import dev.tcplife.jfr.bpf.TcpSessionContract.Record;
import dev.tcplife.jfr.bpf.TcpSessionProgram;
import dev.tcplife.jfr.events.JfrClock;
import dev.tcplife.jfr.events.RecordingDemand;
import dev.tcplife.jfr.events.TcpSessionEmitter;
import dev.tcplife.jfr.events.TcpSessionStatisticsEvent;
import dev.tcplife.jfr.log.AgentLog;
import dev.tcplife.jfr.os.KernelClock;
import dev.tcplife.jfr.record.TcpSession;
import dev.tcplife.jfr.record.TcpSessionDecoder;
import dev.tcplife.jfr.thread.SocketOwners;

/**
 * The agent's data flow, the one file to read first:
 *
 * <pre>
 *   kernel program (TcpSessionProgram) -> ring buffer (RingBufferReader) -> decode (TcpSessionDecoder)
 *     -> resolve the opening thread (SocketOwners) -> JFR event (TcpSessionEmitter)
 * </pre>
 *
 * One daemon thread, "tcplife-sessions", reads the ring buffer every poll interval: the kernel never wakes it,
 * which would cost more than the sessions themselves. It starts the moment the kernel program is attached, before
 * JFR is ready to take events: until then ({@link #emitTo}) it keeps the finished sessions' records in memory, so
 * that the kernel's buffer never fills while the agent's start goes on. Closing stops the thread after a last read
 * and releases the kernel program.
 */
public final class SessionPipeline implements AutoCloseable {
    private static final long ADOPTION_SWEEP_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long DEMAND_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * profile.jfc's jdk.ThreadPark threshold, the shorter of the JDK's two templates' (default.jfc's is 20 ms): the
     * reader's parks stay below it also where it cannot know the recordings' settings, before JFR is ready for the
     * agent and while recordings stop at the JVM's exit.
     */
    private static final long TEMPLATE_PARK_THRESHOLD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** A recording that records parks shorter than this records them all: not worth waking up more often for. */
    private static final long SHORTEST_AVOIDED_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How long the JVM's exit waits for a read in progress before JFR writes its recordings anyway. */
    private static final long LAST_READ_WAIT_MILLIS = 2_000;

    private final TcpSessionProgram program;
    private final SocketOwners owners;
    private final long pollNanos;
    private final Adoption adoption;
    private final StartBacklog backlog = new StartBacklog();
    private final ReadDelays readDelays = new ReadDelays();
    private final ReentrantLock reading = new ReentrantLock();
    private final Thread thread;
    private final Runnable statistics = this::commitStatistics;
    /** Where sessions go once JFR is ready; null before. */
    private volatile Output output;
    /** Counted down as {@link #output} is set: the exit's last read waits for a JFR set-up in progress. */
    private final CountDownLatch outputSet = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile boolean demandChanged = true;
    /** Ends the reader's wait for the next read early: closing, a demand changed, JFR ready. */
    private volatile boolean wakeUp;
    /** The longest park of the reader between two reads (reader thread only); see {@link #parkSlice}. */
    private long parkSliceNanos;
    /** The clock when the current read took its first record, 0 before ({@link #batchReadNanos}); under {@link #reading}. */
    private long batchReadNanos;
    /** Set once, before {@link #output}, whose volatile write publishes them. */
    private boolean tracedFromMain;
    private long tracingStartMillis;

    /** {@code unresolved}: the sessions still waiting for their thread, on their way to {@code emitter}. */
    private record Output(TcpSessionEmitter emitter, JfrClock clock, UnresolvedSessions unresolved) {
    }

    private SessionPipeline(TcpSessionProgram program, SocketOwners owners, long pollMillis,
            Adoption adoption) {
        this.program = program;
        this.adoption = adoption;
        this.owners = owners;
        this.pollNanos = TimeUnit.MILLISECONDS.toNanos(pollMillis);
        this.parkSliceNanos = parkSlice(pollNanos, Long.MAX_VALUE);
        this.thread = new Thread(this::run, "tcplife-sessions");
        this.thread.setDaemon(true);
        this.thread.setContextClassLoader(SessionPipeline.class.getClassLoader());
    }

    /**
     * Starts reading sessions from an attached program, holding them until {@link #emitTo}; the pipeline owns the
     * program from now on.
     *
     * @param adoption what the program adopted as it attached, and when tracing began
     */
    public static SessionPipeline start(TcpSessionProgram program, SocketOwners owners, long pollMillis,
            Adoption adoption) {
        SessionPipeline pipeline = new SessionPipeline(program, owners, pollMillis, adoption);
        pipeline.thread.start();
        return pipeline;
    }

    /**
     * JFR is ready: sessions held since tracing began are emitted first, in the order they ended, then every
     * session as it is read; the statistics event is registered. {@code clock} may be null (events then carry
     * the time they are read).
     *
     * @param tracedFromMain whether tracing began before the application's main method, for the statistics
     */
    public void emitTo(TcpSessionEmitter emitter, JfrClock clock, boolean tracedFromMain) {
        this.tracedFromMain = tracedFromMain;
        this.tracingStartMillis = System.currentTimeMillis()
                - TimeUnit.NANOSECONDS.toMillis(KernelClock.nowNanos() - adoption.tracingStartNanos());
        output = new Output(emitter, clock,
                new UnresolvedSessions(owners::claim, owners::ownerWaitNanos, emitter::emit));
        outputSet.countDown();
        FlightRecorder.addPeriodicEvent(TcpSessionStatisticsEvent.class, statistics);
        wake();
    }

    private void run() {
        long nextSweep = System.nanoTime() + ADOPTION_SWEEP_NANOS;
        long nextDemandCheck = System.nanoTime();
        while (!closing) {
            wakeUp = false; // before the checks below: a wake from now on ends the next wait at once
            long now = System.nanoTime();
            Output out = output;
            // Until JFR is ready no recording can want anything yet: the kernel keeps reporting every session.
            if (out != null && (demandChanged || now - nextDemandCheck >= 0)) {
                demandChanged = false;
                RecordingDemand demand = RecordingDemand.now();
                program.report(demand.wanted(), demand.thresholdNanos());
                parkSliceNanos = parkSlice(pollNanos, demand.parkThresholdNanos());
                nextDemandCheck = now + DEMAND_CHECK_NANOS;
            }
            if (out != null && out.clock() != null) {
                out.clock().recalibrate(); // a fresh anchor for every read: half a microsecond per poll
            }
            read(false);
            if (now - nextSweep >= 0) {
                sweepAdoptions();
                nextSweep = now + ADOPTION_SWEEP_NANOS;
            }
            awaitNextRead();
        }
    }

    /**
     * Waits a poll interval, or less when woken, in parks shorter than any running recording records as
     * jdk.ThreadPark: one park of the whole interval would put an event with its stack trace into the application's
     * recording at every poll, fifty a second with default.jfc (threshold 20 ms, the default poll). A few more
     * wake-ups a second cost microseconds.
     */
    private void awaitNextRead() {
        long deadline = System.nanoTime() + pollNanos;
        for (long left = pollNanos; left > 0 && !wakeUp; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(this, Math.min(left, parkSliceNanos));
        }
    }

    /**
     * The longest park that stays clear of the recordings' jdk.ThreadPark threshold and of the JDK templates', with
     * a quarter to spare for the park's overrun. A sub-millisecond threshold records every park anyway.
     */
    static long parkSlice(long pollNanos, long parkThresholdNanos) {
        long threshold = parkThresholdNanos < SHORTEST_AVOIDED_PARK_NANOS ? TEMPLATE_PARK_THRESHOLD_NANOS
                : Math.min(parkThresholdNanos, TEMPLATE_PARK_THRESHOLD_NANOS);
        return Math.min(pollNanos, threshold / 4 * 3);
    }

    private void wake() {
        wakeUp = true;
        LockSupport.unpark(thread);
    }

    /**
     * A recording started, stopped or changed: the kernel's reporting follows within a poll interval, not only at
     * the next periodic check. (JFR calls this on the thread that changed the recording.)
     */
    public void recordingsChanged() {
        demandChanged = true;
        wake();
    }

    /** Sessions adopted from before tracing that have ended unseen no longer need watching for. */
    private void sweepAdoptions() {
        reading.lock();
        try {
            if (program.adoptionPending()) {
                program.sweepAdoptions();
            }
        } catch (IOException e) {
            AgentLog.debug("could not list the JVM's sockets: " + e);
        } finally {
            reading.unlock();
        }
    }

    /**
     * Reads every finished session the kernel holds: emits it, or holds it while JFR is not ready. Retries the
     * sessions still waiting for their thread; {@code last}: emits them all, found or not.
     */
    private void read(boolean last) {
        reading.lock();
        try {
            Output out = output;
            if (out == null) {
                program.events().read(this::hold);
                return;
            }
            backlog.drain(session -> out.unresolved().deliver(session, System.nanoTime()));
            batchReadNanos = 0;
            program.events().read((data, offset, length) -> {
                if (length >= Record.SIZE) {
                    TcpSession session = TcpSessionDecoder.decode(data, offset);
                    long now = batchReadNanos();
                    readDelays.record(now - KernelClock.timeNamespaceOffsetNanos() - session.endNanos());
                    out.unresolved().deliver(session, now);
                }
            });
            out.unresolved().retry(System.nanoTime(), last || closing);
        } catch (RuntimeException | Error e) {
            AgentLog.error("reading sessions failed, tracing goes on: " + e);
        } finally {
            reading.unlock();
        }
    }

    /**
     * One clock read for all the records of a read, taken at its first record: after the ring buffer's producer
     * position was read, so every record of the read ended before it. A record's delay is then counted to the
     * moment its read began, a fraction of a millisecond short for the last of a few hundred; a read per record took
     * about as much of the reader's time as decoding the record (benchmarks/RESULTS.md). It serves both uses:
     * KernelClock's clock is System.nanoTime() less a constant.
     */
    private long batchReadNanos() {
        if (batchReadNanos == 0) {
            batchReadNanos = System.nanoTime();
        }
        return batchReadNanos;
    }

    private void hold(ByteBuffer data, int offset, int length) {
        if (length >= Record.SIZE) {
            readDelays.record(KernelClock.nowNanos() - TcpSessionDecoder.endNanos(data, offset));
            backlog.add(data, offset);
        }
    }

    private void commitStatistics() {
        Output out = output;
        if (out == null) {
            return;
        }
        TcpSessionStatisticsEvent event = new TcpSessionStatisticsEvent();
        event.sessionsRecorded = out.emitter().recorded();
        event.sessionsBelowThreshold = out.emitter().belowThreshold() + program.counter(Counter.BELOW_THRESHOLD);
        event.sessionsLost = program.counter(Counter.RINGBUF_FULL) + backlog.dropped();
        event.sessionsNotTracked = program.counter(Counter.SESSIONS_FULL) + adoption.notAdopted();
        event.listenersNotTracked = program.counter(Counter.LISTENERS_FULL);
        event.sessionsFiltered = program.counter(Counter.FILTERED);
        event.sessionsUnwanted = out.emitter().unwanted() + program.counter(Counter.UNWANTED);
        event.sessionEndsUnseen = program.counter(Counter.END_UNSEEN);
        event.sessionsAdopted = program.counter(Counter.ADOPTED);
        event.sessionsRecovered = program.counter(Counter.RECOVERED);
        event.tracingStart = tracingStartMillis;
        event.tracedFromMain = tracedFromMain;
        long[] delays = readDelays.percentilesAndReset();
        event.readDelayMedian = delays[0];
        event.readDelayP99 = delays[1];
        event.readDelayMax = delays[2];
        if (reading.tryLock()) {
            try {
                if (!closing) {
                    event.sessionsOpen = program.trackedSessions();
                    event.kernelRunsSkipped = skippedRuns();
                }
            } finally {
                reading.unlock();
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
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        read(true);
        if (output != null) {
            FlightRecorder.removePeriodicEvent(statistics);
        }
        program.close();
    }

    /**
     * The last read at JVM exit, on the calling thread, before JFR writes its recordings: every session that
     * ended before now, and the final statistics. It waits for JFR to be set up for the agent's events if that is
     * under way (an application can exit within the first milliseconds of main), and for a read in progress on
     * the reader thread, but never long enough to hold up the JVM's exit.
     */
    public void lastRead() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LAST_READ_WAIT_MILLIS);
        try {
            if (!outputSet.await(LAST_READ_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                AgentLog.warn("the JVM exits before JFR was set up for the agent's events: the sessions of its"
                        + " first moments are not recorded");
                return;
            }
            if (!reading.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                AgentLog.warn("the last read at exit gave up waiting for the reader: sessions of the last moments"
                        + " may be missing");
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (!closing) {
                read(true);
                commitStatistics();
            }
        } finally {
            reading.unlock();
        }
    }

    /**
     * Finished sessions read before JFR was ready, as the kernel wrote them (a record is smaller than its decoded
     * form), in chunks of a megabyte. Bounded: beyond {@link #LIMIT_BYTES} (some 600,000 sessions, many seconds of
     * the heaviest churn) sessions are dropped and counted as lost.
     */
    private static final class StartBacklog {
        static final int CHUNK_BYTES = 1 << 20;
        static final long LIMIT_BYTES = 64L << 20;

        private final Deque<ByteBuffer> chunks = new ArrayDeque<>();
        private long bytes;
        /** Written by the reader thread, read by JFR's periodic thread. */
        private volatile long dropped;

        void add(ByteBuffer data, int offset) {
            ByteBuffer chunk = chunks.peekLast();
            if (chunk == null || chunk.remaining() < Record.SIZE) {
                if (bytes + CHUNK_BYTES > LIMIT_BYTES) {
                    dropped++;
                    return;
                }
                chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                chunks.add(chunk);
                bytes += CHUNK_BYTES;
            }
            chunk.put(data.slice(offset, Record.SIZE));
        }

        /** Hands every held session over, oldest first, and lets go of the memory. */
        void drain(Consumer<TcpSession> sink) {
            for (ByteBuffer chunk; (chunk = chunks.poll()) != null; ) {
                for (int at = 0; at + Record.SIZE <= chunk.position(); at += Record.SIZE) {
                    sink.accept(TcpSessionDecoder.decode(chunk, at));
                }
            }
            bytes = 0;
        }

        long dropped() {
            return dropped;
        }
    }
}
