package dev.tcplife.jfr.cli.sessions;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import dev.tcplife.jfr.cli.sessions.ChunkTypes.Field;
import dev.tcplife.jfr.cli.sessions.ChunkTypes.Type;


/**
 * What a chunk's constant pools hold that a session's row needs: the pooled strings, and each thread's Java name.
 * Every other pool (stack traces, classes, methods...) is stepped over.
 *
 * <p>The pools are written in checkpoint records, the last one where the header says, each one the distance back
 * to the one before it (0 for the first). An event may refer to an entry of a checkpoint written after it, so all
 * are read before the chunk's events are.
 *
 * <p>Like the JDK's parser, an entry whose key the previous chunk's pool also had keeps the value read there: a
 * thread renamed between chunks keeps, for the rest of the file, the name it had when the file first showed it.
 */
final class ConstantPools implements Text.Pool {
    private static final int CHECKPOINT_RECORD = 1;

    private final Map<Long, String> strings = new HashMap<>();
    /** A thread's name, or the key of its name in {@link #strings} (a Long) until all pools are read. */
    private final Map<Long, Object> threadNames = new HashMap<>();

    private static final int RECENT_THREADS = 64;
    private final long[] recentKeys = new long[RECENT_THREADS];
    private final String[] recentNames = new String[RECENT_THREADS];

    private ConstantPools() {
    }

    /** The pools of the chunk; {@code previous}: those of the chunk before it, or null for the first. */
    static ConstantPools read(Chunk chunk, ChunkTypes types, ConstantPools previous) throws IOException {
        ConstantPools pools = new ConstantPools();
        Type stringType = types.named("java.lang.String");
        Type threadType = types.named("java.lang.Thread");
        int threadName = threadType == null ? -1 : threadType.indexOf("javaName");
        Text text = new Text();
        long at = chunk.constantPoolPosition;
        long delta;
        do {
            chunk.position(at);
            long size = chunk.readLong();
            if (chunk.readLong() != CHECKPOINT_RECORD) {
                throw new IOException("no constant pool at position " + at + " of the chunk at offset "
                        + chunk.fileOffset);
            }
            chunk.readLong(); // start
            chunk.readLong(); // duration
            delta = chunk.readLong();
            chunk.readByte(); // what kind of checkpoint
            for (int pool = chunk.readInt(); pool > 0; pool--) {
                Type type = types.get(chunk.readLong());
                for (int entry = chunk.readInt(); entry > 0; entry--) {
                    long key = chunk.readLong();
                    boolean carried = previous != null && (type == stringType ? previous.strings.containsKey(key)
                            : type == threadType && previous.threadNames.containsKey(key));
                    if (carried) {
                        types.skip(chunk, type);
                        if (type == stringType) {
                            pools.strings.put(key, previous.strings.get(key));
                        } else {
                            pools.threadNames.put(key, previous.threadNames.get(key));
                        }
                    } else if (type == stringType) {
                        pools.strings.put(key, text.read(chunk, null));
                    } else if (type == threadType && threadName >= 0) {
                        pools.threadNames.put(key, pools.thread(chunk, types, threadType, threadName, text));
                    } else {
                        types.skip(chunk, type);
                    }
                }
            }
            if (chunk.position() != at + size) {
                throw new IOException("the constant pool at position " + at + " of the chunk at offset "
                        + chunk.fileOffset + " is not as long as it says");
            }
            at += delta;
        } while (delta != 0);
        for (Map.Entry<Long, Object> thread : pools.threadNames.entrySet()) {
            if (thread.getValue() instanceof Long nameKey) {
                thread.setValue(pools.string(nameKey));
            }
        }
        return pools;
    }

    /** A thread's Java name (or the key of the pooled string that is), its other fields stepped over. */
    private Object thread(Chunk chunk, ChunkTypes types, Type threadType, int nameField, Text text)
            throws IOException {
        Object name = null;
        for (int i = 0; i < threadType.fields().size(); i++) {
            Field field = threadType.fields().get(i);
            if (i != nameField) {
                types.skip(chunk, field);
            } else if (field.pooled()) {
                name = chunk.readLong();
            } else {
                int start = chunk.position();
                if (chunk.readByte() == Text.POOLED) {
                    name = chunk.readLong(); // the pool of strings may come in a later checkpoint
                } else {
                    chunk.position(start);
                    name = text.read(chunk, null);
                }
            }
        }
        return name;
    }

    @Override
    public String string(long key) {
        return strings.get(key);
    }

    /**
     * The Java name of the thread with this key, or null. Looked up once a session: the last names found are kept
     * in a small table by key, so that the usual lookup is not a boxed key's way through a hash map.
     */
    String threadName(long key) {
        int slot = (int) key & (RECENT_THREADS - 1);
        if (recentKeys[slot] == key && recentNames[slot] != null) {
            return recentNames[slot];
        }
        Object name = threadNames.get(key);
        String text = name instanceof String found ? found : null;
        recentKeys[slot] = key;
        recentNames[slot] = text;
        return text;
    }
}
