package dev.tcplife.jfr.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** How the reader cuts its wait between reads, so that no recording records its parks. */
class SessionPipelineTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void parksStayAQuarterBelowTheShortestRecordedOrTemplatePark() {
        assertEquals(15 * MS / 2, SessionPipeline.parkSlice(20 * MS, 20 * MS), "default.jfc, default poll");
        assertEquals(15 * MS / 2, SessionPipeline.parkSlice(20 * MS, 10 * MS), "profile.jfc");
        assertEquals(3 * MS / 2, SessionPipeline.parkSlice(20 * MS, 2 * MS), "a shorter threshold of the user's");
        assertEquals(3 * MS / 4, SessionPipeline.parkSlice(1000 * MS, MS), "the shortest threshold parks avoid");
        assertEquals(15 * MS / 2, SessionPipeline.parkSlice(20 * MS, Long.MAX_VALUE),
                "no recording records parks now: one may start, or be stopping at exit");
    }

    @Test
    void noShorterParksForThresholdsThatRecordEveryPark() {
        assertEquals(15 * MS / 2, SessionPipeline.parkSlice(20 * MS, 0));
        assertEquals(15 * MS / 2, SessionPipeline.parkSlice(20 * MS, MS - 1));
    }

    @Test
    void neverLongerThanThePoll() {
        assertEquals(5 * MS, SessionPipeline.parkSlice(5 * MS, 20 * MS));
        assertEquals(MS, SessionPipeline.parkSlice(MS, Long.MAX_VALUE));
    }
}
