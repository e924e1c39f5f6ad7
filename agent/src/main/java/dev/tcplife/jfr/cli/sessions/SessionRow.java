package dev.tcplife.jfr.cli.print;

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

    /** Reads events into rows, each field by its position (see {@link RecordedFields}); one per recording. */
    public static final class Reader {
        private final RecordedFields session = new RecordedFields("pid", "javaThread", "javaThreadName",
                "osThreadId", "role", "family", "localAddress", "localPort", "remoteAddress", "remotePort", "bytesSent",
                "bytesReceived", "closeInitiator", "reset", "established", "error", "connectTime", "smoothedRtt",
                "retransmittedSegments", "socketId", "startObserved");
        private final RecordedFields thread = new RecordedFields("javaName");

        public SessionRow read(RecordedEvent e) {
            RecordedFields v = session;
            v.select(e);
            return new SessionRow(
                    epochNanos(e.getStartTime()),
                    epochNanos(e.getEndTime()),
                    number(v.get(0)),
                    threadName((RecordedObject) v.get(1), (String) v.get(2)),
                    number(v.get(3)),
                    (String) v.get(4),
                    (String) v.get(5),
                    (String) v.get(6),
                    (int) number(v.get(7)),
                    (String) v.get(8),
                    (int) number(v.get(9)),
                    number(v.get(10)),
                    number(v.get(11)),
                    (String) v.get(12),
                    Boolean.TRUE.equals(v.get(13)),
                    Boolean.TRUE.equals(v.get(14)),
                    (String) v.get(15),
                    v.get(16) == null ? Long.MIN_VALUE : number(v.get(16)),
                    v.get(17) == null ? Long.MIN_VALUE : number(v.get(17)),
                    number(v.get(18)),
                    number(v.get(19)),
                    !Boolean.FALSE.equals(v.get(20)));
        }

        /** The thread's name as recorded, else the name the agent kept (the thread had ended), else "-". */
        private String threadName(RecordedObject recorded, String kept) {
            String name = null;
            if (recorded != null) {
                thread.select(recorded);
                name = (String) thread.get(0);
            }
            if (name != null) {
                return name;
            }
            return kept != null ? kept : "-";
        }

        private static long epochNanos(Instant time) {
            return time.getEpochSecond() * 1_000_000_000L + time.getNano();
        }

        private static long number(Object value) {
            return value == null ? 0 : ((Number) value).longValue();
        }
    }

    long durationNanos() {
        return endNanos - startNanos;
    }

    double millis() {
        return durationNanos() / 1e6;
    }

    /** How the session ended, in one word: fin-local, fin-remote, rst-local, rst-remote, refused, timeout, failed. */
    String ending() {
        return Outcome.of(established, reset, error, closeInitiator).word(closeInitiator);
    }
}
