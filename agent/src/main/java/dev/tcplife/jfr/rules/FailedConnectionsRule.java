package dev.tcplife.jfr.rules;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RunnableFuture;
import java.util.stream.Collectors;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IResultValueProvider;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.ResultBuilder;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.EventAvailability;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.RequiredEventsBuilder;

/**
 * Failed connects (refused, timed out, or otherwise never established) and sessions ended by a reset, by peer.
 * The score follows the share of all sessions that ended so: a few resets among many sessions are the normal
 * noise of clients going away, a large share is a service that does not answer or drops its connections.
 */
public final class FailedConnectionsRule implements IRule {
    private static final String RESULT_ID = "TcpFailedConnections";
    private static final int LISTED = 5;
    /** Socket errors that "refused", "timed out" and "reset" already name. */
    private static final Set<String> SAID_BY_OUTCOME = Set.of("ECONNREFUSED", "ETIMEDOUT", "ECONNRESET");

    public static final TypedPreference<IQuantity> INFO_LIMIT = new TypedPreference<>(
            "net.tcp.session.failures.info.limit", Messages.get("FailedConnectionsRule.config.info"),
            Messages.get("FailedConnectionsRule.config.info.long"), UnitLookup.PERCENTAGE,
            UnitLookup.PERCENT.quantity(1));
    public static final TypedPreference<IQuantity> WARNING_LIMIT = new TypedPreference<>(
            "net.tcp.session.failures.warning.limit", Messages.get("FailedConnectionsRule.config.warning"),
            Messages.get("FailedConnectionsRule.config.warning.long"), UnitLookup.PERCENTAGE,
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

    private static final Map<String, EventAvailability> REQUIRED_EVENTS = RequiredEventsBuilder.create()
            .addEventType(RecordedSession.EVENT_TYPE, EventAvailability.ENABLED).build();

    @Override
    public RunnableFuture<IResult> createEvaluation(IItemCollection items, IPreferenceValueProvider preferences,
            IResultValueProvider dependencyResults) {
        return new FutureTask<>(() -> evaluate(items, preferences));
    }

    private IResult evaluate(IItemCollection items, IPreferenceValueProvider preferences) {
        List<RecordedSession> sessions = RecordedSession.readAll(items);
        if (sessions.isEmpty()) {
            return ResultBuilder.createFor(this, preferences).setSeverity(Severity.OK)
                    .setSummary(Messages.get("FailedConnectionsRule.noEvents")).build();
        }
        // Per peer, how its failed sessions ended ("refused", "reset by the peer (ECONNRESET)") and how often.
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
            return result.setSummary(Messages.get("FailedConnectionsRule.ok"))
                    .setExplanation(Messages.get("FailedConnectionsRule.ok.long")).build();
        }
        List<Map.Entry<String, Integer>> peers =
                TcpSessionRules.largest(failedByPeer, Comparator.naturalOrder(), LISTED);
        return result.addResult(FAILURE_PEER, peers.get(0).getKey())
                .addResult(FAILURE_PEERS, TcpSessionRules.list(peers, (peer, count) -> Messages.fill(
                        "FailedConnectionsRule.peer", "peer", peer, "endings", endings(failuresByPeer.get(peer)))))
                .setSummary(Messages.get("FailedConnectionsRule.warn"))
                .setExplanation(Messages.get("FailedConnectionsRule.warn.long"))
                .setSolution(Messages.get("FailedConnectionsRule.warn.solution")).build();
    }

    /** How the session ended, with its socket error where the words do not already say it. */
    private static String describe(RecordedSession session) {
        return session.error().isEmpty() || SAID_BY_OUTCOME.contains(session.error()) ? session.outcome().text()
                : Messages.fill("FailedConnectionsRule.ending", "outcome", session.outcome().text(),
                        "error", session.error());
    }

    /** "2 refused, 1 reset by the peer (ECONNRESET)": most frequent first. */
    private static String endings(Map<String, Integer> counts) {
        return TcpSessionRules.largest(counts, Comparator.naturalOrder(), counts.size()).stream()
                .map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    @Override
    public String getId() {
        return RESULT_ID;
    }

    @Override
    public String getName() {
        return Messages.get("FailedConnectionsRule.name");
    }

    @Override
    public String getTopic() {
        return TcpSessionRules.TOPIC;
    }

    @Override
    public Map<String, EventAvailability> getRequiredEvents() {
        return REQUIRED_EVENTS;
    }

    @Override
    public Collection<TypedPreference<?>> getConfigurationAttributes() {
        return List.of(INFO_LIMIT, WARNING_LIMIT);
    }

    @Override
    public Collection<TypedResult<?>> getResults() {
        return List.of(TypedResult.SCORE, TcpSessionRules.SESSIONS, FAILED_SESSIONS, FAILED_SHARE, FAILURE_PEER,
                FAILURE_PEERS);
    }
}
