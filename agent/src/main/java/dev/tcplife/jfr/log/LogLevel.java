package dev.tcplife.jfr.log;

/** How much the agent says: the {@code log} option's values, from the fewest messages to the most. */
public enum LogLevel {
    ERROR, WARN, INFO, DEBUG
}
