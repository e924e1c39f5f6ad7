package dev.tcplife.jfr.cli.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;

import org.openjdk.jmc.common.IDisplayable;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.CouldNotLoadRecordingException;
import org.openjdk.jmc.flightrecorder.JfrLoaderToolkit;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.RuleRegistry;
import org.openjdk.jmc.flightrecorder.rules.Severity;

import dev.tcplife.jfr.cli.command.Arguments;
import dev.tcplife.jfr.cli.command.Command;
import dev.tcplife.jfr.rules.GcPause;
import dev.tcplife.jfr.rules.RecordedSession;
import dev.tcplife.jfr.rules.TcpSessionRules;

/**
 * {@code report <recording.jfr>}: the tcplife rules (dev.tcplife.jfr.rules), run on the recording by JDK Mission
 * Control's own rules engine, printed as text and optionally written as one self-contained HTML page with a
 * timeline of the sessions against the GC pauses.
 *
 * <p>By default only our rules run: they are what this tool is for, and JMC's 60-odd rules add a second of
 * analysis and a page of results that mostly say "not applicable" for an agent-only recording. {@code --jdk-rules}
 * adds them, listing those with findings.
 */
public final class ReportCommand implements Command {
    private static final int WIDTH = 100;
    private static final String INDENT = "  ";
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Override
    public String summary() {
        return "analyse the TCP sessions of a recording with JMC rules, as text and HTML";
    }

    @Override
    public String usage() {
        return """
                Usage: java -jar tcplife-agent.jar report <recording.jfr> [--html FILE] [--jdk-rules]

                Analyses the tcplife.TcpSession events of a recording with JDK Mission Control's rules engine and
                prints each rule's finding: connection churn (short sessions a pool should have reused), failed
                connects and resets by peer, sessions open during GC pauses, and the busiest peers.
                  --html FILE      also write the report as one self-contained HTML page, with a timeline of the
                                   sessions (one lane per peer) against the GC pauses
                  --jdk-rules      also run JMC's own rules (GC, CPU, I/O, ...) and list those with findings
                Exit status: 0 report printed, 1 error (such as a file that is not a recording, or a rule that
                failed), 2 wrong usage, 3 no tcplife.TcpSession events in the recording (the report says so).
                """;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        Arguments arguments = Arguments.parse(args, Set.of("--jdk-rules"), Set.of("--html"));
        Path file = Path.of(arguments.single("recording file"));
        Path html = arguments.option("--html") == null ? null : Path.of(arguments.option("--html")).toAbsolutePath();
        if (html != null && !Files.isDirectory(html.getParent())) {
            throw new Arguments.UsageException("option --html: no directory " + html.getParent());
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + ": no such file");
        }
        IItemCollection events = load(file);
        boolean jdkRules = arguments.flag("--jdk-rules");
        List<IRule> rules = RuleRegistry.getRules().stream()
                .filter(rule -> jdkRules || TcpSessionRules.TOPIC.equals(rule.getTopic()))
                .toList();
        List<RuleFinding> findings = RuleFinding.evaluate(rules, events);
        List<RecordedSession> sessions = RecordedSession.readAll(events);
        List<GcPause> pauses = GcPause.readAll(events);
        String overview = overview(sessions, pauses);

        out.println("TCP session report: " + file);
        printWrapped(out, "", overview);
        for (RuleFinding finding : findings) {
            if (finding.ours()) {
                printFinding(out, finding);
            }
        }
        if (jdkRules) {
            printJdkFindings(out, findings);
        }
        if (html != null) {
            try {
                Files.writeString(html,
                        ReportPage.render(file.getFileName().toString(), overview, findings, sessions, pauses));
            } catch (IOException e) {
                throw new IOException("cannot write the HTML report to " + html + " (" + e.getMessage() + ")", e);
            }
            out.println();
            out.println("HTML report: " + html);
        }
        out.flush();
        if (sessions.isEmpty()) {
            return Command.NO_SESSIONS;
        }
        return findings.stream().anyMatch(RuleFinding::failed) ? Command.FAILED : Command.OK;
    }

    private static IItemCollection load(Path file) throws IOException {
        try {
            return JfrLoaderToolkit.loadEvents(file.toFile());
        } catch (IOException | CouldNotLoadRecordingException e) {
            String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new IOException(file + " is not a readable JFR recording (" + reason + ")", e);
        }
    }

    /** One sentence on what the recording holds, or, without sessions, what to check. */
    static String overview(List<RecordedSession> sessions, List<GcPause> pauses) {
        if (sessions.isEmpty()) {
            return "This recording holds no " + RecordedSession.EVENT_TYPE + " events: was the agent loaded "
                    + "(-javaagent:tcplife-agent.jar) and its event enabled (settings=default,settings=tcplife.jfc)?";
        }
        long first = sessions.get(0).startNanos();
        long last = sessions.stream().mapToLong(RecordedSession::endNanos).max().orElse(first);
        long peers = sessions.stream().map(RecordedSession::peer).distinct().count();
        return String.format("TCP sessions: %d with %d peers, from %s to %s local time (%s). GC pauses: %d.",
                sessions.size(), peers, time(first), time(last), duration(last - first), pauses.size());
    }

    static String time(long epochNanos) {
        return TIME.format(Instant.ofEpochSecond(0, epochNanos));
    }

    /** As JMC writes a duration, so the report's own words match the rules' texts ("528.901 ms"). */
    static String duration(long nanos) {
        return UnitLookup.NANOSECOND.quantity(nanos).displayUsing(IDisplayable.AUTO);
    }

    private static void printFinding(PrintStream out, RuleFinding finding) {
        out.println();
        out.println("[" + finding.severityName() + "] " + finding.rule().getName());
        printWrapped(out, INDENT, finding.summary(false));
        if (finding.explanation(false) != null) {
            printWrapped(out, INDENT, finding.explanation(false));
        }
        if (finding.solution(false) != null) {
            printWrapped(out, INDENT, "Solution: " + finding.solution(false));
        }
    }

    /** JMC's rules: a count, then only those that found something, as JMC's own report does by default. */
    private static void printJdkFindings(PrintStream out, List<RuleFinding> findings) {
        List<RuleFinding> jdk = findings.stream().filter(finding -> !finding.ours()).toList();
        List<RuleFinding> notable = jdk.stream().filter(finding -> finding.atLeast(Severity.INFO)).toList();
        out.println();
        printWrapped(out, "", "JDK Mission Control's rules: " + jdk.size() + " evaluated, " + notable.size()
                + " with findings, " + jdk.stream().filter(finding -> !finding.failed()
                        && finding.result().getSeverity() == Severity.OK).count()
                + " OK, the others not applicable to this recording.");
        notable.forEach(finding -> printFinding(out, finding));
    }

    /**
     * The text in lines of at most {@value #WIDTH} characters, each after {@code indent}. Words stay whole, and so
     * do a number and its unit: JMC joins them with a no-break space, which is no place to break.
     */
    private static void printWrapped(PrintStream out, String indent, String text) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split("\\s+")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
                out.println(line);
                line.setLength(0);
                line.append(indent);
            } else if (line.length() > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        out.println(line);
    }
}
