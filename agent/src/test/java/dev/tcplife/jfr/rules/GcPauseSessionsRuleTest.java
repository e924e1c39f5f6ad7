package dev.tcplife.jfr.rules;

import static dev.tcplife.jfr.rules.SyntheticRecording.client;
import static dev.tcplife.jfr.rules.SyntheticRecording.server;
import static dev.tcplife.jfr.rules.SyntheticRecording.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.Severity;

class GcPauseSessionsRuleTest {
    private final GcPauseSessionsRule rule = new GcPauseSessionsRule();

    /** Two sessions to one service, one accepted session; pauses of 250 ms, 30 ms (no session open) and 5 ms. */
    private static SyntheticRecording threeSessions() {
        return new SyntheticRecording()
                .add(client("10.0.0.7", 8080).at(0, 1_000))
                .add(client("10.0.0.7", 8080).at(100, 300))
                .add(server("10.0.0.50", 8443).at(2_000, 100));
    }

    @Test
    void warnsOfALongPauseDuringOpenSessions() {
        SyntheticRecording recording = threeSessions()
                .pause(300, 250, "G1Old", "G1 Humongous Allocation")
                .pause(2_050, 5, "G1New", "G1 Evacuation Pause")
                .pause(5_000, 30, null, null);

        IResult result = recording.evaluate(rule);

        assertEquals(Severity.WARNING, result.getSeverity());
        assertEquals("The longest GC pause during a TCP session lasted 250 ms; sessions open during it: 2.",
                text(result, result.getSummary()));
        assertEquals("2 of 3 TCP sessions were open during a GC pause of 20 ms or more. During a pause no Java thread "
                + "reads or writes a socket: requests wait, peers see the pause as latency, and their timeouts shorter "
                + "than the pause expire. Sessions hit, by peer: 10.0.0.7:8080 (2). The longest pauses of the "
                + "recording: 250 ms in G1Old (G1 Humongous Allocation) with 2 sessions open, 30 ms in GC Pause with "
                + "0 sessions open, 5 ms in G1New (G1 Evacuation Pause) with 1 session open.",
                text(result, result.getExplanation()));
        assertEquals("Shorten the pauses (a larger young generation, a pause time goal such as G1's MaxGCPauseMillis, "
                + "or a concurrent collector such as ZGC), or give the peers' timeouts room for the longest pause.",
                text(result, result.getSolution()));
    }

    @Test
    void staysSilentWhenThePausesDuringSessionsAreShort() {
        SyntheticRecording recording = threeSessions()
                .pause(2_050, 5, "G1New", "G1 Evacuation Pause")
                .pause(5_000, 30, null, null);

        IResult result = recording.evaluate(rule);

        assertEquals(Severity.OK, result.getSeverity());
        assertEquals("GC pauses during TCP sessions were short: the longest lasted 5 ms.", text(result, result.getSummary()));
        assertEquals("1 of 3 TCP sessions were open during a GC pause, none during one of 20 ms or more. The longest "
                + "pauses of the recording: 30 ms in GC Pause with 0 sessions open, 5 ms in G1New (G1 Evacuation "
                + "Pause) with 1 session open.", text(result, result.getExplanation()));
        assertNull(result.getSolution());
    }

    @Test
    void honoursAConfiguredLimit() {
        SyntheticRecording recording = threeSessions().pause(2_050, 5, "G1New", "G1 Evacuation Pause");
        IPreferenceValueProvider strict = new IPreferenceValueProvider() {
            @SuppressWarnings("unchecked")
            @Override
            public <T> T getPreferenceValue(TypedPreference<T> preference) {
                return preference == GcPauseSessionsRule.INFO_LIMIT ? (T) UnitLookup.MILLISECOND.quantity(2)
                        : preference.getDefaultValue();
            }
        };

        IResult result = recording.evaluate(rule, strict);

        assertEquals(Severity.INFO, result.getSeverity());
        assertEquals("1 of 3 TCP sessions were open during a GC pause of 2 ms or more. During a pause no Java thread "
                + "reads or writes a socket: requests wait, peers see the pause as latency, and their timeouts shorter "
                + "than the pause expire. Sessions hit, by peer: 10.0.0.50 -> :8443 (1). The longest pauses of the "
                + "recording: 5 ms in G1New (G1 Evacuation Pause) with 1 session open.",
                text(result, result.getExplanation()));
    }

    @Test
    void saysSoWhenNoPauseFellWithinASession() {
        SyntheticRecording recording = threeSessions().pause(1_500, 300, "G1New", "G1 Evacuation Pause");

        IResult result = recording.evaluate(rule);

        assertEquals(Severity.OK, result.getSeverity());
        assertEquals("No GC pause happened while a TCP session was open.", text(result, result.getSummary()));
        assertEquals("GC pauses: 1, TCP sessions: 3; no pause fell within a session.", text(result, result.getExplanation()));
    }

    @Test
    void countsAPauseThatTouchesASessionsEnd() {
        SyntheticRecording recording = threeSessions().pause(2_100, 30, "G1New", "G1 Evacuation Pause");

        assertEquals(Severity.INFO, recording.evaluate(rule).getSeverity());
    }

    @Test
    void saysSoWhenTheRecordingHasNoSessions() {
        IResult result = new SyntheticRecording().pause(0, 500, "G1New", "G1 Evacuation Pause").evaluate(rule);

        assertEquals(Severity.OK, result.getSeverity());
        assertEquals("There are no TCP sessions in this recording to compare with GC pauses.",
                text(result, result.getSummary()));
    }
}
