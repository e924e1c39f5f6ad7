package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;

import dev.tcplife.jfr.it.workload.ExpectedSession;

/**
 * Compares the tcplife.TcpSession events of a recording with a workload's ground truth: every expected session
 * found exactly once with every field right, and no event that the workload did not make.
 */
public final class SessionAssertions {
    /** How far an event's start or end may lie outside the bracket the workload measured around the calls. */
    static final long TOLERANCE_NANOS = 2_000_000;

    private final List<String> problems = new ArrayList<>();
    private final Map<String, Long> osThreadIds;
    private final long pid;
    private final Options options;
    private long worstStartOffset;
    private long worstEndOffset;

    private SessionAssertions(Map<String, Long> osThreadIds, long pid, Options options) {
        this.osThreadIds = osThreadIds;
        this.pid = pid;
        this.options = options;
    }

    /**
     * What a test expects beyond the workload's truth file: which sessions began before tracing did, and which
     * threads have no OS thread id of their own to compare with.
     */
    public static final class Options {
        private long pid = -1;
        private Predicate<ExpectedSession> startNotObserved = session -> false;
        private Predicate<String> noOsThreadOfTheirOwn = name -> false;

        /** The workload's pid; by default assertRun takes it from the recording's jdk.JVMInformation. */
        public Options pid(long pid) {
            this.pid = pid;
            return this;
        }

        /**
         * Sessions open before the agent traced (adopted): startObserved=false, no Java thread (nobody was
         * watching their connect or accept), osThreadId 0. Their truth file's open bracket must already be the
         * moment tracing began.
         */
        public Options startNotObserved(Predicate<ExpectedSession> adopted) {
            this.startNotObserved = adopted;
            return this;
        }

        /**
         * Threads whose OS thread id cannot be known in advance: a virtual thread's is its carrier's, a JDK
         * thread that runs no workload code commits no marker. Their sessions need only a non-zero osThreadId.
         */
        public Options noOsThreadOfTheirOwn(Predicate<String> threadNames) {
            this.noOsThreadOfTheirOwn = threadNames;
            return this;
        }
    }

    /**
     * @param markers test.ThreadMarker events: the OS thread id of each workload thread, as JFR saw it
     * @param pid the workload's process id
     */
    public static void assertSessions(List<ExpectedSession> expected, List<RecordedEvent> events,
            List<RecordedEvent> markers, long pid) {
        assertSessions(expected, events, markers, new Options().pid(pid));
    }

    /** As above, with {@code options.pid} set. */
    public static void assertSessions(List<ExpectedSession> expected, List<RecordedEvent> events,
            List<RecordedEvent> markers, Options options) {
        if (options.pid < 0) {
            throw new IllegalArgumentException("no pid given");
        }
        assertSessions(expected, events, markers, options, options.pid);
    }

    private static void assertSessions(List<ExpectedSession> expected, List<RecordedEvent> events,
            List<RecordedEvent> markers, Options options, long pid) {
        Map<String, Long> osThreadIds = new HashMap<>();
        for (RecordedEvent marker : markers) {
            osThreadIds.put(marker.getThread().getJavaName(), marker.getThread().getOSThreadId());
        }
        SessionAssertions assertions = new SessionAssertions(osThreadIds, pid, options);
        assertions.match(expected, events);
        assertions.report(expected.size(), events.size());
    }

    /**
     * The common end of a test: the workload JVM exited cleanly, the agent reported no error, and its recording
     * holds exactly the sessions of {@code truthFile}, every field right.
     *
     * @return the recorded tcplife.TcpSession events
     */
    public static List<RecordedEvent> assertRun(AgentRun.Result run, Path truthFile, Options options)
            throws IOException {
        return assertRun(run, ExpectedSession.parseAll(Files.readAllLines(truthFile)), options);
    }

