package dev.tcplife.jfr.rules;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.ResultBuilder;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/**
 * Failed connects (refused, timed out, or otherwise never established) and sessions ended by a reset, by peer.
 * The score follows the share of all sessions that ended so: a few resets among many sessions are the normal
 * noise of clients going away, a large share is a service that does not answer or drops its connections.
 */
public final class FailedConnectionsRule extends TcpSessionRule {
    private static final int LISTED = 5;
    /** Socket errors that "refused", "timed out" and "reset" already name. */
    private static final Set<String> SAID_BY_OUTCOME = Set.of("ECONNREFUSED", "ETIMEDOUT", "ECONNRESET");

    public static final TypedPreference<IQuantity> INFO_LIMIT = preference(
            "net.tcp.session.failures.info.limit", "FailedConnectionsRule.config.info", UnitLookup.PERCENTAGE,
            UnitLookup.PERCENT.quantity(1));
    public static final TypedPreference<IQuantity> WARNING_LIMIT = preference(
            "net.tcp.session.failures.warning.limit", "FailedConnectionsRule.config.warning", UnitLookup.PERCENTAGE,
            UnitLookup.PERCENT.quantity(10));

    public static final TypedResult<IQuantity> FAILED_SESSIONS = new TypedResult<>("failedSessions",
            "Failed Sessions", "Sessions that failed to connect or ended with a reset.", UnitLookup.NUMBER,
            IQuantity.class);
    public static final TypedResult<IQuantity> FAILED_SHARE = new TypedResult<>("failedShare", "Failed Share",
            "The share of all sessions that failed or were reset.", UnitLookup.PERCENTAGE, IQuantity.class);
    public static final TypedResult<String> FAILURE_PEER = new TypedResult<>("failurePeer", "Failing Peer",
            "The peer with the most failed or reset sessions.", UnitLookup.PLAIN_TEXT, String.class);
    public static final TypedResult<String> FAILURE_PEERS = new TypedResult<>("failurePeers", "Failures by Peer",
            "Peers with failed or reset sessions and how each ended, most first.", UnitLookup.PLAIN_TEXT, String.class);

    public FailedConnectionsRule() {
        super("TcpFailedConnections", "FailedConnectionsRule", List.of(INFO_LIMIT, WARNING_LIMIT),
                List.of(TypedResult.SCORE, TcpSessionRules.SESSIONS, FAILED_SESSIONS, FAILED_SHARE, FAILURE_PEER,
                        FAILURE_PEERS));
    }

    @Override
    IResult evaluate(List<RecordedSession> sessions, IItemCollection items, IPreferenceValueProvider preferences) {
        // Per peer, how its failed sessions ended ("refused", "reset by this JVM with EPIPE") and how often.
        Map<String, Map<String, Integer>> failuresByPeer = new TreeMap<>();
        for (RecordedSession session : sessions) {
            if (session.outcome().failed()) {
                failuresByPeer.computeIfAbsent(session.peer(), peer -> new TreeMap<>())
                        .merge(describe(session), 1, Integer::sum);
            }
        }
        Map<String, Integer> failedByPeer = new TreeMap<>();
        failuresByPeer.forEach((peer, endings) ->
                failedByPeer.put(peer, endings.values().stream().mapToInt(n -> n).sum()));
        int failed = failedByPeer.values().stream().mapToInt(n -> n).sum();
        double share = (double) failed / sessions.size();

        double score = RulesToolkit.mapExp100(share,
                preferences.getPreferenceValue(INFO_LIMIT).doubleValueIn(UnitLookup.PERCENT_UNITY),
                preferences.getPreferenceValue(WARNING_LIMIT).doubleValueIn(UnitLookup.PERCENT_UNITY));
        Severity severity = Severity.get(score);
        ResultBuilder result = ResultBuilder.createFor(this, preferences).setSeverity(severity)
                .addResult(TypedResult.SCORE, UnitLookup.NUMBER_UNITY.quantity(score))
                .addResult(TcpSessionRules.SESSIONS, TcpSessionRules.count(sessions.size()))
                .addResult(FAILED_SESSIONS, TcpSessionRules.count(failed))
                .addResult(FAILED_SHARE, UnitLookup.PERCENT_UNITY.quantity(share));
        if (severity == Severity.OK) {
            return withTexts(result, "ok");
        }
        List<Map.Entry<String, Integer>> peers =
                TcpSessionRules.largest(failedByPeer, Comparator.naturalOrder(), LISTED);
        result.addResult(FAILURE_PEER, peers.get(0).getKey())
                .addResult(FAILURE_PEERS, TcpSessionRules.list(peers, (peer, count) ->
                        entry("peer", "peer", peer, "endings", endings(failuresByPeer.get(peer)))));
        return withTexts(result, "warn");
    }

    /** How the session ended, with its socket error where the words do not already say it. */
    private String describe(RecordedSession session) {
        return session.error().isEmpty() || SAID_BY_OUTCOME.contains(session.error()) ? session.outcome().text()
                : entry("ending", "outcome", session.outcome().text(), "error", session.error());
    }

    /** "2 refused, 1 reset by this JVM with EPIPE": most frequent first. */
    private static String endings(Map<String, Integer> counts) {
        return TcpSessionRules.list(TcpSessionRules.largest(counts, Comparator.naturalOrder(), counts.size()),
                (ending, count) -> count + " " + ending);
    }
}
