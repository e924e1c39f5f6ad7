package dev.tcplife.jfr.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.bpf.TcpSessionContract.AdoptKey;
import dev.tcplife.jfr.bpf.TcpSessionContract.AdoptValue;
import dev.tcplife.jfr.bpf.TcpSessionContract.ListenerKey;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.OpenSockets;
import dev.tcplife.jfr.os.TcpStates;

/**
 * The keys and values adoption hands the kernel program, each field where TcpSessionContract places it (which
 * TcpSessionContractTest holds to tcp_session.h), built as the program builds its own: a key that differs in one
 * byte never matches, and the socket is not adopted.
 */
class SocketAdoptionTest {
    @Test
    void adoptKeyAndValueAreWrittenAtTheirOffsets() {
        OpenSockets.Session session = new OpenSockets.Session(LibC.AF_INET, new byte[] {127, 0, 0, 1}, 8080,
                new byte[] {10, 1, 2, 3}, 40000, 987654321L, TcpStates.CLOSE_WAIT, true);

        ByteBuffer key = ByteBuffer.wrap(SocketAdoption.adoptKey(0xF0000001L, session)).order(ByteOrder.nativeOrder());
        ByteBuffer value = ByteBuffer.wrap(SocketAdoption.adoptValue(session)).order(ByteOrder.nativeOrder());

        assertEquals(AdoptKey.SIZE, key.capacity());
        assertEquals(0xF0000001, key.getInt(AdoptKey.NETNS));
        assertEquals(8080, Short.toUnsignedInt(key.getShort(AdoptKey.LOCAL_PORT)));
        assertEquals(40000, Short.toUnsignedInt(key.getShort(AdoptKey.REMOTE_PORT)));
        // IPv4 the way the program builds it from any socket: ::ffff:a.b.c.d
        assertEquals("00000000000000000000ffff7f000001", address(key, AdoptKey.LOCAL_ADDR));
        assertEquals("00000000000000000000ffff0a010203", address(key, AdoptKey.REMOTE_ADDR));
        assertEquals(AdoptValue.SIZE, value.capacity());
        assertEquals(987654321L, value.getLong(AdoptValue.SOCKET_INO));
        assertEquals(TcpSessionContract.ROLE_SERVER, value.get(AdoptValue.ROLE));
        // CLOSE_WAIT: established, and the peer's FIN came first
        assertEquals(TcpSessionContract.ESTABLISHED | TcpSessionContract.REMOTE_FIN_FIRST, value.get(AdoptValue.FLAGS));
    }

    @Test
    void listenerKeyIsWrittenAtItsOffsets() {
        OpenSockets.Listener listener = new OpenSockets.Listener(LibC.AF_INET6, new byte[16], 443);

        ByteBuffer key = ByteBuffer.wrap(SocketAdoption.listenerKey(7, listener)).order(ByteOrder.nativeOrder());

        assertEquals(ListenerKey.SIZE, key.capacity());
        assertEquals(7, key.getInt(ListenerKey.NETNS));
        assertEquals(443, Short.toUnsignedInt(key.getShort(ListenerKey.PORT)));
        assertEquals(LibC.AF_INET6, key.getShort(ListenerKey.FAMILY));
        assertEquals("00".repeat(16), address(key, ListenerKey.ADDR));
    }

    private static String address(ByteBuffer buffer, int offset) {
        byte[] address = new byte[TcpSessionContract.ADDR_LEN];
        buffer.get(offset, address);
        return HexFormat.of().formatHex(address);
    }
}
