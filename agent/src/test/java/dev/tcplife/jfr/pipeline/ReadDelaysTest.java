package dev.tcplife.jfr.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The read delays' histogram: the table lookup puts every delay in the bucket the logarithm's definition does. */
class ReadDelaysTest {

    private static void assertSameBucket(long micros) {
        assertEquals(ReadDelays.bucketOf(micros), ReadDelays.bucket(micros), () -> micros + " us");
    }

    @Test
    void everyDelayUpToTenSecondsIsInTheBucketItsLogarithmSays() {
        for (long micros = 1; micros <= 10_000_000; micros++) {
            if (ReadDelays.bucketOf(micros) != ReadDelays.bucket(micros)) {
                assertSameBucket(micros);
            }
        }
    }

    @Test
    void aroundEveryPowerOfTheQuarterOctaveAndBeyond() {
        for (int i = 0; i < 4 * 53; i++) {
            long edge = (long) Math.pow(2, i / 4.0);
            for (long micros = Math.max(1, edge - 3); micros <= edge + 3 && micros > 0; micros++) {
                assertSameBucket(micros);
            }
        }
        Random random = new Random(4);
        for (int i = 0; i < 100_000; i++) {
            assertSameBucket(1 + (random.nextLong() >>> 1) / 1000);
        }
        assertSameBucket(Long.MAX_VALUE / 1000);
    }

    @Test
    void percentilesAreThoseOfTheBuckets() {
        ReadDelays delays = new ReadDelays();
        for (int i = 0; i < 98; i++) {
            delays.record(10_000_000); // 10 ms: bucket ceil(4 log2 10,000) = 54, below 2^13.5 us
        }
        delays.record(-5); // a record read before its end, by the clocks: the first bucket
        delays.record(3_000_000_000L);

        assertArrayEquals(new long[] {(long) (Math.pow(2, 54 / 4.0) * 1000), (long) (Math.pow(2, 54 / 4.0) * 1000),
                3_000_000_000L}, delays.percentilesAndReset());
        assertArrayEquals(new long[] {0, 0, 0}, delays.percentilesAndReset());
    }
}
