package dev.tcplife.jfr.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Thresholds as JFR writes them in recording settings, turned into the kernel's nanoseconds. */
class RecordingDemandTest {

    @ParameterizedTest
    @CsvSource({
        "0 ns, 0",
        "20 ms, 20000000",
        "1 s, 1000000000",
        "100 us, 100000",
        "2 m, 120000000000",
        "1 h, 3600000000000",
        "1 d, 86400000000000",
        "  5   MS , 5000000",
        "7, 7",
        "fast, 0",
        "99999999999999 d, 0",
    })
    void parsesTimespans(String text, long nanos) {
        assertEquals(nanos, RecordingDemand.parseNanos(text));
    }
}
