package dev.tcplife.jfr.rules;

import static dev.tcplife.jfr.rules.SyntheticRecording.client;
import static dev.tcplife.jfr.rules.SyntheticRecording.server;
import static dev.tcplife.jfr.rules.SyntheticRecording.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.Severity;

class FailedConnectionsRuleTest {
    private final FailedConnectionsRule rule = new FailedConnectionsRule();

    @Test
    void warnsOfPeersThatRefuseTimeOutOrReset() {
        SyntheticRecording recording = new SyntheticRecording();
        for (int i = 0; i < 13; i++) {
            recording.add(client("10.0.0.7", 8080).at(i * 100, 10));
        }
        for (int i = 0; i < 3; i++) {
            recording.add(client("10.0.0.9", 5432).at(2_000 + i, 0.1).refused());
        }
        recording.add(client("10.0.0.9", 5432).at(2_100, 3_000).notEstablished("ETIMEDOUT"))
                .add(client("10.0.0.7", 8080).at(3_000, 50).resetBy("remote", "ECONNRESET"))
                .add(client("10.0.0.7", 8080).at(3_100, 50).resetBy("remote", "ECONNRESET"))
                .add(client("10.0.0.8", 443).at(4_000, 1).notEstablished("EHOSTUNREACH"))
                .add(server("10.0.0.60", 8443).at(5_000, 40).resetBy("local", "EPIPE"));

        IResult result = recording.evaluate(rule);

        assertEquals(Severity.WARNING, result.getSeverity());
        assertEquals("38.1 % of the TCP sessions failed or were reset (8 of 21), most of them with 10.0.0.9:5432.",
                text(result, result.getSummary()));
        assertEquals("A connect that is refused or times out, and a session ended by a reset, is a request that "
                + "failed or had to be retried. By peer: 10.0.0.9:5432 (3 refused, 1 timed out), 10.0.0.7:8080 "
                + "(2 reset by the peer), 10.0.0.60 -> :8443 (1 reset by this JVM with EPIPE), 10.0.0.8:443 "
                + "(1 failed to connect with EHOSTUNREACH). Refused means nothing listened at the address; timed out, "
                + "that the SYN went unanswered; a reset by the peer, that it closed the connection with data unread "
                + "or still arriving, often because it had given up on it; a reset by this JVM, the same from this "
                + "side.", text(result, result.getExplanation()));
        assertEquals("Check the peers named above: that their services run where this JVM connects, that their "
                + "timeouts and this JVM's agree, and that idle connections are not closed on one side while the other "
                + "still uses them (pool idle timeouts against those of servers and load balancers).",
                text(result, result.getSolution()));
    }

    @Test
    void staysSilentForTheOddResetAmongManySessions() {
        SyntheticRecording recording = new SyntheticRecording();
        for (int i = 0; i < 199; i++) {
            recording.add(client("10.0.0.7", 8080).at(i * 100, 10));
        }
        recording.add(server("10.0.0.50", 8443).at(50, 5).resetBy("remote", "ECONNRESET"));

        IResult result = recording.evaluate(rule);

        assertEquals(Severity.OK, result.getSeverity());
        assertEquals("Few TCP sessions failed or were reset: 0.5 % (1 of 200).", text(result, result.getSummary()));
        assertEquals("Below 1 % of all sessions, refused connects and resets are the usual noise of peers restarting "
                + "and clients going away.", text(result, result.getExplanation()));
        assertNull(result.getSolution());
    }

    @Test
    void informsBetweenTheLimits() {
        SyntheticRecording recording = new SyntheticRecording();
        for (int i = 0; i < 49; i++) {
            recording.add(client("10.0.0.7", 8080).at(i * 100, 10));
        }
        recording.add(client("10.0.0.9", 5432).at(10, 0.1).refused());

        assertEquals(Severity.INFO, recording.evaluate(rule).getSeverity());
    }

    @Test
    void saysSoWhenTheRecordingHasNoSessions() {
        IResult result = new SyntheticRecording().evaluate(rule);

        assertEquals(Severity.OK, result.getSeverity());
        assertEquals("There are no TCP sessions in this recording.", text(result, result.getSummary()));
    }
}
