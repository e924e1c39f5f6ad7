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

    synchronized void record(long nanos) {
        long micros = Math.max(1, nanos / 1000);
        int bucket = (int) Math.min(BUCKETS - 1, Math.ceil(4 * Math.log(micros) / Math.log(2)));
        counts[bucket]++;
        total++;
        max = Math.max(max, nanos);
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
