package dev.tcplife.jfr.cli.print;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

import dev.tcplife.jfr.cli.command.Arguments;
import dev.tcplife.jfr.cli.sessions.SessionRow;

/** What {@code print} and {@code watch} show, from their command lines: the format, and the filters a session passes. */
public record SessionSelection(SessionFormat format, Predicate<SessionRow> filter) {
    static final Set<String> FLAGS = Set.of("--csv", "--json", "--wide", "--failed");
    static final Set<String> OPTIONS = Set.of("--role", "--port", "--host", "--thread", "--min-ms");

    /** The lines of a usage text that explain the format and the filters. */
    public static final String USAGE = """
              --csv            comma-separated values with a header line, every field
              --json           one JSON object per session and line (JSON Lines), every field
              --wide           table: room for IPv6 addresses, exact bytes, connect time, RTT, retransmits
            Filters (all must match):
              --role R         client or server
              --port N         local or remote port N
              --host A         local or remote address A (as printed, e.g. 127.0.0.1 or ::1)
              --thread S       thread name containing S
              --min-ms N       sessions that lasted at least N milliseconds
              --failed         only sessions that were refused, timed out, failed or reset
            Table columns: START (local time), PID, THREAD (that connected or accepted), ROLE, LADDR, LPORT,
            RADDR, RPORT, TX_KB, RX_KB (payload), MS (lifespan), END (fin-local, fin-remote, rst-local,
            rst-remote, refused, timeout, failed). A session already open when tracing began is marked *.
            """;

    /** {@link #FLAGS} and {@code more}. */
    public static Set<String> flagsAnd(String... more) {
        return union(FLAGS, more);
    }

    /** {@link #OPTIONS} and {@code more}. */
    public static Set<String> optionsAnd(String... more) {
        return union(OPTIONS, more);
    }

    private static Set<String> union(Set<String> names, String... more) {
        Set<String> union = new HashSet<>(names);
        union.addAll(Set.of(more));
        return union;
    }

    public static SessionSelection of(Arguments arguments) {
        if (arguments.flag("--csv") && arguments.flag("--json")) {
            throw new Arguments.UsageException("choose one of --csv and --json");
        }
        SessionFormat format = arguments.flag("--csv") ? SessionFormat.CSV
                : arguments.flag("--json") ? SessionFormat.JSON
                : arguments.flag("--wide") ? SessionFormat.WIDE_TABLE : SessionFormat.TABLE;
        return new SessionSelection(format, filter(arguments));
    }

    private static Predicate<SessionRow> filter(Arguments arguments) {
        Predicate<SessionRow> filter = row -> true;
        String role = arguments.option("--role");
        if (role != null) {
            if (!role.equals("client") && !role.equals("server")) {
                throw new Arguments.UsageException("option --role takes client or server, not '" + role + "'");
            }
            filter = filter.and(row -> row.role().equals(role));
        }
        long port = arguments.number("--port", -1);
        if (port >= 0) {
            filter = filter.and(row -> row.localPort() == port || row.remotePort() == port);
        }
        String host = arguments.option("--host");
        if (host != null) {
            filter = filter.and(row -> row.localAddress().equals(host) || row.remoteAddress().equals(host));
        }
        String thread = arguments.option("--thread");
        if (thread != null) {
            filter = filter.and(row -> row.thread().contains(thread));
        }
        long minMillis = arguments.number("--min-ms", -1);
        if (minMillis >= 0) {
            filter = filter.and(row -> row.millis() >= minMillis);
        }
        if (arguments.flag("--failed")) {
            filter = filter.and(row -> !row.established() || row.reset());
        }
        return filter;
    }
}
