package dev.tcplife.jfr.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InetAddressesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "00000000000000000000000000000000, ::",
            "00000000000000000000000000000001, ::1",
            "00010000000000000000000000000000, 1::",
            "20010db8000000000000000000000001, 2001:db8::1",
            // two runs of two: the first is compressed (RFC 5952 4.2.3)
            "20010db8000000000001000000000001, 2001:db8::1:0:0:1",
            // the longer run wins even when it comes second
            "20010000000100000000000000000001, 2001:0:1::1",
            // a single zero group is not compressed (RFC 5952 4.2.2)
            "20010db8000000010001000100010001, 2001:db8:0:1:1:1:1:1",
            "fe800000000000000000000000010002, fe80::1:2",
            "00000000000000000000000000010002, ::1:2",
            "00010002000000000000000000000000, 1:2::",
            // lowercase, no leading zeros (RFC 5952 4.1, 4.3)
            "2001ABCD00AB000A0000000000000F00, 2001:abcd:ab:a::f00",
            "ffffffffffffffffffffffffffffffff, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    })
    void formatsIpv6AsRfc5952(String hex, String expected) {
        assertEquals(expected, InetAddresses.format(HexFormat.of().parseHex(hex)));
    }

    @Test
    void formatsIpv6LikeAnIndependentRfc5952Oracle() {
        // Zero-heavy groups so that runs of every length and position, and ties, come up often.
        int[] groupValues = {0, 0, 0, 0, 1, 0xa, 0xff, 0x100, 0xabcd, 0xffff};
        Random random = new Random(5952);
        for (int i = 0; i < 5_000; i++) {
            byte[] address = new byte[16];
            for (int group = 0; group < 8; group++) {
                int value = groupValues[random.nextInt(groupValues.length)];
                address[2 * group] = (byte) (value >>> 8);
                address[2 * group + 1] = (byte) value;
            }
            if (InetAddresses.isV4Mapped(address)) {
                continue; // the JDK turns these into Inet4Address, so the oracle has no IPv6 text for them
            }
            assertEquals(rfc5952(address), InetAddresses.format(address), () -> HexFormat.of().formatHex(address));
        }
    }

    @ParameterizedTest(name = "{0}.{1}.{2}.{3}")
    @CsvSource({"0, 0, 0, 0", "127, 0, 0, 1", "10, 1, 2, 3", "192, 168, 128, 255", "255, 255, 255, 255"})
    void formatsIpv4Dotted(int a, int b, int c, int d) {
        assertEquals(a + "." + b + "." + c + "." + d,
                InetAddresses.format(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}));
    }

    @ParameterizedTest(name = "{0} mapped: {1}")
    @CsvSource({
            "00000000000000000000ffff0a010203, true",
            "00000000000000000000ffff00000000, true",
            "00000000000000000000000000000001, false",
            // IPv4-compatible (deprecated) and NAT64 addresses carry IPv4 too, but are not mapped
            "0000000000000000000000000a010203, false",
            "0064ff9b0000000000000000c0000201, false",
            "01000000000000000000ffff0a010203, false",
            "00000000000000000001ffff0a010203, false",
            "00000000000000000000ff000a010203, false",
            "0000000000000000000000ff0a010203, false",
            "0a010203, false",
    })
    void recognisesIpv4MappedAddresses(String hex, boolean expected) {
        assertEquals(expected, InetAddresses.isV4Mapped(HexFormat.of().parseHex(hex)));
    }

    /**
     * RFC 5952 text written a different way: the JDK's uncompressed form (lowercase, no leading zeros), then the
     * first of the longest runs of two or more "0" groups replaced by "::".
     */
    private static String rfc5952(byte[] address) {
        String full;
        try {
            full = InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
        List<String> groups = Arrays.asList(full.split(":"));
        for (int length = 8; length >= 2; length--) {
            int start = Collections.indexOfSubList(groups, Collections.nCopies(length, "0"));
            if (start >= 0) {
                String before = String.join(":", groups.subList(0, start));
                String after = String.join(":", groups.subList(start + length, 8));
                return before + "::" + after;
            }
        }
        return full;
    }
}
