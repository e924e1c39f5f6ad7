package dev.tcplife.jfr.cli.print;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import dev.tcplife.jfr.cli.command.Arguments;
import dev.tcplife.jfr.cli.command.Command;
import dev.tcplife.jfr.cli.sessions.SessionRow;
import dev.tcplife.jfr.cli.sessions.SessionSource;

/**
 * {@code print <recording.jfr>}: the sessions of a recording as a tcplife-style table, or CSV or JSON lines,
 * in the order they ended. The file is streamed, its sessions read straight from its chunks (see
 * {@link SessionSource#open}): memory holds one chunk and the few seconds of sessions it takes to put events in
 * order, whatever the recording's size.
 */
public final class PrintCommand implements Command {
    @Override
    public String summary() {
        return "print the TCP sessions of a recording as a table, CSV or JSON";
    }

    @Override
    public String usage() {
        return """
                Usage: java -jar tcplife-agent.jar print <recording.jfr> [--csv|--json] [--wide] [filters]

                Prints the tcplife.TcpSession events of a recording in the order the sessions ended.
                """ + SessionSelection.USAGE;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        Arguments arguments = Arguments.parse(args, SessionSelection.FLAGS, SessionSelection.OPTIONS);
        Path file = Path.of(arguments.single("recording file"));
        SessionSelection selection = SessionSelection.of(arguments);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + ": no such file");
        }

        boolean anyEvent = false;
        // Buffered: standard output flushes on every write, and a system call per session costs more than it.
        OutputStream sink = new BufferedOutputStream(out, 1 << 16);
        ByteLine line = new ByteLine(Charset.defaultCharset());
        EndOrder order = new EndOrder(sink);
        try (SessionSource sessions = open(file)) {
            if (selection.format().hasHeader()) {
                selection.format().header(line);
                line.endLine().writeTo(sink);
                line.clear();
            }
            for (SessionRow row = next(sessions, file); row != null; row = next(sessions, file)) {
                anyEvent = true;
                if (selection.filter().test(row)) {
                    selection.format().row(line, row);
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
            return Command.NO_SESSIONS;
        }
        if (order.written() == 0) {
            err.println("tcplife print: no session matches the filters");
            return Command.NO_SESSIONS;
        }
        return Command.OK;
    }

    private static SessionSource open(Path file) throws IOException {
        try {
            return SessionSource.open(file);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static SessionRow next(SessionSource sessions, Path file) throws IOException {
        try {
            return sessions.next();
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static IOException unreadable(Path file, IOException e) {
        return new IOException(file + " is not a readable JFR recording (" + e.getMessage() + ")", e);
    }
}
