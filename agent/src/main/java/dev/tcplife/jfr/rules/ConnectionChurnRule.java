package dev.tcplife.jfr.rules;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RunnableFuture;

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
 * Connection churn: client sessions so short that a pool or keep-alive should have reused one connection. The
 * score follows the peer that got the most short sessions within one minute; the text also names the threads
 * that opened them, which is where the code to change is. Accepted sessions are left out: for those, the pool
 * that is missing is the peer's.
 */
public final class ConnectionChurnRule implements IRule {
    private static final String RESULT_ID = "TcpConnectionChurn";
    private static final long MINUTE_NANOS = 60_000_000_000L;
    private static final int LISTED = 5;

    public static final TypedPreference<IQuantity> SHORT_SESSION_LIMIT = new TypedPreference<>(
            "net.tcp.session.churn.short.limit", Messages.get("ConnectionChurnRule.config.short"),
            Messages.get("ConnectionChurnRule.config.short.long"), UnitLookup.TIMESPAN,
            UnitLookup.MILLISECOND.quantity(1000));
    public static final TypedPreference<IQuantity> INFO_LIMIT = new TypedPreference<>(
            "net.tcp.session.churn.info.limit", Messages.get("ConnectionChurnRule.config.info"),
            Messages.get("ConnectionChurnRule.config.info.long"), UnitLookup.NUMBER,
            UnitLookup.NUMBER_UNITY.quantity(5));
    public static final TypedPreference<IQuantity> WARNING_LIMIT = new TypedPreference<>(
            "net.tcp.session.churn.warning.limit", Messages.get("ConnectionChurnRule.config.warning"),
            Messages.get("ConnectionChurnRule.config.warning.long"), UnitLookup.NUMBER,
            UnitLookup.NUMBER_UNITY.quantity(60));

    public static final TypedResult<IQuantity> CLIENT_SESSIONS = new TypedResult<>("clientSessions",
            "Client Sessions", "Sessions this JVM connected.", UnitLookup.NUMBER, IQuantity.class);
    public static final TypedResult<IQuantity> SHORT_SESSIONS = new TypedResult<>("shortSessions", "Short Sessions",
            "Client sessions shorter than the limit.", UnitLookup.NUMBER, IQuantity.class);
    public static final TypedResult<String> CHURN_PEER = new TypedResult<>("churnPeer", "Churned Peer",
            "The peer with the most short sessions in one minute.", UnitLookup.PLAIN_TEXT, String.class);
    public static final TypedResult<IQuantity> CHURN_PEER_PER_MINUTE = new TypedResult<>("churnPeerPerMinute",
            "Short Sessions per Minute", "Short sessions to that peer in its busiest minute.", UnitLookup.NUMBER,
            IQuantity.class);
    public static final TypedResult<String> CHURN_PEERS = new TypedResult<>("churnPeers", "Churned Peers",
            "Peers with short sessions, busiest first.", UnitLookup.PLAIN_TEXT, String.class);
    public static final TypedResult<String> CHURN_THREADS = new TypedResult<>("churnThreads", "Churning Threads",
            "Threads that opened short sessions, most first.", UnitLookup.PLAIN_TEXT, String.class);

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
                    .setSummary(Messages.get("ConnectionChurnRule.noEvents")).build();
        }
        long shortNanos = preferences.getPreferenceValue(SHORT_SESSION_LIMIT).clampedLongValueIn(UnitLookup.NANOSECOND);
        int clientSessions = 0;
        Map<String, List<Long>> shortStartsByPeer = new TreeMap<>();
        Map<String, Integer> shortByThread = new TreeMap<>();
        for (RecordedSession session : sessions) {
            if (!session.client()) {
                continue;
            }
            clientSessions++;
            // A connect that failed is no connection a pool could have kept: the failures rule covers those.
            if (session.outcome().established() && session.durationNanos() < shortNanos) {
                shortStartsByPeer.computeIfAbsent(session.peer(), peer -> new ArrayList<>()).add(session.startNanos());
                shortByThread.merge(session.thread(), 1, Integer::sum);
            }
        }
        Map<String, Integer> busiestMinuteByPeer = new TreeMap<>();
        shortStartsByPeer.forEach((peer, starts) -> busiestMinuteByPeer.put(peer, busiestMinute(starts)));
        List<Map.Entry<String, Integer>> peers =
                TcpSessionRules.largest(busiestMinuteByPeer, Comparator.naturalOrder(), LISTED);
        int worst = peers.isEmpty() ? 0 : peers.get(0).getValue();

        double score = RulesToolkit.mapExp100(worst,
                preferences.getPreferenceValue(INFO_LIMIT).doubleValueIn(UnitLookup.NUMBER_UNITY),
                preferences.getPreferenceValue(WARNING_LIMIT).doubleValueIn(UnitLookup.NUMBER_UNITY));
        Severity severity = Severity.get(score);
        ResultBuilder result = ResultBuilder.createFor(this, preferences).setSeverity(severity)
                .addResult(TypedResult.SCORE, UnitLookup.NUMBER_UNITY.quantity(score))
                .addResult(TcpSessionRules.SESSIONS, TcpSessionRules.count(sessions.size()))
                .addResult(CLIENT_SESSIONS, TcpSessionRules.count(clientSessions))
                .addResult(SHORT_SESSIONS,
                        TcpSessionRules.count(shortByThread.values().stream().mapToInt(n -> n).sum()))
                .addResult(CHURN_PEER_PER_MINUTE, TcpSessionRules.count(worst));
        if (severity == Severity.OK) {
            return result.setSummary(Messages.get("ConnectionChurnRule.ok"))
                    .setExplanation(Messages.get("ConnectionChurnRule.ok.long")).build();
        }
        return result.addResult(CHURN_PEER, peers.get(0).getKey())
                .addResult(CHURN_PEERS, TcpSessionRules.list(peers, (peer, perMinute) -> Messages.fill(
                        "ConnectionChurnRule.peer", "peer", peer, "perMinute", perMinute,
                        "sessions", shortStartsByPeer.get(peer).size())))
                .addResult(CHURN_THREADS, TcpSessionRules.list(
                        TcpSessionRules.largest(shortByThread, Comparator.naturalOrder(), LISTED),
                        (thread, count) -> Messages.fill("ConnectionChurnRule.thread", "thread", thread,
                                "sessions", count)))
                .setSummary(Messages.get("ConnectionChurnRule.warn"))
                .setExplanation(Messages.get("ConnectionChurnRule.warn.long"))
                .setSolution(Messages.get("ConnectionChurnRule.warn.solution")).build();
    }

    /** The most of these start times (in order, nanoseconds) that fall within any one minute. */
    static int busiestMinute(List<Long> starts) {
        int busiest = 0;
        int first = 0;
        for (int last = 0; last < starts.size(); last++) {
            while (starts.get(last) - starts.get(first) >= MINUTE_NANOS) {
                first++;
            }
            busiest = Math.max(busiest, last - first + 1);
        }
        return busiest;
    }

    @Override
    public String getId() {
        return RESULT_ID;
    }

    @Override
    public String getName() {
        return Messages.get("ConnectionChurnRule.name");
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
        return List.of(SHORT_SESSION_LIMIT, INFO_LIMIT, WARNING_LIMIT);
    }

    @Override
    public Collection<TypedResult<?>> getResults() {
        return List.of(TypedResult.SCORE, TcpSessionRules.SESSIONS, CLIENT_SESSIONS, SHORT_SESSIONS, CHURN_PEER,
                CHURN_PEER_PER_MINUTE, CHURN_PEERS, CHURN_THREADS);
    }
}
