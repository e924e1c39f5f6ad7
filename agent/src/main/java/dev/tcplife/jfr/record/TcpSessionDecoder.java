package dev.tcplife.jfr.record;

import java.nio.ByteBuffer;

import dev.tcplife.jfr.os.Errno;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.TcpStates;

/**
 * Decodes struct tcp_session_record ({@code bpf/src/main/c/tcp_session.h}) into a {@link TcpSession}.
 *
 * <p>THE OFFSETS BELOW MUST MATCH THE HEADER. It pins them with _Static_assert, and TcpSessionDecoderTest
 * reads those asserts and compares them with these constants.
 *
 * <p>The interpretation follows what the kernel counts: {@code bytes_acked} includes the client's SYN and an
 * acknowledged FIN, {@code bytes_received} a FIN received while the full socket existed. A received RST leaves
 * ECONNRESET (ECONNREFUSED in SYN_SENT, EPIPE in CLOSE_WAIT) in {@code sk_err}; a locally sent RST
 * (close() with unread data, SO_LINGER 0) jumps straight to TCP_CLOSE from a state that needs a reset.
 */
public final class TcpSessionDecoder {
    public static final int RECORD_SIZE = 104;

    static final int START_NS = 0;
    static final int ESTABLISHED_NS = 8;
    static final int END_NS = 16;
    static final int BYTES_ACKED = 24;
    static final int BYTES_RECEIVED = 32;
    static final int SOCKET_INO = 40;
    static final int OWNER_TID = 48;
    static final int SRTT_US8 = 52;
    static final int TOTAL_RETRANS = 56;
    static final int LOCAL_PORT = 60;
    static final int REMOTE_PORT = 62;
    static final int LOCAL_ADDR = 64;
    static final int REMOTE_ADDR = 80;
    static final int ERROR = 96;
    static final int FAMILY = 98;
    static final int ROLE = 99;
    static final int FLAGS = 100;
    static final int LAST_STATE = 101;

    static final int ROLE_CLIENT = 1;
    static final int FLAG_ESTABLISHED = 1;
    static final int FLAG_FIN_SENT = 1 << 1;
    static final int FLAG_FIN_ACKED = 1 << 2;
    static final int FLAG_FIN_RECEIVED = 1 << 3;
    static final int FLAG_REMOTE_FIN_FIRST = 1 << 4;
    static final int FLAG_START_UNOBSERVED = 1 << 5;

    private TcpSessionDecoder() {
    }

    /** Decodes the record at {@code offset} of {@code buffer}, which must be little-endian. */
    public static TcpSession decode(ByteBuffer buffer, int offset) {
        int role = buffer.get(offset + ROLE);
        int flags = buffer.get(offset + FLAGS);
        int error = Short.toUnsignedInt(buffer.getShort(offset + ERROR));
        int lastState = buffer.get(offset + LAST_STATE);
        boolean client = role == ROLE_CLIENT;
        boolean established = (flags & FLAG_ESTABLISHED) != 0;
        boolean resetReceived = error == Errno.ECONNRESET || error == Errno.ECONNREFUSED || error == Errno.EPIPE;
        boolean resetSent = error == 0 && abortsWithReset(lastState);

        byte[] local = address(buffer, offset + LOCAL_ADDR, buffer.get(offset + FAMILY));
        byte[] remote = address(buffer, offset + REMOTE_ADDR, buffer.get(offset + FAMILY));
        return new TcpSession(
                buffer.getLong(offset + START_NS),
                buffer.getLong(offset + ESTABLISHED_NS),
                buffer.getLong(offset + END_NS),
                client ? TcpSession.CLIENT : TcpSession.SERVER,
                local.length == 4 ? "IPv4" : "IPv6",
                InetAddresses.format(local),
                Short.toUnsignedInt(buffer.getShort(offset + LOCAL_PORT)),
                InetAddresses.format(remote),
                Short.toUnsignedInt(buffer.getShort(offset + REMOTE_PORT)),
                payloadSent(buffer.getLong(offset + BYTES_ACKED), client && established, (flags & FLAG_FIN_ACKED) != 0),
                payloadReceived(buffer.getLong(offset + BYTES_RECEIVED), (flags & FLAG_FIN_RECEIVED) != 0),
                closeInitiator(flags, resetReceived),
                resetReceived || resetSent,
                established,
                error == 0 ? null : Errno.name(error),
                buffer.getLong(offset + SOCKET_INO),
                buffer.getInt(offset + OWNER_TID),
                Integer.toUnsignedLong(buffer.getInt(offset + SRTT_US8)) >>> 3,
                Integer.toUnsignedLong(buffer.getInt(offset + TOTAL_RETRANS)),
                (flags & FLAG_START_UNOBSERVED) == 0);
    }

    /** When the session at {@code offset} ended (CLOCK_MONOTONIC), without decoding the rest of it. */
    public static long endNanos(ByteBuffer buffer, int offset) {
        return buffer.getLong(offset + END_NS);
    }

    /** Payload from bytes_acked: minus the client's SYN and an acknowledged FIN, which take one sequence number each. */
    static long payloadSent(long bytesAcked, boolean synAcked, boolean finAcked) {
        return Math.max(0, bytesAcked - (synAcked ? 1 : 0) - (finAcked ? 1 : 0));
    }

    /** Payload from bytes_received: minus the peer's FIN when it was counted. */
    static long payloadReceived(long bytesReceived, boolean finReceived) {
        return Math.max(0, bytesReceived - (finReceived ? 1 : 0));
    }

    /**
     * The side that sent the first FIN; without any FIN, the side that sent the RST; a connect that timed out or
     * was abandoned ended on this side.
     */
    static String closeInitiator(int flags, boolean resetReceived) {
        if ((flags & FLAG_REMOTE_FIN_FIRST) != 0) {
            return TcpSession.REMOTE;
        }
        if ((flags & FLAG_FIN_SENT) != 0) {
            return TcpSession.LOCAL;
        }
        return resetReceived ? TcpSession.REMOTE : TcpSession.LOCAL;
    }

    /** Going to TCP_CLOSE from these states without an error means this end aborted and sent an RST. */
    static boolean abortsWithReset(int lastState) {
        return lastState == TcpStates.ESTABLISHED || lastState == TcpStates.CLOSE_WAIT
                || lastState == TcpStates.SYN_RECV || lastState == TcpStates.FIN_WAIT1;
    }

    /** 4 bytes for IPv4, also when carried IPv4-mapped on an IPv6 socket; 16 for IPv6. */
    static byte[] address(ByteBuffer buffer, int offset, int family) {
        byte[] bytes = new byte[family == LibC.AF_INET ? 4 : 16];
        buffer.get(offset, bytes);
        return InetAddresses.isV4Mapped(bytes) ? java.util.Arrays.copyOfRange(bytes, 12, 16) : bytes;
    }
}
