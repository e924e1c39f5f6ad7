package dev.tcplife.jfr.cli.sessions;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/** The sessions of a recording, one row at a time, in the order the file holds them. */
public interface SessionSource extends Closeable {
    /**
     * The sessions of a recording file: read straight from its chunks where they are all finished chunks of the
     * format {@link ChunkSessions} reads, else by the JDK's parser.
     */
    static SessionSource open(Path file) throws IOException {
        SessionSource chunks = ChunkSessions.open(file);
        return chunks != null ? chunks : new RecordedSessions(file);
    }

    /** The next session, or null after the last one. */
    SessionRow next() throws IOException;
}
