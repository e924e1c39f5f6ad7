package dev.tcplife.jfr.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tcplife.jfr.TcpSessionHeader;
import dev.tcplife.jfr.os.Errno;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.TcpStates;

/**
 * Golden records: struct tcp_session_record bytes written at the header's offsets, as the kernel program would,
 * and the session the decoder makes of them. Expected values are worked out from the kernel's counting rules
 * (see TcpSessionDecoder), not from the decoder's constants.
 */
class TcpSessionDecoderGoldenTest {
    private static final TcpSessionHeader HEADER = TcpSessionHeader.load();
    private static final Map<String, Integer> OFFSETS = HEADER.assertedOffsets("tcp_session_record");

    private static final int CLIENT = HEADER.define("TCP_SESSION_ROLE_CLIENT");
    private static final int SERVER = HEADER.define("TCP_SESSION_ROLE_SERVER");
    private static final int ESTABLISHED = HEADER.define("TCP_SESSION_ESTABLISHED");
    private static final int FIN_SENT = HEADER.define("TCP_SESSION_FIN_SENT");
    private static final int FIN_ACKED = HEADER.define("TCP_SESSION_FIN_ACKED");
    private static final int FIN_RECEIVED = HEADER.define("TCP_SESSION_FIN_RECEIVED");
    private static final int REMOTE_FIN_FIRST = HEADER.define("TCP_SESSION_REMOTE_FIN_FIRST");
    private static final int START_UNOBSERVED = HEADER.define("TCP_SESSION_START_UNOBSERVED");

    @Test
    void decodesAnOrderlyIpv4ClientSessionThatClosedFirst() {
        RecordBytes record = new RecordBytes()
                .u64("start_ns", 1_000_000_000L)
                .u64("established_ns", 1_000_250_000L)
                .u64("end_ns", 3_000_000_000L)
                .u64("bytes_acked", 1_000_002) // 1,000,000 payload + SYN + FIN
                .u64("bytes_received", 2_049) // 2,048 payload + FIN
                .u64("socket_ino", 123_456_789L)
                .u32("owner_tid", 4321)
                .u32("srtt_us8", 8 * 250)
                .u32("total_retrans", 3)
                .u16("local_port", 54321)
                .u16("remote_port", 443)
                .address("local_addr", ipv4(192, 168, 1, 20))
                .address("remote_addr", ipv4(93, 184, 216, 34))
                .u8("family", LibC.AF_INET)
                .u8("role", CLIENT)
                .u8("flags", ESTABLISHED | FIN_SENT | FIN_ACKED | FIN_RECEIVED)
                .u8("last_state", TcpStates.FIN_WAIT2);

        TcpSession expected = new TcpSession(1_000_000_000L, 1_000_250_000L, 3_000_000_000L, "client",
                "IPv4", "192.168.1.20", 54321, "93.184.216.34", 443, 1_000_000, 2_048, "local", false, true, null,
                123_456_789L, 4321, 250, 3, true);
        TcpSession session = record.decode();
        assertEquals(expected, session);
        assertEquals(250_000, session.connectNanos());
    }

    @Test
    void decodesAnIpv6ServerSessionThatThePeerClosedFirst() {
        RecordBytes record = new RecordBytes()
                .u64("start_ns", 7_000)
                .u64("established_ns", 9_000)
                .u64("end_ns", 20_000)
                .u64("bytes_acked", 4_097) // 4,096 payload + FIN, and no SYN: the server's was acked before it existed
                .u64("bytes_received", 101)
                .u64("socket_ino", 0xffff_ffffL + 1)
                .u32("srtt_us8", 12)
                .u16("local_port", 8080)
                .u16("remote_port", 40000)
                .address("local_addr", ipv6("00000000000000000000000000000001"))
                .address("remote_addr", ipv6("20010db8000000000000000000000001"))
                .u8("family", LibC.AF_INET6)
                .u8("role", SERVER)
                .u8("flags", ESTABLISHED | REMOTE_FIN_FIRST | FIN_RECEIVED | FIN_SENT | FIN_ACKED)
                .u8("last_state", TcpStates.LAST_ACK);

        TcpSession expected = new TcpSession(7_000, 9_000, 20_000, "server", "IPv6", "::1", 8080, "2001:db8::1",
                40000, 4_096, 100, "remote", false, true, null, 0x1_0000_0000L, 0, 1, 0, true);
        TcpSession session = record.decode();
        assertEquals(expected, session);
        assertEquals(-1, session.connectNanos());
    }

