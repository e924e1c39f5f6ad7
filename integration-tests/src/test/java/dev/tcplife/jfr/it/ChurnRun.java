package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jdk.jfr.consumer.RecordedEvent;

import dev.tcplife.jfr.it.workload.ChurnWorkload;

/**
 * A run of {@link ChurnWorkload} and its truth: one line per session end, as the workload saw it. Compares the
 * recording with it, end by end, thread by thread.
 */
record ChurnRun(AgentRun.Result run, List<String> lines) {
    /** One session end, as the workload saw it. */
    record End(String role, int localPort, int remotePort, String thread, long closeBegin, long closeEnd) {
        static End parse(String line) {
            String[] f = line.split("\t");
            return new End(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), f[3], Long.parseLong(f[4]),
                    Long.parseLong(f[5]));
        }

        /** What an event must say: the same for both ways of writing it down. */
        String key() {
            return role + " " + localPort + " " + remotePort + " " + thread;
        }
    }

    static ChurnRun of(AgentRun.Result run, Path truthFile) throws IOException {
        assertEquals(0, run.exitCode(), run.describe());
        assertFalse(run.stderr().contains("[tcplife] ERROR"), run.describe());
        return new ChurnRun(run, Files.readAllLines(truthFile));
    }

    Instant mainBegan() {
        long nanos = Long.parseLong(lines.get(0).split("\t")[1]);
        return Instant.ofEpochSecond(0, nanos);
    }

    List<End> ends() {
        return lines.subList(1, lines.size()).stream().map(End::parse).toList();
    }

    RecordedEvent statistics() throws IOException {
        return ResilienceIT.lastStatistics(run.events("tcplife.Statistics"));
    }

    void assertTracedFromMain(boolean expected) throws IOException {
        RecordedEvent statistics = statistics();
        assertEquals(expected, statistics.getBoolean("tracedFromMain"), statistics.toString());
        if (expected) {
            assertFalse(statistics.getInstant("tracingStart").isAfter(mainBegan()),
                    "tracing began before main: " + statistics + "main began " + mainBegan());
        }
    }

    /** Every end of every session, once, with its thread; nothing else; nothing lost or counted away. */
    void assertEveryEndRecordedOnce() throws IOException {
        assertRecorded(end -> true, end -> false);
        RecordedEvent statistics = statistics();
        assertEquals(ends().size(), statistics.getLong("sessionsRecorded"), statistics.toString());
        assertEquals(0, statistics.getLong("sessionsAdopted"), "nothing was open before main: " + statistics);
        assertEquals(0, statistics.getLong("sessionsLost"), statistics.toString());
        System.out.println("startup: " + ends().size() + " session ends from main on, every one recorded");
    }

    /**
     * The events are the ends that {@code required} selects, each once with its thread, plus none or some of
     * the others; never one that {@code excluded} selects, never one the workload did not make. A session
     * already open when tracing began (start=background) has no thread: it is matched by its ports alone.
     */
    void assertRecorded(Predicate<End> required, Predicate<End> excluded) throws IOException {
        assertRecorded(required, excluded, 0);
    }

    /**
     * As {@link #assertRecorded(Predicate, Predicate)}, but for at most {@code allowedMissing} ends that
     * {@code required} selects and the recording lacks. Returns how many it lacks.
     */
    long assertRecorded(Predicate<End> required, Predicate<End> excluded, long allowedMissing) throws IOException {
        Map<String, Long> recorded = new HashMap<>();
        Map<String, Long> adopted = new HashMap<>();
        for (RecordedEvent event : run.events("tcplife.TcpSession")) {
            String ports = event.getString("role") + " " + event.getInt("localPort") + " "
                    + event.getInt("remotePort");
            if (event.getBoolean("startObserved")) {
                recorded.merge(ports + " " + event.getString("javaThreadName"), 1L, Long::sum);
                assertEquals("jdk-socket", event.getString("javaThreadSource"), event.toString());
            } else {
                adopted.merge(ports, 1L, Long::sum);
            }
        }
        Map<String, Long> allowed = count(ends().stream().filter(excluded.negate()));
        List<String> problems = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        count(ends().stream().filter(required)).forEach((key, count) -> {
            long found = Math.min(count, recorded.getOrDefault(key, 0L));
            long fromAdopted = Math.min(count - found, adopted.getOrDefault(ports(key), 0L));
            adopted.merge(ports(key), -fromAdopted, Long::sum);
            for (long i = found + fromAdopted; i < count; i++) {
                missing.add("missing: " + key);
            }
        });
        if (missing.size() > allowedMissing) {
            problems.addAll(missing);
        }
        recorded.forEach((key, count) -> {
            if (count > allowed.getOrDefault(key, 0L)) {
                problems.add("not made, or more often: " + key + " (" + count + " of " + allowed.get(key) + ")");
            }
        });
        Map<String, Long> allowedPorts = new HashMap<>();
        allowed.forEach((key, count) -> allowedPorts.merge(ports(key), count, Long::sum));
        adopted.forEach((ports, count) -> {
            if (count > allowedPorts.getOrDefault(ports, 0L)) {
                problems.add("adopted, not made: " + ports);
            }
        });
        assertTrue(problems.isEmpty(), problems.size() + " problems of " + ends().size() + " ends, first: "
                + problems.subList(0, Math.min(10, problems.size())) + "\n" + statistics() + run.describe());
        return missing.size();
    }

    private static Map<String, Long> count(Stream<End> ends) {
        return ends.collect(Collectors.groupingBy(End::key, Collectors.counting()));
    }

    /** "role lport rport thread" without its thread. */
    private static String ports(String key) {
        String[] words = key.split(" ");
        return words[0] + " " + words[1] + " " + words[2];
    }

    /**
     * Every session end after {@code tracingStart} is recorded once with its thread (a millisecond for the
     * statistics' resolution, one for the clocks' conversion); none is recorded that ended before
     * {@code noneBefore} (epoch nanoseconds), when the agent was not there yet. Ends in between may be: tracing
     * begins once the program, attached, has adopted what was open before it.
     */
    void assertRecordedSince(Instant tracingStart, long noneBefore) throws IOException {
        long start = nanos(tracingStart);
        assertRecorded(end -> end.closeBegin() > start + 2_000_000, end -> end.closeEnd() < noneBefore);
    }

    static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
