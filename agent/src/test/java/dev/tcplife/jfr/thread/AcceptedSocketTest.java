package dev.tcplife.jfr.thread;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tcplife.jfr.record.InetAddresses;

/**
 * The JDK's accept names a connection from the peer's raw address, the reader from the address the kernel's record
 * gives as text: both must make the same key, and differ as soon as a port or the address does.
 */
class AcceptedSocketTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"7f000001", "c0000207", "00000000000000000000000000000001", "20010db8000000000000000000000001",
            "fe800000000000000000000000010002", "ffffffffffffffffffffffffffffffff"})
    void theAcceptsBytesAndTheRecordsTextNameTheSameConnection(String hex) {
        byte[] address = HexFormat.of().parseHex(hex);

        AcceptedSocket fromJdk = AcceptedSocket.of(8080, address, 50000);
        AcceptedSocket fromRecord = AcceptedSocket.of(8080, InetAddresses.format(address), 50000);

        assertEquals(fromJdk, fromRecord);
        assertEquals(fromJdk.hashCode(), fromRecord.hashCode());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"127.0.0.1", "192.0.2.7", "::1", "2001:db8::1", "::ffff:192.0.2.7"})
    void whatTheJdkMakesOfTheTextNamesTheSameConnection(String text) throws Exception {
        // an IPv4-mapped peer is an Inet4Address in the JDK, and IPv4 in the agent's records
        assertEquals(AcceptedSocket.of(443, InetAddress.getByName(text).getAddress(), 40000),
                AcceptedSocket.of(443, text, 40000));
    }

    @Test
    void anIpv4MappedPeerIsItsIpv4Address() {
        assertEquals(AcceptedSocket.of(80, "192.0.2.7", 1234),
                AcceptedSocket.of(80, HexFormat.of().parseHex("00000000000000000000ffffc0000207"), 1234));
    }

    @Test
    void anotherPortOrPeerIsAnotherConnection() {
        AcceptedSocket socket = AcceptedSocket.of(8080, "192.0.2.7", 50000);
        assertAll(
                () -> assertNotEquals(socket, AcceptedSocket.of(8081, "192.0.2.7", 50000)),
                () -> assertNotEquals(socket, AcceptedSocket.of(8080, "192.0.2.8", 50000)),
                () -> assertNotEquals(socket, AcceptedSocket.of(8080, "192.0.2.7", 50001)),
                () -> assertNotEquals(socket, AcceptedSocket.of(8080, "::ffff:c000:208", 50000)),
                // the same 32 bits, not IPv4-mapped: another address
                () -> assertNotEquals(socket, AcceptedSocket.of(8080, "::c000:207", 50000)),
                () -> assertNotEquals(AcceptedSocket.of(1, "::1", 2), AcceptedSocket.of(2, "::1", 1)));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource(value = {"''", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.", "fe80::1%eth0",
            "example.com", "::g"}, nullValues = "null")
    void textThatIsNoAddressNamesNoConnectionAndIsNeverLookedUp(String text) {
        assertNull(AcceptedSocket.of(80, text, 1234));
    }

    @Test
    void anAddressOfAnotherLengthNamesNoConnection() {
        assertNull(AcceptedSocket.of(80, new byte[5], 1234));
    }
}