    /** As above, with the truth read (and adjusted) by the test. */
    public static List<RecordedEvent> assertRun(AgentRun.Result run, List<ExpectedSession> expected, Options options)
            throws IOException {
        assertEquals(0, run.exitCode(), run.describe());
        assertFalse(run.stderr().contains("[tcplife] ERROR"), run.describe());
        List<RecordedEvent> sessions = run.events("tcplife.TcpSession");
        long pid = options.pid >= 0 ? options.pid : jvmPid(run);
        try {
            assertSessions(expected, sessions, run.events("test.ThreadMarker"), options, pid);
        } catch (AssertionError wrong) {
            // What the agent said is the first clue to a run that recorded too little.
            throw new AssertionError(wrong.getMessage() + "\n" + run.describe(), wrong);
        }
        assertEquals(expected.size(), sessions.size());
        return sessions;
    }

    /** The workload's pid as the JVM saw it (inside its PID namespace), from jdk.JVMInformation. */
    public static long jvmPid(AgentRun.Result run) throws IOException {
        for (RecordedEvent info : run.events("jdk.JVMInformation")) {
            return info.getLong("pid");
        }
        throw new AssertionError("no jdk.JVMInformation event in the recording");
    }

    private void match(List<ExpectedSession> expected, List<RecordedEvent> events) {
        Map<String, List<ExpectedSession>> byKey = new LinkedHashMap<>();
        expected.stream().sorted(Comparator.comparingLong(ExpectedSession::openBegin))
                .forEach(s -> byKey.computeIfAbsent(key(s), k -> new ArrayList<>()).add(s));
        List<RecordedEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparing(RecordedEvent::getStartTime));
        for (RecordedEvent event : sorted) {
            List<ExpectedSession> candidates = byKey.get(key(event));
            if (candidates == null || candidates.isEmpty()) {
                problems.add("unexpected event (not made by the workload): " + describe(event));
                continue;
            }
            check(candidates.remove(0), event);
        }
        byKey.values().forEach(left -> left.forEach(s -> problems.add("no event for " + s)));
    }

    private static String key(ExpectedSession s) {
        return s.established() ? s.role() + " " + s.localPort() + " " + s.remotePort() : "refused " + s.remotePort();
    }

    private static String key(RecordedEvent e) {
        return e.getBoolean("established")
                ? e.getString("role") + " " + e.getInt("localPort") + " " + e.getInt("remotePort")
                : "refused " + e.getInt("remotePort");
    }

    private void check(ExpectedSession s, RecordedEvent e) {
        String where = s.scenario() + " " + s.role() + " " + s.localPort() + "->" + s.remotePort() + ": ";
        expect(where, "pid", pid, e.getLong("pid"));
        expect(where, "family", s.family(), e.getString("family"));
        expect(where, "localAddress", s.localAddress(), e.getString("localAddress"));
        expect(where, "remoteAddress", s.remoteAddress(), e.getString("remoteAddress"));
        expect(where, "remotePort", s.remotePort(), e.getInt("remotePort"));
        if (s.established()) {
            expect(where, "localPort", s.localPort(), e.getInt("localPort"));
        }
        long sent = e.getLong("bytesSent");
        if (sent < s.bytesSentMin() || sent > s.bytesSent()) {
            problems.add(where + "bytesSent " + sent + ", expected " + (s.bytesSentMin() == s.bytesSent()
                    ? s.bytesSent() : "between " + s.bytesSentMin() + " and " + s.bytesSent()));
        }
        expect(where, "bytesReceived", s.bytesReceived(), e.getLong("bytesReceived"));
        expect(where, "closeInitiator", s.closeInitiator(), e.getString("closeInitiator"));
        expect(where, "reset", s.reset(), e.getBoolean("reset"));
        expect(where, "established", s.established(), e.getBoolean("established"));
        expect(where, "error", s.error(), e.getString("error"));
        boolean adopted = options.startNotObserved.test(s);
        expect(where, "startObserved", !adopted, e.getBoolean("startObserved"));
        RecordedThread thread = e.getThread("javaThread");
        if (adopted) {
            expect(where, "javaThreadName", null, e.getString("javaThreadName"));
            expect(where, "javaThread", null, thread == null ? null : thread.getJavaName());
            expect(where, "osThreadId", 0L, e.getLong("osThreadId"));
        } else {
            expect(where, "javaThreadName", s.threadName(), e.getString("javaThreadName"));
            if (thread != null) {
                expect(where, "javaThread", s.threadName(), thread.getJavaName());
            }
            Long osThreadId = osThreadIds.get(s.threadName());
            if (options.noOsThreadOfTheirOwn.test(s.threadName())) {
                if (e.getLong("osThreadId") <= 0) {
                    problems.add(where + "osThreadId = " + e.getLong("osThreadId") + ", expected a thread id");
                }
            } else if (osThreadId == null) {
                problems.add(where + "no thread marker for " + s.threadName());
            } else {
                expect(where, "osThreadId", osThreadId, e.getLong("osThreadId"));
            }
        }
        if (e.getLong("socketId") == 0 && s.established()) {
            problems.add(where + "socketId is 0");
        }
        long start = nanos(e.getStartTime());
        long end = nanos(e.getEndTime());
        checkConnectTime(where, s, e, adopted, start);
        worstStartOffset = Math.max(worstStartOffset, outside(start, s.openBegin(), s.openEnd()));
        worstEndOffset = Math.max(worstEndOffset, outside(end, s.endBegin(), s.endEnd()));
        if (outside(start, s.openBegin(), s.openEnd()) > TOLERANCE_NANOS) {
            problems.add(where + "start " + e.getStartTime() + " outside [" + instant(s.openBegin()) + ", "
                    + instant(s.openEnd()) + "]");
        }
        if (outside(end, s.endBegin(), s.endEnd()) > TOLERANCE_NANOS) {
            problems.add(where + "end " + e.getEndTime() + " outside [" + instant(s.endBegin()) + ", "
                    + instant(s.endEnd()) + "]");
        }
    }

    /**
     * The handshake of a client whose start was seen: longer than nothing, and over by the time its connect()
     * returned (the kernel completes it before waking the caller); no handshake time for the rest.
     */
    private void checkConnectTime(String where, ExpectedSession s, RecordedEvent e, boolean adopted, long start) {
        long connectTime = e.getLong("connectTime");
        if (!"client".equals(s.role()) || !s.established() || adopted) {
            if (connectTime != Long.MIN_VALUE) {
                problems.add(where + "connectTime = " + connectTime + " ns, expected none");
            }
        } else if (connectTime <= 0 || start + connectTime > s.openEnd() + TOLERANCE_NANOS) {
            problems.add(where + "connectTime = " + connectTime + " ns, expected more than 0 and at most "
                    + (s.openEnd() - start) + " (connect() returned then)");
        }
    }

    private void expect(String where, String field, Object expected, Object actual) {
        if (!Objects.equals(expected, actual)) {
            problems.add(where + field + " = " + actual + ", expected " + expected);
        }
    }

    private void report(int expectedCount, int eventCount) {
        if (!problems.isEmpty()) {
            fail(problems.size() + " problems with " + eventCount + " events for " + expectedCount
                    + " expected sessions (first 40):\n  " + String.join("\n  ", problems.subList(0, Math.min(40, problems.size()))));
        }
        System.out.printf("%d sessions exact; worst start %.3f ms, worst end %.3f ms outside the measured brackets%n",
                expectedCount, worstStartOffset / 1e6, worstEndOffset / 1e6);
    }

    private static long outside(long value, long low, long high) {
        return value < low ? low - value : value > high ? value - high : 0;
    }

    static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }

    private static String describe(RecordedEvent e) {
        return e.getString("role") + " " + e.getString("localAddress") + ":" + e.getInt("localPort") + " -> "
                + e.getString("remoteAddress") + ":" + e.getInt("remotePort") + " sent " + e.getLong("bytesSent")
                + " received " + e.getLong("bytesReceived") + " thread " + e.getString("javaThreadName");
    }
}
