package dev.tcplife.jfr.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** /proc/net/tcp{,6} print addresses as host-order 32-bit words (this machine is little-endian). */
class OpenSocketsTest {

    @ParameterizedTest
    @CsvSource({
        "0100007F, 127.0.0.1",
        "00000000, 0.0.0.0",
        "0302010A, 10.1.2.3",
        "FFFFFFFF, 255.255.255.255",
    })
    void ipv4(String proc, String expected) throws Exception {
        assertArrayEquals(java.net.InetAddress.getByName(expected).getAddress(), OpenSockets.address(proc));
    }

    @ParameterizedTest
    @CsvSource({
        "00000000000000000000000001000000, ::1",
        "0000000000000000FFFF00000100007F, ::ffff:7f00:1",
        "B80D0120000000000000000001000000, 2001:db8::1",
    })
    void ipv6(String proc, String expected) throws Exception {
        byte[] bytes = OpenSockets.address(proc);
        byte[] wanted = java.net.InetAddress.getByAddress(java.net.InetAddress.getByName(expected).getAddress()).getAddress();
        if (wanted.length == 4) { // the JDK collapses ::ffff:a.b.c.d to IPv4
            wanted = new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, wanted[0], wanted[1], wanted[2], wanted[3]};
        }
        assertArrayEquals(wanted, bytes);
    }
}
