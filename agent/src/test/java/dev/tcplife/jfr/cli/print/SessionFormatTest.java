package dev.tcplife.jfr.cli.print;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.cli.sessions.SessionRow;

/**
 * The hand-written number and time formatting of {@link SessionFormat}, against printf and java.time. The build
 * runs the tests in Europe/Berlin, so that local times have an offset and daylight saving time changes it.
 */
class SessionFormatTest {
    private static final ZoneId ZONE = ZoneId.systemDefault();
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZONE);

    private static SessionRow session(long startNanos, long endNanos) {
        return new SessionRow(startNanos, endNanos, 42, "main", 43, "client", "IPv4", "127.0.0.1", 40000,
                "127.0.0.1", 80, 2048, 4096, "local", false, true, null, 1_500_000, 250, 0, 7, true);
    }

    private static String[] table(SessionRow row) {
        ByteLine line = new ByteLine(StandardCharsets.UTF_8);
        SessionFormat.TABLE.row(line, row);
        return line.toString().trim().split(" +");
    }

    @Test
    void startTimesAreLocalAcrossEveryOffsetChange() {
        ZoneRules rules = ZONE.getRules();
        Instant at = Instant.parse("2020-01-01T00:00:00Z");
        int checked = 0;
        // both sides of each transition, in an order that makes the cached offset go stale both ways
        for (ZoneOffsetTransition t; (t = rules.nextTransition(at)) != null && t.getInstant().getEpochSecond() < 1.9e9;
                at = t.getInstant()) {
            for (long second : new long[] {1, -1, 0, 3600, -3600, -86_400}) {
                Instant start = t.getInstant().plusSeconds(second).plusNanos(123_456_789);
                long nanos = start.getEpochSecond() * 1_000_000_000L + start.getNano();
                assertEquals(CLOCK.format(start), table(session(nanos, nanos + 1))[0], start.toString());
                checked++;
            }
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        assertEquals(CLOCK.format(Instant.ofEpochSecond(0, now)), table(session(now, now + 1))[0]);
        assertEquals(rules.isFixedOffset(), checked == 0, ZONE + ": " + checked + " start times checked");
    }

    @Test
    void millisecondsRoundAsPrintfDoes() {
        SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 100_000; i++) {
            long duration = i < 1000 ? i * 5_000 : random.nextLong(1, 10_000_000_000L);
            String[] columns = table(session(0, duration));
            assertEquals(String.format(Locale.ROOT, "%.2f", duration / 1e6), columns[10], duration + " ns");
        }
    }

    @Test
    void timesInCsvAreAsInstantToString() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            // from before 1970 to 2262, every length of fraction, and the end in the start's second or a later one
            // (the second kept from the line before goes stale both ways)
            long second = i < 1000 ? i - 500 : random.nextLong(-1_000_000_000L, 9_200_000_000L);
            long nano = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextLong(1000) * 1_000_000;
                case 2 -> random.nextLong(1_000_000) * 1000;
                default -> random.nextLong(1_000_000_000);
            };
            long start = second * 1_000_000_000L + nano;
            long end = start + (random.nextBoolean() ? 1 : random.nextLong(5_000_000_000L));
            String[] fields = csv(session(start, end));
            assertEquals(Instant.ofEpochSecond(0, start).toString(), fields[0], start + " ns");
            assertEquals(Instant.ofEpochSecond(0, end).toString(), fields[1], end + " ns");
        }
    }

    @Test
    void numbersInCsvAreAsLongToString() {
        SplittableRandom random = new SplittableRandom(3);
        long[] edges = {0, 9, 10, 99, Integer.MAX_VALUE - 1L, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L,
            999_999_999_999L, 1_000_000_000_000L, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        for (int i = 0; i < 100_000; i++) {
            long value = i < edges.length ? edges[i] : random.nextLong(Long.MAX_VALUE) >>> random.nextInt(63);
            SessionRow row = new SessionRow(0, 1, 42, "main", 43, "client", "IPv4", "127.0.0.1", 40000,
                    "127.0.0.1", 80, value, -value, "local", false, true, null, 1_500_000, 250, 0, value, true);
            String[] fields = csv(row);
            assertEquals(Long.toString(value), fields[12], "bytes sent");
            assertEquals(Long.toString(-value), fields[13], "bytes received");
            assertEquals(Long.toString(value), fields[22], "socket id");
        }
    }

    private static String[] csv(SessionRow row) {
        ByteLine line = new ByteLine(StandardCharsets.UTF_8);
        SessionFormat.CSV.row(line, row);
        return line.toString().split(",", -1);
    }
}
