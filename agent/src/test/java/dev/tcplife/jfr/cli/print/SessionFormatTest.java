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
}
