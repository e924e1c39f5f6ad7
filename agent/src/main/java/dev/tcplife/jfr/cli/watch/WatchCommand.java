package dev.tcplife.jfr.cli.watch;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

import jdk.management.jfr.RemoteRecordingStream;

import dev.tcplife.jfr.agent.AgentOptions;
import dev.tcplife.jfr.cli.attach.AttachCommand;
import dev.tcplife.jfr.cli.command.Arguments;
import dev.tcplife.jfr.cli.command.Command;
import dev.tcplife.jfr.cli.print.ByteLine;
import dev.tcplife.jfr.cli.print.SessionFormat;
import dev.tcplife.jfr.cli.sessions.SessionRow;
import dev.tcplife.jfr.cli.print.SessionSelection;

/**
 * {@code watch <pid>}: a running JVM's sessions, printed as they end, as {@code tcplife} prints a host's. The agent
 * is loaded first if it is not there yet (as {@code attach} does); the sessions come through JFR's own remote
 * streaming, over the JVM's local management agent, in a recording of this command's own that it closes when it
 * ends, by Ctrl-C or because the JVM exited: other recordings are left as they are, and the agent keeps tracing.
 */
public final class WatchCommand implements Command {
    @Override
    public String summary() {
        return "print a running JVM's TCP sessions as they end (loads the agent if needed)";
    }

    @Override
    public String usage() {
        return """
                Usage: java -jar tcplife-agent.jar watch <pid> [option=value,...] [--csv|--json] [--wide] [-T] [--every T] [filters]

                Prints the TCP sessions of the JVM with process id <pid> as they end, about a second later at most,
                until Ctrl-C or until that JVM exits. Loads the agent into it first if it is not there yet, with the
                options given (as attach does; the agent stays after watch ends). The sessions come through a JFR
                recording of watch's own, streamed over the JVM's local management agent, which watch starts.
                  -T               table: a TIME column first, the local time the session ended
                  --every T        instead of each session, a summary per peer every T (5s, 500ms, 1m; 1 s at
                                   least): sessions, their rate, bytes each way, resets and failed connects
                """ + SessionSelection.USAGE + """
                Run as the target's user, with the agent's privileges when the agent is not loaded yet.
                Options:
                """ + AgentOptions.help();
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        Arguments arguments = Arguments.parse(args, SessionSelection.flagsAnd("-T"),
                SessionSelection.optionsAnd("--every"));
        String pid = AttachCommand.pid(arguments.positional());
        String options = AttachCommand.options(arguments.positional());
        SessionSelection selection = SessionSelection.of(arguments);
        boolean time = arguments.flag("-T");
        if (time && !selection.format().isTable()) {
            throw new Arguments.UsageException("-T adds a column to the table; CSV and JSON have the end time");
        }
        long every = interval(arguments.option("--every"));
        if (every > 0 && (time || selection.format() != SessionFormat.TABLE)) {
            throw new Arguments.UsageException("--every prints a summary table of its own: leave out --csv, --json, "
                    + "--wide and -T");
        }
        requireJvm(pid);
        String state = AttachCommand.load(pid, options);
        if (!state.equals("tracing")) {
            err.println("tcplife watch: pid " + pid + ": " + AttachCommand.describe(state));
            return Command.FAILED;
        }
        ProcessHandle target = ProcessHandle.of(Long.parseLong(pid)).orElseThrow(() -> gone(pid));
        // RMI waits for an answer forever by default, and a JVM that died gives none: Ctrl-C would hang.
        System.setProperty("sun.rmi.transport.tcp.responseTimeout", "5000");
        Output output = every > 0 ? new Summary(new PeerSummary(every, out), every) : new Printer(selection, time, out);
        try {
            watch(pid, target, selection, output, err);
        } catch (IOException | RuntimeException e) {
            if (target.isAlive()) {
                throw new IOException("streaming from pid " + pid + " failed: " + rootCause(e), e);
            }
        } finally {
            output.flush();
        }
        if (!target.isAlive()) {
            err.println("tcplife watch: pid " + pid + " exited");
        }
        return Command.OK;
    }

