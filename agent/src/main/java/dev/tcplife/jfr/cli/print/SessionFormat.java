package dev.tcplife.jfr.cli.print;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Arrays;

import dev.tcplife.jfr.cli.sessions.SessionRow;

/**
 * How {@code print} (and {@code watch}) write sessions: tcplife's table (narrow or wide), CSV, or JSON Lines. Each
 * line is built in a ByteLine by hand: printf's format parsing cost ten times the reading of the recording itself.
 */
public enum SessionFormat {
    TABLE {
        @Override
        public void header(ByteLine line) {
            left(line, "START", 12).append(' ');
            left(line, "PID", 7).append(' ');
            left(line, "THREAD", 16).append(' ');
            left(line, "ROLE", 6).append(' ');
            left(line, "LADDR", 15).append(' ');
            right(line, "LPORT", 5).append(' ');
            left(line, "RADDR", 15).append(' ');
            right(line, "RPORT", 5).append(' ');
            right(line, "TX_KB", 6).append(' ');
            right(line, "RX_KB", 6).append(' ');
            right(line, "MS", 9).append(' ').append("END");
        }

        @Override
        public void row(ByteLine line, SessionRow s) {
            start(line, s, 12).append(' ');
            left(line, s.pid(), 7).append(' ');
            left(line, clip(s.thread(), 16), 16).append(' ');
            left(line, s.role(), 6).append(' ');
            left(line, s.localAddress(), 15).append(' ');
            right(line, s.localPort(), 5).append(' ');
            left(line, s.remoteAddress(), 15).append(' ');
            right(line, s.remotePort(), 5).append(' ');
            right(line, s.bytesSent() / 1024, 6).append(' ');
            right(line, s.bytesReceived() / 1024, 6).append(' ');
            fixed(line, s.durationNanos(), 1_000_000, 2, 9).append(' ').append(s.ending());
        }
    },
    WIDE_TABLE {
        @Override
        public void header(ByteLine line) {
            left(line, "START", 12).append(' ');
            left(line, "PID", 7).append(' ');
            left(line, "THREAD", 24).append(' ');
            left(line, "OS_TID", 8).append(' ');
            left(line, "ROLE", 6).append(' ');
            left(line, "LADDR", 39).append(' ');
            right(line, "LPORT", 5).append(' ');
            left(line, "RADDR", 39).append(' ');
            right(line, "RPORT", 5).append(' ');
            right(line, "TX_BYTES", 10).append(' ');
            right(line, "RX_BYTES", 10).append(' ');
            right(line, "MS", 10).append(' ');
            left(line, "END", 10).append(' ');
            right(line, "CONN_MS", 9).append(' ');
            right(line, "RTT_MS", 8).append(' ');
            right(line, "RETRANS", 7).append(' ');
            right(line, "SOCKET", 10);
        }

        @Override
        public void row(ByteLine line, SessionRow s) {
            start(line, s, 12).append(' ');
            left(line, s.pid(), 7).append(' ');
            left(line, clip(s.thread(), 24), 24).append(' ');
            left(line, s.osThreadId(), 8).append(' ');
            left(line, s.role(), 6).append(' ');
            left(line, s.localAddress(), 39).append(' ');
            right(line, s.localPort(), 5).append(' ');
            left(line, s.remoteAddress(), 39).append(' ');
            right(line, s.remotePort(), 5).append(' ');
            right(line, s.bytesSent(), 10).append(' ');
            right(line, s.bytesReceived(), 10).append(' ');
            fixed(line, s.durationNanos(), 1_000_000, 3, 10).append(' ');
            left(line, s.ending(), 10).append(' ');
            (s.connectNanos() == Long.MIN_VALUE ? right(line, "-", 9) : fixed(line, s.connectNanos(), 1_000_000, 3, 9))
                    .append(' ');
            fixed(line, s.rttMicros() == Long.MIN_VALUE ? 0 : s.rttMicros(), 1_000, 3, 8).append(' ');
            right(line, s.retransmits(), 7).append(' ');
            right(line, s.socketId(), 10);
        }
    },
    CSV {
        @Override
        public void header(ByteLine line) {
            line.append(String.join(",", FIELDS));
        }

        @Override
        public void row(ByteLine line, SessionRow s) {
            fields(new MachineLine(line, false), s);
        }
    },
    JSON {
        @Override
        public boolean hasHeader() {
            return false; // JSON Lines
        }

        @Override
        public void header(ByteLine line) {
            // JSON Lines: no header
        }

        @Override
        public void row(ByteLine line, SessionRow s) {
            line.append('{');
            fields(new MachineLine(line, true), s);
            line.append('}');
        }
    };

