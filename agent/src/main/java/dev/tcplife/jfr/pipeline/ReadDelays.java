package dev.tcplife.jfr.pipeline;

import java.util.Arrays;

/**
 * How long finished sessions waited between TCP_CLOSE in the kernel and their event, per statistics period:
 * a log-scale histogram (quarter-octave buckets from 1 us), so recording costs an array increment.
 * Written by the reader thread, read and reset by JFR's periodic thread: both synchronize on this object.
 */
final class ReadDelays {
    /** Bucket i holds delays below 2^(i/4) microseconds. */
    private static final int BUCKETS = 4 * 32;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max;

    /**
     * LOWEST[b]: the fewest microseconds that {@link #bucketOf} puts in bucket b or a later one. Non-decreasing (a
     * bucket that no whole number of microseconds reaches shares the next one's).
     */
    private static final long[] LOWEST = lowest();

    synchronized void record(long nanos) {
        counts[bucket(Math.max(1, nanos / 1000))]++;
        total++;
        max = Math.max(max, nanos);
    }

    /** Bucket i holds delays below 2^(i/4) microseconds, by definition; {@link #bucket} is the same, faster. */
    static int bucketOf(long micros) {
        return (int) Math.min(BUCKETS - 1, Math.ceil(4 * Math.log(micros) / Math.log(2)));
    }

    /**
     * {@link #bucketOf}, found in a table instead of computed: the reader records every session it reads, and two
     * logarithms per session cost more than this search. The same function exactly, rounding included: bucketOf
     * only grows with its argument (Math.log is monotonic), so the table of where each bucket starts, made from
     * bucketOf itself, tells any argument's bucket.
     */
    static int bucket(long micros) {
        int low = 0;
        int high = BUCKETS - 1;
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (LOWEST[middle] <= micros) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        return low;
    }

    private static long[] lowest() {
        long[] lowest = new long[BUCKETS];
        for (int b = 0; b < BUCKETS; b++) {
            long low = 1;
            long high = Long.MAX_VALUE / 1000; // the most microseconds a long of nanoseconds holds; in the last bucket
            while (low < high) {
                long middle = low + (high - low) / 2;
                if (bucketOf(middle) >= b) {
                    high = middle;
                } else {
                    low = middle + 1;
                }
            }
            lowest[b] = low;
        }
        return lowest;
    }

    /** The median, the 99th percentile (both as bucket upper bounds) and the maximum, in nanoseconds; then resets. */
    synchronized long[] percentilesAndReset() {
        long[] result = {quantile(0.5), quantile(0.99), max};
        Arrays.fill(counts, 0);
        total = 0;
        max = 0;
        return result;
    }

    private long quantile(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, (long) (Math.pow(2, i / 4.0) * 1000));
            }
        }
        return max;
    }
}