    /** Streams the sessions to {@code printer} until Ctrl-C, or until the target exits. */
    private static void watch(String pid, ProcessHandle target, SessionSelection selection, Output output,
            PrintStream err) throws IOException, InterruptedException {
        JMXConnector jmx = JMXConnectorFactory.connect(new JMXServiceURL(managementAgent(pid)));
        CountDownLatch ended = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        RemoteRecordingStream stream = null;
        try {
            stream = new RemoteRecordingStream(jmx.getMBeanServerConnection());
            stream.enable(SessionRow.EVENT);
            SessionRow.Reader reader = new SessionRow.Reader();
            stream.onEvent(SessionRow.EVENT, event -> {
                SessionRow row = reader.read(event);
                if (selection.filter().test(row)) {
                    output.session(row);
                }
            });
            stream.onFlush(output::flush);
            stream.onClose(ended::countDown);
            output.begin();
            // Ctrl-C: the recording in the target closes before this JVM exits, if the target answers in time.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                ended.countDown();
                awaitQuietly(finished);
                if (target.isAlive()) {
                    err.println("tcplife watch: stopped; pid " + pid + " traces on (java -jar tcplife-agent.jar stop "
                            + pid + " unloads the agent)");
                }
            }, "tcplife-watch-exit"));
            // The stream does not end by itself when the target goes away: its connection just falls silent.
            target.onExit().thenRun(ended::countDown);
            // Not start(): JDK 17's holds the lock that close() needs until the stream ends, which it never would.
            stream.startAsync();
            err.println("tcplife watch: pid " + pid + ": each session as it ends; Ctrl-C to stop");
            ended.await();
        } finally {
            closeWithin(stream, jmx, 2);
            finished.countDown();
        }
    }

    /** Closes the stream, then the connection, giving up after {@code seconds}: the target may be gone. */
    private static void closeWithin(RemoteRecordingStream stream, JMXConnector jmx, int seconds) {
        Thread closer = new Thread(() -> {
            try {
                if (stream != null) {
                    stream.close();
                }
            } catch (RuntimeException e) {
                // the target is gone, and its recording with it
            }
            try {
                jmx.close();
            } catch (IOException | RuntimeException e) {
                // as above
            }
        }, "tcplife-watch-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(TimeUnit.SECONDS.toMillis(seconds));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One line, said before an attach that would otherwise wait ten seconds for a process that is no JVM. */
    private static void requireJvm(String pid) throws IOException {
        if (!isAlive(pid)) {
            throw gone(pid);
        }
        Path maps = Path.of("/proc", pid, "maps");
        try {
            if (!Files.readString(maps).contains("/libjvm.so")) {
                throw new IOException("pid " + pid + " is not a Java virtual machine");
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().endsWith("Java virtual machine")) {
                throw e;
            }
            // another user's process: the attach says why it cannot
        }
    }

    /** Starts the JVM's local management agent, if it is not running yet, and returns its address. */
    private static String managementAgent(String pid) throws IOException {
        try {
            VirtualMachine vm = VirtualMachine.attach(pid);
            try {
                return vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException | IOException e) {
            throw new IOException("cannot start the management agent of pid " + pid + ": " + e.getMessage(), e);
        }
    }

    private static boolean isAlive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
    }

    private static IOException gone(String pid) {
        return new IOException("no process with pid " + pid);
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }

    /** Where the sessions that pass the filters go. */
    private interface Output {
        void begin();

        void session(SessionRow row);

        void flush();
    }

    /** Each session as a line, written at once and flushed with the stream's flushes. */
    private static final class Printer implements Output {
        private final SessionSelection selection;
        private final boolean time;
        private final OutputStream sink;
        private final ByteLine line = new ByteLine(Charset.defaultCharset());

        Printer(SessionSelection selection, boolean time, OutputStream out) {
            this.selection = selection;
            this.time = time;
            this.sink = new BufferedOutputStream(out, 1 << 16);
        }

        @Override
        public synchronized void begin() {
            if (selection.format().hasHeader()) {
                if (time) {
                    line.append("TIME     ");
                }
                selection.format().header(line);
                write();
                flush();
            }
        }

        @Override
        public synchronized void session(SessionRow row) {
            if (time) {
                SessionFormat.clock(line, row.endNanos()).append(' ');
            }
            selection.format().row(line, row);
            write();
        }

        @Override
        public synchronized void flush() {
            try {
                sink.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void write() {
            try {
                line.endLine().writeTo(sink);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                line.clear();
            }
        }
    }

    /** The sessions added up per peer, printed every interval by a thread of its own. */
    private static final class Summary implements Output {
        private final PeerSummary summary;
        private final long intervalNanos;

        Summary(PeerSummary summary, long intervalNanos) {
            this.summary = summary;
            this.intervalNanos = intervalNanos;
        }

        @Override
        public void begin() {
            Thread printer = new Thread(() -> {
                try {
                    for (long next = System.nanoTime() + intervalNanos; ; next += intervalNanos) {
                        TimeUnit.NANOSECONDS.sleep(next - System.nanoTime());
                        Instant now = Instant.now();
                        summary.print(now.getEpochSecond() * 1_000_000_000L + now.getNano());
                    }
                } catch (InterruptedException e) {
                    // watch ends
                }
            }, "tcplife-watch-summary");
            printer.setDaemon(true);
            printer.start();
        }

        @Override
        public void session(SessionRow row) {
            summary.add(row);
        }

        @Override
        public void flush() {
            // each interval prints and flushes its own table
        }
    }

    /** "5s", "500ms", "1m", or seconds alone, as nanoseconds; 0 when not given. */
    static long interval(String text) {
        if (text == null) {
            return 0;
        }
        Matcher m = Pattern.compile("([0-9]+)(ms|s|m)?").matcher(text.trim());
        if (!m.matches()) {
            throw new Arguments.UsageException("option --every takes a time such as 5s, 500ms or 1m, not '" + text + "'");
        }
        long value = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        long nanos = switch (unit) {
            case "ms" -> TimeUnit.MILLISECONDS.toNanos(value);
            case "m" -> TimeUnit.MINUTES.toNanos(value);
            default -> TimeUnit.SECONDS.toNanos(value);
        };
        if (nanos < TimeUnit.SECONDS.toNanos(1)) {
            throw new Arguments.UsageException("option --every needs 1s at least (the JVM hands sessions over once a "
                    + "second), not '" + text + "'");
        }
        return nanos;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
