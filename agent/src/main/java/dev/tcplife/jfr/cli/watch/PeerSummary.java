package dev.tcplife.jfr.cli.watch;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.tcplife.jfr.cli.print.ByteLine;
import dev.tcplife.jfr.cli.print.SessionFormat;
import dev.tcplife.jfr.cli.sessions.SessionRow;

/**
 * {@code watch --every}: what {@code tcptop} is to {@code tcplife}. The sessions that ended in each interval, added
 * up per peer and service (the remote address, and the port of the service: the remote port of a client session,
 * the local port of a server session): how many, bytes each way, resets, failed connects, and how many a second,
 * the churn.
 */
final class PeerSummary {
    /** Rows per interval, the busiest first. */
    static final int MAX_ROWS = 20;

    private record Peer(String address, int port, String role) {
    }

    private static final class Counts {
        long sessions;
        long sent;
        long received;
        long resets;
        long failed;
    }

    private final long intervalNanos;
    private final PrintStream out;
    private Map<Peer, Counts> peers = new HashMap<>();

    PeerSummary(long intervalNanos, PrintStream out) {
        this.intervalNanos = intervalNanos;
        this.out = out;
    }

    synchronized void add(SessionRow s) {
        int port = s.role().equals("client") ? s.remotePort() : s.localPort();
        Counts counts = peers.computeIfAbsent(new Peer(s.remoteAddress(), port, s.role()), peer -> new Counts());
        counts.sessions++;
        counts.sent += s.bytesSent();
        counts.received += s.bytesReceived();
        if (!s.established()) {
            counts.failed++;
        } else if (s.reset()) {
            counts.resets++;
        }
    }

    /** Prints the interval that ends at {@code endNanos} (since the epoch), and starts the next. */
    void print(long endNanos) {
        Map<Peer, Counts> interval;
        synchronized (this) {
            interval = peers;
            peers = new HashMap<>();
        }
        double seconds = intervalNanos / 1e9;
        long total = interval.values().stream().mapToLong(c -> c.sessions).sum();
        StringBuilder text = new StringBuilder();
        text.append(SessionFormat.clock(new ByteLine(StandardCharsets.US_ASCII), endNanos))
                .append(String.format(Locale.ROOT, "  the last %s s: %d sessions, %d peers%n", seconds(seconds),
                        total, interval.size()));
        if (total > 0) {
            text.append(String.format(Locale.ROOT, "%-39s %5s %-6s %8s %7s %8s %8s %6s %6s%n", "PEER", "PORT", "ROLE",
                    "SESSIONS", "PER_S", "TX_KB", "RX_KB", "RESETS", "FAILED"));
            List<Map.Entry<Peer, Counts>> rows = new ArrayList<>(interval.entrySet());
            rows.sort(Comparator.comparingLong((Map.Entry<Peer, Counts> e) -> e.getValue().sessions).reversed()
                    .thenComparing(e -> -(e.getValue().sent + e.getValue().received))
                    .thenComparing(e -> e.getKey().address()).thenComparing(e -> e.getKey().port())
                    .thenComparing(e -> e.getKey().role()));
            for (Map.Entry<Peer, Counts> row : rows.subList(0, Math.min(MAX_ROWS, rows.size()))) {
                Peer peer = row.getKey();
                Counts c = row.getValue();
                text.append(String.format(Locale.ROOT, "%-39s %5d %-6s %8d %7.1f %8d %8d %6d %6d%n", peer.address(),
                        peer.port(), peer.role(), c.sessions, c.sessions / seconds, c.sent / 1024, c.received / 1024,
                        c.resets, c.failed));
            }
            if (rows.size() > MAX_ROWS) {
                text.append("(").append(rows.size() - MAX_ROWS).append(" more peers)").append(System.lineSeparator());
            }
        }
        out.print(text);
        out.flush();
    }

    private static String seconds(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    }
}
