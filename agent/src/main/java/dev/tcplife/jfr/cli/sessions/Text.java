package dev.tcplife.jfr.cli.sessions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the format's strings at one place of a record: null, empty, a key into the chunk's pool of strings (the
 * JDK pools the longer ones), or inline as UTF-8, Latin-1 or chars (JDK 17's events write theirs as chars, each a
 * compressed integer).
 *
 * <p>The same place of a recording's sessions holds few different texts (roles, addresses, the few peers of a
 * busy service): the last {@link #KEPT} read here are kept with the bytes they were read from, and bytes that
 * repeat some are compared, not decoded again into a new String.
 */
final class Text {
    private static final byte NULL = 0;
    private static final byte EMPTY = 1;
    static final byte POOLED = 2;
    private static final byte UTF_8 = 3;
    private static final byte CHARS = 4;
    private static final byte LATIN_1 = 5;
    private static final int KEPT = 4;
    /** Longer texts are read anew each time: a copy of their bytes would cost more than it saves. */
    private static final int MAX_KEPT_BYTES = 256;

    /** The chunk's pooled strings, by key. */
    interface Pool {
        String string(long key);
    }

    /** The bytes each kept text was read from, its encoding and length first, and how many they are. */
    private final byte[][] keptBytes = new byte[KEPT][MAX_KEPT_BYTES];
    private final int[] keptLengths = new int[KEPT];
    private final String[] kept = new String[KEPT];
    /** Where the next text to keep goes: the oldest one's place. */
    private int oldest;

    /** The string at the chunk's position; pooled ones from {@code pool}, an error where it is null. */
    String read(Chunk chunk, Pool pool) throws IOException {
        int start = chunk.position();
        byte encoding = chunk.readByte();
        switch (encoding) {
            case NULL:
                return null;
            case EMPTY:
                return "";
            case POOLED:
                if (pool == null) {
                    throw new IOException("a pooled string where there is no pool, at position " + start
                            + " of the chunk at offset " + chunk.fileOffset);
                }
                return pool.string(chunk.readLong());
            case UTF_8, LATIN_1, CHARS:
                return inline(chunk, start, encoding);
            default:
                throw unknown(chunk, start, encoding);
        }
    }

    private String inline(Chunk chunk, int start, byte encoding) {
        int length = chunk.readInt();
        int end = encoding == CHARS ? chunk.endOfNumbers(length) : chunk.position() + length;
        int bytes = end - start;
        for (int i = 0; i < KEPT; i++) {
            if (keptLengths[i] == bytes && kept[i] != null && chunk.matches(start, keptBytes[i], bytes)) {
                chunk.skip(end - chunk.position());
                return kept[i];
            }
        }
        String text = encoding == CHARS ? chunk.chars(length)
                : chunk.string(length, encoding == UTF_8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        if (bytes <= MAX_KEPT_BYTES) {
            chunk.copy(start, keptBytes[oldest], bytes);
            keptLengths[oldest] = bytes;
            kept[oldest] = text;
            oldest = (oldest + 1) % KEPT;
        }
        return text;
    }

    /** Steps over the string at the chunk's position. */
    static void skip(Chunk chunk) throws IOException {
        int start = chunk.position();
        byte encoding = chunk.readByte();
        switch (encoding) {
            case NULL, EMPTY -> { }
            case POOLED -> chunk.readLong();
            case UTF_8, LATIN_1 -> chunk.skip(chunk.readInt());
            case CHARS -> {
                int length = chunk.readInt();
                chunk.skip(chunk.endOfNumbers(length) - chunk.position());
            }
            default -> throw unknown(chunk, start, encoding);
        }
    }

    private static IOException unknown(Chunk chunk, int at, byte encoding) {
        return new IOException("unknown string encoding " + encoding + " at position " + at + " of the chunk at offset "
                + chunk.fileOffset);
    }
}
