package dev.tcplife.jfr.rules;

import static dev.tcplife.jfr.rules.SyntheticRecording.client;
import static dev.tcplife.jfr.rules.SyntheticRecording.server;
import static dev.tcplife.jfr.rules.SyntheticRecording.text;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.Severity;

class TopPeersRuleTest {
    private final TopPeersRule rule = new TopPeersRule();

    private static SyntheticRecording threePeers() {
        SyntheticRecording recording = new SyntheticRecording();
        for (int i = 0; i < 3; i++) {
            recording.add(client("10.0.0.7", 8080).at(i * 1_000, 100).bytes(1_000, 50_000));
        }
        return recording.add(server("10.0.0.50", 8443).at(0, 5_000).bytes(2_048, 512))
                .add(client("2001:db8::1", 443).at(10, 1).bytes(100, 100))
                .add(client("2001:db8::1", 443).at(20, 1).bytes(100, 100));
    }

    @Test
    void namesThePeersWithTheMostBytesAndTime() {
        IResult result = threePeers().evaluate(rule);

        assertEquals(Severity.OK, result.getSeverity());
        assertEquals("10.0.0.7:8080 exchanged the most payload with this JVM: 149 KiB of 152 KiB.",
                text(result, result.getSummary()));
        assertEquals("6 TCP sessions with 3 peers. By payload bytes: 10.0.0.7:8080 (2.93 KiB sent, 146 KiB received, "
                + "3 sessions), 10.0.0.50 -> :8443 (2 KiB sent, 512 B received, 1 session), [2001:db8::1]:443 (200 B "
                + "sent, 200 B received, 2 sessions). By time connected (the sessions' lifetimes added up): "
                + "10.0.0.50 -> :8443 (5 s in 1 session), 10.0.0.7:8080 (300 ms in 3 sessions), [2001:db8::1]:443 "
                + "(2 ms in 2 sessions).", text(result, result.getExplanation()));
    }

    @Test
    void listsAsManyPeersAsConfigured() {
        IPreferenceValueProvider onePeer = new IPreferenceValueProvider() {
            @SuppressWarnings("unchecked")
            @Override
            public <T> T getPreferenceValue(TypedPreference<T> preference) {
                return preference == TopPeersRule.LISTED_PEERS ? (T) UnitLookup.NUMBER_UNITY.quantity(1)
                        : preference.getDefaultValue();
            }
        };

        IResult result = threePeers().evaluate(rule, onePeer);

        assertEquals("6 TCP sessions with 3 peers. By payload bytes: 10.0.0.7:8080 (2.93 KiB sent, 146 KiB received, "
                + "3 sessions). By time connected (the sessions' lifetimes added up): 10.0.0.50 -> :8443 (5 s in 1 "
                + "session).", text(result, result.getExplanation()));
    }

    @Test
    void saysSoWhenTheRecordingHasNoSessions() {
        IResult result = new SyntheticRecording().evaluate(rule);

        assertEquals(Severity.OK, result.getSeverity());
        assertEquals("There are no TCP sessions in this recording.", text(result, result.getSummary()));
    }
}
