package dev.tcplife.jfr.cli.report;

import java.util.List;
import java.util.Locale;

import org.openjdk.jmc.flightrecorder.rules.Severity;

import dev.tcplife.jfr.rules.GcPause;
import dev.tcplife.jfr.rules.RecordedSession;

/**
 * The report as one HTML page that needs nothing else: styles inline, the timeline an inline SVG, no script, no
 * font or image to fetch. It opens in any browser, and can be mailed or attached to a ticket as it is.
 */
final class ReportPage {
    private static final String STYLE = """
            body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430; margin: 28px auto;
                   max-width: 1180px; padding: 0 16px; }
            h1 { font-size: 24px; margin: 0 0 4px; }
            h2 { font-size: 19px; margin: 30px 0 10px; border-bottom: 1px solid #d8dde5; padding-bottom: 4px; }
            h3 { font-size: 16px; margin: 0 0 6px; }
            .overview { color: #4a5565; margin: 0; }
            .finding { border: 1px solid #d8dde5; border-left: 6px solid #9aa3b0; border-radius: 4px;
                       padding: 10px 14px; margin: 0 0 12px; background: #fff; }
            .finding p { margin: 4px 0; }
            .finding .summary { font-weight: 600; }
            .finding ul { margin: 4px 0; }
            .badge { display: inline-block; min-width: 88px; text-align: center; font-size: 12px; font-weight: 700;
                     text-transform: uppercase; letter-spacing: .04em; border-radius: 3px; padding: 1px 6px;
                     margin-right: 8px; color: #fff; background: #9aa3b0; vertical-align: 2px; }
            .warning { border-left-color: #c8412e; } .warning .badge { background: #c8412e; }
            .info { border-left-color: #d9901a; } .info .badge { background: #d9901a; }
            .ok { border-left-color: #3d8b4f; } .ok .badge { background: #3d8b4f; }
            .error { border-left-color: #7b2fa6; } .error .badge { background: #7b2fa6; }
            .legend { margin: 0 0 8px; color: #4a5565; font-size: 14px; }
            .legend span { display: inline-block; width: 22px; height: 10px; margin: 0 5px 0 16px; vertical-align: 0; }
            .legend span:first-child { margin-left: 0; }
            .swatch-closed { background: #3b73b9; } .swatch-reset { background: #e08a1e; }
            .swatch-failed { background: #c8412e; } .swatch-gc { background: rgba(110, 110, 120, .35); }
            .scroll { overflow-x: auto; border: 1px solid #d8dde5; border-radius: 4px; }
            svg.timeline { display: block; font: 12px system-ui, sans-serif; }
            svg .lane { fill: #ffffff; } svg .lane.odd { fill: #f3f5f8; }
            svg .label { fill: #1d2430; text-anchor: end; }
            svg .tick { fill: #4a5565; text-anchor: middle; }
            svg .grid { stroke: #d8dde5; stroke-width: 1; }
            svg .closed { fill: #3b73b9; } svg .reset { fill: #e08a1e; } svg .failed { fill: #c8412e; }
            svg .gc { fill: rgba(110, 110, 120, .35); }
            footer { margin-top: 30px; color: #7a8493; font-size: 13px; }
            """;

    private ReportPage() {
    }

    static String render(String recording, String overview, List<RuleFinding> findings, List<RecordedSession> sessions,
            List<GcPause> pauses) {
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>TCP sessions: ").append(escape(recording)).append("</title>\n")
                .append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n")
                .append("<h1>TCP sessions: ").append(escape(recording)).append("</h1>\n")
                .append("<p class=\"overview\">").append(escape(overview)).append("</p>\n");

        page.append("<h2>Findings</h2>\n");
        findings.stream().filter(RuleFinding::ours).forEach(finding -> finding(page, finding));

        page.append("<h2>Timeline</h2>\n");
        if (sessions.isEmpty()) {
            page.append("<p>No sessions to draw.</p>\n");
        } else {
            timeline(page, sessions, pauses);
        }

        List<RuleFinding> jdk = findings.stream().filter(finding -> !finding.ours()).toList();
        if (!jdk.isEmpty()) {
            List<RuleFinding> notable = jdk.stream().filter(finding -> finding.atLeast(Severity.INFO)).toList();
            page.append("<h2>JDK Mission Control's rules</h2>\n<p>").append(jdk.size()).append(" rules evaluated, ")
                    .append(notable.size()).append(" with findings; those that found nothing or do not apply to this ")
                    .append("recording are left out.</p>\n");
            notable.forEach(finding -> finding(page, finding));
        }
        page.append("<footer>Written by <code>java -jar tcplife-agent.jar report</code>: rules evaluated by ")
                .append("JDK Mission Control's rules engine.</footer>\n</body>\n</html>\n");
        return page.toString();
    }

    private static void finding(StringBuilder page, RuleFinding finding) {
        String css = finding.failed() ? "error" : finding.result().getSeverity().name().toLowerCase(Locale.ROOT);
        page.append("<section class=\"finding ").append(css).append("\">\n<h3><span class=\"badge\">")
                .append(escape(finding.severityName())).append("</span>").append(escape(finding.rule().getName()))
                .append("</h3>\n<p class=\"summary\">").append(finding.summary(true)).append("</p>\n");
        if (finding.explanation(true) != null) {
            page.append("<p>").append(finding.explanation(true)).append("</p>\n");
        }
        if (finding.solution(true) != null) {
            page.append("<p><b>Solution:</b> ").append(finding.solution(true)).append("</p>\n");
        }
        page.append("</section>\n");
    }

    private static void timeline(StringBuilder page, List<RecordedSession> sessions, List<GcPause> pauses) {
        page.append("<p class=\"legend\"><span class=\"swatch-closed\"></span>session closed normally")
                .append("<span class=\"swatch-reset\"></span>reset")
                .append("<span class=\"swatch-failed\"></span>connect failed")
                .append("<span class=\"swatch-gc\"></span>GC pause</p>\n")
                .append("<p class=\"legend\">One lane per peer: <code>address:port</code> for connections this JVM ")
                .append("opened, <code>address -&gt; :port</code> for those it accepted on a local port. ")
                .append("Times from the first session, at ").append(ReportCommand.time(sessions.get(0).startNanos()))
                .append(" local time. Hover over a bar or a band for its details.</p>\n")
                .append("<div class=\"scroll\">\n").append(SessionTimeline.svg(sessions, pauses)).append("</div>\n");
        long peers = sessions.stream().map(RecordedSession::peer).distinct().count();
        if (peers > SessionTimeline.MAX_LANES) {
            page.append("<p class=\"legend\">The ").append(SessionTimeline.MAX_LANES)
                    .append(" peers with the most sessions are drawn, ").append(peers - SessionTimeline.MAX_LANES)
                    .append(" more are not.</p>\n");
        }
    }

    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }
}
