package dev.tcplife.jfr.cli.command;

import java.io.IOException;
import java.io.PrintStream;

/** One command of {@code java -jar tcplife-agent.jar <command>}: what the tool lists, explains with --help, and runs. */
public interface Command {
    /** Exit status: success. */
    int OK = 0;
    /** Exit status: the command failed (unreadable file, not a recording, a failed attach). */
    int FAILED = 1;
    /** Exit status: wrong usage, an {@link Arguments.UsageException}. */
    int USAGE = 2;
    /** Exit status: the recording holds no TCP sessions, or none that the filters let through. */
    int NO_SESSIONS = 3;

    /** One line for the command list. */
    String summary();

    /** The usage text that --help prints. */
    String usage();

    /** Runs with the arguments after the command's name; returns the exit status. */
    int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException;
}
