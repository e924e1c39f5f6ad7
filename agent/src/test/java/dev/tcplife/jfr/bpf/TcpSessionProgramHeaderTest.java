package dev.tcplife.jfr.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.TcpSessionHeader;

/**
 * The loader's view of struct tcp_session_config and enum tcp_session_counter against tcp_session.h: a
 * mismatch would configure the kernel program for another process, or report one counter as another.
 */
class TcpSessionProgramHeaderTest {
    private static final String CONFIG = "tcp_session_config";

    private final TcpSessionHeader header = TcpSessionHeader.load();

    @Test
    void everyAssertedConfigOffsetMatchesTheConstantOfTheSameName() {
        // Keyed by "CONFIG_" and the C member upper-cased; comparing whole maps fails on a missing or extra member.
        Map<String, Integer> program = new LinkedHashMap<>();
        program.put("CONFIG_PIDNS_DEV", TcpSessionProgram.CONFIG_PIDNS_DEV);
        program.put("CONFIG_PIDNS_INO", TcpSessionProgram.CONFIG_PIDNS_INO);
        program.put("CONFIG_TGID", TcpSessionProgram.CONFIG_TGID);
        program.put("CONFIG_FAMILY_MASK", TcpSessionProgram.CONFIG_FAMILY_MASK);
        program.put("CONFIG_LOCAL_PORTS", TcpSessionProgram.CONFIG_LOCAL_PORTS);
        program.put("CONFIG_REMOTE_PORTS", TcpSessionProgram.CONFIG_REMOTE_PORTS);

        Map<String, Integer> asserted = new LinkedHashMap<>();
        header.assertedOffsets(CONFIG).forEach((member, offset) ->
                asserted.put("CONFIG_" + member.toUpperCase(Locale.ROOT), offset));
        assertEquals(asserted, program);
    }

    @Test
    void everyConfigMemberHasAnOffsetAssert() {
        assertEquals(header.members(CONFIG).keySet(), header.assertedOffsets(CONFIG).keySet());
    }

    @Test
    void configSizeMatches() {
        assertEquals(header.define("TCP_SESSION_CONFIG_SIZE"), TcpSessionProgram.CONFIG_SIZE);
    }

    @Test
    void portFiltersHoldAsManyPortsAsTheHeaderDeclares() {
        Map<String, Integer> members = header.members(CONFIG);
        assertEquals(members.get("local_ports"), TcpSessionProgram.CONFIG_MAX_PORTS);
        assertEquals(members.get("remote_ports"), TcpSessionProgram.CONFIG_MAX_PORTS);
    }

    @Test
    void countersAreInTheHeaderEnumOrder() {
        // The ordinal is the slot of the per-CPU array; COUNTER_MAX only sizes it.
        List<String> slots = header.enumerators("tcp_session_counter").stream()
                .map(name -> name.replaceFirst("^TCP_SESSION_COUNTER_", ""))
                .filter(name -> !name.equals("MAX"))
                .toList();
        assertEquals(slots, Arrays.stream(TcpSessionProgram.Counter.values()).map(Enum::name).toList());
    }

    @Test
    void encodeWritesEachFieldAtTheHeaderOffset() {
        ProgramConfig config = new ProgramConfig(4242, new PidNamespace(0x1234_5678L, 0x4000_0abcL), 2,
                new int[] {80, 65535}, new int[] {5432}, 65536, 1 << 20);
        Map<String, Integer> offsets = header.assertedOffsets(CONFIG);

        ByteBuffer encoded = ByteBuffer.wrap(TcpSessionProgram.encode(config)).order(ByteOrder.nativeOrder());

        assertEquals(header.define("TCP_SESSION_CONFIG_SIZE"), encoded.capacity());
        assertEquals(0x1234_5678L, encoded.getLong(offsets.get("pidns_dev")));
        assertEquals(0x4000_0abcL, encoded.getLong(offsets.get("pidns_ino")));
        assertEquals(4242, encoded.getInt(offsets.get("tgid")));
        assertEquals(2, encoded.getInt(offsets.get("family_mask")));
        assertEquals(List.of(80, 65535, 0, 0, 0, 0, 0, 0), ports(encoded, offsets.get("local_ports")));
        assertEquals(List.of(5432, 0, 0, 0, 0, 0, 0, 0), ports(encoded, offsets.get("remote_ports")));
    }

    @Test
    void encodeRejectsMorePortsThanTheKernelHolds() {
        ProgramConfig config = new ProgramConfig(1, new PidNamespace(4, 1), 3, new int[9], new int[0], 1024, 1 << 16);
        assertThrows(IllegalArgumentException.class, () -> TcpSessionProgram.encode(config));
    }

    private static List<Integer> ports(ByteBuffer config, int offset) {
        return IntStream.range(0, 8)
                .mapToObj(i -> Short.toUnsignedInt(config.getShort(offset + 2 * i)))
                .toList();
    }
}
