package dev.tcplife.jfr.it.workload;

import java.util.ArrayList;
import java.util.List;

/**
 * What a workload knows about one session it made, written as one tab-separated line: the ground truth the
 * recording is compared with. Times are wall-clock epoch nanoseconds taken around the calls.
 *
 * @param bytesSent payload written
 * @param bytesSentMin payload known to be acknowledged: less than {@code bytesSent} only before a reset
 * @param openBegin before connect() (client) or before the peer's connect() (server)
 * @param openEnd after connect() returned or failed (client), after accept() returned (server)
 * @param endBegin the earliest moment the session can have reached TCP_CLOSE
 * @param endEnd the latest moment, before any tolerance
 */
public record ExpectedSession(
        String scenario,
        String role,
        String family,
        String localAddress,
        int localPort,
        String remoteAddress,
        int remotePort,
        long bytesSent,
        long bytesSentMin,
        long bytesReceived,
        String closeInitiator,
        boolean reset,
        boolean established,
        String error,
        String threadName,
        long openBegin,
        long openEnd,
        long endBegin,
        long endEnd) {

    public String toLine() {
        return String.join("\t", scenario, role, family, localAddress, Integer.toString(localPort), remoteAddress,
                Integer.toString(remotePort), Long.toString(bytesSent), Long.toString(bytesSentMin),
                Long.toString(bytesReceived), closeInitiator,
                Boolean.toString(reset), Boolean.toString(established), String.valueOf(error), threadName,
                Long.toString(openBegin), Long.toString(openEnd), Long.toString(endBegin), Long.toString(endEnd));
    }

    public static ExpectedSession parse(String line) {
        String[] f = line.split("\t", -1);
        return new ExpectedSession(f[0], f[1], f[2], f[3], Integer.parseInt(f[4]), f[5], Integer.parseInt(f[6]),
                Long.parseLong(f[7]), Long.parseLong(f[8]), Long.parseLong(f[9]), f[10], Boolean.parseBoolean(f[11]),
                Boolean.parseBoolean(f[12]), "null".equals(f[13]) ? null : f[13], f[14], Long.parseLong(f[15]),
                Long.parseLong(f[16]), Long.parseLong(f[17]), Long.parseLong(f[18]));
    }

    public static List<ExpectedSession> parseAll(List<String> lines) {
        List<ExpectedSession> sessions = new ArrayList<>();
        for (String line : lines) {
            if (!line.isBlank()) {
                sessions.add(parse(line));
            }
        }
        return sessions;
    }

    /** The same session with another open bracket: for a session adopted when the agent attached, the attach. */
    public ExpectedSession withOpenBracket(long begin, long end) {
        return new ExpectedSession(scenario, role, family, localAddress, localPort, remoteAddress, remotePort,
                bytesSent, bytesSentMin, bytesReceived, closeInitiator, reset, established, error, threadName,
                begin, end, endBegin, endEnd);
    }

    /** The key a recorded event is matched by. */
    public String key() {
        return role + " " + localPort + " " + remotePort;
    }
}
