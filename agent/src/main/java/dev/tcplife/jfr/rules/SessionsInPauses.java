package dev.tcplife.jfr.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which of a recording's sessions were open during its GC pauses, both taken as closed intervals on the shared
 * timeline: a pause that begins the nanosecond a session ends still held it up. Sorted times and binary search
 * keep this fast for recordings with many sessions and many pauses.
 */
final class SessionsInPauses {
    private final List<RecordedSession> sessions;
    private final long[] starts;
    private final long[] ends;

    /** @param sessions in start order, as {@link RecordedSession#readAll} gives them: {@link #duringAny} keeps it */
    SessionsInPauses(List<RecordedSession> sessions) {
        this.sessions = sessions;
        starts = sessions.stream().mapToLong(RecordedSession::startNanos).sorted().toArray();
        ends = sessions.stream().mapToLong(RecordedSession::endNanos).sorted().toArray();
    }

    /** How many sessions were open during the pause: those begun by its end, less those ended before it began. */
    int during(GcPause pause) {
        return firstAtLeast(starts, pause.endNanos() + 1) - firstAtLeast(ends, pause.startNanos());
    }

    /**
     * The sessions open during at least one of the pauses (in start order). Stop-the-world pauses never overlap one
     * another, so their ends are in order too: if any pause overlaps a session, the first pause to end at or after
     * the session's start does.
     */
    List<RecordedSession> duringAny(List<GcPause> pauses) {
        long[] pauseEnds = pauses.stream().mapToLong(GcPause::endNanos).toArray();
        List<RecordedSession> open = new ArrayList<>();
        for (RecordedSession session : sessions) {
            int first = firstAtLeast(pauseEnds, session.startNanos());
            if (first < pauses.size() && pauses.get(first).startNanos() <= session.endNanos()) {
                open.add(session);
            }
        }
        return open;
    }

    /** The index of the first of these sorted values that is at least {@code value}; their count if none is. */
    private static int firstAtLeast(long[] sorted, long value) {
        int index = Arrays.binarySearch(sorted, value);
        if (index < 0) {
            return -index - 1;
        }
        while (index > 0 && sorted[index - 1] == value) {
            index--;
        }
        return index;
    }
}
