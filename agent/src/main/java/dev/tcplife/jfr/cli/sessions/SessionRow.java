package dev.tcplife.jfr.cli.sessions;

import java.time.Instant;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedObject;

import dev.tcplife.jfr.events.TcpSessionEvent;
import dev.tcplife.jfr.rules.RecordedSession.Outcome;

/** One tcplife.TcpSession event, read once into plain values for printing and filtering. */
public record SessionRow(
        long startNanos,
        long endNanos,
        long pid,
        String thread,
        long osThreadId,
        String role,
        String family,
        String localAddress,
        int localPort,
        String remoteAddress,
        int remotePort,
        long bytesSent,
        long bytesReceived,
        String closeInitiator,
        boolean reset,
        boolean established,
        String error,
        long connectNanos,
        long rttMicros,
        long retransmits,
        long socketId,
        boolean startObserved) {

    public static final String EVENT = TcpSessionEvent.NAME;

    /**
     * The event's fields a row is made of, in the order {@link #of} takes their values. A reader finds them by name
     * in the recording's event type: a field the type lacks (an older agent's) is absent (see {@link Values}).
     */
    public static final String[] FIELDS = {"pid", "javaThread", "javaThreadName", "osThreadId", "role", "family",
            "localAddress", "localPort", "remoteAddress", "remotePort", "bytesSent", "bytesReceived", "closeInitiator",
            "reset", "established", "error", "connectTime", "smoothedRtt", "retransmittedSegments", "socketId",
            "startObserved"};
    /** The place in {@link #FIELDS} of the session's thread, which each reader resolves to its name itself. */
    public static final int JAVA_THREAD = 1;

    /** The values of a session's {@link #FIELDS}, as a reader found them. */
    public interface Values {
        /** Whether the recording's type has the field (asked of numbers and flags, never null where present). */
        boolean has(int field);

        /** A number's value, or a flag's as 1 or 0; 0 where the type lacks the field. */
        long number(int field);

        /** A text's value; null where the type lacks the field. */
        String text(int field);
    }

    /**
     * The row of a session that started and ended at these times (nanoseconds since the epoch), with these values
     * of its {@link #FIELDS} (the thread's, at {@link #JAVA_THREAD}, not read) and its thread's name as recorded,
     * null where the thread was not.
     */
    public static SessionRow of(long startNanos, long endNanos, Values v, String recordedThreadName) {
        String kept = v.text(2);
        return new SessionRow(
                startNanos,
                endNanos,
                v.number(0),
                // as recorded, else the name the agent kept (the thread had ended), else "-"
                recordedThreadName != null ? recordedThreadName : kept != null ? kept : "-",
                v.number(3),
                v.text(4),
                v.text(5),
                v.text(6),
                (int) v.number(7),
                v.text(8),
                (int) v.number(9),
                v.number(10),
                v.number(11),
                v.text(12),
                v.number(13) != 0,
                v.number(14) != 0,
                v.text(15),
                v.has(16) ? v.number(16) : Long.MIN_VALUE,
                v.has(17) ? v.number(17) : Long.MIN_VALUE,
                v.number(18),
                v.number(19),
                !v.has(20) || v.number(20) != 0);
    }

    /**
     * Reads events the JDK's parser made into rows, each field by its position (see {@link RecordedFields}); one
     * per stream of events.
     */
    public static final class Reader {
        private final RecordedFields session = new RecordedFields(FIELDS);
        private final RecordedFields thread = new RecordedFields("javaName");

        public SessionRow read(RecordedEvent e) {
            session.select(e);
            return of(epochNanos(e.getStartTime()), epochNanos(e.getEndTime()), session,
                    threadName((RecordedObject) session.get(JAVA_THREAD)));
        }

        private String threadName(RecordedObject recorded) {
            if (recorded == null) {
                return null;
            }
            thread.select(recorded);
            return (String) thread.get(0);
        }

        private static long epochNanos(Instant time) {
            return time.getEpochSecond() * 1_000_000_000L + time.getNano();
        }
    }

    public long durationNanos() {
        return endNanos - startNanos;
    }

    public double millis() {
        return durationNanos() / 1e6;
    }

    /** How the session ended, in one word: fin-local, fin-remote, rst-local, rst-remote, refused, timeout, failed. */
    public String ending() {
        return Outcome.of(established, reset, error, closeInitiator).word(closeInitiator);
    }
}