    /** The machine-readable fields, in CSV column and JSON key order. */
    static final String[] FIELDS = {
        "start", "end", "duration_ms", "pid", "thread", "os_thread_id", "role", "family", "local_address",
        "local_port", "remote_address", "remote_port", "bytes_sent", "bytes_received", "close_initiator", "reset",
        "established", "error", "ending", "connect_ms", "rtt_ms", "retransmits", "socket_id", "start_observed"
    };

    public boolean hasHeader() {
        return true;
    }

    public boolean isTable() {
        return this == TABLE || this == WIDE_TABLE;
    }

    /** Appends the header line, without its line break. */
    public abstract void header(ByteLine line);

    /** Appends one session's line, without its line break. */
    public abstract void row(ByteLine line, SessionRow s);

    /** Each field's {@code "name":}, as the bytes to print. */
    private static final byte[][] JSON_KEYS = jsonKeys();

    /**
     * A loop and String.concat, where a stream and + would bootstrap lambdas and invokedynamic's string
     * concatenation: milliseconds of start-up that print would spend on nothing else.
     */
    private static byte[][] jsonKeys() {
        byte[][] keys = new byte[FIELDS.length][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "\"".concat(FIELDS[i]).concat("\":").getBytes(StandardCharsets.US_ASCII);
        }
        return keys;
    }

    /** Writes every field of {@link #FIELDS}, in that order. */
    private static void fields(MachineLine line, SessionRow s) {
        line.instant(s.startNanos()).instant(s.endNanos()).decimal(s.durationNanos(), 6).number(s.pid()).text(s.thread())
                .number(s.osThreadId()).text(s.role()).text(s.family()).text(s.localAddress()).number(s.localPort())
                .text(s.remoteAddress()).number(s.remotePort()).number(s.bytesSent()).number(s.bytesReceived())
                .text(s.closeInitiator()).bool(s.reset()).bool(s.established()).text(s.error()).text(s.ending());
        if (s.connectNanos() == Long.MIN_VALUE) {
            line.absent();
        } else {
            line.decimal(s.connectNanos(), 6);
        }
        if (s.rttMicros() == Long.MIN_VALUE) {
            line.absent();
        } else {
            line.decimal(s.rttMicros(), 3);
        }
        line.number(s.retransmits()).number(s.socketId()).bool(s.startObserved());
    }

    /** The local time of the session's start, HH:mm:ss.SSS, then * for a start not observed; padded to width. */
    private static ByteLine start(ByteLine line, SessionRow s, int width) {
        int at = line.length();
        clock(line, s.startNanos()).append('.');
        line.appendDigits((int) Math.floorMod(s.startNanos(), 1_000_000_000L) / 1_000_000, 3);
        if (!s.startObserved()) {
            line.append('*');
        }
        return line.padRight(at, width);
    }

    /** The local time of day at {@code epochNanos}, HH:mm:ss. */
    public static ByteLine clock(ByteLine line, long epochNanos) {
        long second = Math.floorDiv(epochNanos, 1_000_000_000L);
        SecondText clock = lastClock;
        if (clock.second() != second) {
            int ofDay = (int) Math.floorMod(second + LocalOffset.at(second), 86_400);
            ByteLine text = new ByteLine(StandardCharsets.US_ASCII);
            timeOfDay(text, ofDay);
            clock = new SecondText(second, text.toByteArray());
            lastClock = clock;
        }
        return line.appendAscii(clock.text());
    }

