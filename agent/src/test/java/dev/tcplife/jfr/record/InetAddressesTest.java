package dev.tcplife.jfr.record;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals(expected, format(HexFormat.of().parseHex(hex)));
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
            if (InetAddresses.isV4Mapped(InetAddresses.high(address), InetAddresses.low(address))) {
                continue; // the JDK turns these into Inet4Address, so the oracle has no IPv6 text for them
            }
            assertEquals(rfc5952(address), format(address), () -> HexFormat.of().formatHex(address));
        }
    }

    @ParameterizedTest(name = "{0}.{1}.{2}.{3}")
    @CsvSource({"0, 0, 0, 0", "127, 0, 0, 1", "10, 1, 2, 3", "192, 168, 128, 255", "255, 255, 255, 255"})
    void formatsIpv4Dotted(int a, int b, int c, int d) {
        String dotted = a + "." + b + "." + c + "." + d;
        assertEquals(dotted, format(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}));
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c, (byte) d};
        assertEquals(dotted, format(mapped), "IPv4-mapped, as a dual-stack socket carries it");
    }

    @Test
    void anIpv4AddressAndItsMappedFormAreTheSameCompactAddress() {
        byte[] ipv4 = {(byte) 192, 0, 2, 7};
        byte[] mapped = HexFormat.of().parseHex("00000000000000000000ffffc0000207");
        assertAll(
                () -> assertEquals(0, InetAddresses.high(ipv4)),
                () -> assertEquals(0xffff_c000_0207L, InetAddresses.low(ipv4)),
                () -> assertEquals(InetAddresses.high(mapped), InetAddresses.high(ipv4)),
                () -> assertEquals(InetAddresses.low(mapped), InetAddresses.low(ipv4)),
                () -> assertEquals(InetAddresses.low(ipv4), InetAddresses.v4MappedLow(0xc000_0207)),
                () -> assertTrue(InetAddresses.isV4Mapped(InetAddresses.high(ipv4), InetAddresses.low(ipv4))));
    }

    @Test
    void theCompactFormIsTheSixteenBytesBigEndian() {
        byte[] address = HexFormat.of().parseHex("20010db8000000010002000300040005");
        assertEquals(0x2001_0db8_0000_0001L, InetAddresses.high(address));
        assertEquals(0x0002_0003_0004_0005L, InetAddresses.low(address));
    }

    @ParameterizedTest(name = "{0} bytes")
    @CsvSource({"0", "3", "5", "15", "17"})
    void onlyFourOrSixteenBytesAreAnAddress(int length) {
        assertThrows(IllegalArgumentException.class, () -> InetAddresses.high(new byte[length]));
        assertThrows(IllegalArgumentException.class, () -> InetAddresses.low(new byte[length]));
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
    })
    void recognisesIpv4MappedAddresses(String hex, boolean expected) {
        byte[] address = HexFormat.of().parseHex(hex);
        assertEquals(expected, InetAddresses.isV4Mapped(InetAddresses.high(address), InetAddresses.low(address)));
    }

    /** The text of 4 or 16 bytes, through their compact form. */
    private static String format(byte[] address) {
        return InetAddresses.format(InetAddresses.high(address), InetAddresses.low(address));
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
