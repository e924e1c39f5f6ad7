package dev.tcplife.jfr.cli.print;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.PriorityQueue;

/**
 * Writes sessions' lines in the order the sessions ended. A recording holds them nearly in that order: the JVM
 * writes each thread's events as that thread's buffer fills or once a second, and the agent holds a server session a
 * moment for its accepting thread (measured: 15% late on a churning recording, by at most a second). So a line that
 * arrives in order is copied to the end of one ring of bytes, only a late one into a heap of its own, and a line
 * is written once its session ended more than {@link #WINDOW} before the newest one seen.
 *
 * <p>Holding seconds of lines costs memory the collector would copy again and again if each were an object; the
 * ring is one array, allocated once. At most {@link #MAX_HELD} lines and {@link #MAX_BYTES} bytes wait: memory stays
 * bounded whatever the recording's size or the sessions' rate (beyond those, lines leave early, slightly out of
 * order, rather than not at all).
 */
final class EndOrder {
    /** Well beyond the JVM's flush period and the agent's own delays: in practice nothing prints out of order. */
    static final long WINDOW = Duration.ofSeconds(5).toNanos();
    static final int MAX_HELD = 100_000;
    /** 32 MB, or an eighth of the heap where that is less: a small heap prints slightly out of order, not fails. */
    static final int MAX_BYTES = (int) Math.min(32 << 20, Runtime.getRuntime().maxMemory() / 8);

    /** Comparable, not ordered by a Comparator: a lambda would cost print's start-up its bootstrap. */
    private record Late(long end, byte[] line) implements Comparable<Late> {
        @Override
        public int compareTo(Late other) {
            return Long.compare(end, other.end);
        }
    }

    private final OutputStream out;
    private final PriorityQueue<Late> late = new PriorityQueue<>();
    /** The lines that arrived in order, back to back from {@code ringHead}, wrapping around. */
    private byte[] ring = new byte[1 << 16];
    private int ringHead;
    private int ringBytes;
    /** Their ends and lengths, from {@code lineHead}, wrapping around. */
    private long[] ends = new long[1 << 10];
    private int[] lengths = new int[1 << 10];
    private int lineHead;
    private int lines;
    private long newest = Long.MIN_VALUE;
    private long written;

    EndOrder(OutputStream out) {
        this.out = out;
    }

    /** Holds {@code line}, of a session that ended at {@code endNanos} (since the epoch), and writes what is ready. */
    void add(long endNanos, ByteLine line) throws IOException {
        if (endNanos >= newest) {
            newest = endNanos;
            while (ringBytes + line.length() > ring.length) {
                if (ring.length < MAX_BYTES || lines == 0) {
                    grow(line.length());
                } else {
                    writeEarliest(); // the ring is as large as allowed
                }
            }
            append(endNanos, line);
        } else {
            late.add(new Late(endNanos, line.toByteArray()));
        }
        while (lines + late.size() > 0 && (lines + late.size() > MAX_HELD || newest - earliestEnd() > WINDOW)) {
            writeEarliest();
        }
    }

    /** Writes every line still held. */
    void finish() throws IOException {
        while (lines + late.size() > 0) {
            writeEarliest();
        }
    }

    /** The lines written so far. */
    long written() {
        return written;
    }

    private void append(long end, ByteLine line) {
        if (lines == ends.length) {
            int[] grownLengths = new int[2 * lines];
            long[] grownEnds = new long[2 * lines];
            for (int i = 0; i < lines; i++) {
                grownEnds[i] = ends[(lineHead + i) % lines];
                grownLengths[i] = lengths[(lineHead + i) % lines];
            }
            ends = grownEnds;
            lengths = grownLengths;
            lineHead = 0;
        }
        int slot = (lineHead + lines) % ends.length;
        ends[slot] = end;
        lengths[slot] = line.length();
        lines++;
        int tail = (ringHead + ringBytes) % ring.length;
        int copied = line.copyTo(ring, tail);
        if (copied < line.length()) {
            line.copyTo(copied, ring); // wraps around
        }
        ringBytes += line.length();
    }

    /** Doubles the ring, or more if that is what {@code lineLength} more bytes take. */
    private void grow(int lineLength) {
        byte[] grown = new byte[Math.max(2 * ring.length, ringBytes + lineLength)];
        int first = Math.min(ringBytes, ring.length - ringHead);
        System.arraycopy(ring, ringHead, grown, 0, first);
        System.arraycopy(ring, 0, grown, first, ringBytes - first);
        ring = grown;
        ringHead = 0;
    }

    private long earliestEnd() {
        if (lines == 0) {
            return late.peek().end();
        }
        return late.isEmpty() ? ends[lineHead] : Math.min(ends[lineHead], late.peek().end());
    }

    private void writeEarliest() throws IOException {
        if (lines > 0 && (late.isEmpty() || ends[lineHead] <= late.peek().end())) {
            int length = lengths[lineHead];
            int first = Math.min(length, ring.length - ringHead);
            out.write(ring, ringHead, first);
            if (first < length) {
                out.write(ring, 0, length - first);
            }
            ringHead = (ringHead + length) % ring.length;
            ringBytes -= length;
            lineHead = (lineHead + 1) % ends.length;
            lines--;
        } else {
            out.write(late.poll().line());
        }
        written++;
    }
}
