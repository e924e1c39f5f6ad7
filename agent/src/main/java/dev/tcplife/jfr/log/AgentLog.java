package dev.tcplife.jfr.log;

/**
 * The agent's messages, one line each on standard error with a {@code [tcplife]} prefix. Deliberately not
 * java.util.logging: an agent must not initialize the application's logging.
 */
public final class AgentLog {
    private static volatile LogLevel level = LogLevel.WARN;

    private AgentLog() {
    }

    public static void setLevel(LogLevel newLevel) {
        level = newLevel;
    }

    public static boolean infoEnabled() {
        return level.compareTo(LogLevel.INFO) >= 0;
    }

    public static boolean debugEnabled() {
        return level.compareTo(LogLevel.DEBUG) >= 0;
    }

    public static void error(String message) {
        print(LogLevel.ERROR, message);
    }

    public static void warn(String message) {
        print(LogLevel.WARN, message);
    }

    public static void info(String message) {
        print(LogLevel.INFO, message);
    }

    public static void debug(String message) {
        print(LogLevel.DEBUG, message);
    }

    private static void print(LogLevel messageLevel, String message) {
        if (level.compareTo(messageLevel) >= 0) {
            // One line per message, whatever a library's exception text holds.
            System.err.println("[tcplife] " + messageLevel + ": " + message.strip().replaceAll("\\s*\\R\\s*", "; "));
        }
    }
}
