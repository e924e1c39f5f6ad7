package dev.tcplife.jfr.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Predicate;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code print <recording.jfr>}: the sessions of a recording as a tcplife-style table, or CSV or JSON lines,
 * in the order they ended. The file is streamed: memory holds only the few seconds of sessions it takes to
 * put events in order, whatever the recording's size.
 */
final class PrintCommand implements Main.Command {
    @Override
    public String summary() {
        return "print the TCP sessions of a recording as a table, CSV or JSON";
    }

    @Override
    public String usage() {
        return """
                Usage: java -jar tcplife-agent.jar print <recording.jfr> [--csv|--json] [--wide] [filters]

                Prints the tcplife.TcpSession events of a recording in the order the sessions ended.
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
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        Arguments arguments = Arguments.parse(args, Set.of("--csv", "--json", "--wide", "--failed"),
                Set.of("--role", "--port", "--host", "--thread", "--min-ms"));
        Path file = Path.of(arguments.single("recording file"));
        if (arguments.flag("--csv") && arguments.flag("--json")) {
            throw new Arguments.UsageException("choose one of --csv and --json");
        }
        SessionFormat format = arguments.flag("--csv") ? SessionFormat.CSV
                : arguments.flag("--json") ? SessionFormat.JSON
                : arguments.flag("--wide") ? SessionFormat.WIDE_TABLE : SessionFormat.TABLE;
        Predicate<SessionRow> filter = filter(arguments);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + ": no such file");
        }

        boolean anyEvent = false;
        // Buffered: standard output flushes on every write, and a system call per session costs more than it.
        OutputStream sink = new BufferedOutputStream(out, 1 << 16);
        ByteLine line = new ByteLine(Charset.defaultCharset());
        EndOrder order = new EndOrder(sink);
        SessionRow.Reader reader = new SessionRow.Reader();
        try (RecordingFile recording = open(file)) {
            if (format.hasHeader()) {
                format.header(line);
                line.endLine().writeTo(sink);
                line.clear();
            }
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                if (!event.getEventType().getName().equals(SessionRow.EVENT)) {
                    continue;
                }
                anyEvent = true;
                SessionRow row = reader.read(event);
                if (filter.test(row)) {
                    format.row(line, row);
                    order.add(row.endNanos(), line.endLine());
                    line.clear();
                }
            }
        }
        order.finish();
        sink.flush();
        if (!anyEvent) {
            err.println("tcplife print: " + file + " holds no " + SessionRow.EVENT + " events: was the agent loaded "
                    + "(-javaagent:tcplife-agent.jar) and the event enabled (settings=default,settings=tcplife.jfc)?");
            return Main.NO_SESSIONS;
        }
        if (order.written() == 0) {
            err.println("tcplife print: no session matches the filters");
            return Main.NO_SESSIONS;
        }
        return Main.OK;
    }

    private static RecordingFile open(Path file) throws IOException {
        try {
            return new RecordingFile(file);
        } catch (IOException e) {
            throw new IOException(file + " is not a readable JFR recording (" + e.getMessage() + ")", e);
        }
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
