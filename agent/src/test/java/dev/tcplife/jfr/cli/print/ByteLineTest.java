package dev.tcplife.jfr.cli.print;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Numbers written as bytes read as Java writes them, for values of every length and every width asked. */
class ByteLineTest {
    @Test
    void digitsAreTheLastOnesOfTheNumberPaddedWithZeros() {
        SplittableRandom random = new SplittableRandom(15);
        long[] edges = {0, 9, 10, 999_999_999, 1_000_000_000, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L,
                999_999_999_999_999_999L, 1_000_000_000_000_000_000L, Long.MAX_VALUE, 1_796_241_235_912_100_394L};
        for (int i = 0; i < 20_000; i++) {
            long value = i < edges.length ? edges[i] : random.nextLong(Long.MAX_VALUE) >>> random.nextInt(63);
            int digits = 1 + random.nextInt(19);
            String all = String.format("%019d", value);
            ByteLine line = new ByteLine(StandardCharsets.UTF_8);
            line.append("x").appendDigits(value, digits);
            assertEquals("x" + all.substring(19 - digits), line.toString(), value + " in " + digits + " digits");
            ByteLine whole = new ByteLine(StandardCharsets.UTF_8);
            assertEquals(Long.toString(value), whole.append(value).toString());
            assertEquals(Long.toString(-value), new ByteLine(StandardCharsets.UTF_8).append(-value).toString());
        }
        assertEquals(Long.toString(Long.MIN_VALUE),
                new ByteLine(StandardCharsets.UTF_8).append(Long.MIN_VALUE).toString());
    }
}
