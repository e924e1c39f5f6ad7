package dev.tcplife.jfr.record;

import static dev.tcplife.jfr.bpf.TcpSessionContract.ESTABLISHED;
import static dev.tcplife.jfr.bpf.TcpSessionContract.FIN_ACKED;
import static dev.tcplife.jfr.bpf.TcpSessionContract.FIN_RECEIVED;
import static dev.tcplife.jfr.bpf.TcpSessionContract.FIN_SENT;
import static dev.tcplife.jfr.bpf.TcpSessionContract.REMOTE_FIN_FIRST;
import static dev.tcplife.jfr.bpf.TcpSessionContract.ROLE_CLIENT;
import static dev.tcplife.jfr.bpf.TcpSessionContract.ROLE_SERVER;
import static dev.tcplife.jfr.bpf.TcpSessionContract.START_UNOBSERVED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tcplife.jfr.bpf.TcpSessionContract;
import dev.tcplife.jfr.bpf.TcpSessionContract.Record;
import dev.tcplife.jfr.os.Errno;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.TcpStates;

/**
 * Golden records: struct tcp_session_record bytes written at the offsets of its twin, TcpSessionContract.Record
 * (which TcpSessionContractTest holds to tcp_session.h), as the kernel program would, and the session the decoder
 * makes of them. Expected values are worked out from the kernel's counting rules (see TcpSessionDecoder).
 */
class TcpSessionDecoderGoldenTest {
    @Test
    void decodesAnOrderlyIpv4ClientSessionThatClosedFirst() {
        RecordBytes record = new RecordBytes()
                .u64(Record.START_NS, 1_000_000_000L)
                .u64(Record.ESTABLISHED_NS, 1_000_250_000L)
                .u64(Record.END_NS, 3_000_000_000L)
                .u64(Record.BYTES_ACKED, 1_000_002) // 1,000,000 payload + SYN + FIN
                .u64(Record.BYTES_RECEIVED, 2_049) // 2,048 payload + FIN
                .u64(Record.SOCKET_INO, 123_456_789L)
                .u32(Record.OWNER_TID, 4321)
                .u32(Record.SRTT_US8, 8 * 250)
                .u32(Record.TOTAL_RETRANS, 3)
                .u16(Record.LOCAL_PORT, 54321)
                .u16(Record.REMOTE_PORT, 443)
                .address(Record.LOCAL_ADDR, ipv4(192, 168, 1, 20))
                .address(Record.REMOTE_ADDR, ipv4(93, 184, 216, 34))
                .u8(Record.FAMILY, LibC.AF_INET)
                .u8(Record.ROLE, ROLE_CLIENT)
                .u8(Record.FLAGS, ESTABLISHED | FIN_SENT | FIN_ACKED | FIN_RECEIVED)
                .u8(Record.LAST_STATE, TcpStates.FIN_WAIT2);

        TcpSession expected = new TcpSession(1_000_000_000L, 1_000_250_000L, 3_000_000_000L, "client",
                "IPv4", "192.168.1.20", 54321, "93.184.216.34", 0, 0xffff_5db8_d822L, 443, 1_000_000, 2_048, "local", false, true, null,
                123_456_789L, 4321, 250, 3, true);
        TcpSession session = record.decode();
        assertEquals(expected, session);
        assertEquals(250_000, session.connectNanos());
    }

    @Test
    void decodesAnIpv6ServerSessionThatThePeerClosedFirst() {
        RecordBytes record = new RecordBytes()
                .u64(Record.START_NS, 7_000)
                .u64(Record.ESTABLISHED_NS, 9_000)
                .u64(Record.END_NS, 20_000)
                .u64(Record.BYTES_ACKED, 4_097) // 4,096 payload + FIN, no SYN: the server's was acked before it existed
                .u64(Record.BYTES_RECEIVED, 101)
                .u64(Record.SOCKET_INO, 0xffff_ffffL + 1)
                .u32(Record.SRTT_US8, 12)
                .u16(Record.LOCAL_PORT, 8080)
                .u16(Record.REMOTE_PORT, 40000)
                .address(Record.LOCAL_ADDR, ipv6("00000000000000000000000000000001"))
                .address(Record.REMOTE_ADDR, ipv6("20010db8000000000000000000000001"))
                .u8(Record.FAMILY, LibC.AF_INET6)
                .u8(Record.ROLE, ROLE_SERVER)
                .u8(Record.FLAGS, ESTABLISHED | REMOTE_FIN_FIRST | FIN_RECEIVED | FIN_SENT | FIN_ACKED)
                .u8(Record.LAST_STATE, TcpStates.LAST_ACK);

        TcpSession expected = new TcpSession(7_000, 9_000, 20_000, "server", "IPv6", "::1", 8080, "2001:db8::1",
                0x2001_0db8_0000_0000L, 1, 40000, 4_096, 100, "remote", false, true, null, 0x1_0000_0000L, 0, 1, 0, true);
        TcpSession session = record.decode();
        assertEquals(expected, session);
        assertEquals(-1, session.connectNanos());
    }

