package dev.tcplife.jfr.events;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import dev.tcplife.jfr.os.KernelClock;

/**
 * Converts the kernel's CLOCK_MONOTONIC nanoseconds ({@code bpf_ktime_get_ns()}) into JFR ticks, the unit of
 * every event's start time and duration, so that sessions sit on the recording's timeline where they happened.
 *
 * <p>JFR's ticks are either CLOCK_MONOTONIC nanoseconds minus an offset, or, on x86 hosts with an invariant TSC,
 * raw TSC cycles. Both are read here through {@code jdk.jfr.internal.JVM.counterTime()}: an anchor pair
 * (monotonic, ticks) is sampled with the tightest bracket of a few tries, and the rate between anchors taken
 * at least a second apart replaces the nominal tick frequency, which absorbs TSC drift against NTP-slewed
 * CLOCK_MONOTONIC. In a time namespace, the JVM's monotonic clock is offset from the kernel's; {@link KernelClock}
 * knows by how much.
 */
public final class JfrClock {
    private static final int SAMPLES = 7;
    private static final long MIN_RATE_BASE_NANOS = 1_000_000_000L;

    private final MethodHandle counterTime;
    private final LongSupplier monotonicNanos;
    private final long timeNamespaceOffsetNanos;
    private volatile Anchor anchor;
    /** Where the rate is measured from: at least a second before it is replaced. */
    private Anchor rateBase;

    private record Anchor(long nanos, long ticks, double ticksPerNano) {
    }

    /**
     * Package-private for tests, which give it clocks of their own.
     *
     * @param counterTime JFR's ticks now, a {@code ()long} handle
     * @param monotonicNanos this JVM's CLOCK_MONOTONIC now: {@link System#nanoTime()}
     * @param ticksPerNano the nominal tick rate, until one is measured
     */
    JfrClock(MethodHandle counterTime, LongSupplier monotonicNanos, double ticksPerNano, long timeNamespaceOffsetNanos)
            throws Throwable {
        this.counterTime = counterTime;
        this.monotonicNanos = monotonicNanos;
        this.timeNamespaceOffsetNanos = timeNamespaceOffsetNanos;
        long[] sample = sample();
        this.anchor = new Anchor(sample[0], sample[1], ticksPerNano);
        this.rateBase = anchor;
    }

    /**
     * Opens JFR's clock to the agent.
     *
     * @throws IllegalStateException when this JDK's JFR has no usable tick counter
     */
    public static JfrClock open(Instrumentation instrumentation) {
        try {
            Module jfr = Class.forName("jdk.jfr.Event").getModule();
            instrumentation.redefineModule(jfr, Set.of(), Map.of(),
                    Map.of("jdk.jfr.internal", Set.of(JfrClock.class.getModule())), Set.of(), Map.of());
            Class<?> jvm = Class.forName("jdk.jfr.internal.JVM");
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(jvm, MethodHandles.lookup());
            MethodHandle counterTime = lookup.findStatic(jvm, "counterTime", MethodType.methodType(long.class));
            var frequencyMethod = jvm.getMethod("getTicksFrequency");
            long frequency = Modifier.isStatic(frequencyMethod.getModifiers())
                    ? (long) frequencyMethod.invoke(null)
                    : (long) frequencyMethod.invoke(jvm.getMethod("getJVM").invoke(null));
            return new JfrClock(counterTime, System::nanoTime, frequency / 1e9, KernelClock.timeNamespaceOffsetNanos());
        } catch (Throwable e) {
            throw new IllegalStateException("JFR's tick counter (jdk.jfr.internal.JVM.counterTime) is not usable here: " + e, e);
        }
    }

    /**
     * JFR ticks at the kernel's CLOCK_MONOTONIC time {@code kernelNanos}. Rounded with Math.rint, which the JIT
     * makes one instruction: Math.round branches on the sign and size of its argument, and a session that ends
     * after the anchor (a positive offset among negative ones) or at it made the JIT deoptimize and recompile the
     * reader's event commit, where this is inlined, JFR's writer with it.
     */
    public long toTicks(long kernelNanos) {
        Anchor a = anchor;
        return a.ticks + (long) Math.rint((kernelNanos + timeNamespaceOffsetNanos - a.nanos) * a.ticksPerNano);
    }

    /**
     * Takes a new anchor, so that the sessions read next are converted from a point milliseconds away, where an
     * error in the rate hardly matters (the JVM's nominal TSC frequency can be off by a few parts in a thousand,
     * milliseconds over a second); once a second or more has passed since the rate's base, also measures the rate.
     * Called by the reader thread only, before each read.
     */
    public void recalibrate() {
        try {
            long[] sample = sample();
            double rate = anchor.ticksPerNano;
            long elapsed = sample[0] - rateBase.nanos;
            if (elapsed >= MIN_RATE_BASE_NANOS) {
                rate = (double) (sample[1] - rateBase.ticks) / elapsed;
            }
            anchor = new Anchor(sample[0], sample[1], rate);
            if (elapsed >= MIN_RATE_BASE_NANOS) {
                rateBase = anchor;
            }
        } catch (Throwable e) {
            // keep the previous anchor
        }
    }

    /** A (monotonic nanos, ticks) pair read as close together as the machine allows. */
    private long[] sample() throws Throwable {
        long bestWidth = Long.MAX_VALUE;
        long[] best = new long[2];
        for (int i = 0; i < SAMPLES; i++) {
            long before = monotonicNanos.getAsLong();
            long ticks = (long) counterTime.invokeExact();
            long after = monotonicNanos.getAsLong();
            if (after - before < bestWidth) {
                bestWidth = after - before;
                best[0] = before + (after - before) / 2;
                best[1] = ticks;
            }
        }
        return best;
    }
}
