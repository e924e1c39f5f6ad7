package dev.tcplife.jfr.os;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KernelVersionTest {

    @ParameterizedTest(name = "release \"{0}\"")
    @CsvSource({
            "6.18.44-fc-v782, 6, 18, 44",
            "5.12, 5, 12, 0",
            "5.4.0-150-generic, 5, 4, 0",
            "4.19, 4, 19, 0",
            "6.1, 6, 1, 0",
            "5.15.153.1-microsoft-standard-WSL2, 5, 15, 153",
            "6.8.0-rc3, 6, 8, 0",
            "6, 6, 0, 0",
            "'', 0, 0, 0",
    })
    void parsesTheLeadingNumbersOfARelease(String release, int major, int minor, int patch) {
        assertEquals(new KernelVersion(major, minor, patch), KernelVersion.parse(release));
    }

    @ParameterizedTest(name = "{0} vs {1}: {2}")
    @CsvSource({
            // numbers compare as numbers: 4 < 12
            "5.4.0-150-generic, 5.12, -1",
            "4.19, 5.12, -1",
            "6.1, 5.12, 1",
            "6.18.44-fc-v782, 5.12, 1",
            "5.12, 5.12.0, 0",
            "5.12.1, 5.12, 1",
            "6.18.44-fc-v782, 6.18.9, 1",
            "5.11.22, 5.12, -1",
    })
    void comparesMajorThenMinorThenPatch(String left, String right, int expectedSign) {
        KernelVersion a = KernelVersion.parse(left);
        KernelVersion b = KernelVersion.parse(right);

        assertEquals(expectedSign, Integer.signum(a.compareTo(b)));
        assertEquals(-expectedSign, Integer.signum(b.compareTo(a)));
    }
}
