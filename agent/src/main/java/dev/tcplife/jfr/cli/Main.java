package dev.tcplife.jfr.cli;

/** {@code java -jar tcplife-agent.jar <command>}. */
public final class Main {
    private Main() {
    }

    public static int run(String[] args) {
        System.err.println("usage: java -jar tcplife-agent.jar <command>");
        return 2;
    }
}
