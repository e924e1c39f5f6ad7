package dev.tcplife.jfr.cli.sessions;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import dev.tcplife.jfr.cli.sessions.ChunkTypes.Field;
import dev.tcplife.jfr.cli.sessions.ChunkTypes.Kind;
import dev.tcplife.jfr.cli.sessions.ChunkTypes.Type;

/**
 * The tcplife.TcpSession events of a finished recording file, read straight from its bytes into rows, in file
 * order.
 *
 * <p>Why not the JDK's parser: it makes an object of every event of every type, with every field boxed and every
 * constant resolved, and most of a churn recording's events are sessions that print reads only once. Here every
 * other record is stepped over by its size, and a session's values go from the chunk's bytes into its row. The
 * result is the same as the JDK's, field for field, and time for time: like its parser for a whole file, ticks
 * become times by the first chunk's time base, whichever chunk they are in (JDK 17's parser takes the base of the
 * chunk where the metadata last changed: the same chunk unless types were added to a running recording).
 *
 * <p>Files that are not entirely finished chunks of the format this reads (one still being written, a truncated
 * one, another version) are not read here: {@link #open} says so, and the caller gives them to the JDK's parser.
 */
public final class ChunkSessions implements SessionSource {
    private final FileChannel file;
    private final List<Chunk> chunks;
    private int next;
    /** The chunk being read, null between chunks. */
    private Chunk chunk;
    /** The bytes of the chunk being read, reused for the next. */
    private byte[] buffer = new byte[0];
    private ChunkTypes types;
    private ConstantPools pools;
    /** The session type's id in the current chunk, -1 where it has none. */
    private long sessionTypeId = -1;
    private SessionFields session;
    private final long baseNanos;
    private final long baseTicks;
    private final double ticksPerNanosecond;

    private ChunkSessions(FileChannel file, List<Chunk> chunks) {
        this.file = file;
        this.chunks = chunks;
        Chunk first = chunks.get(0);
        baseNanos = first.startNanos;
        baseTicks = first.startTicks;
        ticksPerNanosecond = first.ticksPerSecond / 1_000_000_000.0;
    }

