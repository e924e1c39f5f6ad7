package dev.tcplife.jfr.rules;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.RuleRegistry;

/** The rules as JMC's engine finds them: through the services file, under our topic, well formed. */
class TcpSessionRulesTest {
    private static List<IRule> ours() {
        return RuleRegistry.getRules().stream().filter(rule -> TcpSessionRules.TOPIC.equals(rule.getTopic())).toList();
    }

    @Test
    void jmcFindsEveryRuleThroughTheServicesFile() {
        assertEquals(Set.of(ConnectionChurnRule.class, FailedConnectionsRule.class, GcPauseSessionsRule.class,
                TopPeersRule.class), ours().stream().map(Object::getClass).collect(Collectors.toSet()));
    }

    @Test
    void rulesHaveDistinctIdsNamesAndDottedPreferenceIds() {
        List<IRule> rules = ours();
        assertEquals(rules.size(), rules.stream().map(IRule::getId).distinct().count());
        assertEquals(rules.size(), rules.stream().map(IRule::getName).distinct().count());
        assertAll(rules.stream().flatMap(rule -> rule.getConfigurationAttributes().stream())
                .map(TypedPreference::getIdentifier)
                .map(id -> () -> assertTrue(id.startsWith("net.tcp.session."), id)));
        assertAll(rules.stream().map(rule -> () -> assertTrue(
                rule.getRequiredEvents().containsKey(RecordedSession.EVENT_TYPE), rule.getId())));
    }

    @Test
    void peersAreServicesNotEphemeralPorts() {
        assertEquals("10.0.0.7:8080", RecordedSession.peer(true, "10.0.0.7", 8080, 41234));
        assertEquals("[2001:db8::1]:443", RecordedSession.peer(true, "2001:db8::1", 443, 41234));
        assertEquals("10.0.0.50 -> :8443", RecordedSession.peer(false, "10.0.0.50", 52311, 8443));
    }
}
