package dev.tcplife.jfr.rules;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.jdk.JdkTypeIDs;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.ResultBuilder;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/**
 * TCP sessions that were open during GC pauses, on the recording's shared timeline. While the JVM is stopped no
 * thread serves a socket, so every open session waits: the score follows the longest pause that fell within a
 * session, and the text names the sessions' peers and how many sessions each of the longest pauses held up.
 */
public final class GcPauseSessionsRule extends TcpSessionRule {
    private static final int LISTED = 5;
    private static final int LISTED_PAUSES = 3;

    public static final TypedPreference<IQuantity> INFO_LIMIT = preference(
            "net.tcp.session.gc.pause.info.limit", "GcPauseSessionsRule.config.info", UnitLookup.TIMESPAN,
            UnitLookup.MILLISECOND.quantity(20));
    public static final TypedPreference<IQuantity> WARNING_LIMIT = preference(
            "net.tcp.session.gc.pause.warning.limit", "GcPauseSessionsRule.config.warning", UnitLookup.TIMESPAN,
            UnitLookup.MILLISECOND.quantity(200));

    public static final TypedResult<IQuantity> PAUSES = new TypedResult<>("gcPauses", "GC Pauses",
            "The GC pauses in the recording.", UnitLookup.NUMBER, IQuantity.class);
    public static final TypedResult<IQuantity> SESSIONS_IN_PAUSES = new TypedResult<>("sessionsInPauses",
            "Sessions in Pauses", "Sessions open during at least one GC pause.", UnitLookup.NUMBER, IQuantity.class);
    public static final TypedResult<IQuantity> LONGEST_PAUSE = new TypedResult<>("longestPause", "Longest Pause",
            "The longest GC pause during which a session was open.", UnitLookup.TIMESPAN, IQuantity.class);
    public static final TypedResult<IQuantity> SESSIONS_IN_LONGEST_PAUSE = new TypedResult<>("sessionsInLongestPause",
            "Sessions in Longest Pause", "Sessions open during that pause.", UnitLookup.NUMBER, IQuantity.class);
    public static final TypedResult<IQuantity> HIT_SESSIONS = new TypedResult<>("hitSessions", "Sessions Hit",
            "Sessions open during a pause at least as long as the info limit.", UnitLookup.NUMBER, IQuantity.class);
    public static final TypedResult<String> HIT_PEERS = new TypedResult<>("hitPeers", "Peers Hit",
            "The peers of those sessions, most sessions first.", UnitLookup.PLAIN_TEXT, String.class);
    public static final TypedResult<String> LONGEST_PAUSES = new TypedResult<>("longestPauses", "Longest Pauses",
            "The longest pauses of the recording and the sessions open during each.", UnitLookup.PLAIN_TEXT,
            String.class);

    public GcPauseSessionsRule() {
        super("TcpSessionsDuringGcPauses", "GcPauseSessionsRule", List.of(INFO_LIMIT, WARNING_LIMIT),
                List.of(TypedResult.SCORE, TcpSessionRules.SESSIONS, PAUSES, SESSIONS_IN_PAUSES, LONGEST_PAUSE,
                        SESSIONS_IN_LONGEST_PAUSE, HIT_SESSIONS, HIT_PEERS, LONGEST_PAUSES),
                JdkTypeIDs.GC_PAUSE);
    }

    @Override
    IResult evaluate(List<RecordedSession> sessions, IItemCollection items, IPreferenceValueProvider preferences) {
        List<GcPause> pauses = GcPause.readAll(items);
        SessionsInPauses open = new SessionsInPauses(sessions);
        GcPause longest = pauses.stream().filter(pause -> open.during(pause) > 0)
                .max(Comparator.comparingLong(GcPause::durationNanos)).orElse(null);
        ResultBuilder result = ResultBuilder.createFor(this, preferences)
                .addResult(TcpSessionRules.SESSIONS, TcpSessionRules.count(sessions.size()))
                .addResult(PAUSES, TcpSessionRules.count(pauses.size()));
        if (longest == null) {
            result.setSeverity(Severity.OK).addResult(TypedResult.SCORE, UnitLookup.NUMBER_UNITY.quantity(0));
            return withTexts(result, "none");
        }

        IQuantity infoLimit = preferences.getPreferenceValue(INFO_LIMIT);
        double score = RulesToolkit.mapExp100(longest.durationNanos(), infoLimit.doubleValueIn(UnitLookup.NANOSECOND),
                preferences.getPreferenceValue(WARNING_LIMIT).doubleValueIn(UnitLookup.NANOSECOND));
        Severity severity = Severity.get(score);
        List<GcPause> longestFirst = pauses.stream()
                .sorted(Comparator.comparingLong(GcPause::durationNanos).reversed()).toList();
        result.setSeverity(severity)
                .addResult(TypedResult.SCORE, UnitLookup.NUMBER_UNITY.quantity(score))
                .addResult(SESSIONS_IN_PAUSES, TcpSessionRules.count(open.duringAny(pauses).size()))
                .addResult(LONGEST_PAUSE, UnitLookup.NANOSECOND.quantity(longest.durationNanos()))
                .addResult(SESSIONS_IN_LONGEST_PAUSE, TcpSessionRules.count(open.during(longest)))
                .addResult(LONGEST_PAUSES, longestFirst.stream().limit(LISTED_PAUSES)
                        .map(pause -> entry("pause", "duration", UnitLookup.NANOSECOND.quantity(pause.durationNanos()),
                                "collection", pause.collection(), "sessions", Messages.sessions(open.during(pause))))
                        .collect(Collectors.joining(", ")));
        if (severity == Severity.OK) {
            return withTexts(result, "ok");
        }
        long infoNanos = infoLimit.clampedLongValueIn(UnitLookup.NANOSECOND);
        List<RecordedSession> hit =
                open.duringAny(pauses.stream().filter(pause -> pause.durationNanos() >= infoNanos).toList());
        Map<String, Integer> hitByPeer = new TreeMap<>();
        hit.forEach(session -> hitByPeer.merge(session.peer(), 1, Integer::sum));
        result.addResult(HIT_SESSIONS, TcpSessionRules.count(hit.size()))
                .addResult(HIT_PEERS, TcpSessionRules.list(
                        TcpSessionRules.largest(hitByPeer, Comparator.naturalOrder(), LISTED),
                        (peer, count) -> entry("peer", "peer", peer, "sessions", count)));
        return withTexts(result, "warn");
    }
}
