package dev.tcplife.jfr.cli.report;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.ResultToolkit;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

import dev.tcplife.jfr.rules.TcpSessionRules;

/**
 * One rule's result for the report, or why the rule gave none: its texts with their placeholders filled in, as
 * plain text or as HTML.
 *
 * @param result        the result, null if the rule failed
 * @param error         what went wrong when the rule failed, else null
 * @param missingEvents for a rule the engine did not run, JMC's account of the events it lacked, else empty
 */
record RuleFinding(IRule rule, IResult result, String error, String missingEvents) {
    /** Our rules first, then the worst findings first, then by name. */
    static final Comparator<RuleFinding> REPORT_ORDER = Comparator.comparing(RuleFinding::ours).reversed()
            .thenComparing(RuleFinding::rank, Comparator.reverseOrder())
            .thenComparing(finding -> finding.rule().getName());

    /** Runs the rules the way JMC does, in parallel on its engine, and waits for every one. */
    static List<RuleFinding> evaluate(Collection<IRule> rules, IItemCollection events) throws InterruptedException {
        List<RuleFinding> findings = new ArrayList<>();
        Map<IRule, Future<IResult>> evaluations = RulesToolkit.evaluateParallel(rules, events, null, 0);
        for (Map.Entry<IRule, Future<IResult>> evaluation : evaluations.entrySet()) {
            IRule rule = evaluation.getKey();
            try {
                IResult result = evaluation.getValue().get();
                // The engine's own "not applicable" says only "Ignored"; JMC can say which events were missing.
                String missingEvents = result.getSeverity() == Severity.NA
                        ? RulesToolkit.getIgnoreReason(events, rule).strip() : "";
                findings.add(new RuleFinding(rule, result, null, missingEvents));
            } catch (ExecutionException e) {
                findings.add(new RuleFinding(rule, null, String.valueOf(e.getCause()), ""));
            }
        }
        findings.sort(REPORT_ORDER);
        return findings;
    }

    boolean ours() {
        return TcpSessionRules.TOPIC.equals(rule.getTopic());
    }

    boolean failed() {
        return result == null;
    }

    /** The severity's name as JMC shows it ("Warning", "Information", "OK", "Not Applicable"), or "Error". */
    String severityName() {
        return failed() ? "Error" : result.getSeverity().getLocalizedName();
    }

    /** A rule that failed ranks above every severity: its absence is the first thing to know. */
    private double rank() {
        return failed() ? Double.MAX_VALUE : result.getSeverity().getLimit();
    }

    /** By score, not enum order: Severity.IGNORE comes after WARNING in the enum but ranks lowest. */
    boolean atLeast(Severity severity) {
        return rank() >= severity.getLimit();
    }

    String summary(boolean html) {
        if (failed()) {
            return html ? ReportPage.escape(error) : error;
        }
        return text(result.getSummary(), html);
    }

    /** The explanation; for a rule the engine did not run, which events it lacked; else null. */
    String explanation(boolean html) {
        if (failed()) {
            return null;
        }
        if (!missingEvents.isEmpty()) {
            return html ? ReportPage.escape(missingEvents).replace("\n", "<br>\n") : missingEvents;
        }
        return text(result.getExplanation(), html);
    }

    /** The suggested solution, or null when the rule gave none. */
    String solution(boolean html) {
        return failed() ? null : text(result.getSolution(), html);
    }

    private String text(String template, boolean html) {
        return template == null || template.isEmpty() ? null : ResultToolkit.populateMessage(result, template, html);
    }
}
