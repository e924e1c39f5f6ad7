package dev.tcplife.jfr.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.bpf.TcpSessionContract.Config;
import dev.tcplife.jfr.os.PidNamespace;

/**
 * The configuration the loader writes into .rodata, each field where TcpSessionContract places it (which
 * TcpSessionContractTest holds to tcp_session.h): a field in another's place would configure the kernel program
 * for another process.
 */
class TcpSessionProgramTest {
    @Test
    void encodeWritesEachFieldAtItsOffset() {
        ProgramConfig config = new ProgramConfig(4242, new PidNamespace(0x1234_5678L, 0x4000_0abcL), 2,
                new int[] {80, 65535}, new int[] {5432}, 65536, 1 << 20);

        ByteBuffer encoded = ByteBuffer.wrap(TcpSessionProgram.encode(config)).order(ByteOrder.nativeOrder());

        assertEquals(Config.SIZE, encoded.capacity());
        assertEquals(0x1234_5678L, encoded.getLong(Config.PIDNS_DEV));
        assertEquals(0x4000_0abcL, encoded.getLong(Config.PIDNS_INO));
        assertEquals(4242, encoded.getInt(Config.TGID));
        assertEquals(2, encoded.getInt(Config.FAMILY_MASK));
        assertEquals(slots(80, 65535), ports(encoded, Config.LOCAL_PORTS));
        assertEquals(slots(5432), ports(encoded, Config.REMOTE_PORTS));
        assertEquals(262144 - 1, encoded.getInt(Config.SESSION_TABLE_MASK));
    }

    @Test
    void theSessionTableIsAPowerOfTwoOfFourToEightTimesTheSessions() {
        for (int maxSessions : new int[] {1024, 1025, 65535, 65536, 65537, 100_000, 1 << 20}) {
            int entries = TcpSessionProgram.sessionTableEntries(maxSessions);
            assertEquals(1, Integer.bitCount(entries), maxSessions + " -> " + entries);
            assertTrue(entries >= 4L * maxSessions && entries < 8L * maxSessions, maxSessions + " -> " + entries);
        }
    }

    @Test
    void encodeRejectsMorePortsThanTheKernelHolds() {
        ProgramConfig config = new ProgramConfig(1, new PidNamespace(4, 1), 3,
                new int[TcpSessionContract.MAX_PORTS + 1], new int[0], 1024, 1 << 16);
        assertThrows(IllegalArgumentException.class, () -> TcpSessionProgram.encode(config));
    }

    /** {@code ports}, then the zeros that mark a filter's unused slots. */
    private static List<Integer> slots(int... ports) {
        return IntStream.range(0, TcpSessionContract.MAX_PORTS).mapToObj(i -> i < ports.length ? ports[i] : 0).toList();
    }

    private static List<Integer> ports(ByteBuffer config, int offset) {
        return IntStream.range(0, TcpSessionContract.MAX_PORTS)
                .mapToObj(i -> Short.toUnsignedInt(config.getShort(offset + 2 * i)))
                .toList();
    }
}
