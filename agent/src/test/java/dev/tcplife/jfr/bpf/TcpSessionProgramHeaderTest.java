package dev.tcplife.jfr.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.OpenSockets;
import dev.tcplife.jfr.os.PidNamespace;
import dev.tcplife.jfr.os.TcpStates;

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
        program.put("CONFIG_SESSION_TABLE_MASK", TcpSessionProgram.CONFIG_SESSION_TABLE_MASK);

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
        assertEquals(header.define("TCP_SESSION_MAX_PORTS"), TcpSessionProgram.CONFIG_MAX_PORTS);
    }

    @Test
    void countersAreInTheHeaderEnumOrder() {
        // The ordinal is the slot of the per-CPU array; COUNTER_MAX only sizes it.
        List<String> counters = header.enumerators("tcp_session_counter").stream()
                .map(name -> name.replaceFirst("^TCP_SESSION_COUNTER_", ""))
                .filter(name -> !name.equals("MAX"))
                .toList();
        assertEquals(counters, Arrays.stream(TcpSessionProgram.Counter.values()).map(Enum::name).toList());
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
        assertEquals(262144 - 1, encoded.getInt(offsets.get("session_table_mask")));
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
        ProgramConfig config = new ProgramConfig(1, new PidNamespace(4, 1), 3, new int[9], new int[0], 1024, 1 << 16);
        assertThrows(IllegalArgumentException.class, () -> TcpSessionProgram.encode(config));
    }

    @Test
    void globalsOffsetsMatch() {
        Map<String, Integer> asserted = header.assertedOffsets("tcp_session_globals");
        // own_host_tgid and session_slot_counts are the kernel's alone: the loader never touches them.
        asserted.remove("own_host_tgid");
        asserted.remove("session_filter");
        Map<String, Integer> program = new LinkedHashMap<>();
        program.put("reporting_off", TcpSessionProgram.GLOBALS_REPORTING_OFF);
        program.put("adoption_start_ns", TcpSessionProgram.GLOBALS_ADOPTION_START_NS);
        program.put("min_duration_ns", TcpSessionProgram.GLOBALS_MIN_DURATION_NS);
        program.put("adoptable_count", TcpSessionProgram.GLOBALS_ADOPTABLE_COUNT);
        program.put("older_listeners", TcpSessionProgram.GLOBALS_OLDER_LISTENERS);
        program.put("listener_port_counts", TcpSessionProgram.GLOBALS_LISTENER_PORT_COUNTS);
        program.put("adoptable_port_counts", TcpSessionProgram.GLOBALS_ADOPTABLE_PORT_COUNTS);
        assertEquals(asserted, program);
        assertEquals(header.define("TCP_SESSION_PORT_BUCKETS"), TcpSessionProgram.PORT_BUCKETS);
    }

    @Test
    void rolesAndFlagsOfAdoptedSessionsMatchTheHeader() {
        assertEquals(header.define("TCP_SESSION_ROLE_CLIENT"), TcpSessionProgram.ROLE_CLIENT);
        assertEquals(header.define("TCP_SESSION_ROLE_SERVER"), TcpSessionProgram.ROLE_SERVER);
        assertEquals(header.define("TCP_SESSION_ESTABLISHED"), TcpSessionProgram.FLAG_ESTABLISHED);
        assertEquals(header.define("TCP_SESSION_FIN_SENT"), TcpSessionProgram.FLAG_FIN_SENT);
        assertEquals(header.define("TCP_SESSION_REMOTE_FIN_FIRST"), TcpSessionProgram.FLAG_REMOTE_FIN_FIRST);
    }

    @Test
    void adoptKeyAndValueAreWrittenAtTheHeaderOffsets() {
        Map<String, Integer> key = header.assertedOffsets("tcp_session_adopt_key");
        Map<String, Integer> value = header.assertedOffsets("tcp_session_adopt_value");
        OpenSockets.Session session = new OpenSockets.Session(LibC.AF_INET, new byte[] {127, 0, 0, 1}, 8080,
                new byte[] {10, 1, 2, 3}, 40000, 987654321L, TcpStates.CLOSE_WAIT, true);

        ByteBuffer k = ByteBuffer.wrap(TcpSessionProgram.adoptKey(0xF0000001L, session)).order(ByteOrder.nativeOrder());
        ByteBuffer v = ByteBuffer.wrap(TcpSessionProgram.adoptValue(session)).order(ByteOrder.nativeOrder());

        assertEquals(TcpSessionProgram.ADOPT_KEY_SIZE, k.capacity());
        assertEquals(0xF0000001, k.getInt(key.get("netns")));
        assertEquals(8080, Short.toUnsignedInt(k.getShort(key.get("local_port"))));
        assertEquals(40000, Short.toUnsignedInt(k.getShort(key.get("remote_port"))));
        // IPv4 the way the program builds it from any socket: ::ffff:a.b.c.d
        assertEquals("00000000000000000000ffff7f000001", hex(k, key.get("local_addr"), 16));
        assertEquals("00000000000000000000ffff0a010203", hex(k, key.get("remote_addr"), 16));
        assertEquals(TcpSessionProgram.ADOPT_VALUE_SIZE, v.capacity());
        assertEquals(987654321L, v.getLong(value.get("socket_ino")));
        assertEquals(header.define("TCP_SESSION_ROLE_SERVER"), v.get(value.get("role")));
        // CLOSE_WAIT: established, and the peer's FIN came first
        assertEquals(header.define("TCP_SESSION_ESTABLISHED") | header.define("TCP_SESSION_REMOTE_FIN_FIRST"),
                v.get(value.get("flags")));
    }

    @Test
    void listenerKeyIsWrittenAtTheHeaderOffsets() {
        Map<String, Integer> key = header.assertedOffsets("tcp_session_listener_key");
        OpenSockets.Listener listener = new OpenSockets.Listener(LibC.AF_INET6, new byte[16], 443);

        ByteBuffer k = ByteBuffer.wrap(TcpSessionProgram.listenerKey(7, listener)).order(ByteOrder.nativeOrder());

        assertEquals(TcpSessionProgram.LISTENER_KEY_SIZE, k.capacity());
        assertEquals(7, k.getInt(key.get("netns")));
        assertEquals(443, Short.toUnsignedInt(k.getShort(key.get("port"))));
        assertEquals(LibC.AF_INET6, k.getShort(key.get("family")));
        assertEquals("00".repeat(16), hex(k, key.get("addr"), 16));
    }

    private static String hex(ByteBuffer buffer, int offset, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(String.format("%02x", buffer.get(offset + i)));
        }
        return text.toString();
    }

    private static List<Integer> ports(ByteBuffer config, int offset) {
        return IntStream.range(0, 8)
                .mapToObj(i -> Short.toUnsignedInt(config.getShort(offset + 2 * i)))
                .toList();
    }
}
