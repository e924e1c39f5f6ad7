package dev.tcplife.jfr.record;

import java.nio.ByteBuffer;

import dev.tcplife.jfr.bpf.TcpSessionContract;
import dev.tcplife.jfr.bpf.TcpSessionContract.Record;
import dev.tcplife.jfr.os.Errno;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.TcpStates;

/**
 * Decodes struct tcp_session_record ({@code bpf/src/main/c/tcp_session.h}) into a {@link TcpSession}, at the
 * offsets of its Java twin, {@link Record}.
 *
 * <p>The interpretation follows what the kernel counts: {@code bytes_acked} includes the client's SYN and an
 * acknowledged FIN, {@code bytes_received} a FIN received while the full socket existed. A received RST leaves
 * ECONNRESET (ECONNREFUSED in SYN_SENT, EPIPE in CLOSE_WAIT) in {@code sk_err}; a locally sent RST
 * (close() with unread data, SO_LINGER 0) jumps straight to TCP_CLOSE from a state that needs a reset.
 */
public final class TcpSessionDecoder {
    private static final String IPV4 = "IPv4";
    private static final String IPV6 = "IPv6";
    /** Shared by every decoding thread (the reader, the last read at exit): it needs no lock. */
    private static final AddressTexts TEXTS = new AddressTexts(8);

    private TcpSessionDecoder() {
    }

    /** Decodes the record at {@code offset} of {@code buffer}, which must be little-endian. */
    public static TcpSession decode(ByteBuffer buffer, int offset) {
        int role = buffer.get(offset + Record.ROLE);
        int flags = buffer.get(offset + Record.FLAGS);
        int error = Short.toUnsignedInt(buffer.getShort(offset + Record.ERROR));
        int lastState = buffer.get(offset + Record.LAST_STATE);
        boolean client = role == TcpSessionContract.ROLE_CLIENT;
        boolean established = (flags & TcpSessionContract.ESTABLISHED) != 0;
        boolean resetReceived = error == Errno.ECONNRESET || error == Errno.ECONNREFUSED || error == Errno.EPIPE;
        boolean resetSent = error == 0 && abortsWithReset(lastState);

        int family = buffer.get(offset + Record.FAMILY);
        long localHigh = addressHigh(buffer, offset + Record.LOCAL_ADDR, family);
        long localLow = addressLow(buffer, offset + Record.LOCAL_ADDR, family);
        long remoteHigh = addressHigh(buffer, offset + Record.REMOTE_ADDR, family);
        long remoteLow = addressLow(buffer, offset + Record.REMOTE_ADDR, family);
        return new TcpSession(
                buffer.getLong(offset + Record.START_NS),
                buffer.getLong(offset + Record.ESTABLISHED_NS),
                buffer.getLong(offset + Record.END_NS),
                client ? TcpSession.CLIENT : TcpSession.SERVER,
                InetAddresses.isV4Mapped(localHigh, localLow) ? IPV4 : IPV6,
                TEXTS.text(localHigh, localLow),
                Short.toUnsignedInt(buffer.getShort(offset + Record.LOCAL_PORT)),
                TEXTS.text(remoteHigh, remoteLow),
                remoteHigh,
                remoteLow,
                Short.toUnsignedInt(buffer.getShort(offset + Record.REMOTE_PORT)),
                payloadSent(buffer.getLong(offset + Record.BYTES_ACKED), client && established,
                        (flags & TcpSessionContract.FIN_ACKED) != 0),
                payloadReceived(buffer.getLong(offset + Record.BYTES_RECEIVED),
                        (flags & TcpSessionContract.FIN_RECEIVED) != 0),
                closeInitiator(flags, resetReceived),
                resetReceived || resetSent,
                established,
                error == 0 ? null : Errno.name(error),
                buffer.getLong(offset + Record.SOCKET_INO),
                buffer.getInt(offset + Record.OWNER_TID),
                Integer.toUnsignedLong(buffer.getInt(offset + Record.SRTT_US8)) >>> 3,
                Integer.toUnsignedLong(buffer.getInt(offset + Record.TOTAL_RETRANS)),
                (flags & TcpSessionContract.START_UNOBSERVED) == 0);
    }

    /** When the session at {@code offset} ended (CLOCK_MONOTONIC), without decoding the rest of it. */
    public static long endNanos(ByteBuffer buffer, int offset) {
        return buffer.getLong(offset + Record.END_NS);
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
        if ((flags & TcpSessionContract.REMOTE_FIN_FIRST) != 0) {
            return TcpSession.REMOTE;
        }
        if ((flags & TcpSessionContract.FIN_SENT) != 0) {
            return TcpSession.LOCAL;
        }
        return resetReceived ? TcpSession.REMOTE : TcpSession.LOCAL;
    }

    /** Going to TCP_CLOSE from these states without an error means this end aborted and sent an RST. */
    static boolean abortsWithReset(int lastState) {
        return lastState == TcpStates.ESTABLISHED || lastState == TcpStates.CLOSE_WAIT
                || lastState == TcpStates.SYN_RECV || lastState == TcpStates.FIN_WAIT1;
    }

    /**
     * The high long of the address field at {@code offset} ({@link InetAddresses}' compact form): 0 for IPv4, held
     * in the field's first 4 bytes. The field is in network order, the buffer little-endian: hence the swaps.
     */
    static long addressHigh(ByteBuffer buffer, int offset, int family) {
        return family == LibC.AF_INET ? 0 : Long.reverseBytes(buffer.getLong(offset));
    }

    /** The low long of the address field at {@code offset}: IPv4 IPv4-mapped. */
    static long addressLow(ByteBuffer buffer, int offset, int family) {
        return family == LibC.AF_INET ? InetAddresses.v4MappedLow(Integer.reverseBytes(buffer.getInt(offset)))
                : Long.reverseBytes(buffer.getLong(offset + 8));
    }
}
