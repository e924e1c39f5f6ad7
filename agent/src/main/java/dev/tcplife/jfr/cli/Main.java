package dev.tcplife.jfr.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import dev.tcplife.jfr.cli.attach.AttachCommand;
import dev.tcplife.jfr.cli.command.Arguments;
import dev.tcplife.jfr.cli.command.Command;
import dev.tcplife.jfr.cli.demo.DemoCommand;
import dev.tcplife.jfr.cli.demo.SampleWorkload;
import dev.tcplife.jfr.cli.print.PrintCommand;
import dev.tcplife.jfr.cli.report.ReportCommand;
import dev.tcplife.jfr.cli.watch.WatchCommand;

/**
 * {@code java -jar tcplife-agent.jar <command> [arguments]}: the tools around the agent.
 *
 * <p>Exit status, for scripts: 0 success, 1 the command failed (unreadable file, not a recording, a failed
 * attach), 2 wrong usage, 3 the recording holds no TCP sessions.
 */
public final class Main {
    /** The public commands, in the order the usage lists them. */
    private static final List<String> COMMANDS = List.of("attach", "stop", "watch", "print", "report", "demo");

    private Main() {
    }

    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    /** {@link #run(String[])} printing to {@code out} and {@code err}: what the tools' tests read. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(usage());
            return args.length == 0 ? Command.USAGE : Command.OK;
        }
        Command command = command(args[0]);
        if (command == null) {
            err.println("tcplife: unknown command '" + args[0] + "'; commands: " + String.join(", ", COMMANDS));
            return Command.USAGE;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h")) {
            out.print(command.usage());
            return Command.OK;
        }
        try {
            return command.run(rest, out, err);
        } catch (Arguments.UsageException e) {
            err.println("tcplife " + args[0] + ": " + e.getMessage());
            err.println("Run 'java -jar tcplife-agent.jar " + args[0] + " --help' for usage.");
            return Command.USAGE;
        } catch (IOException e) {
            err.println("tcplife " + args[0] + ": " + e.getMessage());
            return Command.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("tcplife " + args[0] + ": interrupted");
            return Command.FAILED;
        }
    }

    /**
     * The command named {@code name}, or null. Made on demand: each command's classes load only when it runs, and
     * those of the others (the attach API, report's formatting, the demo's workload) stay out of print's start-up.
     */
    private static Command command(String name) {
        return switch (name) {
            case "attach" -> new AttachCommand(false);
            case "stop" -> new AttachCommand(true);
            case "watch" -> new WatchCommand();
            case "print" -> new PrintCommand();
            case "report" -> new ReportCommand();
            case "demo" -> new DemoCommand();
            case SampleWorkload.COMMAND -> new SampleWorkload();
            default -> null;
        };
    }

    static String usage() {
        StringBuilder text = new StringBuilder("Usage: java -jar tcplife-agent.jar <command> [arguments]\n\nCommands:\n");
        for (String name : COMMANDS) {
            text.append(String.format("  %-8s %s%n", name, command(name).summary()));
        }
        text.append("\nRun a command with --help for its arguments. Exit status: 0 success, 1 failure,\n")
                .append("2 wrong usage, 3 no TCP sessions in the recording.\n");
        return text.toString();
    }
}