    @Test
    void decodesTheRecordAtTheGivenOffset() {
        // Ring buffer records start 8 bytes into their slot, between other records.
        RecordBytes record = new RecordBytes()
                .u64(Record.START_NS, 5)
                .u64(Record.BYTES_ACKED, 11)
                .u16(Record.REMOTE_PORT, 80)
                .address(Record.REMOTE_ADDR, ipv4(10, 0, 0, 1))
                .u8(Record.FAMILY, LibC.AF_INET)
                .u8(Record.ROLE, ROLE_CLIENT)
                .u8(Record.FLAGS, ESTABLISHED)
                .u8(Record.LAST_STATE, TcpStates.FIN_WAIT2);
        ByteBuffer ring = ByteBuffer.allocate(3 * 128).order(ByteOrder.LITTLE_ENDIAN);
        while (ring.hasRemaining()) {
            ring.put((byte) 0xa5);
        }
        ring.put(136, record.bytes.array());

        assertEquals(record.decode(), TcpSessionDecoder.decode(ring, 136));
    }

    static Stream<Arguments> payloadBytes() {
        return Stream.of(
                arguments("client: bytes_acked counts the SYN", ROLE_CLIENT, ESTABLISHED, 1001, 500, 1000, 500),
                arguments("client: ... and an acknowledged FIN", ROLE_CLIENT, ESTABLISHED | FIN_SENT | FIN_ACKED, 1002, 500, 1000, 500),
                arguments("client: a FIN not yet acknowledged is not counted", ROLE_CLIENT, ESTABLISHED | FIN_SENT, 1001, 500, 1000, 500),
                arguments("client: bytes_received counts the peer's FIN", ROLE_CLIENT, ESTABLISHED | REMOTE_FIN_FIRST | FIN_RECEIVED, 1001, 501, 1000, 500),
                arguments("server: no SYN in bytes_acked", ROLE_SERVER, ESTABLISHED, 1000, 500, 1000, 500),
                arguments("server: an acknowledged FIN", ROLE_SERVER, ESTABLISHED | FIN_SENT | FIN_ACKED, 1001, 500, 1000, 500),
                arguments("server: the peer's FIN", ROLE_SERVER, ESTABLISHED | REMOTE_FIN_FIRST | FIN_RECEIVED, 1000, 501, 1000, 500),
                arguments("client: no payload, both FINs", ROLE_CLIENT, ESTABLISHED | FIN_SENT | FIN_ACKED | FIN_RECEIVED, 2, 1, 0, 0),
                arguments("client: refused, nothing counted", ROLE_CLIENT, 0, 0, 0, 0, 0),
                arguments("counters beyond 32 bits", ROLE_CLIENT, ESTABLISHED | FIN_RECEIVED, 5_000_000_001L, 6_000_000_001L, 5_000_000_000L, 6_000_000_000L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void payloadBytes(String scenario, int role, int flags, long bytesAcked, long bytesReceived,
            long expectedSent, long expectedReceived) {
        TcpSession session = ipv4Session().u8(Record.ROLE, role).u8(Record.FLAGS, flags)
                .u64(Record.BYTES_ACKED, bytesAcked).u64(Record.BYTES_RECEIVED, bytesReceived).decode();

        assertEquals(expectedSent, session.bytesSent(), "bytesSent");
        assertEquals(expectedReceived, session.bytesReceived(), "bytesReceived");
    }

    static Stream<Arguments> howItEnded() {
        int est = ESTABLISHED;
        return Stream.of(
                arguments("our FIN first, peer's FIN in FIN_WAIT2", est | FIN_SENT | FIN_ACKED | FIN_RECEIVED, 0, TcpStates.FIN_WAIT2, "local", false, null),
                arguments("simultaneous close", est | FIN_SENT | FIN_RECEIVED, 0, TcpStates.CLOSING, "local", false, null),
                arguments("peer's FIN first, ours acked in LAST_ACK", est | REMOTE_FIN_FIRST | FIN_RECEIVED | FIN_SENT | FIN_ACKED, 0, TcpStates.LAST_ACK, "remote", false, null),
                arguments("RST received while established", est, Errno.ECONNRESET, TcpStates.ESTABLISHED, "remote", true, "ECONNRESET"),
                arguments("RST received after our FIN", est | FIN_SENT, Errno.ECONNRESET, TcpStates.FIN_WAIT1, "local", true, "ECONNRESET"),
                arguments("connection refused", 0, Errno.ECONNREFUSED, TcpStates.SYN_SENT, "remote", true, "ECONNREFUSED"),
                arguments("RST received in CLOSE_WAIT", est | REMOTE_FIN_FIRST | FIN_RECEIVED, Errno.EPIPE, TcpStates.CLOSE_WAIT, "remote", true, "EPIPE"),
                arguments("RST sent: abort while established", est, 0, TcpStates.ESTABLISHED, "local", true, null),
                arguments("RST sent: abort in SYN_RECV", 0, 0, TcpStates.SYN_RECV, "local", true, null),
                arguments("RST sent: close with unread data after our FIN", est | FIN_SENT, 0, TcpStates.FIN_WAIT1, "local", true, null),
                arguments("RST sent: abort in CLOSE_WAIT", est | REMOTE_FIN_FIRST | FIN_RECEIVED, 0, TcpStates.CLOSE_WAIT, "remote", true, null),
                arguments("connect abandoned in SYN_SENT", 0, 0, TcpStates.SYN_SENT, "local", false, null),
                arguments("connect timed out", 0, Errno.ETIMEDOUT, TcpStates.SYN_SENT, "local", false, "ETIMEDOUT"),
                arguments("retransmissions timed out while established", est, Errno.ETIMEDOUT, TcpStates.ESTABLISHED, "local", false, "ETIMEDOUT"),
                arguments("no route to host", 0, Errno.EHOSTUNREACH, TcpStates.SYN_SENT, "local", false, "EHOSTUNREACH"),
                arguments("an errno without a name, read unsigned", est, 0xffff, TcpStates.ESTABLISHED, "local", false, "errno 65535"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void howItEnded(String scenario, int flags, int error, int lastState,
            String expectedInitiator, boolean expectedReset, String expectedError) {
        TcpSession session = ipv4Session().u8(Record.FLAGS, flags).u16(Record.ERROR, error)
                .u8(Record.LAST_STATE, lastState).decode();

        assertEquals(expectedInitiator, session.closeInitiator(), "closeInitiator");
        assertEquals(expectedReset, session.reset(), "reset");
        assertEquals(expectedError, session.error(), "error");
    }

    static Stream<Arguments> addresses() {
        return Stream.of(
                arguments("IPv4", LibC.AF_INET, ipv4(127, 0, 0, 1), ipv4(255, 254, 128, 200), "IPv4", "127.0.0.1", "255.254.128.200"),
                arguments("IPv4-mapped on a dual-stack socket", LibC.AF_INET6,
                        ipv6("00000000000000000000ffff0a010203"), ipv6("00000000000000000000ffffc0a80001"),
                        "IPv4", "10.1.2.3", "192.168.0.1"),
                arguments("IPv6 loopback", LibC.AF_INET6,
                        ipv6("00000000000000000000000000000001"), ipv6("00000000000000000000000000000001"),
                        "IPv6", "::1", "::1"),
                arguments("IPv6 link-local and global", LibC.AF_INET6,
                        ipv6("fe800000000000000000000000010002"), ipv6("2a0104f8000000000000000000abcdef"),
                        "IPv6", "fe80::1:2", "2a01:4f8::ab:cdef"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void addresses(String scenario, int family, byte[] local, byte[] remote,
            String expectedFamily, String expectedLocal, String expectedRemote) {
        TcpSession session = ipv4Session().u8(Record.FAMILY, family)
                .address(Record.LOCAL_ADDR, local).address(Record.REMOTE_ADDR, remote).decode();

        assertEquals(expectedFamily, session.family(), "family");
        assertEquals(expectedLocal, session.localAddress(), "localAddress");
        assertEquals(expectedRemote, session.remoteAddress(), "remoteAddress");
    }

    static Stream<Arguments> remoteAddressInItsCompactForm() {
        byte[] ipv4WithTrailingBytes = ipv4(192, 0, 2, 7);
        java.util.Arrays.fill(ipv4WithTrailingBytes, 4, 16, (byte) 0xa5);
        return Stream.of(
                arguments("IPv4", LibC.AF_INET, ipv4(192, 0, 2, 7), 0L, 0xffff_c000_0207L),
                arguments("IPv4: only the field's first 4 bytes", LibC.AF_INET, ipv4WithTrailingBytes, 0L, 0xffff_c000_0207L),
                arguments("IPv4-mapped: the same as IPv4", LibC.AF_INET6, ipv6("00000000000000000000ffffc0000207"),
                        0L, 0xffff_c000_0207L),
                arguments("IPv6", LibC.AF_INET6, ipv6("20010db8000000010002000300040005"),
                        0x2001_0db8_0000_0001L, 0x0002_0003_0004_0005L),
                arguments("IPv6, every bit set", LibC.AF_INET6, ipv6("ffffffffffffffffffffffffffffffff"), -1L, -1L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void remoteAddressInItsCompactForm(String scenario, int family, byte[] remote, long expectedHigh, long expectedLow) {
        TcpSession session = ipv4Session().u8(Record.FAMILY, family).address(Record.REMOTE_ADDR, remote).decode();

        assertEquals(expectedHigh, session.remoteAddressHigh(), "remoteAddressHigh");
        assertEquals(expectedLow, session.remoteAddressLow(), "remoteAddressLow");
        assertEquals(InetAddresses.format(expectedHigh, expectedLow), session.remoteAddress());
    }

    @Test
    void readsPortsAndCountersUnsigned() {
        TcpSession session = ipv4Session()
                .u16(Record.LOCAL_PORT, 65535)
                .u16(Record.REMOTE_PORT, 32768)
                .u32(Record.SRTT_US8, 0xffff_ffffL)
                .u32(Record.TOTAL_RETRANS, 0xffff_ffffL)
                .decode();

        assertEquals(65535, session.localPort());
        assertEquals(32768, session.remotePort());
        assertEquals(0xffff_ffffL / 8, session.smoothedRttMicros());
        assertEquals(0xffff_ffffL, session.retransmittedSegments());
    }

    @ParameterizedTest(name = "srtt_us8 {0} is {1} us")
    @CsvSource({"0, 0", "7, 0", "8, 1", "15, 1", "8000, 1000"})
    void smoothedRttIsInWholeMicroseconds(long srttUs8, long expectedMicros) {
        assertEquals(expectedMicros, ipv4Session().u32(Record.SRTT_US8, srttUs8).decode().smoothedRttMicros());
    }

    static Stream<Arguments> connectTime() {
        return Stream.of(
                arguments("client, established", ROLE_CLIENT, ESTABLISHED, true, 250_000L),
                arguments("client, refused", ROLE_CLIENT, 0, true, -1L),
                arguments("server: no connect of its own", ROLE_SERVER, ESTABLISHED, true, -1L),
                arguments("client opened before tracing: start is not the SYN", ROLE_CLIENT, ESTABLISHED | START_UNOBSERVED, false, -1L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void connectTime(String scenario, int role, int flags, boolean expectedStartObserved, long expectedConnectNanos) {
        TcpSession session = ipv4Session().u8(Record.ROLE, role).u8(Record.FLAGS, flags)
                .u64(Record.START_NS, 1_000_000).u64(Record.ESTABLISHED_NS, (flags & ESTABLISHED) != 0 ? 1_250_000 : 0)
                .decode();

        assertEquals((flags & ESTABLISHED) != 0, session.established(), "established");
        assertEquals(expectedStartObserved, session.startObserved(), "startObserved");
        assertEquals(expectedConnectNanos, session.connectNanos(), "connectNanos");
    }

    /** An established IPv4 client session with nothing remarkable, for the tables to vary one aspect of. */
    private static RecordBytes ipv4Session() {
        return new RecordBytes()
                .u64(Record.START_NS, 1_000)
                .u64(Record.ESTABLISHED_NS, 2_000)
                .u64(Record.END_NS, 9_000)
                .u16(Record.LOCAL_PORT, 40000)
                .u16(Record.REMOTE_PORT, 80)
                .address(Record.LOCAL_ADDR, ipv4(10, 0, 0, 2))
                .address(Record.REMOTE_ADDR, ipv4(10, 0, 0, 1))
                .u8(Record.FAMILY, LibC.AF_INET)
                .u8(Record.ROLE, ROLE_CLIENT)
                .u8(Record.FLAGS, ESTABLISHED)
                .u8(Record.LAST_STATE, TcpStates.FIN_WAIT2);
    }

    /** An address field as the kernel program fills it: IPv4 in the first 4 of 16 bytes. */
    private static byte[] ipv4(int a, int b, int c, int d) {
        byte[] address = new byte[TcpSessionContract.ADDR_LEN];
        address[0] = (byte) a;
        address[1] = (byte) b;
        address[2] = (byte) c;
        address[3] = (byte) d;
        return address;
    }

    private static byte[] ipv6(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** A struct tcp_session_record as the kernel program writes it: little-endian, each member at its offset. */
    private static final class RecordBytes {
        final ByteBuffer bytes = ByteBuffer.allocate(Record.SIZE).order(ByteOrder.LITTLE_ENDIAN);

        RecordBytes u64(int offset, long value) {
            bytes.putLong(offset, value);
            return this;
        }

        RecordBytes u32(int offset, long value) {
            bytes.putInt(offset, (int) value);
            return this;
        }

        RecordBytes u16(int offset, int value) {
            bytes.putShort(offset, (short) value);
            return this;
        }

        RecordBytes u8(int offset, int value) {
            bytes.put(offset, (byte) value);
            return this;
        }

        RecordBytes address(int offset, byte[] address) {
            bytes.put(offset, address);
            return this;
        }

        TcpSession decode() {
            return TcpSessionDecoder.decode(bytes, 0);
        }
    }
}
