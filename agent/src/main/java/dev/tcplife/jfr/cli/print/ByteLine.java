package dev.tcplife.jfr.cli.print;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A line of output built directly as the bytes to print: what {@code print} writes is nearly all ASCII (digits,
 * addresses, fixed words), which every charset a JVM defaults to encodes as itself, so it is stored byte for byte;
 * text with other characters (a thread's name, say) goes through the charset. Compared with a StringBuilder turned
 * into a String and then into bytes, two copies and a check per character less, for every line of a recording.
 */
public final class ByteLine {
    /** Line breaks are ASCII in every charset that encodes ASCII as itself. */
    private static final byte[] LINE_BREAK = System.lineSeparator().getBytes(StandardCharsets.US_ASCII);

    private final Charset charset;
    private byte[] bytes = new byte[256];
    private int length;

    public ByteLine(Charset charset) {
        this.charset = charset;
    }

    int length() {
        return length;
    }

    /** An ASCII character; anything else is encoded as text. */
    public ByteLine append(char c) {
        if (c >= 0x80) {
            return append(String.valueOf(c));
        }
        room(1);
        bytes[length++] = (byte) c;
        return this;
    }

    public ByteLine append(String text) {
        int n = text.length();
        room(n);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                length -= i;
                return appendEncoded(text);
            }
            bytes[length + i] = (byte) c;
        }
        length += n;
        return this;
    }

    /** Bytes known to be ASCII, as they are. */
    ByteLine appendAscii(byte[] ascii) {
        room(ascii.length);
        System.arraycopy(ascii, 0, bytes, length, ascii.length);
        length += ascii.length;
        return this;
    }

    ByteLine append(long value) {
        if (value == Long.MIN_VALUE) {
            return append(Long.toString(value));
        }
        if (value < 0) {
            append('-');
            value = -value;
        }
        int digits = 1;
        for (long limit = 10; digits < 19 && value >= limit; limit *= 10) {
            digits++;
        }
        return appendDigits(value, digits);
    }

    /**
     * The last {@code digits} digits of {@code value} (not negative), with leading zeros where it has fewer. In int
     * arithmetic, nine digits at a time: until the JVM's optimising compiler has compiled the loop, which on two
     * cores can be most of a print, each long division is a call into the JVM's runtime, and a time in nanoseconds
     * since the epoch has nineteen digits.
     */
    ByteLine appendDigits(long value, int digits) {
        room(digits);
        int at = length + digits - 1;
        while (value > Integer.MAX_VALUE && at >= length) {
            long high = value / 1_000_000_000;
            at = intDigits((int) (value - high * 1_000_000_000), at, Math.max(length, at - 8));
            value = high;
        }
        intDigits((int) value, at, length);
        length += digits;
        return this;
    }

    /** The digits of {@code value} into bytes {@code at} down to {@code end}, zeros where it has none; the next place. */
    private int intDigits(int value, int at, int end) {
        for (; at >= end; at--) {
            int tenth = value / 10;
            bytes[at] = (byte) ('0' + value - 10 * tenth);
            value = tenth;
        }
        return at;
    }

    ByteLine append(boolean value) {
        return append(value ? "true" : "false");
    }

    /** Pads what was appended since {@code from} with spaces on the right, to {@code width}. */
    ByteLine padRight(int from, int width) {
        int missing = width - (length - from);
        if (missing > 0) {
            room(missing);
            Arrays.fill(bytes, length, length + missing, (byte) ' ');
            length += missing;
        }
        return this;
    }

    /** Moves what was appended since {@code from} to the right of {@code width} columns. */
    ByteLine alignRight(int from, int width) {
        int missing = width - (length - from);
        if (missing > 0) {
            room(missing);
            System.arraycopy(bytes, from, bytes, from + missing, length - from);
            Arrays.fill(bytes, from, from + missing, (byte) ' ');
            length += missing;
        }
        return this;
    }

    /** Ends the line with the platform's line break. */
    public ByteLine endLine() {
        return appendAscii(LINE_BREAK);
    }

    /** Empties the line, to build the next. */
    public void clear() {
        length = 0;
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(bytes, 0, length);
    }

    /** Copies the line's bytes to {@code target} from {@code at} on, as many as fit; the number copied. */
    int copyTo(byte[] target, int at) {
        int n = Math.min(length, target.length - at);
        System.arraycopy(bytes, 0, target, at, n);
        return n;
    }

    /** Copies the line's bytes from {@code from} on to {@code target} at 0. */
    void copyTo(int from, byte[] target) {
        System.arraycopy(bytes, from, target, 0, length - from);
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, length);
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, charset);
    }

    private ByteLine appendEncoded(String text) {
        byte[] encoded = text.getBytes(charset);
        room(encoded.length);
        System.arraycopy(encoded, 0, bytes, length, encoded.length);
        length += encoded.length;
        return this;
    }

    private void room(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, length + more));
        }
    }
}
