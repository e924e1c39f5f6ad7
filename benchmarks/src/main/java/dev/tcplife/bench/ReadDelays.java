package dev.tcplife.bench;

/**
 * TCP_CLOSE in the kernel to the agent reading the record, as the agent's {@code tcplife.Statistics} events give
 * it, one sample per statistics period that read sessions: its median, p99 and maximum, in milliseconds.
 */
record ReadDelays(Stats medianMillis, Stats p99Millis, Stats maxMillis) {
    ReadDelays() {
        this(new Stats(), new Stats(), new Stats());
    }

    void add(RecordingFacts facts) {
        for (RecordingFacts.Period p : facts.periodsWithSessions()) {
            medianMillis.add(p.medianNs() / 1e6);
            p99Millis.add(p.p99Ns() / 1e6);
            maxMillis.add(p.maxNs() / 1e6);
        }
    }

    /** "median; p99; max ms", each over the periods. */
    String format() {
        return medianMillis.format("%.1f") + "; " + p99Millis.format("%.1f") + "; " + maxMillis.format("%.1f") + " ms";
    }
}
