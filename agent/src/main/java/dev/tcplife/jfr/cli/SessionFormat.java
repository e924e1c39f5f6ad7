package dev.tcplife.jfr.cli;

import java.io.PrintStream;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How {@code print} writes sessions: tcplife's table (narrow or wide), CSV, or JSON Lines. */
enum SessionFormat {
    TABLE {
        @Override
        void header(PrintStream out) {
            out.printf("%-12s %-7s %-16s %-6s %-15s %5s %-15s %5s %6s %6s %9s %s%n",
                    "START", "PID", "THREAD", "ROLE", "LADDR", "LPORT", "RADDR", "RPORT", "TX_KB", "RX_KB", "MS", "END");
        }

        @Override
        void row(PrintStream out, SessionRow s) {
            out.printf(Locale.ROOT, "%-12s %-7d %-16s %-6s %-15s %5d %-15s %5d %6d %6d %9.2f %s%n",
                    TIME.format(s.start()) + (s.startObserved() ? "" : "*"), s.pid(), clip(s.thread(), 16), s.role(),
                    s.localAddress(), s.localPort(), s.remoteAddress(), s.remotePort(), s.bytesSent() / 1024,
                    s.bytesReceived() / 1024, s.millis(), s.ending());
        }
    },
    WIDE_TABLE {
        @Override
        void header(PrintStream out) {
            out.printf("%-12s %-7s %-24s %-8s %-6s %-39s %5s %-39s %5s %10s %10s %10s %s %9s %8s %7s %10s%n",
                    "START", "PID", "THREAD", "OS_TID", "ROLE", "LADDR", "LPORT", "RADDR", "RPORT", "TX_BYTES",
                    "RX_BYTES", "MS", "END       ", "CONN_MS", "RTT_MS", "RETRANS", "SOCKET");
        }

        @Override
        void row(PrintStream out, SessionRow s) {
            out.printf(Locale.ROOT, "%-12s %-7d %-24s %-8d %-6s %-39s %5d %-39s %5d %10d %10d %10.3f %-10s %9s %8.3f %7d %10d%n",
                    TIME.format(s.start()) + (s.startObserved() ? "" : "*"), s.pid(), clip(s.thread(), 24),
                    s.osThreadId(), s.role(), s.localAddress(), s.localPort(), s.remoteAddress(), s.remotePort(),
                    s.bytesSent(), s.bytesReceived(), s.millis(), s.ending(),
                    s.connectNanos() == Long.MIN_VALUE ? "-" : String.format(Locale.ROOT, "%.3f", s.connectNanos() / 1e6),
                    s.rttMicros() == Long.MIN_VALUE ? 0.0 : s.rttMicros() / 1e3, s.retransmits(), s.socketId());
        }
    },
    CSV {
        @Override
        void header(PrintStream out) {
            out.println(String.join(",", FIELDS));
        }

        @Override
        void row(PrintStream out, SessionRow s) {
            Object[] values = values(s);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < values.length; i++) {
                if (i > 0) {
                    line.append(',');
                }
                line.append(csv(values[i]));
            }
            out.println(line);
        }
    },
    JSON {
        @Override
        void header(PrintStream out) {
            // JSON Lines: no header
        }

        @Override
        void row(PrintStream out, SessionRow s) {
            Object[] values = values(s);
            StringBuilder line = new StringBuilder("{");
            for (int i = 0; i < values.length; i++) {
                if (i > 0) {
                    line.append(',');
                }
                line.append('"').append(FIELDS[i]).append("\":").append(json(values[i]));
            }
            out.println(line.append('}'));
        }
    };

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    /** The machine-readable fields, in CSV column and JSON key order. */
    static final String[] FIELDS = {
        "start", "end", "duration_ms", "pid", "thread", "os_thread_id", "role", "family", "local_address",
        "local_port", "remote_address", "remote_port", "bytes_sent", "bytes_received", "close_initiator", "reset",
        "established", "error", "ending", "connect_ms", "rtt_ms", "retransmits", "socket_id", "start_observed"
    };

    abstract void header(PrintStream out);

    abstract void row(PrintStream out, SessionRow s);

    static Object[] values(SessionRow s) {
        return new Object[] {
            s.start().toString(), s.end().toString(), s.millis(), s.pid(), s.thread(), s.osThreadId(), s.role(),
            s.family(), s.localAddress(), s.localPort(), s.remoteAddress(), s.remotePort(), s.bytesSent(),
            s.bytesReceived(), s.closeInitiator(), s.reset(), s.established(), s.error(), s.ending(),
            s.connectNanos() == Long.MIN_VALUE ? null : s.connectNanos() / 1e6,
            s.rttMicros() == Long.MIN_VALUE ? null : s.rttMicros() / 1e3, s.retransmits(), s.socketId(),
            s.startObserved()
        };
    }

    private static String clip(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "~";
    }

    private static String csv(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        return text.contains(",") || text.contains("\"") || text.contains("\n")
                ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }

    private static String json(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : value.toString().toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
