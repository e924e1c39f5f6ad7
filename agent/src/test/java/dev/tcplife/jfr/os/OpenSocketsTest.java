package dev.tcplife.jfr.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Socket addresses as getsockname and getpeername fill them: family in host order, port in network order. */
class OpenSocketsTest {

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, 8080",
        "0.0.0.0, 1",
        "10.1.2.3, 65535",
        "::1, 443",
        "::ffff:7f00:1, 50000",
        "2001:db8::1, 22",
    })
    void addressAndPort(String text, int port) throws Exception {
        byte[] expected = InetAddress.getByName(text).getAddress();
        boolean v6 = text.contains(":");
        if (v6 && expected.length == 4) { // the JDK collapses ::ffff:a.b.c.d to IPv4; the kernel does not
            expected = new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff,
                expected[0], expected[1], expected[2], expected[3]};
        }
        ByteBuffer sockaddr = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
        sockaddr.putShort(0, (short) (v6 ? LibC.AF_INET6 : LibC.AF_INET));
        sockaddr.put(2, (byte) (port >> 8)).put(3, (byte) port);
        sockaddr.put(v6 ? 8 : 4, expected);

        assertArrayEquals(expected, OpenSockets.address(sockaddr));
        assertEquals(port, OpenSockets.port(sockaddr));
        assertEquals(v6 ? LibC.AF_INET6 : LibC.AF_INET, OpenSockets.family(sockaddr));
    }

    @ParameterizedTest
    @CsvSource({"1", "17"}) // AF_UNIX, AF_PACKET
    void otherFamiliesHaveNoAddress(int family) {
        ByteBuffer sockaddr = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder()).putShort(0, (short) family);
        assertNull(OpenSockets.address(sockaddr));
    }
}
