package dev.tcplife.jfr.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The conversion from the kernel's CLOCK_MONOTONIC to JFR ticks, on a made-up machine whose two clocks the test
 * sets and advances: no reading of the real clocks, so no tolerance for a busy machine is needed.
 */
class JfrClockTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long MILLISECOND = 1_000_000L;
    /** Rounding: a conversion may be a tick off either way. */
    private static final double TICK = 1.5;

    /**
     * CLOCK_MONOTONIC as the JVM reads it, and JFR's tick counter, running at {@code ticksPerNano} from
     * {@code ticksAtZero}. Every read takes 20 ns; a tick read may be followed by a stall (the reading thread
     * descheduled) before the next read.
     */
    public static final class Machine {
        long nanos = 10 * SECOND;
        final double ticksPerNano;
        final long ticksAtZero;
        final Deque<Long> stallsAfterTickReads = new ArrayDeque<>();
        boolean counterBroken;

        Machine(double ticksPerNano, long ticksAtZero) {
            this.ticksPerNano = ticksPerNano;
            this.ticksAtZero = ticksAtZero;
        }

        long ticksAt(long monotonicNanos) {
            return ticksAtZero + Math.round(monotonicNanos * ticksPerNano);
        }

        public long nanoTime() {
            long now = nanos;
            nanos += 20;
            return now;
        }

        public long counterTime() {
            if (counterBroken) {
                throw new IllegalStateException("no counter");
            }
            long ticks = ticksAt(nanos);
            Long stall = stallsAfterTickReads.poll();
            nanos += 20 + (stall == null ? 0 : stall);
            return ticks;
        }

        /** A JfrClock on this machine, believing the tick rate to be {@code nominalTicksPerNano}. */
        JfrClock clock(double nominalTicksPerNano, long timeNamespaceOffsetNanos) throws Throwable {
            MethodHandle counterTime = MethodHandles.lookup()
                    .findVirtual(Machine.class, "counterTime", MethodType.methodType(long.class)).bindTo(this);
            return new JfrClock(counterTime, this::nanoTime, nominalTicksPerNano, timeNamespaceOffsetNanos);
        }
    }

    @Test
    void ticksThatAreMonotonicNanosecondsMinusAnOffsetConvertToThatExactly() throws Throwable {
        // JFR's ticks where it does not use the TSC: CLOCK_MONOTONIC less the JVM's start
        Machine machine = new Machine(1.0, -3 * SECOND);
        JfrClock clock = machine.clock(1.0, 0);

        assertEquals(4 * SECOND, clock.toTicks(7 * SECOND), "a session that began before the clock opened");
        assertEquals(9 * SECOND, clock.toTicks(12 * SECOND));
    }

    @Test
    void timesBeforeAtAndAfterTheAnchorConvertAlike() throws Throwable {
        // 2.5 ticks a nanosecond: half ticks at odd offsets, on either side of the anchor and at it
        Machine machine = new Machine(2.5, 0);
        JfrClock clock = machine.clock(2.5, 0);
        long now = machine.nanos;

        for (long offset : new long[] {-3 * SECOND - 1, -1001, -2, -1, 0, 1, 2, 1001, 3 * SECOND + 1}) {
            assertEquals(machine.ticksAt(now + offset), clock.toTicks(now + offset), TICK, "offset " + offset);
        }
    }

    @Test
    void inATimeNamespaceAKernelTimeIsConvertedAtTheJvmsTimeForIt() throws Throwable {
        // the JVM's CLOCK_MONOTONIC runs 5 s ahead of the kernel's, which the session's times are on
        Machine machine = new Machine(2.5, 0);
        JfrClock clock = machine.clock(2.5, 5 * SECOND);

        assertEquals(machine.ticksAt(12 * SECOND), clock.toTicks(7 * SECOND), TICK);
    }

    @Test
    void theAnchorIsTheSampleReadInTheShortestTime() throws Throwable {
        // every sample but the fourth is stalled a millisecond after reading the ticks: their midpoints are half
        // a millisecond, 1.5 million ticks, late; the fourth's is exact
        Machine machine = new Machine(3.0, 0);
        machine.stallsAfterTickReads.addAll(List.of(MILLISECOND, MILLISECOND, MILLISECOND, 0L, MILLISECOND,
                MILLISECOND, MILLISECOND));
        JfrClock clock = machine.clock(3.0, 0);

        assertEquals(machine.ticksAt(machine.nanos), clock.toTicks(machine.nanos), TICK);
    }

    @Test
    void theTickRateIsMeasuredOnceASecondHasPassed() throws Throwable {
        // the JVM's nominal rate is a part in a thousand off: 300,000 ticks over 100 ms
        Machine machine = new Machine(3.003, 0);
        JfrClock clock = machine.clock(3.0, 0);

        machine.nanos += 2 * SECOND;
        clock.recalibrate();

        long later = machine.nanos + 100 * MILLISECOND;
        assertEquals(machine.ticksAt(later), clock.toTicks(later), TICK);
    }

    @Test
    void aRecalibrationWithinTheSecondMovesTheAnchorAndKeepsTheRateBase() throws Throwable {
        Machine machine = new Machine(3.003, 0);
        JfrClock clock = machine.clock(3.0, 0);

        machine.nanos += 500 * MILLISECOND;
        long anchored = machine.nanos;
        clock.recalibrate();
        // where the old anchor would be 1.5 million ticks off, the new one is exact; its rate is still nominal,
        // as half a second is too short a base to measure it on
        long later = anchored + 100 * MILLISECOND;
        assertEquals(machine.ticksAt(anchored), clock.toTicks(anchored), TICK);
        assertEquals(machine.ticksAt(later) - Math.round(100 * MILLISECOND * 0.003), clock.toTicks(later), TICK);

        // 1.1 s after the first anchor: the rate is measured from it, not from the recalibration in between
        machine.nanos += 600 * MILLISECOND;
        clock.recalibrate();
        later = machine.nanos + 100 * MILLISECOND;
        assertEquals(machine.ticksAt(later), clock.toTicks(later), TICK);
    }

    @Test
    void aFailedRecalibrationKeepsThePreviousAnchor() throws Throwable {
        Machine machine = new Machine(3.0, 0);
        JfrClock clock = machine.clock(3.0, 0);
        long before = clock.toTicks(11 * SECOND);

        machine.nanos += 2 * SECOND;
        machine.counterBroken = true;
        clock.recalibrate();

        assertEquals(before, clock.toTicks(11 * SECOND));
    }
}
