package dev.tcplife.jfr.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which glibc versions the bundled libraries accept: 2.33 and later (libelf's newest versioned symbol). */
class BundledLibbpfTest {

    @ParameterizedTest
    @CsvSource({
        "2.36, false",
        "2.33, false",
        "2.40.9000, false",
        "3.0, false",
        "2.32, true",
        "2.28, true",
        "2.9, true",
        "2, true",
        "x, true",
    })
    void olderThan233(String version, boolean older) {
        assertEquals(older, BundledLibbpf.older(version, new int[] {2, 33}), version);
    }
}
