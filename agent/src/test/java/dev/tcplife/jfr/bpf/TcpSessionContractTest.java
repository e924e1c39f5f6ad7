package dev.tcplife.jfr.bpf;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * TcpSessionContract, the Java twin of tcp_session.h, against the header, whose _Static_asserts the compiler holds
 * to the structs: together they keep the kernel program and the Java side in step, so that no field is read from or
 * written to another's bytes, and no counter is reported as another. Each test compares whole maps keyed by the
 * header's names, so that a constant missing, extra or different on either side fails it.
 */
class TcpSessionContractTest {
    private static final String PREFIX = "TCP_SESSION_";
    private static final String STRUCT_PREFIX = "tcp_session_";
    private static final String GLOBALS = "tcp_session_globals";

    /**
     * What the kernel program alone uses, so the twin leaves it out: its own PID in the root namespace, which it
     * learns itself, and its filter of sessions by socket hash, with the filter's size.
     */
    private static final Set<String> KERNEL_ONLY = Set.of("TCP_SESSION_FILTER_BUCKETS", GLOBALS + ".own_host_tgid",
            GLOBALS + ".session_filter", "sizeof(struct " + GLOBALS + ")");

    private final TcpSessionHeader header = TcpSessionHeader.load();

    @Test
    void everyDefineIsTheConstantOfItsName() {
        // Struct sizes are the SIZE of the struct's class: their _Static_asserts are compared below.
        Map<String, Integer> defines = new TreeMap<>(header.defines());
        defines.keySet().removeIf(name -> KERNEL_ONLY.contains(name) || name.endsWith("_SIZE"));
        assertEquals(defines, constants(TcpSessionContract.class, PREFIX));
    }

    @Test
    void everyStructHasAClassOfItsNameAndEveryClassAStruct() {
        assertEquals(header.structs().stream().map(TcpSessionContractTest::className).sorted().toList(),
                structClasses().stream().map(Class::getSimpleName).sorted().toList());
    }

    @Test
    void everyAssertedOffsetIsTheConstantOfItsMember() {
        assertAll(structClasses().stream().map(twin -> () -> {
            String struct = structName(twin);
            Map<String, Integer> asserted = new TreeMap<>();
            header.assertedOffsets(struct).forEach((member, offset) -> {
                if (!KERNEL_ONLY.contains(struct + "." + member)) {
                    asserted.put(member.toUpperCase(Locale.ROOT), offset);
                }
            });
            Map<String, Integer> offsets = constants(twin, "");
            offsets.remove("SIZE");
            assertEquals(asserted, offsets, struct);
        }));
    }

    @Test
    void everyAssertedSizeIsTheSizeOfItsStruct() {
        Map<String, Integer> asserted = new TreeMap<>(header.assertedSizes());
        asserted.keySet().removeIf(struct -> KERNEL_ONLY.contains("sizeof(struct " + struct + ")"));
        Map<String, Integer> sizes = new TreeMap<>();
        for (Class<?> twin : structClasses()) {
            Integer size = constants(twin, "").get("SIZE");
            if (size != null) {
                sizes.put(structName(twin), size);
            }
        }
        assertEquals(asserted, sizes);
    }

    @Test
    void everyMemberButReservedHasAnOffsetAssert() {
        // Otherwise a member could move without the tests above seeing it.
        assertAll(header.structs().stream().map(struct -> () -> {
            List<String> members = header.members(struct).stream()
                    .filter(member -> !member.equals("reserved"))
                    .toList();
            assertEquals(members, List.copyOf(header.assertedOffsets(struct).keySet()), struct);
        }));
    }

    @Test
    void countersAreInTheHeaderEnumOrder() {
        // The ordinal is the slot of the per-CPU array; COUNTER_MAX only sizes it.
        List<String> counters = header.enumerators("tcp_session_counter").stream()
                .map(name -> name.replaceFirst("^" + PREFIX + "COUNTER_", ""))
                .filter(name -> !name.equals("MAX"))
                .toList();
        assertEquals(counters, Arrays.stream(TcpSessionContract.Counter.values()).map(Enum::name).toList());
    }

    @Test
    void theRolesAreClientAndServerOnly() {
        // The decoder takes every role but CLIENT for a server, so a third role must not appear unnoticed.
        Set<String> roles = header.defines().keySet().stream().filter(name -> name.startsWith(PREFIX + "ROLE_"))
                .collect(Collectors.toSet());
        assertEquals(Set.of(PREFIX + "ROLE_CLIENT", PREFIX + "ROLE_SERVER"), roles);
    }

    /** The nested classes that mirror the header's structs. */
    private static List<Class<?>> structClasses() {
        return Arrays.stream(TcpSessionContract.class.getDeclaredClasses()).filter(twin -> !twin.isEnum()).toList();
    }

    /** tcp_session_adopt_key: AdoptKey. */
    private static String className(String struct) {
        StringBuilder name = new StringBuilder();
        for (String word : struct.substring(STRUCT_PREFIX.length()).split("_")) {
            name.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
        }
        return name.toString();
    }

    /** AdoptKey: tcp_session_adopt_key. */
    private static String structName(Class<?> twin) {
        return STRUCT_PREFIX + twin.getSimpleName().replaceAll("(?<=.)([A-Z])", "_$1").toLowerCase(Locale.ROOT);
    }

    /** The int constants {@code twin} declares, each named {@code prefix} and its own name. */
    private static Map<String, Integer> constants(Class<?> twin, String prefix) {
        Map<String, Integer> constants = new TreeMap<>();
        for (Field field : twin.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
                try {
                    constants.put(prefix + field.getName(), field.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return constants;
    }
}
