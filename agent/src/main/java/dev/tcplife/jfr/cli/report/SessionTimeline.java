package dev.tcplife.jfr.cli.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

import dev.tcplife.jfr.rules.GcPause;
import dev.tcplife.jfr.rules.RecordedSession;

/**
 * The report's picture: an SVG timeline with one lane per peer, each session a bar from its start to its end, and
 * the GC pauses as shaded bands across all lanes, so what the GC rule says can be seen. Hovering a bar or a band
 * shows its details.
 *
 * <p>The drawing stays small whatever the recording's size: bars and bands that would touch on screen are drawn as
 * one (its tooltip counts them), at most {@value #MAX_LANES} peers get a lane and sessions that overlap in time
 * share at most {@value #MAX_ROWS} rows of their lane.
 */
final class SessionTimeline {
    static final int MAX_LANES = 40;
    static final int MAX_ROWS = 6;
    private static final int WIDTH = 1160;
    private static final int LABEL_WIDTH = 260;
    private static final int PLOT_END = WIDTH - 24;
    private static final int AXIS_HEIGHT = 30;
    private static final int ROW_HEIGHT = 12;
    private static final int BAR_HEIGHT = 9;
    private static final int LANE_PADDING = 5;
    private static final int LABEL_CHARACTERS = 38;
    private static final double MIN_WIDTH = 1.5;
    private static final int TICKS = 8;

    /** A bar's look: the worst of the sessions it stands for decides. */
    private enum Look {
        CLOSED, RESET, FAILED;

        static Look of(RecordedSession.Outcome outcome) {
            return !outcome.established() ? FAILED : outcome.failed() ? RESET : CLOSED;
        }

        String css() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final long from;
    private final double nanosPerPixel;
    private final StringBuilder svg = new StringBuilder();

    private SessionTimeline(long from, long to) {
        this.from = from;
        this.nanosPerPixel = Math.max(1, to - from) / (double) (PLOT_END - LABEL_WIDTH);
    }

    /**
     * The timeline of these sessions (in start order, at least one) and of the pauses while any was open, as an
     * {@code <svg>} element.
     */
    static String svg(List<RecordedSession> sessions, List<GcPause> pauses) {
        long from = sessions.get(0).startNanos();
        long to = sessions.stream().mapToLong(RecordedSession::endNanos).max().orElse(from);
        List<GcPause> during = pauses.stream()
                .filter(pause -> pause.endNanos() >= from && pause.startNanos() <= to)
                .toList();
        return new SessionTimeline(from, to).draw(lanes(sessions), during, to);
    }

    /** The busiest peers' sessions, in rows where no two sessions overlap, lanes in the order their peers appear. */
    static Map<String, List<List<RecordedSession>>> lanes(List<RecordedSession> sessions) {
        Map<String, List<RecordedSession>> byPeer = new LinkedHashMap<>();
        sessions.forEach(session -> byPeer.computeIfAbsent(session.peer(), peer -> new ArrayList<>()).add(session));
        List<String> busiest = byPeer.keySet().stream()
                .sorted(Comparator.comparing((String peer) -> byPeer.get(peer).size()).reversed())
                .limit(MAX_LANES).toList();
        Map<String, List<List<RecordedSession>>> lanes = new LinkedHashMap<>();
        byPeer.forEach((peer, peerSessions) -> {
            if (busiest.contains(peer)) {
                lanes.put(peer, rows(peerSessions));
            }
        });
        return lanes;
    }

    /** Each session goes to the first row free when it starts; when none is, to the row that frees up first. */
    private static List<List<RecordedSession>> rows(List<RecordedSession> sessions) {
        List<List<RecordedSession>> rows = new ArrayList<>();
        List<Long> rowEnds = new ArrayList<>();
        for (RecordedSession session : sessions) {
            int row = 0;
            while (row < rows.size() && rowEnds.get(row) >= session.startNanos()) {
                row++;
            }
            if (row == rows.size() && rows.size() == MAX_ROWS) {
                row = rowEnds.indexOf(rowEnds.stream().min(Long::compare).orElseThrow());
            }
            if (row == rows.size()) {
                rows.add(new ArrayList<>());
                rowEnds.add(Long.MIN_VALUE);
            }
            rows.get(row).add(session);
            rowEnds.set(row, Math.max(rowEnds.get(row), session.endNanos()));
        }
        return rows;
    }

