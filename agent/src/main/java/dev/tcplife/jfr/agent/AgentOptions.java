package dev.tcplife.jfr.agent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.tcplife.jfr.bpf.TcpSessionContract;
import dev.tcplife.jfr.log.LogLevel;

/**
 * The agent's options: {@code -javaagent:tcplife-agent.jar=key=value,key=value}, the same string that
 * {@code java -jar tcplife-agent.jar attach <pid> ...} passes on. One grammar for both, parsed here.
 *
 * <p>A malformed or unknown option is an {@link IllegalArgumentException} whose message names the option and
 * what it accepts.
 */
public record AgentOptions(
        int[] localPorts,
        int[] remotePorts,
        Family family,
        boolean threads,
        int maxSessions,
        int ringBufferBytes,
        long pollMillis,
        String libbpf,
        LogLevel log,
        Start start) {

    public enum Family {
        ALL(TcpSessionContract.FAMILY_IPV4 | TcpSessionContract.FAMILY_IPV6),
        IPV4(TcpSessionContract.FAMILY_IPV4),
        IPV6(TcpSessionContract.FAMILY_IPV6);

        /** Bits of tcp_session_config.family_mask. */
        public final int mask;

        Family(int mask) {
            this.mask = mask;
        }
    }

    /** When tracing begins at JVM start (-javaagent); an attach always traces before it returns. */
    public enum Start {
        /** Before the application's main method: main waits for the kernel program, every session is seen. */
        BEFORE_MAIN,
        /** In the background: main does not wait, sessions that end before tracing begins are not seen. */
        BACKGROUND;

        /** As the option writes it: before-main, background. */
        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Each option with what it accepts, as --help and error messages print them. */
    static final Map<String, String> HELP = new LinkedHashMap<>();

    static {
        HELP.put("lport", "a local port 1-65535; repeat for up to " + TcpSessionContract.MAX_PORTS
                + " ports (lport=80,lport=443); default: all");
        HELP.put("rport", "a remote port 1-65535; repeat for up to " + TcpSessionContract.MAX_PORTS
                + " ports; default: all");
        HELP.put("family", "all, ipv4 or ipv6 (IPv4 includes ::ffff:a.b.c.d on dual-stack sockets); default: all");
        HELP.put("threads", "on or off: name the Java thread that connected or accepted (instruments JDK socket classes); default: on");
        HELP.put("maxsessions", "sessions the kernel follows at once, 1024-1048576; default: 65536");
        HELP.put("ringbuffer", "kernel buffer for finished sessions, a power of two from 64k to 256m; default: 1m");
        HELP.put("poll", "how often finished sessions are read, 1ms-1s (e.g. 20ms); default: 20ms");
        HELP.put("libbpf", "bundled (the libbpf the agent jar carries; where it cannot serve the host, the system's), system"
                + " (the host's libbpf.so.1, else libbpf.so.0), or the path of a libbpf shared library; default: bundled");
        HELP.put("log", "error, warn, info or debug; default: warn");
        HELP.put("start", "before-main (main waits for the kernel program, so that every session is seen) or background"
                + " (main does not wait; sessions that end before tracing begins are not seen); default: before-main");
    }

    public static AgentOptions defaults() {
        return parse(null);
    }

    public static AgentOptions parse(String text) {
        List<Integer> localPorts = new ArrayList<>();
        List<Integer> remotePorts = new ArrayList<>();
        Family family = Family.ALL;
        boolean threads = true;
        int maxSessions = 65536;
        int ringBufferBytes = 1 << 20;
        long pollMillis = 20;
        String libbpf = null;
        LogLevel log = LogLevel.WARN;
        Start start = Start.BEFORE_MAIN;

        if (text != null && !text.isBlank()) {
            for (String item : text.split(",")) {
                String option = item.strip();
                if (option.isEmpty()) {
                    continue;
                }
                int equals = option.indexOf('=');
                String key = (equals < 0 ? option : option.substring(0, equals)).strip().toLowerCase(Locale.ROOT);
                if (!HELP.containsKey(key)) {
                    throw new IllegalArgumentException("unknown option '" + key + "'; valid options: " + String.join(", ", HELP.keySet()));
                }
                if (equals < 0) {
                    throw invalid(key, "(no value)");
                }
                String value = option.substring(equals + 1).strip();
                switch (key) {
                    case "lport" -> addPort(localPorts, key, value);
                    case "rport" -> addPort(remotePorts, key, value);
                    case "family" -> family = choice(Family.class, key, value);
                    case "threads" -> threads = onOff(key, value);
                    case "maxsessions" -> maxSessions = (int) number(key, value, 1024, 1 << 20);
                    case "ringbuffer" -> ringBufferBytes = powerOfTwo(key, value);
                    case "poll" -> pollMillis = millis(key, value);
                    case "libbpf" -> libbpf = nonEmpty(key, value);
                    case "log" -> log = choice(LogLevel.class, key, value);
                    case "start" -> start = startChoice(key, value);
                    default -> throw new AssertionError(key);
                }
            }
        }
        return new AgentOptions(toArray(localPorts), toArray(remotePorts), family, threads, maxSessions,
                ringBufferBytes, pollMillis, libbpf, log, start);
    }

    /** One line per option: what --help and the README show. */
    public static String help() {
        StringBuilder text = new StringBuilder();
        HELP.forEach((key, accepts) -> text.append(String.format("  %-12s %s%n", key, accepts)));
        return text.toString();
    }

    private static IllegalArgumentException invalid(String key, String value) {
        return new IllegalArgumentException("invalid value '" + value + "' for option '" + key + "': expected " + HELP.get(key));
    }

    private static void addPort(List<Integer> ports, String key, String value) {
        if (ports.size() == TcpSessionContract.MAX_PORTS) {
            throw new IllegalArgumentException(
                    "too many '" + key + "' options: at most " + TcpSessionContract.MAX_PORTS);
        }
        ports.add((int) number(key, value, 1, 65535));
    }

    private static long number(String key, String value, long min, long max) {
        try {
            long number = Long.parseLong(value);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below with the option's accepted values
        }
        throw invalid(key, value);
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String key, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid(key, value);
        }
    }

    private static Start startChoice(String key, String value) {
        for (Start start : Start.values()) {
            if (start.text().equals(value.toLowerCase(Locale.ROOT))) {
                return start;
            }
        }
        throw invalid(key, value);
    }

    private static boolean onOff(String key, String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> {
                return true;
            }
            case "off", "false", "no" -> {
                return false;
            }
            default -> throw invalid(key, value);
        }
    }

    private static int powerOfTwo(String key, String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        long unit = lower.endsWith("k") ? 1 << 10 : lower.endsWith("m") ? 1 << 20 : 1;
        String digits = unit == 1 ? lower : lower.substring(0, lower.length() - 1);
        long bytes;
        try {
            bytes = Math.multiplyExact(Long.parseLong(digits), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(key, value);
        }
        if (bytes < 64 << 10 || bytes > 256 << 20 || Long.bitCount(bytes) != 1) {
            throw invalid(key, value);
        }
        return (int) bytes;
    }

    private static long millis(String key, String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        long millis;
        try {
            if (lower.endsWith("ms")) {
                millis = Long.parseLong(lower.substring(0, lower.length() - 2));
            } else if (lower.endsWith("s")) {
                millis = Math.multiplyExact(Long.parseLong(lower.substring(0, lower.length() - 1)), 1000);
            } else {
                throw invalid(key, value);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(key, value);
        }
        if (millis < 1 || millis > 1000) {
            throw invalid(key, value);
        }
        return millis;
    }

    private static String nonEmpty(String key, String value) {
        if (value.isEmpty()) {
            throw invalid(key, value);
        }
        return value;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
