package dev.tcplife.jfr.cli.report;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tcplife.jfr.cli.Main;
import dev.tcplife.jfr.cli.command.Command;

/**
 * The report command on real recordings (see src/test/resources/recordings/README.md): the sample workload under
 * the agent with GC pauses, and a JDK recording without the agent.
 */
class ReportCommandTest {
    @TempDir
    Path temp;

    /**
     * What a run printed, with its exit status; {@code text} has the report's line breaks undone and JMC's no-break
     * spaces between numbers and units made plain.
     */
    private record Run(int status, String out, String err) {
        String text() {
            return out.replace('\u00a0', ' ').replaceAll("\\s+", " ");
        }
    }

    private static Run report(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "report";
        System.arraycopy(args, 0, command, 1, args.length);
        return tool(command);
    }

    private static Run tool(String... command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(command, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String recording(String name) throws URISyntaxException {
        return Path.of(ReportCommandTest.class.getResource("/recordings/" + name).toURI()).toString();
    }

    @Test
    void reportsTheDemoRecordingAsText() throws Exception {
        Run run = report(recording("demo.jfr"));

        assertEquals(Command.OK, run.status(), run.err());
        assertAll(
                () -> assertTrue(run.text().contains("TCP sessions: 17 with 7 peers"), run.out()),
                () -> assertTrue(run.text().contains("GC pauses: 74."), run.out()),
                () -> assertTrue(run.text().contains("[Warning] Failed and Reset TCP Sessions 17.6 % of the TCP sessions "
                        + "failed or were reset (3 of 17), most of them with 127.0.0.1 -> :39371."), run.out()),
                () -> assertTrue(run.text().contains("By peer: 127.0.0.1 -> :39371 (1 reset by the peer), "
                        + "127.0.0.1:39371 (1 reset by this JVM), 127.0.0.1:39391 (1 refused)."), run.out()),
                () -> assertTrue(run.text().contains("[Information] TCP Connection Churn Short-lived connections to "
                        + "127.0.0.1:33903: 6 within one minute"), run.out()),
                () -> assertTrue(run.text().contains("Threads that opened them: churning-client (5), impatient-client "
                        + "(1), ipv6-client (1), pooled-client (1)."), run.out()),
                () -> assertTrue(run.text().contains("[OK] TCP Sessions During GC Pauses GC pauses during TCP sessions "
                        + "were short: the longest lasted 14.780 ms. 2 of 17 TCP sessions were open during a GC pause"),
                        run.out()),
                () -> assertTrue(run.text().contains("[OK] Top TCP Peers 127.0.0.1 -> :33903 exchanged the most payload"),
                        run.out()),
                () -> assertTrue(run.out().lines().allMatch(line -> line.length() <= 100 || !line.contains(" ")),
                        "lines wrap at 100 columns"));
        assertFalse(run.text().contains("JDK Mission Control's rules"), "JMC's own rules only with --jdk-rules");
    }

    @Test
    void writesASelfContainedHtmlPageWithTheTimeline() throws Exception {
        Path page = temp.resolve("report.html");

        Run run = report(recording("demo.jfr"), "--html", page.toString());

        assertEquals(Command.OK, run.status(), run.err());
        assertTrue(run.out().contains("HTML report: " + page), run.out());
        String html = Files.readString(page).replace('\u00a0', ' ');
        assertAll(
                () -> assertTrue(html.startsWith("<!DOCTYPE html>")),
                () -> assertTrue(html.contains("<style>")),
                () -> assertFalse(Pattern.compile("<script|<link|<img|src=|href=|@import|url\\(").matcher(html).find(),
                        "nothing to fetch"),
                () -> assertTrue(html.contains("<span class=\"badge\">Warning</span>Failed and Reset TCP Sessions")),
                () -> assertTrue(html.contains("most of them with 127.0.0.1 -&gt; :39371.")),
                () -> assertEquals(7, count(html, "<text class=\"label\""), "one lane per peer"),
                () -> assertTrue(count(html, "<rect class=\"gc\"") > 0, "GC pauses drawn"),
                () -> assertTrue(count(html, "<rect class=\"reset\"") > 0, "resets drawn"),
                () -> assertTrue(count(html, "<rect class=\"failed\"") > 0, "the refused connect drawn"),
                () -> assertTrue(html.contains("<title>GC pause of 14.780 ms at "), "pauses explain themselves"));
    }

    @Test
    void addsJmcsOwnRulesOnRequest() throws Exception {
        Run run = report(recording("demo.jfr"), "--jdk-rules");

        assertEquals(Command.OK, run.status(), run.err());
        assertTrue(run.text().contains("[Warning] Failed and Reset TCP Sessions"), run.out());
        assertTrue(Pattern.compile("JDK Mission Control's rules: \\d+ evaluated").matcher(run.text()).find(), run.out());
    }

    @Test
    void saysSoWhenTheRecordingHasNoTcpSessions() throws Exception {
        Path page = temp.resolve("jdk-only.html");

        Run run = report(recording("jdk-only.jfr"), "--html", page.toString());

        assertEquals(Command.NO_SESSIONS, run.status(), run.err());
        assertTrue(run.text().contains("This recording holds no tcplife.TcpSession events: was the agent loaded "
                + "(-javaagent:tcplife-agent.jar) and its event enabled (settings=default,settings=tcplife.jfc)?"), run.out());
        assertTrue(run.text().contains("[Not Applicable] TCP Connection Churn Ignored The rule is not evaluated "
                + "because of this 1 issue : 1 tcplife.TcpSession is UNKNOWN but the expected status is ENABLED"), run.out());
        assertTrue(Files.readString(page).contains("holds no tcplife.TcpSession events"));
    }

    @Test
    void failsOnAFileThatIsNotARecording() throws IOException {
        Path notARecording = Files.writeString(temp.resolve("notes.jfr"), "not a recording");

        Run run = report(notARecording.toString());

        assertEquals(Command.FAILED, run.status());
        assertTrue(run.err().contains(notARecording + " is not a readable JFR recording"), run.err());
        assertEquals("", run.out());
    }

    @Test
    void namesTheArgumentAtFault() throws Exception {
        assertAll(
                () -> assertUsage(report(), "missing recording file"),
                () -> assertUsage(report(recording("demo.jfr"), "--bogus"), "unknown option --bogus"),
                () -> assertUsage(report(recording("demo.jfr"), "--html"), "option --html needs a value"),
                () -> assertUsage(report(recording("demo.jfr"), "--html", temp.resolve("no/such/dir/r.html").toString()),
                        "option --html: no directory " + temp.resolve("no/such/dir")));
        Run missing = report(temp.resolve("missing.jfr").toString());
        assertEquals(Command.FAILED, missing.status());
        assertTrue(missing.err().contains("missing.jfr: no such file"), missing.err());
    }

    @Test
    void explainsItselfWithHelp() {
        Run run = report("--help");

        assertEquals(Command.OK, run.status());
        assertTrue(run.out().startsWith("Usage: java -jar tcplife-agent.jar report <recording.jfr> [--html FILE]"));
        assertTrue(tool("--help").out().contains("report   analyse the TCP sessions of a recording with JMC rules"));
    }

    private static void assertUsage(Run run, String message) {
        assertEquals(Command.USAGE, run.status(), run.err());
        assertTrue(run.err().contains("tcplife report: " + message), run.err());
    }

    private static int count(String text, String part) {
        Matcher matcher = Pattern.compile(Pattern.quote(part)).matcher(text);
        int count = 0;
        while (matcher.find()) {
            count++;
        }
        return count;
    }
}
