package dev.tcplife.jfr.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.rules.RecordedSession;
import dev.tcplife.jfr.rules.RecordedSession.Outcome;

class SessionTimelineTest {
    private static RecordedSession session(String peer, long startMillis, long endMillis) {
        return new RecordedSession(startMillis * 1_000_000, endMillis * 1_000_000, true, peer, "main", 0, 0,
                Outcome.CLOSED, "");
    }

    @Test
    void overlappingSessionsOfAPeerShareItsLaneInRows() {
        List<RecordedSession> sessions = List.of(session("a:1", 0, 100), session("a:1", 50, 60),
                session("b:2", 55, 70), session("a:1", 65, 200), session("a:1", 101, 120));

        Map<String, List<List<RecordedSession>>> lanes = SessionTimeline.lanes(sessions);

        assertEquals(List.of("a:1", "b:2"), List.copyOf(lanes.keySet()), "lanes in the order peers appear");
        assertEquals(List.of(List.of(sessions.get(0), sessions.get(4)), List.of(sessions.get(1), sessions.get(3))),
                lanes.get("a:1"));
    }

    @Test
    void aBusyPeerStaysWithinItsRows() {
        List<RecordedSession> concurrent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            concurrent.add(session("a:1", i, 1_000));
        }
        assertEquals(SessionTimeline.MAX_ROWS, SessionTimeline.lanes(concurrent).get("a:1").size());
    }

    @Test
    void onlyTheBusiestPeersGetALane() {
        List<RecordedSession> sessions = new ArrayList<>();
        List<String> busy = new ArrayList<>();
        for (int i = 0; i < SessionTimeline.MAX_LANES; i++) {
            sessions.add(session("quiet-" + i, i * 10L, i * 10L + 1));
            sessions.add(session("busy-" + i, i * 10L + 2, i * 10L + 3));
            sessions.add(session("busy-" + i, i * 10L + 4, i * 10L + 5));
            busy.add("busy-" + i);
        }

        assertEquals(busy, List.copyOf(SessionTimeline.lanes(sessions).keySet()));
    }

    @Test
    void ticksFallOnRoundSteps() {
        assertEquals(1, SessionTimeline.niceStep(0));
        assertEquals(50_000_000, SessionTimeline.niceStep(49_712_345));
        assertEquals(2_000_000_000, SessionTimeline.niceStep(1_200_000_000));
        assertEquals(10_000_000_000L, SessionTimeline.niceStep(6_000_000_000L));
    }
}
