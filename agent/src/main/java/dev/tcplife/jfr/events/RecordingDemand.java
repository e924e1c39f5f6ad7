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
 * kernel reports nothing, and a session below the threshold never leaves the kernel.
 *
 * @param wanted whether any running recording enables the event
 * @param thresholdNanos the smallest threshold of those recordings, in nanoseconds
 */
public record RecordingDemand(boolean wanted, long thresholdNanos) {
    static final RecordingDemand NONE = new RecordingDemand(false, 0);
    /**
     * Compiled once: String.split compiles a regex of more than one character on every call, and the reader
     * checks the demand every second (its Pattern.compile showed in the reader's execution samples).
     */
    private static final Pattern SPACES = Pattern.compile("\\s+");

    /** The demand now. Does not start JFR: before it is initialized, no recording wants anything. */
    public static RecordingDemand now() {
        if (!FlightRecorder.isInitialized() || !EventType.getEventType(TcpSessionEvent.class).isEnabled()) {
            return NONE;
        }
        long threshold = Long.MAX_VALUE;
        boolean wanted = false;
        for (Recording recording : FlightRecorder.getFlightRecorder().getRecordings()) {
            if (recording.getState() != RecordingState.RUNNING) {
                continue;
            }
            Map<String, String> settings = recording.getSettings();
            if (Boolean.parseBoolean(settings.getOrDefault(TcpSessionEvent.NAME + "#enabled", "true"))) {
                wanted = true;
                threshold = Math.min(threshold, parseNanos(settings.getOrDefault(TcpSessionEvent.NAME + "#threshold", "0 ns")));
            }
        }
        // isEnabled() said yes: a recording this loop cannot read (say, one being started) wants every session.
        return wanted ? new RecordingDemand(true, threshold) : new RecordingDemand(true, 0);
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
