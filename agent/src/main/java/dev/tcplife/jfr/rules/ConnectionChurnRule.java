package dev.tcplife.jfr.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
 * Connection churn: client sessions so short that a pool or keep-alive should have reused one connection. The
 * score follows the peer that got the most short sessions within one minute; the text also names the threads
 * that opened them, which is where the code to change is. Accepted sessions are left out: for those, the pool
 * that is missing is the peer's.
 */
public final class ConnectionChurnRule extends TcpSessionRule {
    private static final long MINUTE_NANOS = 60_000_000_000L;
    private static final int LISTED = 5;

    public static final TypedPreference<IQuantity> SHORT_SESSION_LIMIT = preference(
            "net.tcp.session.churn.short.limit", "ConnectionChurnRule.config.short", UnitLookup.TIMESPAN,
            UnitLookup.MILLISECOND.quantity(1000));
    public static final TypedPreference<IQuantity> INFO_LIMIT = preference(
            "net.tcp.session.churn.info.limit", "ConnectionChurnRule.config.info", UnitLookup.NUMBER,
            UnitLookup.NUMBER_UNITY.quantity(5));
    public static final TypedPreference<IQuantity> WARNING_LIMIT = preference(
            "net.tcp.session.churn.warning.limit", "ConnectionChurnRule.config.warning", UnitLookup.NUMBER,
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

    public ConnectionChurnRule() {
        super("TcpConnectionChurn", "ConnectionChurnRule", List.of(SHORT_SESSION_LIMIT, INFO_LIMIT, WARNING_LIMIT),
                List.of(TypedResult.SCORE, TcpSessionRules.SESSIONS, CLIENT_SESSIONS, SHORT_SESSIONS, CHURN_PEER,
                        CHURN_PEER_PER_MINUTE, CHURN_PEERS, CHURN_THREADS));
    }

    @Override
    IResult evaluate(List<RecordedSession> sessions, IItemCollection items, IPreferenceValueProvider preferences) {
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
            return withTexts(result, "ok");
        }
        result.addResult(CHURN_PEER, peers.get(0).getKey())
                .addResult(CHURN_PEERS, TcpSessionRules.list(peers, (peer, perMinute) -> entry("peer", "peer", peer,
                        "perMinute", perMinute, "sessions", shortStartsByPeer.get(peer).size())))
                .addResult(CHURN_THREADS, TcpSessionRules.list(
                        TcpSessionRules.largest(shortByThread, Comparator.naturalOrder(), LISTED),
                        (thread, count) -> entry("thread", "thread", thread, "sessions", count)));
        return withTexts(result, "warn");
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
}
