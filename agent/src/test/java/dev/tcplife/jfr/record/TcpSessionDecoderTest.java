package dev.tcplife.jfr.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.TcpSessionHeader;

/**
 * The decoder's offsets and values against tcp_session.h, whose _Static_asserts the compiler holds to the struct:
 * together they keep the C and Java sides of the record in step, so that no field decodes from another's bytes.
 */
class TcpSessionDecoderTest {
    private static final String RECORD = "tcp_session_record";

    private final TcpSessionHeader header = TcpSessionHeader.load();

    @Test
    void everyAssertedRecordOffsetMatchesTheDecoderConstantOfTheSameName() {
        // Keyed by the C member upper-cased; comparing whole maps fails on a missing or extra member as well.
        Map<String, Integer> decoder = new LinkedHashMap<>();
        decoder.put("START_NS", TcpSessionDecoder.START_NS);
        decoder.put("ESTABLISHED_NS", TcpSessionDecoder.ESTABLISHED_NS);
        decoder.put("END_NS", TcpSessionDecoder.END_NS);
        decoder.put("BYTES_ACKED", TcpSessionDecoder.BYTES_ACKED);
        decoder.put("BYTES_RECEIVED", TcpSessionDecoder.BYTES_RECEIVED);
        decoder.put("SOCKET_INO", TcpSessionDecoder.SOCKET_INO);
        decoder.put("OWNER_TID", TcpSessionDecoder.OWNER_TID);
        decoder.put("SRTT_US8", TcpSessionDecoder.SRTT_US8);
        decoder.put("TOTAL_RETRANS", TcpSessionDecoder.TOTAL_RETRANS);
        decoder.put("LOCAL_PORT", TcpSessionDecoder.LOCAL_PORT);
        decoder.put("REMOTE_PORT", TcpSessionDecoder.REMOTE_PORT);
        decoder.put("LOCAL_ADDR", TcpSessionDecoder.LOCAL_ADDR);
        decoder.put("REMOTE_ADDR", TcpSessionDecoder.REMOTE_ADDR);
        decoder.put("ERROR", TcpSessionDecoder.ERROR);
        decoder.put("FAMILY", TcpSessionDecoder.FAMILY);
        decoder.put("ROLE", TcpSessionDecoder.ROLE);
        decoder.put("FLAGS", TcpSessionDecoder.FLAGS);
        decoder.put("LAST_STATE", TcpSessionDecoder.LAST_STATE);

        assertEquals(upperCased(header.assertedOffsets(RECORD)), decoder);
    }

    @Test
    void everyRecordMemberButReservedHasAnOffsetAssert() {
        // Otherwise a member could move without the test above seeing it.
        Set<String> members = new LinkedHashSet<>(header.members(RECORD).keySet());
        members.remove("reserved");
        assertEquals(members, header.assertedOffsets(RECORD).keySet());
    }

    @Test
    void recordSizeMatches() {
        assertEquals(header.define("TCP_SESSION_RECORD_SIZE"), TcpSessionDecoder.RECORD_SIZE);
    }

    @Test
    void addressesAreSixteenBytesAsTheDecoderReadsThem() {
        // The decoder reads 16 bytes at LOCAL_ADDR and REMOTE_ADDR without a length constant of its own.
        int addressLength = header.define("TCP_SESSION_ADDR_LEN");
        assertEquals(16, addressLength);
        assertEquals(addressLength, TcpSessionDecoder.REMOTE_ADDR - TcpSessionDecoder.LOCAL_ADDR);
        assertEquals(addressLength, header.members(RECORD).get("local_addr"));
        assertEquals(addressLength, header.members(RECORD).get("remote_addr"));
    }

    @Test
    void rolesMatch() {
        // The decoder treats every role but CLIENT as a server, so a third role must not appear unnoticed.
        Map<String, Integer> roles = new LinkedHashMap<>(header.defines());
        roles.keySet().removeIf(name -> !name.startsWith("TCP_SESSION_ROLE_"));
        assertEquals(Set.of("TCP_SESSION_ROLE_CLIENT", "TCP_SESSION_ROLE_SERVER"), roles.keySet());
        assertEquals(roles.get("TCP_SESSION_ROLE_CLIENT"), TcpSessionDecoder.ROLE_CLIENT);
        assertNotEquals(roles.get("TCP_SESSION_ROLE_SERVER"), TcpSessionDecoder.ROLE_CLIENT);
    }

    @Test
    void everyFlagMatchesTheDecoderFlagOfTheSameName() {
        Map<String, Integer> decoder = new LinkedHashMap<>();
        decoder.put("TCP_SESSION_ESTABLISHED", TcpSessionDecoder.FLAG_ESTABLISHED);
        decoder.put("TCP_SESSION_FIN_SENT", TcpSessionDecoder.FLAG_FIN_SENT);
        decoder.put("TCP_SESSION_FIN_ACKED", TcpSessionDecoder.FLAG_FIN_ACKED);
        decoder.put("TCP_SESSION_FIN_RECEIVED", TcpSessionDecoder.FLAG_FIN_RECEIVED);
        decoder.put("TCP_SESSION_REMOTE_FIN_FIRST", TcpSessionDecoder.FLAG_REMOTE_FIN_FIRST);
        decoder.put("TCP_SESSION_START_UNOBSERVED", TcpSessionDecoder.FLAG_START_UNOBSERVED);

        // The header writes its flags as (1 << n); the family bits of the configuration too, named FAMILY.
        Map<String, Integer> flags = new LinkedHashMap<>();
        header.defineTexts().forEach((name, text) -> {
            if (text.matches("\\(\\s*1\\s*<<\\s*\\d+\\s*\\)") && !name.startsWith("TCP_SESSION_FAMILY_")) {
                flags.put(name, header.define(name));
            }
        });
        assertEquals(flags, decoder);
    }

    private static Map<String, Integer> upperCased(Map<String, Integer> offsets) {
        Map<String, Integer> upperCased = new LinkedHashMap<>();
        offsets.forEach((member, offset) -> upperCased.put(member.toUpperCase(Locale.ROOT), offset));
        return upperCased;
    }
}
