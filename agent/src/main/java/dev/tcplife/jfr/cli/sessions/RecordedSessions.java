package dev.tcplife.jfr.cli.sessions;

import java.io.IOException;
import java.nio.file.Path;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/** The sessions of a recording as the JDK's parser reads them: for files the chunk reader does not read. */
final class RecordedSessions implements SessionSource {
    private final RecordingFile recording;
    private final SessionRow.Reader reader = new SessionRow.Reader();

    RecordedSessions(Path file) throws IOException {
        recording = new RecordingFile(file);
    }

    @Override
    public SessionRow next() throws IOException {
        while (recording.hasMoreEvents()) {
            RecordedEvent event = recording.readEvent();
            if (event.getEventType().getName().equals(SessionRow.EVENT)) {
                return reader.read(event);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        recording.close();
    }
}