    /** The file's sessions, or null where the file is not one read here (see above). */
    public static ChunkSessions open(Path path) throws IOException {
        FileChannel file = FileChannel.open(path, StandardOpenOption.READ);
        try {
            List<Chunk> chunks = new ArrayList<>();
            for (long offset = 0; offset < file.size(); ) {
                Chunk chunk = Chunk.at(file, offset);
                if (chunk == null) {
                    file.close();
                    return null;
                }
                chunks.add(chunk);
                offset = chunk.end();
            }
            if (chunks.isEmpty()) {
                file.close();
                return null;
            }
            return new ChunkSessions(file, chunks);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    @Override
    public SessionRow next() throws IOException {
        try {
            while (true) {
                if (chunk == null && !nextChunk()) {
                    return null;
                }
                while (chunk.hasMore()) {
                    int start = chunk.position();
                    long size = chunk.readLong();
                    if (size <= 0) {
                        throw new IOException("a record of size " + size + " at position " + start
                                + " of the chunk at offset " + chunk.fileOffset);
                    }
                    long type = chunk.readLong();
                    SessionRow row = type == sessionTypeId ? session.read(chunk) : null;
                    chunk.position(start + size);
                    if (row != null) {
                        return row;
                    }
                }
                chunk.close();
                chunk = null;
            }
        } catch (IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new IOException("a record reaches past the end of the chunk at offset " + chunk.fileOffset, e);
        }
    }

    /** Opens the next chunk with its types and constant pools; false after the last. */
    private boolean nextChunk() throws IOException {
        if (next == chunks.size()) {
            return false;
        }
        chunk = chunks.get(next++);
        buffer = chunk.open(buffer);
        if (types == null || ChunkTypes.metadataId(chunk) != types.metadataId) {
            types = ChunkTypes.read(chunk);
            Type sessionType = types.named(SessionRow.EVENT);
            sessionTypeId = sessionType == null ? -1 : sessionType.id();
            session = sessionType == null ? null : new SessionFields(sessionType, types);
        }
        pools = ConstantPools.read(chunk, types, pools);
        chunk.position(Chunk.HEADER_SIZE);
        return true;
    }

    /** Nanoseconds since the epoch, at these ticks (see the class comment). */
    long nanos(long ticks) {
        return baseNanos + (long) ((ticks - baseTicks) / ticksPerNanosecond);
    }

    @Override
    public void close() throws IOException {
        chunk = null;
        file.close();
    }

    /**
     * How a session event's fields are read: for each field of its type, in order, what it is (a time, the thread,
     * a value of one of {@link SessionRow#FIELDS} and of which type) or that it is stepped over.
     */
    private final class SessionFields implements SessionRow.Values {
        private static final byte START = 1;
        private static final byte DURATION = 2;
        private static final byte THREAD = 3;
        private static final byte LONG = 4;
        private static final byte INT = 5;
        private static final byte SHORT = 6;
        private static final byte FLAG = 7;
        private static final byte BYTE = 8;
        private static final byte TEXT = 9;
        /** Not wanted: a compressed integer or key to step over, without a look at the field's type. */
        private static final byte SKIP_NUMBER = 10;
        private static final byte SKIP_TEXT = 11;
        /** Not wanted: a value of any other type, stepped over by its type. */
        private static final byte SKIP_VALUE = 12;

        private final List<Field> fields;
        private final byte[] read;
        /** Each field's place in {@link SessionRow#FIELDS}, -1 for one that is not there: where its value goes. */
        private final int[] target;
        private final Text[] texts;
        /** The values of the latest session, by their place in {@link SessionRow#FIELDS}. */
        private final long[] numbers = new long[SessionRow.FIELDS.length];
        private final String[] strings = new String[SessionRow.FIELDS.length];
        private final boolean[] present = new boolean[SessionRow.FIELDS.length];

        SessionFields(Type type, ChunkTypes types) throws IOException {
            fields = type.fields();
            read = new byte[fields.size()];
            target = new int[fields.size()];
            texts = new Text[fields.size()];
            for (int i = 0; i < fields.size(); i++) {
                Field field = fields.get(i);
                target[i] = List.of(SessionRow.FIELDS).indexOf(field.name());
                read[i] = how(field, target[i], types);
                texts[i] = read[i] == TEXT ? new Text() : null;
                if (read[i] >= LONG && read[i] <= TEXT) {
                    present[target[i]] = true;
                }
            }
        }

        /** How the field is read: its time, its thread, its value, or that it is stepped over. */
        private static byte how(Field field, int target, ChunkTypes types) throws IOException {
            if (field.array()) {
                return SKIP_VALUE;
            }
            if (field.name().equals("startTime")) {
                return START;
            }
            if (field.name().equals("duration")) {
                return DURATION;
            }
            if (field.pooled()) {
                return target == SessionRow.JAVA_THREAD ? THREAD : SKIP_NUMBER;
            }
            Type type = types.get(field.typeId());
            byte wanted = switch (type.name()) {
                case "long" -> LONG;
                case "int" -> INT;
                case "short" -> SHORT;
                case "boolean" -> FLAG;
                case "byte" -> BYTE;
                case "java.lang.String" -> TEXT;
                default -> SKIP_VALUE;
            };
            if (target >= 0 && target != SessionRow.JAVA_THREAD) {
                return wanted;
            }
            return type.kind() == Kind.NUMBER ? SKIP_NUMBER : type.kind() == Kind.STRING ? SKIP_TEXT : SKIP_VALUE;
        }

        SessionRow read(Chunk chunk) throws IOException {
            long startTicks = 0;
            long durationTicks = 0;
            String threadName = null;
            for (int i = 0; i < read.length; i++) {
                switch (read[i]) {
                    case START -> startTicks = chunk.readLong();
                    case DURATION -> durationTicks = chunk.readLong();
                    case THREAD -> threadName = pools.threadName(chunk.readLong());
                    case LONG -> numbers[target[i]] = chunk.readLong();
                    case INT -> numbers[target[i]] = (int) chunk.readLong();
                    case SHORT -> numbers[target[i]] = (short) chunk.readLong();
                    case FLAG -> numbers[target[i]] = chunk.readByte() != 0 ? 1 : 0;
                    case BYTE -> numbers[target[i]] = chunk.readByte();
                    case TEXT -> strings[target[i]] = texts[i].read(chunk, pools);
                    case SKIP_NUMBER -> chunk.readLong();
                    case SKIP_TEXT -> Text.skip(chunk);
                    default -> types.skip(chunk, fields.get(i));
                }
            }
            return SessionRow.of(nanos(startTicks), nanos(startTicks + durationTicks), this, threadName);
        }

        @Override
        public boolean has(int field) {
            return present[field];
        }

        @Override
        public long number(int field) {
            return numbers[field];
        }

        @Override
        public String text(int field) {
            return strings[field];
        }
    }
}
