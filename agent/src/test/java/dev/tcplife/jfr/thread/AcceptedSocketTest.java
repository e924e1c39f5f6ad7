package dev.tcplife.jfr.thread;

import static dev.tcplife.jfr.record.SyntheticSessions.addressBytes;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tcplife.jfr.bpf.TcpSessionContract;
import dev.tcplife.jfr.bpf.TcpSessionContract.Record;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.record.TcpSession;
import dev.tcplife.jfr.record.TcpSessionDecoder;

/**
 * The JDK's accept names a connection from the peer's raw address, the reader from the address the kernel's record
 * carries, decoded: both must make the same key, and differ as soon as a port or the address does.
 */
class AcceptedSocketTest {

    /** A server session's record as the kernel program writes it, for a peer of {@code family} at {@code field}. */
    private static TcpSession decodedServerSession(int localPort, int family, byte[] field, int remotePort) {
        ByteBuffer record = ByteBuffer.allocate(Record.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        record.putShort(Record.LOCAL_PORT, (short) localPort);
        record.putShort(Record.REMOTE_PORT, (short) remotePort);
        record.put(Record.LOCAL_ADDR, family == LibC.AF_INET ? new byte[TcpSessionContract.ADDR_LEN]
                : HexFormat.of().parseHex("00000000000000000000000000000001"));
        record.put(Record.REMOTE_ADDR, field);
        record.put(Record.FAMILY, (byte) family);
        record.put(Record.ROLE, (byte) TcpSessionContract.ROLE_SERVER);
        return TcpSessionDecoder.decode(record, 0);
    }

    private static boolean names(AcceptedSocket key, TcpSession session) {
        return key.is(session.localPort(), session.remoteAddressHigh(), session.remoteAddressLow(),
                session.remotePort())
                && key.hashCode() == AcceptedSocket.hash(session.localPort(), session.remoteAddressHigh(),
                        session.remoteAddressLow(), session.remotePort());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"00000000000000000000000000000001", "20010db8000000000000000000000001",
            "fe800000000000000000000000010002", "ffffffffffffffffffffffffffffffff", "00000000000000000000ffffc0000207"})
    void theAcceptsBytesAndTheDecodedIpv6RecordNameTheSameConnection(String hex) throws Exception {
        byte[] field = HexFormat.of().parseHex(hex);
        // what the JDK's accept gives: an IPv4-mapped peer is an Inet4Address, of 4 bytes
        byte[] fromJdk = InetAddress.getByAddress(field).getAddress();

        assertTrue(names(AcceptedSocket.of(8080, fromJdk, 50000), decodedServerSession(8080, LibC.AF_INET6, field, 50000)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"127.0.0.1", "192.0.2.7", "0.0.0.0", "255.255.255.255"})
    void theAcceptsBytesAndTheDecodedIpv4RecordNameTheSameConnection(String text) {
        byte[] field = new byte[TcpSessionContract.ADDR_LEN];
        System.arraycopy(addressBytes(text), 0, field, 0, 4);

        TcpSession session = decodedServerSession(443, LibC.AF_INET, field, 40000);
        assertTrue(names(AcceptedSocket.of(443, addressBytes(text), 40000), session));
        assertEquals(text, session.remoteAddress());
    }

    @Test
    void anIpv4MappedPeerIsItsIpv4Address() {
        assertEquals(AcceptedSocket.of(80, addressBytes("192.0.2.7"), 1234),
                AcceptedSocket.of(80, HexFormat.of().parseHex("00000000000000000000ffffc0000207"), 1234));
    }

    @Test
    void anotherPortOrPeerIsAnotherConnection() {
        AcceptedSocket socket = AcceptedSocket.of(8080, addressBytes("192.0.2.7"), 50000);
        TcpSession other = decodedServerSession(8080, LibC.AF_INET6,
                HexFormat.of().parseHex("00000000000000000000ffffc0000208"), 50000);
        assertAll(
                () -> assertNotEquals(socket, AcceptedSocket.of(8081, addressBytes("192.0.2.7"), 50000)),
                () -> assertNotEquals(socket, AcceptedSocket.of(8080, addressBytes("192.0.2.8"), 50000)),
                () -> assertNotEquals(socket, AcceptedSocket.of(8080, addressBytes("192.0.2.7"), 50001)),
                () -> assertNotEquals(socket, AcceptedSocket.of(8080, addressBytes("::ffff:c000:208"), 50000)),
                // the same 32 bits, not IPv4-mapped: another address
                () -> assertNotEquals(socket, AcceptedSocket.of(8080, addressBytes("::c000:207"), 50000)),
                () -> assertNotEquals(AcceptedSocket.of(1, addressBytes("::1"), 2),
                        AcceptedSocket.of(2, addressBytes("::1"), 1)),
                () -> assertFalse(names(socket, other)));
    }

    @ParameterizedTest(name = "{0} bytes")
    @CsvSource({"0", "5", "15", "17"})
    void anAddressOfAnotherLengthNamesNoConnection(int length) {
        assertNull(AcceptedSocket.of(80, new byte[length], 1234));
    }
}
