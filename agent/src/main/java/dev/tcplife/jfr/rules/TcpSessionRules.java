package dev.tcplife.jfr.rules;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;

/** What the tcplife rules share: their topic, the results every one of them reports, and their ranked lists. */
public final class TcpSessionRules {
    /** The topic of every tcplife rule: the report command selects its rules by it. */
    public static final String TOPIC = "tcp_sessions";

    static final TypedResult<IQuantity> SESSIONS = new TypedResult<>("sessions", "Sessions",
            "The TCP sessions in the recording.", UnitLookup.NUMBER, IQuantity.class);

    private TcpSessionRules() {
    }

    static IQuantity count(long count) {
        return UnitLookup.NUMBER_UNITY.quantity(count);
    }

    /** The {@code limit} largest entries of {@code values}, largest first; equal values in the order of their keys. */
    static <V> List<Map.Entry<String, V>> largest(Map<String, V> values, Comparator<V> order, int limit) {
        return values.entrySet().stream()
                .sorted(Map.Entry.<String, V>comparingByValue(order.reversed())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(limit)
                .toList();
    }

    /** Entries written with {@code entry} and joined with commas: the "by peer" and "by thread" lists of the texts. */
    static <V> String list(List<Map.Entry<String, V>> entries, BiFunction<String, V, String> entry) {
        return entries.stream().map(e -> entry.apply(e.getKey(), e.getValue())).collect(Collectors.joining(", "));
    }
}
