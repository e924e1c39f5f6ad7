package dev.tcplife.jfr.os;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PidNamespaceTest {

    @ParameterizedTest(name = "st_dev {0} is kernel dev_t {1}")
    @CsvSource({
            // makedev(0, 4): nsfs on most systems
            "0x4, 0x4",
            // makedev(8, 1): sda1
            "0x801, 0x800001",
            // makedev(0, 300): minor bits 8 and up move to bit 20 of st_dev
            "0x10002c, 0x12c",
            // makedev(259, 0x12345): blkext, both numbers wider than 8 bits
            "0x12310345, 0x10312345",
            // makedev(0xfff, 0xfffff): the largest device the kernel's 12:20 split holds
            "0xffffffff, 0xffffffff",
    })
    void convertsGlibcDeviceNumbersToTheKernelEncoding(String statDevice, String expectedKernelDevice) {
        assertEquals(Long.decode(expectedKernelDevice), PidNamespace.kernelDevice(Long.decode(statDevice)));
    }

    @ParameterizedTest(name = "makedev({0}, {1})")
    @CsvSource({"0, 0", "0, 4", "0, 255", "0, 256", "8, 1", "255, 255", "256, 0", "4095, 1048575", "1, 1048575"})
    void kernelDeviceIsMajorShifted20OrMinor(long major, long minor) {
        assertEquals((major << 20) | minor, PidNamespace.kernelDevice(glibcMakedev(major, minor)));
    }

    /** gnu_dev_makedev() from glibc's sys/sysmacros.h. */
    private static long glibcMakedev(long major, long minor) {
        return ((major & 0x00000fffL) << 8) | ((major & 0xfffff000L) << 32)
                | (minor & 0x000000ffL) | ((minor & 0xffffff00L) << 12);
    }
}
