package dev.tcplife.jfr.rules;

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

/**
 * Which peers this JVM talked to most, by payload bytes and by time connected. Informational: a busy peer is no
 * problem in itself, so the result is always OK; it tells the reader where the other rules' findings matter most.
 */
public final class TopPeersRule extends TcpSessionRule {
    public static final TypedPreference<IQuantity> LISTED_PEERS = preference(
            "net.tcp.session.top.peers", "TopPeersRule.config.listed", UnitLookup.NUMBER,
            UnitLookup.NUMBER_UNITY.quantity(5));

    public static final TypedResult<IQuantity> PEERS = new TypedResult<>("peers", "Peers",
            "Distinct peers of the sessions.", UnitLookup.NUMBER, IQuantity.class);
    public static final TypedResult<IQuantity> TOTAL_BYTES = new TypedResult<>("totalBytes", "Total Bytes",
            "Payload bytes sent and received in all sessions.", UnitLookup.MEMORY, IQuantity.class);
    public static final TypedResult<String> TOP_PEER = new TypedResult<>("topPeer", "Top Peer",
            "The peer with the most bytes sent and received.", UnitLookup.PLAIN_TEXT, String.class);
    public static final TypedResult<IQuantity> TOP_PEER_BYTES = new TypedResult<>("topPeerBytes", "Top Peer Bytes",
            "Payload bytes sent to and received from that peer.", UnitLookup.MEMORY, IQuantity.class);
    public static final TypedResult<String> TOP_PEERS_BY_BYTES = new TypedResult<>("topPeersByBytes",
            "Top Peers by Bytes", "The peers with the most bytes, most first.", UnitLookup.PLAIN_TEXT, String.class);
    public static final TypedResult<String> TOP_PEERS_BY_TIME = new TypedResult<>("topPeersByTime",
            "Top Peers by Time", "The peers with the longest sessions in total, longest first.", UnitLookup.PLAIN_TEXT,
            String.class);

    /** What one peer's sessions add up to. */
    private record PeerTotals(int sessions, long bytesSent, long bytesReceived, long nanos) {
        static final PeerTotals NONE = new PeerTotals(0, 0, 0, 0);

        PeerTotals plus(RecordedSession session) {
            return new PeerTotals(sessions + 1, bytesSent + session.bytesSent(),
                    bytesReceived + session.bytesReceived(), nanos + session.durationNanos());
        }

        long bytes() {
            return bytesSent + bytesReceived;
        }
    }

    public TopPeersRule() {
        super("TcpTopPeers", "TopPeersRule", List.of(LISTED_PEERS), List.of(TcpSessionRules.SESSIONS, PEERS,
                TOTAL_BYTES, TOP_PEER, TOP_PEER_BYTES, TOP_PEERS_BY_BYTES, TOP_PEERS_BY_TIME));
    }

    @Override
    IResult evaluate(List<RecordedSession> sessions, IItemCollection items, IPreferenceValueProvider preferences) {
        Map<String, PeerTotals> byPeer = new TreeMap<>();
        for (RecordedSession session : sessions) {
            byPeer.compute(session.peer(), (peer, total) -> (total == null ? PeerTotals.NONE : total).plus(session));
        }
        int listed = (int) preferences.getPreferenceValue(LISTED_PEERS).clampedLongValueIn(UnitLookup.NUMBER_UNITY);
        List<Map.Entry<String, PeerTotals>> byBytes = TcpSessionRules.largest(byPeer,
                Comparator.comparingLong(PeerTotals::bytes), listed);
        List<Map.Entry<String, PeerTotals>> byTime = TcpSessionRules.largest(byPeer,
                Comparator.comparingLong(PeerTotals::nanos), listed);
        ResultBuilder result = ResultBuilder.createFor(this, preferences).setSeverity(Severity.OK)
                .addResult(TcpSessionRules.SESSIONS, TcpSessionRules.count(sessions.size()))
                .addResult(PEERS, TcpSessionRules.count(byPeer.size()))
                .addResult(TOTAL_BYTES,
                        UnitLookup.BYTE.quantity(sessions.stream().mapToLong(RecordedSession::bytes).sum()))
                .addResult(TOP_PEER, byBytes.get(0).getKey())
                .addResult(TOP_PEER_BYTES, UnitLookup.BYTE.quantity(byBytes.get(0).getValue().bytes()))
                .addResult(TOP_PEERS_BY_BYTES, TcpSessionRules.list(byBytes, (peer, totals) -> entry(
                        "byBytes", "peer", peer, "sent", UnitLookup.BYTE.quantity(totals.bytesSent()),
                        "received", UnitLookup.BYTE.quantity(totals.bytesReceived()),
                        "sessions", Messages.sessions(totals.sessions()))))
                .addResult(TOP_PEERS_BY_TIME, TcpSessionRules.list(byTime, (peer, totals) -> entry(
                        "byTime", "peer", peer, "time", UnitLookup.NANOSECOND.quantity(totals.nanos()),
                        "sessions", Messages.sessions(totals.sessions()))));
        return withTexts(result, "ok");
    }
}
