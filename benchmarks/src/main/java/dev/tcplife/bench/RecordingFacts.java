package dev.tcplife.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import jdk.jfr.consumer.EventStream;
import jdk.jfr.consumer.RecordedEvent;

/** What a workload's recording holds: its sessions' events, the agent's statistics, the connect-site events. */
final class RecordingFacts {
    static final String SESSION = "tcplife.TcpSession";
    static final String STATISTICS = "tcplife.Statistics";
    static final String OPEN = "tcplife.TcpSessionOpen";

    /** Events for sessions to or from the workload's server port, by role. */
    long clientEvents;
    long serverEvents;
    /** TcpSession events for anything else (there should be none). */
    long otherEvents;
    long openEvents;

    /** The last statistics event's totals. */
    long sessionsRecorded;
    long sessionsLost;
    long sessionsNotTracked;
    long listenersNotTracked;
    long sessionsBelowThreshold;

    /** One statistics period: when it ended, and the read delays over it. */
    record Period(long endMillis, long recorded, long medianNs, long p99Ns, long maxNs) {
    }

    final List<Period> periods = new ArrayList<>();

    static RecordingFacts read(Path recording, int serverPort) throws IOException {
        RecordingFacts facts = new RecordingFacts();
        List<RecordedEvent> statistics = new ArrayList<>();
        try (EventStream stream = EventStream.openFile(recording)) {
            stream.onEvent(SESSION, e -> {
                String role = e.getString("role");
                boolean ours = "server".equals(role) ? e.getInt("localPort") == serverPort
                        : e.getInt("remotePort") == serverPort;
                if (!ours) {
                    facts.otherEvents++;
                } else if ("server".equals(role)) {
                    facts.serverEvents++;
                } else {
                    facts.clientEvents++;
                }
            });
            stream.onEvent(OPEN, e -> facts.openEvents++);
            stream.onEvent(STATISTICS, statistics::add);
            stream.start();
        }
        statistics.sort(Comparator.comparing(RecordedEvent::getEndTime));
        long previousRecorded = 0;
        for (RecordedEvent e : statistics) {
            long recorded = e.getLong("sessionsRecorded");
            facts.periods.add(new Period(e.getEndTime().toEpochMilli(), recorded - previousRecorded,
                    e.getLong("readDelayMedian"), e.getLong("readDelayP99"), e.getLong("readDelayMax")));
            previousRecorded = recorded;
            facts.sessionsRecorded = recorded;
            facts.sessionsLost = Math.max(facts.sessionsLost, e.getLong("sessionsLost"));
            facts.sessionsNotTracked = Math.max(facts.sessionsNotTracked, e.getLong("sessionsNotTracked"));
            facts.listenersNotTracked = Math.max(facts.listenersNotTracked, e.getLong("listenersNotTracked"));
            facts.sessionsBelowThreshold = Math.max(facts.sessionsBelowThreshold, e.getLong("sessionsBelowThreshold"));
        }
        return facts;
    }

    /**
     * The JIT's deoptimizations (jdk.Deoptimization, on in the JDK's default.jfc) between two wall-clock instants:
     * all, and those on the workload's client and server threads (named bench-*), whose compiled code they throw
     * away. Each is followed by a recompilation, or by running interpreted until one.
     */
    record Deoptimizations(long all, long workload) {
    }

    static Deoptimizations deoptimizations(Path recording, long startMillis, long endMillis) throws IOException {
        long[] counts = new long[2];
        try (EventStream stream = EventStream.openFile(recording)) {
            stream.onEvent("jdk.Deoptimization", e -> {
                long at = e.getStartTime().toEpochMilli();
                if (at >= startMillis && at <= endMillis) {
                    counts[0]++;
                    if (e.getThread() != null && String.valueOf(e.getThread().getJavaName()).startsWith("bench-")) {
                        counts[1]++;
                    }
                }
            });
            stream.start();
        }
        return new Deoptimizations(counts[0], counts[1]);
    }

    long sessionEvents() {
        return clientEvents + serverEvents;
    }

    /**
     * The statistics periods in which the agent read sessions. In a benchmark JVM every session is the workload's,
     * so every such period measures it (the last one, at exit, included: its sessions were read by the poll).
     * A period can record sessions without reading any: JFR ends one period and begins the next at each chunk
     * rotation, milliseconds apart, and a server session read in the first may wait for its thread into the
     * second. Its read delays are empty (all 0), not a measurement.
     */
    List<Period> periodsWithSessions() {
        List<Period> with = new ArrayList<>();
        for (Period p : periods) {
            if (p.recorded() > 0 && p.maxNs() > 0) {
                with.add(p);
            }
        }
        return with;
    }
}