    private String draw(Map<String, List<List<RecordedSession>>> lanes, List<GcPause> pauses, long to) {
        int height = AXIS_HEIGHT + lanes.values().stream().mapToInt(rows -> laneHeight(rows.size())).sum();
        svg.append(String.format(Locale.ROOT, "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" "
                + "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">%n",
                WIDTH, height + 1, WIDTH, height + 1));
        int y = AXIS_HEIGHT;
        int laneIndex = 0;
        for (Map.Entry<String, List<List<RecordedSession>>> lane : lanes.entrySet()) {
            int laneHeight = laneHeight(lane.getValue().size());
            rect(laneIndex++ % 2 == 0 ? "lane" : "lane odd", 0, y, WIDTH, laneHeight, null);
            String label = lane.getKey().length() <= LABEL_CHARACTERS ? lane.getKey()
                    : lane.getKey().substring(0, LABEL_CHARACTERS - 1) + "\u2026";
            svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%d\" y=\"%d\">%s<title>%s</title>"
                    + "</text>%n", LABEL_WIDTH - 8, y + laneHeight / 2 + 4, ReportPage.escape(label),
                    ReportPage.escape(lane.getKey())));
            y += laneHeight;
        }
        axis(to, height);
        merged(pauses, GcPause::startNanos, GcPause::endNanos, AXIS_HEIGHT, height - AXIS_HEIGHT,
                group -> "gc", SessionTimeline::pauseTitle);
        y = AXIS_HEIGHT;
        for (List<List<RecordedSession>> rows : lanes.values()) {
            for (int row = 0; row < rows.size(); row++) {
                merged(rows.get(row), RecordedSession::startNanos, RecordedSession::endNanos,
                        y + LANE_PADDING + row * ROW_HEIGHT, BAR_HEIGHT, SessionTimeline::look,
                        SessionTimeline::sessionTitle);
            }
            y += laneHeight(rows.size());
        }
        return svg.append("</svg>\n").toString();
    }

    private static int laneHeight(int rows) {
        return 2 * LANE_PADDING + rows * ROW_HEIGHT - (ROW_HEIGHT - BAR_HEIGHT);
    }

    /** Time since the first session, at round intervals, with grid lines through the lanes. */
    private void axis(long to, int height) {
        long step = niceStep((to - from) / TICKS);
        for (long offset = 0; offset <= to - from; offset += step) {
            double x = x(from + offset);
            svg.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                    + "<text class=\"tick\" x=\"%.1f\" y=\"%d\">+%s</text>%n", x, AXIS_HEIGHT - 6, x, height, x,
                    AXIS_HEIGHT - 10, ReportCommand.duration(offset)));
        }
    }

    /** 1, 2 or 5 times a power of ten nanoseconds: the smallest such step at least {@code rough}. */
    static long niceStep(long rough) {
        long power = 1;
        while (true) {
            for (long multiple : new long[] {1, 2, 5}) {
                if (multiple * power >= rough) {
                    return multiple * power;
                }
            }
            power *= 10;
        }
    }

    /**
     * Rectangles for intervals in start order, one per run of intervals that would touch on screen, so the SVG
     * grows with its width in pixels, not with the recording. {@code css} and {@code title} describe each run.
     */
    private <T> void merged(List<T> intervals, ToLongFunction<T> start, ToLongFunction<T> end, int y, int height,
            Function<List<T>, String> css, Function<List<T>, String> title) {
        List<T> run = new ArrayList<>();
        double runStart = 0;
        double runEnd = 0;
        for (T interval : intervals) {
            double x0 = x(start.applyAsLong(interval));
            double x1 = Math.max(x(end.applyAsLong(interval)), x0 + MIN_WIDTH);
            if (!run.isEmpty() && x0 > runEnd + 0.5) {
                rect(css.apply(run), runStart, y, runEnd - runStart, height, title.apply(run));
                run = new ArrayList<>();
            }
            if (run.isEmpty()) {
                runStart = x0;
                runEnd = x1;
            }
            run.add(interval);
            runEnd = Math.max(runEnd, x1);
        }
        if (!run.isEmpty()) {
            rect(css.apply(run), runStart, y, runEnd - runStart, height, title.apply(run));
        }
    }

    private void rect(String css, double x, int y, double width, int height, String title) {
        svg.append(String.format(Locale.ROOT, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">",
                css, x, y, width, height));
        if (title != null) {
            svg.append("<title>").append(ReportPage.escape(title)).append("</title>");
        }
        svg.append("</rect>\n");
    }

    /** Where a time lies on the plot; a pause that began before the first session begins at the plot's edge. */
    private double x(long nanos) {
        return Math.min(PLOT_END, LABEL_WIDTH + Math.max(0, nanos - from) / nanosPerPixel);
    }

    private static String look(List<RecordedSession> sessions) {
        return sessions.stream().map(session -> Look.of(session.outcome())).max(Comparator.naturalOrder())
                .orElseThrow().css();
    }

    private static String sessionTitle(List<RecordedSession> sessions) {
        RecordedSession first = sessions.get(0);
        if (sessions.size() == 1) {
            return String.format("%s, %s: %s at %s, lasted %s, %d bytes sent, %d received", first.peer(),
                    first.thread(), first.outcome().text(), ReportCommand.time(first.startNanos()),
                    ReportCommand.duration(first.durationNanos()), first.bytesSent(), first.bytesReceived());
        }
        long failed = sessions.stream().filter(session -> session.outcome().failed()).count();
        return String.format("%s: %d sessions from %s to %s, %d of them failed or reset", first.peer(), sessions.size(),
                ReportCommand.time(first.startNanos()), ReportCommand.time(last(sessions, RecordedSession::endNanos)),
                failed);
    }

    private static String pauseTitle(List<GcPause> pauses) {
        GcPause longest = pauses.stream().max(Comparator.comparingLong(GcPause::durationNanos)).orElseThrow();
        if (pauses.size() == 1) {
            return String.format("GC pause of %s at %s: %s", ReportCommand.duration(longest.durationNanos()),
                    ReportCommand.time(longest.startNanos()), longest.collection());
        }
        return String.format("%d GC pauses from %s to %s, the longest %s: %s", pauses.size(),
                ReportCommand.time(pauses.get(0).startNanos()), ReportCommand.time(last(pauses, GcPause::endNanos)),
                ReportCommand.duration(longest.durationNanos()), longest.collection());
    }

    private static <T> long last(List<T> intervals, ToLongFunction<T> end) {
        return intervals.stream().mapToLong(end).max().orElseThrow();
    }
}