    /** The date and time of day in UTC at {@code second} since the epoch, yyyy-MM-ddTHH:mm:ss. */
    private static ByteLine utc(ByteLine line, long second) {
        SecondText utc = lastUtc;
        if (utc.second() != second) {
            LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(second, 86_400));
            int ofDay = (int) Math.floorMod(second, 86_400);
            ByteLine text = new ByteLine(StandardCharsets.US_ASCII);
            text.append(day.getYear()).append('-'); // four digits: epoch nanoseconds end in 2262
            two(text, day.getMonthValue()).append('-');
            two(text, day.getDayOfMonth()).append('T');
            timeOfDay(text, ofDay);
            utc = new SecondText(second, text.toByteArray());
            lastUtc = utc;
        }
        return line.appendAscii(utc.text());
    }

    /** HH:mm:ss of {@code ofDay} seconds since midnight. */
    private static void timeOfDay(ByteLine text, int ofDay) {
        two(text, ofDay / 3600).append(':');
        two(text, ofDay / 60 % 60).append(':');
        two(text, ofDay % 60);
    }

    /**
     * The text of one second, kept for the lines after it: sessions end by the thousand each second, and the date and
     * the time of day take a calendar and a dozen divisions to work out.
     */
    private record SecondText(long second, byte[] text) {
    }

    private static volatile SecondText lastClock = new SecondText(Long.MIN_VALUE, null);
    private static volatile SecondText lastUtc = new SecondText(Long.MIN_VALUE, null);

    /**
     * The local time zone's offset, kept with the span it holds for (until the zone's next transition): looking it
     * up for every session cost more than the rest of its line.
     */
    private record LocalOffset(long from, long until, int seconds) {
        private static final ZoneRules ZONE = ZoneId.systemDefault().getRules();
        private static volatile LocalOffset last = new LocalOffset(0, 0, 0);

        static int at(long epochSecond) {
            LocalOffset offset = last;
            if (epochSecond < offset.from || epochSecond >= offset.until) {
                Instant instant = Instant.ofEpochSecond(epochSecond);
                ZoneOffsetTransition previous = ZONE.previousTransition(instant.plusSeconds(1));
                ZoneOffsetTransition next = ZONE.nextTransition(instant);
                offset = new LocalOffset(previous == null ? Long.MIN_VALUE : previous.toEpochSecond(),
                        next == null ? Long.MAX_VALUE : next.toEpochSecond(), ZONE.getOffset(instant).getTotalSeconds());
                last = offset;
            }
            return offset.seconds;
        }
    }

    private static ByteLine two(ByteLine line, int value) {
        return line.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }

    /** {@code value / unit} with {@code decimals} (2 or 3) decimals, rounded half up (as printf's %.Nf), right-aligned. */
    private static ByteLine fixed(ByteLine line, long value, long unit, int decimals, int width) {
        int at = line.length();
        long scale = decimals == 2 ? 100 : 1000;
        long scaled = Math.round((double) value * scale / unit);
        if (scaled < 0) {
            line.append('-');
        }
        long fraction = Math.abs(scaled) % scale;
        line.append(Math.abs(scaled) / scale).append('.');
        if (fraction < 10) {
            line.append('0');
        }
        if (decimals == 3 && fraction < 100) {
            line.append('0');
        }
        line.append(fraction);
        return line.alignRight(at, width);
    }

    private static ByteLine left(ByteLine line, String text, int width) {
        int at = line.length();
        line.append(text);
        return line.padRight(at, width);
    }

    private static ByteLine left(ByteLine line, long value, int width) {
        int at = line.length();
        line.append(value);
        return line.padRight(at, width);
    }

    private static ByteLine right(ByteLine line, String text, int width) {
        int at = line.length();
        line.append(text);
        return line.alignRight(at, width);
    }

    private static ByteLine right(ByteLine line, long value, int width) {
        int at = line.length();
        line.append(value);
        return line.alignRight(at, width);
    }

    private static String clip(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "~";
    }

    /**
     * One CSV or JSON line, field by field: a CSV value is quoted only when it must be, a JSON one is a string,
     * number, boolean or null. Numbers and times are appended as they are, with no boxing or formatter in between.
     */
    private static final class MachineLine {
        private final ByteLine line;
        private final boolean json;
        private int field;

        MachineLine(ByteLine line, boolean json) {
            this.line = line;
            this.json = json;
        }

        private ByteLine next() {
            if (field > 0) {
                line.append(',');
            }
            if (json) {
                line.appendAscii(JSON_KEYS[field]);
            }
            field++;
            return line;
        }

        MachineLine number(long value) {
            next().append(value);
            return this;
        }

        /**
         * {@code value / 10^scale}, exactly, without trailing zeros but with one decimal at least: milliseconds from
         * nanoseconds as they were measured, never in exponent notation, and with no binary floating point between.
         */
        MachineLine decimal(long value, int scale) {
            next();
            if (value < 0) {
                line.append('-');
            }
            long magnitude = Math.abs(value);
            long unit = scale == 6 ? 1_000_000 : 1_000;
            line.append(magnitude / unit).append('.');
            int fraction = (int) (magnitude % unit);
            int digits = scale;
            while (digits > 1 && fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            line.appendDigits(fraction, digits);
            return this;
        }

        MachineLine bool(boolean value) {
            next().append(value);
            return this;
        }

        /** A value the session lacks: empty in CSV, null in JSON. */
        MachineLine absent() {
            next();
            if (json) {
                line.append("null");
            }
            return this;
        }

        MachineLine text(String value) {
            if (value == null) {
                return absent();
            }
            next();
            if (json) {
                jsonString(value);
            } else if (needsQuotes(value)) {
                line.append('"').append(value.replace("\"", "\"\"")).append('"');
            } else {
                line.append(value);
            }
            return this;
        }

        /** Whether a CSV value holds a comma, a quote or a line break: one pass, where indexOf takes one each. */
        private static boolean needsQuotes(String value) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == ',' || c == '"' || c == '\n') {
                    return true;
                }
            }
            return false;
        }

        /** As {@link Instant#toString()} (ISO-8601 in UTC, the fraction in groups of three digits), but direct. */
        MachineLine instant(long epochNanos) {
            next();
            if (json) {
                line.append('"');
            }
            utc(line, Math.floorDiv(epochNanos, 1_000_000_000L));
            int nano = (int) Math.floorMod(epochNanos, 1_000_000_000L);
            if (nano > 0) {
                line.append('.');
                if (nano % 1_000_000 == 0) {
                    line.appendDigits(nano / 1_000_000, 3);
                } else if (nano % 1000 == 0) {
                    line.appendDigits(nano / 1000, 6);
                } else {
                    line.appendDigits(nano, 9);
                }
            }
            line.append('Z');
            if (json) {
                line.append('"');
            }
            return this;
        }

        private void jsonString(String text) {
            line.append('"');
            int plainUntil = 0;
            while (plainUntil < text.length() && text.charAt(plainUntil) >= 0x20 && text.charAt(plainUntil) != '"'
                    && text.charAt(plainUntil) != '\\') {
                plainUntil++;
            }
            if (plainUntil == text.length()) {
                line.append(text);
            } else {
                line.append(escaped(text));
            }
            line.append('"');
        }

        private static String escaped(String text) {
            StringBuilder escaped = new StringBuilder(text.length() + 8);
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '"' -> escaped.append("\\\"");
                    case '\\' -> escaped.append("\\\\");
                    case '\n' -> escaped.append("\\n");
                    case '\r' -> escaped.append("\\r");
                    case '\t' -> escaped.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            escaped.append("\\u00").append(Character.forDigit(c >> 4, 16))
                                    .append(Character.forDigit(c & 15, 16));
                        } else {
                            escaped.append(c);
                        }
                    }
                }
            }
            return escaped.toString();
        }
    }
}
