package dev.tcplife.jfr.rules;

import static dev.tcplife.jfr.rules.SyntheticRecording.client;
import static dev.tcplife.jfr.rules.SyntheticRecording.server;
import static dev.tcplife.jfr.rules.SyntheticRecording.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.Severity;

class ConnectionChurnRuleTest {
    private final ConnectionChurnRule rule = new ConnectionChurnRule();

    @Test
    void warnsOfAPeerThatGetsANewShortConnectionPerRequest() {
        SyntheticRecording recording = new SyntheticRecording();
        for (int i = 0; i < 70; i++) {
            recording.add(client("10.0.0.7", 8080).at(i * 500, 20).thread("order-client"));
        }
        for (int i = 0; i < 10; i++) {
            recording.add(client("10.0.0.9", 5432).at(i * 10_000, 15).endedThread("report-job"));
        }
        recording.add(client("10.0.0.7", 8080).at(0, 120_000).thread("pooled"))
                .add(client("10.0.0.8", 443).at(1_000, 0.1).refused())
                .add(server("10.0.0.50", 8443).at(1_000, 2))
                .add(server("10.0.0.50", 8443).at(1_500, 2));

        IResult result = recording.evaluate(rule);

        assertEquals(Severity.WARNING, result.getSeverity());
        assertEquals("Short-lived connections to 10.0.0.7:8080: 70 within one minute, where a pool would have kept one "
                + "open.", text(result, result.getSummary()));
        assertEquals("This JVM opened 80 of its 82 client sessions for less than 1 s each. Every new connection costs "
                + "a handshake round trip (several with TLS), starts with a small congestion window and leaves a socket "
                + "in TIME_WAIT. Short sessions by peer: 10.0.0.7:8080 (70 in its busiest minute, 70 in all), "
                + "10.0.0.9:5432 (6 in its busiest minute, 10 in all). Threads that opened them: order-client (70), "
                + "report-job (10).", text(result, result.getExplanation()));
        assertEquals("Reuse connections: a connection pool, HTTP keep-alive, or one long-lived client shared by the "
                + "threads named above instead of one per request.", text(result, result.getSolution()));
    }

    @Test
    void staysSilentForPooledConnectionsAndAFewShortOnes() {
        SyntheticRecording recording = new SyntheticRecording();
        for (int i = 0; i < 3; i++) {
            recording.add(client("10.0.0.7", 8080).at(i, 600_000));
        }
        for (int i = 0; i < 4; i++) {
            recording.add(client("10.0.0.9", 5432).at(i * 1_000, 15));
        }

        IResult result = recording.evaluate(rule);

        assertEquals(Severity.OK, result.getSeverity());
        assertEquals("No connection churn: the most short client sessions to one peer within a minute was 4.",
                text(result, result.getSummary()));
        assertEquals("This JVM opened 7 client sessions, 4 of them shorter than 1 s. No peer received 5 or more of "
                + "those within one minute.", text(result, result.getExplanation()));
        assertNull(result.getSolution());
    }

    @Test
    void countsShortSessionsWithinAMinuteNotOverTheWholeRecording() {
        SyntheticRecording recording = new SyntheticRecording();
        for (int i = 0; i < 100; i++) {
            recording.add(client("10.0.0.7", 8080).at(i * 180_000, 20));
        }

        IResult result = recording.evaluate(rule);

        assertEquals(Severity.OK, result.getSeverity());
        assertEquals("No connection churn: the most short client sessions to one peer within a minute was 1.",
                text(result, result.getSummary()));
    }

    /** The defaults: information from 5 short sessions to one peer in a minute, a warning from 60. */
    @ParameterizedTest
    @CsvSource({"4, OK", "5, INFO", "59, INFO", "61, WARNING"})
    void scoresShortSessionsPerMinuteAgainstTheLimits(int sessionsInAMinute, Severity expected) {
        SyntheticRecording recording = new SyntheticRecording();
        for (int i = 0; i < sessionsInAMinute; i++) {
            recording.add(client("10.0.0.7", 8080).at(i * 900, 20));
        }
        assertEquals(expected, recording.evaluate(rule).getSeverity());
    }

    @Test
    void saysSoWhenTheRecordingHasNoSessions() {
        IResult result = new SyntheticRecording().evaluate(rule);

        assertEquals(Severity.OK, result.getSeverity());
        assertEquals("There are no TCP sessions in this recording.", text(result, result.getSummary()));
        assertNull(result.getExplanation());
    }

    @Test
    void busiestMinuteSlidesOverTheStartTimes() {
        long second = 1_000_000_000L;
        assertEquals(0, ConnectionChurnRule.busiestMinute(List.of()));
        assertEquals(3, ConnectionChurnRule.busiestMinute(List.of(0L, 59 * second, 61 * second, 100 * second, 125 * second)));
        assertEquals(1, ConnectionChurnRule.busiestMinute(List.of(0L, 60 * second)));
    }
}
