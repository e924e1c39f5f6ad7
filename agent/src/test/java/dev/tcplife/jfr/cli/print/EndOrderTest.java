package dev.tcplife.jfr.cli.print;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class EndOrderTest {
    private static final long MS = 1_000_000;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final EndOrder order = new EndOrder(out);
    private final ByteLine line = new ByteLine(StandardCharsets.UTF_8);

    private void add(long end, String text) throws IOException {
        line.append(text).endLine();
        order.add(end, line);
        line.clear();
    }

    private List<String> written() {
        String text = out.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : List.of(text.split(System.lineSeparator()));
    }

    @Test
    void lateSessionsComeOutInTheOrderTheyEnded() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        long now = 0;
        for (int i = 0; i < 300_000; i++) {
            now += random.nextLong(0, 100_000);
            // one in five up to a second late, as a recording has them; lines of varied lengths wrap the ring
            long end = random.nextInt(5) == 0 ? now - random.nextLong(0, 1000 * MS) : now;
            add(end, end + " " + "x".repeat(random.nextInt(0, 300)));
        }
        order.finish();
        List<String> lines = written();
        assertEquals(300_000, lines.size());
        assertEquals(300_000, order.written());
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < lines.size(); i++) {
            String[] parts = lines.get(i).split(" ");
            long end = Long.parseLong(parts[0]);
            if (end < previous) {
                throw new AssertionError("out of order at line " + i + ": " + previous + " then " + end);
            }
            assertEquals(lines.get(i).length() - parts[0].length() - 1, parts.length > 1 ? parts[1].length() : 0);
            previous = end;
        }
    }

    @Test
    void aLineWaitsUntilASessionEndsAWindowLater() throws IOException {
        add(0, "first");
        add(EndOrder.WINDOW, "second");
        assertEquals(List.of(), written(), "nothing is a whole window old");
        add(EndOrder.WINDOW + 1, "third");
        assertEquals(List.of("first"), written());
        order.finish();
        assertEquals(List.of("first", "second", "third"), written());
    }

    @Test
    void noMoreThanTheMostItHoldsWait() throws IOException {
        for (int i = 0; i < EndOrder.MAX_HELD + 10; i++) {
            add(i, Integer.toString(i)); // all within the window
        }
        assertEquals(10, order.written());
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), written());
    }

    @Test
    void noMoreThanTheMostBytesWait() throws IOException {
        String big = "y".repeat(64 * 1024 - System.lineSeparator().length());
        int lines = EndOrder.MAX_BYTES / (64 * 1024);
        for (int i = 0; i < lines + 3; i++) {
            add(i, big);
        }
        assertEquals(3, order.written());
    }
}
