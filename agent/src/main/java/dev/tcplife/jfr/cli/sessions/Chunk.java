package dev.tcplife.jfr.cli.sessions;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.util.Arrays;

/**
 * One chunk of a recording file: its header, and a cursor over its bytes, read into memory whole. JFR ends a
 * chunk at 12 MB by default (the recording's maxchunksize): reading one at a time keeps memory flat with the
 * file's size, and a plain array is the fastest thing to decode from.
 *
 * <p>A chunk is self-contained: a header, then records, each its size and its type first. The type metadata and
 * the constant pools (threads, long strings) are records like the events; the header says where the last of each
 * is. Integers are compressed, seven bits a byte, the high bit set while more follow, and the ninth byte, if any,
 * gives all its eight bits.
 */
final class Chunk {
    static final int HEADER_SIZE = 68;
    private static final int MAGIC = 'F' << 24 | 'L' << 16 | 'R' << 8;
    /** Chunks larger than this are left to the JDK's parser, which reads them in blocks. */
    private static final long MAX_SIZE = 1L << 30;
    /** The format version read here; the JDK has written it since JDK 11. */
    private static final int MAJOR_VERSION = 2;
    /** Where the header says whether the chunk is finished (0) or still being written. */
    private static final int FILE_STATE = 64;

    final long fileOffset;
    final long size;
    final long constantPoolPosition;
    final long metadataPosition;
    final long startNanos;
    final long startTicks;
    final long ticksPerSecond;
    private final FileChannel file;
    private byte[] bytes;
    private int position;

    private Chunk(FileChannel file, long fileOffset, ByteBuffer header) {
        this.file = file;
        this.fileOffset = fileOffset;
        size = header.getLong(8);
        constantPoolPosition = header.getLong(16);
        metadataPosition = header.getLong(24);
        startNanos = header.getLong(32);
        startTicks = header.getLong(48);
        ticksPerSecond = header.getLong(56);
    }

    /**
     * The chunk at {@code offset} of the file, its bytes not yet read; null where it is not a finished chunk of the
     * format read here, within the file and small enough to read at once (the JDK's parser then reads the file).
     */
    static Chunk at(FileChannel file, long offset) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.BIG_ENDIAN);
        while (header.hasRemaining()) {
            if (file.read(header, offset + header.position()) < 0) {
                return null;
            }
        }
        Chunk chunk = new Chunk(file, offset, header);
        boolean readable = header.getInt(0) == MAGIC && header.getShort(4) == MAJOR_VERSION
                && header.get(FILE_STATE) == 0
                && chunk.size > HEADER_SIZE && chunk.size <= MAX_SIZE && offset + chunk.size <= file.size()
                && inside(chunk.metadataPosition, chunk.size) && inside(chunk.constantPoolPosition, chunk.size)
                && chunk.ticksPerSecond > 0;
        return readable ? chunk : null;
    }

    private static boolean inside(long position, long size) {
        return position >= HEADER_SIZE && position < size;
    }

    long end() {
        return fileOffset + size;
    }

    /**
     * Reads the chunk's bytes into {@code buffer}, or a larger one where it is too small, for reading from
     * {@code HEADER_SIZE} on; returns the array used, for the next chunk.
     */
    byte[] open(byte[] buffer) throws IOException {
        bytes = buffer.length >= size ? buffer : new byte[(int) size];
        ByteBuffer into = ByteBuffer.wrap(bytes, 0, (int) size);
        while (into.hasRemaining()) {
            if (file.read(into, fileOffset + into.position()) < 0) {
                throw new EOFException("the file ends inside the chunk at offset " + fileOffset);
            }
        }
        position = HEADER_SIZE;
        return bytes;
    }

    /** Forgets the chunk's bytes; the array is the next chunk's. */
    void close() {
        bytes = null;
    }

    int position() {
        return position;
    }

    void position(long position) throws IOException {
        if (position < 0 || position > size) {
            throw new IOException("a record reaches position " + position + ", outside its chunk of " + size
                    + " bytes at offset " + fileOffset + " of the file");
        }
        this.position = (int) position;
    }

    boolean hasMore() {
        return position < size;
    }

    byte readByte() {
        return bytes[position++];
    }

    long readLong() {
        byte[] in = bytes;
        int at = position;
        long value = 0;
        for (int shift = 0; shift < 56; shift += 7) {
            byte b = in[at++];
            value |= (b & 0x7FL) << shift;
            if (b >= 0) {
                position = at;
                return value;
            }
        }
        position = at + 1;
        return value | (in[at] & 0xFFL) << 56;
    }

    int readInt() {
        return (int) readLong();
    }

    /**
     * Where {@code count} compressed integers from the position end; the position stays. Chars of ASCII text are
     * one byte each, none with the high bit set: that is checked first, in a loop the JIT vectorises.
     */
    int endOfNumbers(int count) {
        byte[] in = bytes;
        int at = position;
        if (count > 0 && at + count <= in.length) {
            int highBits = 0;
            for (int i = at; i < at + count; i++) {
                highBits |= in[i];
            }
            if (highBits >= 0) {
                return at + count;
            }
        }
        for (int i = 0; i < count; i++) {
            while (in[at++] < 0) {
                // the high bit set: more bytes follow (never on the ninth: an integer takes at most nine)
            }
        }
        return at;
    }

    /** Whether the bytes from {@code from} are the first {@code length} of {@code other}. */
    boolean matches(int from, byte[] other, int length) {
        return Arrays.equals(bytes, from, from + length, other, 0, length);
    }

    /** The bytes from {@code from} on, into {@code into}. */
    void copy(int from, byte[] into, int length) {
        System.arraycopy(bytes, from, into, 0, length);
    }

    /** The {@code length} bytes at the position as text, decoded with {@code charset}. */
    String string(int length, Charset charset) {
        String text = new String(bytes, position, length, charset);
        position += length;
        return text;
    }

    /** {@code length} chars at the position, each a compressed integer, as text. */
    String chars(int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = (char) readLong();
        }
        return new String(chars);
    }

    void skip(int length) {
        position += length;
    }
}
