package dev.tcplife.jfr.events;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * What the running recordings want of {@code tcplife.TcpSession}: whether any records it, and the shortest
 * threshold among those that do. The agent pushes both into the kernel program, so that with no recording the
 * kernel reports nothing, and a session below the threshold never leaves the kernel. Also the shortest park that
 * they record as {@code jdk.ThreadPark}: the agent's reader waits between reads in shorter parks than that, so that
 * its waits do not fill the application's recording (default.jfc records parks of 20 ms, the default poll).
 *
 * @param wanted whether any running recording enables the event
 * @param thresholdNanos the smallest threshold of those recordings, in nanoseconds
 * @param parkThresholdNanos the smallest jdk.ThreadPark threshold of the running recordings that enable it, in
 *     nanoseconds; {@link Long#MAX_VALUE} when none does
 */
public record RecordingDemand(boolean wanted, long thresholdNanos, long parkThresholdNanos) {
    static final RecordingDemand NONE = new RecordingDemand(false, 0, Long.MAX_VALUE);
    private static final String THREAD_PARK = "jdk.ThreadPark";
    /**
     * Compiled once: String.split compiles a regex of more than one character on every call, and the reader
     * checks the demand every second (its Pattern.compile showed in the reader's execution samples).
     */
    private static final Pattern SPACES = Pattern.compile("\\s+");

    /** The demand now. Does not start JFR: before it is initialized, no recording wants anything. */
    public static RecordingDemand now() {
        if (!FlightRecorder.isInitialized()) {
            return NONE;
        }
        boolean sessionsEnabled = EventType.getEventType(TcpSessionEvent.class).isEnabled();
        long threshold = Long.MAX_VALUE;
        long parkThreshold = Long.MAX_VALUE;
        boolean wanted = false;
        for (Recording recording : FlightRecorder.getFlightRecorder().getRecordings()) {
            if (recording.getState() != RecordingState.RUNNING) {
                continue;
            }
            Map<String, String> settings = recording.getSettings();
            if (sessionsEnabled && Boolean.parseBoolean(settings.getOrDefault(TcpSessionEvent.NAME + "#enabled", "true"))) {
                wanted = true;
                threshold = Math.min(threshold, parseNanos(settings.getOrDefault(TcpSessionEvent.NAME + "#threshold", "0 ns")));
            }
            if (Boolean.parseBoolean(settings.get(THREAD_PARK + "#enabled"))) {
                parkThreshold = Math.min(parkThreshold, parseNanos(settings.getOrDefault(THREAD_PARK + "#threshold", "0 ns")));
            }
        }
        if (!sessionsEnabled) {
            return new RecordingDemand(false, 0, parkThreshold);
        }
        // isEnabled() said yes: a recording this loop cannot read (say, one being started) wants every session.
        return new RecordingDemand(true, wanted ? threshold : 0, parkThreshold);
    }

    /** JFR's timespan text ("0 ns", "20 ms", "1 s", ...) in nanoseconds; unreadable text means no threshold. */
    static long parseNanos(String text) {
        String[] parts = SPACES.split(text.trim().toLowerCase(Locale.ROOT));
        try {
            long value = Long.parseLong(parts[0]);
            String unit = parts.length > 1 ? parts[1] : "ns";
            long nanosPerUnit = switch (unit) {
                case "ns" -> 1L;
                case "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "d" -> 86_400_000_000_000L;
                default -> 0L;
            };
            return Math.multiplyExact(value, nanosPerUnit);
        } catch (NumberFormatException | ArithmeticException e) {
            return 0;
        }
    }
}