    @Test
    void decodesTheRecordAtTheGivenOffset() {
        // Ring buffer records start 8 bytes into their slot, between other records.
        RecordBytes record = new RecordBytes()
                .u64("start_ns", 5)
                .u64("bytes_acked", 11)
                .u16("remote_port", 80)
                .address("remote_addr", ipv4(10, 0, 0, 1))
                .u8("family", LibC.AF_INET)
                .u8("role", CLIENT)
                .u8("flags", ESTABLISHED)
                .u8("last_state", TcpStates.FIN_WAIT2);
        ByteBuffer ring = ByteBuffer.allocate(3 * 128).order(ByteOrder.LITTLE_ENDIAN);
        while (ring.hasRemaining()) {
            ring.put((byte) 0xa5);
        }
        ring.put(136, record.bytes.array());

        assertEquals(record.decode(), TcpSessionDecoder.decode(ring, 136));
    }

    static Stream<Arguments> payloadBytes() {
        return Stream.of(
                arguments("client: bytes_acked counts the SYN", CLIENT, ESTABLISHED, 1001, 500, 1000, 500),
                arguments("client: ... and an acknowledged FIN", CLIENT, ESTABLISHED | FIN_SENT | FIN_ACKED, 1002, 500, 1000, 500),
                arguments("client: a FIN not yet acknowledged is not counted", CLIENT, ESTABLISHED | FIN_SENT, 1001, 500, 1000, 500),
                arguments("client: bytes_received counts the peer's FIN", CLIENT, ESTABLISHED | REMOTE_FIN_FIRST | FIN_RECEIVED, 1001, 501, 1000, 500),
                arguments("server: no SYN in bytes_acked", SERVER, ESTABLISHED, 1000, 500, 1000, 500),
                arguments("server: an acknowledged FIN", SERVER, ESTABLISHED | FIN_SENT | FIN_ACKED, 1001, 500, 1000, 500),
                arguments("server: the peer's FIN", SERVER, ESTABLISHED | REMOTE_FIN_FIRST | FIN_RECEIVED, 1000, 501, 1000, 500),
                arguments("client: no payload, both FINs", CLIENT, ESTABLISHED | FIN_SENT | FIN_ACKED | FIN_RECEIVED, 2, 1, 0, 0),
                arguments("client: refused, nothing counted", CLIENT, 0, 0, 0, 0, 0),
                arguments("counters beyond 32 bits", CLIENT, ESTABLISHED | FIN_RECEIVED, 5_000_000_001L, 6_000_000_001L, 5_000_000_000L, 6_000_000_000L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void payloadBytes(String scenario, int role, int flags, long bytesAcked, long bytesReceived,
            long expectedSent, long expectedReceived) {
        TcpSession session = ipv4Session().u8("role", role).u8("flags", flags)
                .u64("bytes_acked", bytesAcked).u64("bytes_received", bytesReceived).decode();

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
        TcpSession session = ipv4Session().u8("flags", flags).u16("error", error).u8("last_state", lastState).decode();

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
        TcpSession session = ipv4Session().u8("family", family)
                .address("local_addr", local).address("remote_addr", remote).decode();

        assertEquals(expectedFamily, session.family(), "family");
        assertEquals(expectedLocal, session.localAddress(), "localAddress");
        assertEquals(expectedRemote, session.remoteAddress(), "remoteAddress");
    }

    @Test
    void readsPortsAndCountersUnsigned() {
        TcpSession session = ipv4Session()
                .u16("local_port", 65535)
                .u16("remote_port", 32768)
                .u32("srtt_us8", 0xffff_ffffL)
                .u32("total_retrans", 0xffff_ffffL)
                .decode();

        assertEquals(65535, session.localPort());
        assertEquals(32768, session.remotePort());
        assertEquals(0xffff_ffffL / 8, session.smoothedRttMicros());
        assertEquals(0xffff_ffffL, session.retransmittedSegments());
    }

    @ParameterizedTest(name = "srtt_us8 {0} is {1} us")
    @CsvSource({"0, 0", "7, 0", "8, 1", "15, 1", "8000, 1000"})
    void smoothedRttIsInWholeMicroseconds(long srttUs8, long expectedMicros) {
        assertEquals(expectedMicros, ipv4Session().u32("srtt_us8", srttUs8).decode().smoothedRttMicros());
    }

    static Stream<Arguments> connectTime() {
        return Stream.of(
                arguments("client, established", CLIENT, ESTABLISHED, true, 250_000L),
                arguments("client, refused", CLIENT, 0, true, -1L),
                arguments("server: no connect of its own", SERVER, ESTABLISHED, true, -1L),
                arguments("client opened before tracing: start is not the SYN", CLIENT, ESTABLISHED | START_UNOBSERVED, false, -1L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void connectTime(String scenario, int role, int flags, boolean expectedStartObserved, long expectedConnectNanos) {
        TcpSession session = ipv4Session().u8("role", role).u8("flags", flags)
                .u64("start_ns", 1_000_000).u64("established_ns", (flags & ESTABLISHED) != 0 ? 1_250_000 : 0).decode();

        assertEquals((flags & ESTABLISHED) != 0, session.established(), "established");
        assertEquals(expectedStartObserved, session.startObserved(), "startObserved");
        assertEquals(expectedConnectNanos, session.connectNanos(), "connectNanos");
    }

    /** An established IPv4 client session with nothing remarkable, for the tables to vary one aspect of. */
    private static RecordBytes ipv4Session() {
        return new RecordBytes()
                .u64("start_ns", 1_000)
                .u64("established_ns", 2_000)
                .u64("end_ns", 9_000)
                .u16("local_port", 40000)
                .u16("remote_port", 80)
                .address("local_addr", ipv4(10, 0, 0, 2))
                .address("remote_addr", ipv4(10, 0, 0, 1))
                .u8("family", LibC.AF_INET)
                .u8("role", CLIENT)
                .u8("flags", ESTABLISHED)
                .u8("last_state", TcpStates.FIN_WAIT2);
    }

    /** An address field as the kernel program fills it: IPv4 in the first 4 of 16 bytes. */
    private static byte[] ipv4(int a, int b, int c, int d) {
        byte[] address = new byte[16];
        address[0] = (byte) a;
        address[1] = (byte) b;
        address[2] = (byte) c;
        address[3] = (byte) d;
        return address;
    }

    private static byte[] ipv6(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** A struct tcp_session_record as the kernel program writes it: little-endian, each member at its header offset. */
    private static final class RecordBytes {
        final ByteBuffer bytes = ByteBuffer.allocate(HEADER.define("TCP_SESSION_RECORD_SIZE")).order(ByteOrder.LITTLE_ENDIAN);

        RecordBytes u64(String member, long value) {
            bytes.putLong(OFFSETS.get(member), value);
            return this;
        }

        RecordBytes u32(String member, long value) {
            bytes.putInt(OFFSETS.get(member), (int) value);
            return this;
        }

        RecordBytes u16(String member, int value) {
            bytes.putShort(OFFSETS.get(member), (short) value);
            return this;
        }

        RecordBytes u8(String member, int value) {
            bytes.put(OFFSETS.get(member), (byte) value);
            return this;
        }

        RecordBytes address(String member, byte[] address) {
            bytes.put(OFFSETS.get(member), address);
            return this;
        }

        TcpSession decode() {
            return TcpSessionDecoder.decode(bytes, 0);
        }
    }
}
