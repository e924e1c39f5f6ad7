package dev.tcplife.jfr.cli.print;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.cli.Main;
import dev.tcplife.jfr.cli.command.Command;
import dev.tcplife.jfr.cli.sessions.SessionRow;

/**
 * The print command on the sample workload's recording (see src/test/resources/recordings/README.md), checked
 * line by line against the events as the JDK's own API reads them, by name, and formatted with printf and
 * Instant: the oracle shares no code with the command's hand-written formatting.
 */
class PrintCommandTest {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    private static List<RecordedEvent> sessions;

    private record Run(int status, List<String> lines, String err) {
    }

    @BeforeAll
    static void readTheRecording() throws IOException, URISyntaxException {
        sessions = new ArrayList<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(recording())) {
            if (event.getEventType().getName().equals(SessionRow.EVENT)) {
                sessions.add(event);
            }
        }
        sessions.sort(Comparator.comparing(RecordedEvent::getEndTime));
        assertTrue(sessions.size() > 10, "the demo recording holds " + sessions.size() + " sessions");
    }

    private static Path recording() throws URISyntaxException {
        return Path.of(PrintCommandTest.class.getResource("/recordings/demo.jfr").toURI());
    }

    private static Run print(String... options) throws URISyntaxException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> command = new ArrayList<>(List.of("print", recording().toString()));
        command.addAll(List.of(options));
        int status = Main.run(command.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        return new Run(status, text.isEmpty() ? List.of() : List.of(text.split(System.lineSeparator())),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theTableHasOneLinePerSessionInTheOrderTheyEnded() throws Exception {
        Run run = print();

        assertEquals(Command.OK, run.status(), run.err());
        assertEquals(sessions.size() + 1, run.lines().size(), String.join("\n", run.lines()));
        assertTrue(run.lines().get(0).startsWith("START        PID     THREAD           ROLE"), run.lines().get(0));
        for (int i = 0; i < sessions.size(); i++) {
            RecordedEvent e = sessions.get(i);
            String expected = String.format(Locale.ROOT, "%-12s %-7d %-16s %-6s %-15s %5d %-15s %5d %6d %6d %9.2f %s",
                    CLOCK.format(e.getStartTime()) + (e.getBoolean("startObserved") ? "" : "*"), e.getLong("pid"),
                    clip(thread(e), 16), e.getString("role"), e.getString("localAddress"), e.getInt("localPort"),
                    e.getString("remoteAddress"), e.getInt("remotePort"), e.getLong("bytesSent") / 1024,
                    e.getLong("bytesReceived") / 1024, e.getDuration().toNanos() / 1e6, ending(e));
            assertEquals(expected, run.lines().get(i + 1), "session " + i);
        }
    }

    @Test
    void csvHasEveryFieldOfEverySession() throws Exception {
        Run run = print("--csv");

        assertEquals(Command.OK, run.status(), run.err());
        assertEquals(String.join(",", SessionFormat.FIELDS), run.lines().get(0));
        assertEquals(sessions.size() + 1, run.lines().size());
        for (int i = 0; i < sessions.size(); i++) {
            String[] values = run.lines().get(i + 1).split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int f = 0; f < SessionFormat.FIELDS.length; f++) {
                row.put(SessionFormat.FIELDS[f], values[f]);
            }
            assertEquals(SessionFormat.FIELDS.length, values.length, run.lines().get(i + 1));
            assertEquals(expected(sessions.get(i), ""), row, "session " + i);
        }
    }

    @Test
    void jsonLinesHaveEveryFieldOfEverySession() throws Exception {
        Run run = print("--json");

        assertEquals(Command.OK, run.status(), run.err());
        assertEquals(sessions.size(), run.lines().size());
        Pattern member = Pattern.compile("\"(\\w+)\":(\"(?:[^\"\\\\]|\\\\.)*\"|[^,}]*)");
        for (int i = 0; i < sessions.size(); i++) {
            String line = run.lines().get(i);
            assertTrue(line.startsWith("{") && line.endsWith("}"), line);
            Map<String, String> row = new LinkedHashMap<>();
            Matcher m = member.matcher(line);
            while (m.find()) {
                String value = m.group(2);
                row.put(m.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
            }
            assertEquals(expected(sessions.get(i), "null"), row, "session " + i);
        }
    }

    @Test
    void theWideTableShowsExactBytesAndTheConnectTime() throws Exception {
        Run run = print("--wide");

        assertEquals(Command.OK, run.status(), run.err());
        for (int i = 0; i < sessions.size(); i++) {
            RecordedEvent e = sessions.get(i);
            String[] columns = run.lines().get(i + 1).trim().split(" +");
            long connect = e.getLong("connectTime");
            assertAll("session " + i,
                    () -> assertEquals(Long.toString(e.getLong("bytesSent")), columns[9]),
                    () -> assertEquals(Long.toString(e.getLong("bytesReceived")), columns[10]),
                    () -> assertEquals(String.format(Locale.ROOT, "%.3f", e.getDuration().toNanos() / 1e6), columns[11]),
                    () -> assertEquals(connect == Long.MIN_VALUE ? "-"
                            : String.format(Locale.ROOT, "%.3f", connect / 1e6), columns[13]),
                    () -> assertEquals(Long.toString(e.getLong("socketId")), columns[16]));
        }
    }

    @Test
    void filtersKeepTheSessionsTheySay() throws Exception {
        RecordedEvent client = sessions.stream().filter(e -> e.getString("role").equals("client")).findFirst()
                .orElseThrow();
        int port = client.getInt("remotePort");
        assertAll(
                () -> assertEquals(count(e -> e.getString("role").equals("server")), printed("--role", "server")),
                () -> assertEquals(count(e -> e.getInt("localPort") == port || e.getInt("remotePort") == port),
                        printed("--port", Integer.toString(port))),
                () -> assertEquals(count(e -> e.getDuration().compareTo(Duration.ofMillis(5)) >= 0),
                        printed("--min-ms", "5")),
                () -> assertEquals(count(e -> thread(e).contains("client")), printed("--thread", "client")),
                () -> assertEquals(count(e -> !e.getBoolean("established") || e.getBoolean("reset")),
                        printed("--failed")));
    }

    @Test
    void aFilterThatMatchesNothingSaysSo() throws Exception {
        Run run = print("--port", "1", "--role", "client");

        assertEquals(Command.NO_SESSIONS, run.status());
        assertEquals("tcplife print: no session matches the filters", run.err().trim());
    }

    /** How many sessions the table printed, its header aside. */
    private static long printed(String... filters) throws URISyntaxException {
        Run run = print(filters);
        return run.lines().isEmpty() ? 0 : run.lines().size() - 1;
    }

    /** The machine-readable fields the command should print for {@code e}; {@code absent} for a missing value. */
    private static Map<String, String> expected(RecordedEvent e, String absent) {
        long connect = e.getLong("connectTime");
        long rtt = e.getLong("smoothedRtt");
        Map<String, String> row = new LinkedHashMap<>();
        row.put("start", e.getStartTime().toString());
        row.put("end", e.getEndTime().toString());
        row.put("duration_ms", exact(e.getDuration().toNanos(), 6));
        row.put("pid", Long.toString(e.getLong("pid")));
        row.put("thread", thread(e));
        row.put("os_thread_id", Long.toString(e.getLong("osThreadId")));
        row.put("role", e.getString("role"));
        row.put("family", e.getString("family"));
        row.put("local_address", e.getString("localAddress"));
        row.put("local_port", Integer.toString(e.getInt("localPort")));
        row.put("remote_address", e.getString("remoteAddress"));
        row.put("remote_port", Integer.toString(e.getInt("remotePort")));
        row.put("bytes_sent", Long.toString(e.getLong("bytesSent")));
        row.put("bytes_received", Long.toString(e.getLong("bytesReceived")));
        row.put("close_initiator", e.getString("closeInitiator"));
        row.put("reset", Boolean.toString(e.getBoolean("reset")));
        row.put("established", Boolean.toString(e.getBoolean("established")));
        row.put("error", e.getString("error") == null ? absent : e.getString("error"));
        row.put("ending", ending(e));
        row.put("connect_ms", connect == Long.MIN_VALUE ? absent : exact(connect, 6));
        row.put("rtt_ms", rtt == Long.MIN_VALUE ? absent : exact(rtt, 3));
        row.put("retransmits", Long.toString(e.getLong("retransmittedSegments")));
        row.put("socket_id", Long.toString(e.getLong("socketId")));
        row.put("start_observed", Boolean.toString(e.getBoolean("startObserved")));
        return row;
    }

    /** {@code value / 10^scale} in plain decimal notation, with no trailing zero beyond the first decimal. */
    private static String exact(long value, int scale) {
        BigDecimal decimal = BigDecimal.valueOf(value, scale).stripTrailingZeros();
        return (decimal.scale() < 1 ? decimal.setScale(1) : decimal).toPlainString();
    }

    private static long count(Predicate<RecordedEvent> filter) {
        return sessions.stream().filter(filter).count();
    }

    private static String thread(RecordedEvent e) {
        RecordedThread thread = e.getThread("javaThread");
        return thread != null && thread.getJavaName() != null ? thread.getJavaName() : e.getString("javaThreadName");
    }

    /** As the usage text defines the END column. */
    private static String ending(RecordedEvent e) {
        String error = String.valueOf(e.getString("error"));
        if (error.equals("ECONNREFUSED") || error.equals("ETIMEDOUT")) {
            return error.equals("ECONNREFUSED") ? "refused" : "timeout";
        }
        if (!e.getBoolean("established")) {
            return "failed";
        }
        return (e.getBoolean("reset") ? "rst-" : "fin-") + e.getString("closeInitiator");
    }

    private static String clip(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "~";
    }
}
