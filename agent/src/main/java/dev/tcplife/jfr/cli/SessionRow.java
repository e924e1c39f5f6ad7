package dev.tcplife.jfr.cli;

import java.time.Duration;
import java.time.Instant;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;

/** One tcplife.TcpSession event, read once into plain values for printing and filtering. */
record SessionRow(
        Instant start,
        Instant end,
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

    static final String EVENT = "tcplife.TcpSession";

    static SessionRow of(RecordedEvent e) {
        return new SessionRow(
                e.getStartTime(),
                e.getEndTime(),
                e.getLong("pid"),
                threadName(e),
                e.getLong("osThreadId"),
                e.getString("role"),
                e.getString("family"),
                e.getString("localAddress"),
                e.getInt("localPort"),
                e.getString("remoteAddress"),
                e.getInt("remotePort"),
                e.getLong("bytesSent"),
                e.getLong("bytesReceived"),
                e.getString("closeInitiator"),
                e.getBoolean("reset"),
                e.getBoolean("established"),
                e.getString("error"),
                e.getLong("connectTime"),
                e.getLong("smoothedRtt"),
                e.getLong("retransmittedSegments"),
                e.getLong("socketId"),
                e.getBoolean("startObserved"));
    }

    /** The thread's name as recorded, else the name the agent kept (the thread had ended), else "-". */
    private static String threadName(RecordedEvent e) {
        RecordedThread thread = e.getThread("javaThread");
        if (thread != null && thread.getJavaName() != null) {
            return thread.getJavaName();
        }
        String kept = e.getString("javaThreadName");
        return kept != null ? kept : "-";
    }

    double millis() {
        return Duration.between(start, end).toNanos() / 1e6;
    }

    /** How the session ended, in one word: fin-local, fin-remote, rst-local, rst-remote, refused, timeout, failed. */
    String ending() {
        if ("ECONNREFUSED".equals(error)) {
            return "refused";
        }
        if ("ETIMEDOUT".equals(error)) {
            return "timeout";
        }
        if (!established) {
            return "failed";
        }
        return (reset ? "rst-" : "fin-") + closeInitiator;
    }
}
