package dev.tcplife.jfr.cli.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tcplife.jfr.cli.sessions.SessionRow;
import dev.tcplife.jfr.events.TcpSessionEvent;

/**
 * The chunk reader against the JDK's parser: for every session of a recording, the same row, every field and both
 * times to the nanosecond. The oracle is the JDK's RecordingFile read through SessionRow.Reader, as watch reads.
 */
class ChunkSessionsTest {
    @TempDir
    Path dir;

    @Test
    void theAgentsRecordingReadsAsTheJdkReadsIt() throws Exception {
        Path demo = Path.of(getClass().getResource("/recordings/demo.jfr").toURI());
        List<SessionRow> rows = assertSameAsTheJdk(demo);
        assertTrue(rows.size() > 10, rows.size() + " sessions");
    }

    @Test
    void aRecordingWithoutSessionsHasNone() throws IOException, URISyntaxException {
        Path jdkOnly = Path.of(getClass().getResource("/recordings/jdk-only.jfr").toURI());
        assertEquals(List.of(), assertSameAsTheJdk(jdkOnly));
    }

    /**
     * Every kind of value a session's fields can hold, in sessions spread over chunks, among other events that carry
     * stack traces (their pools of frames, methods and classes to step over): texts empty, null, short (inline),
     * long (the JDK pools them), non-Latin-1; numbers at their extremes; threads alive, ended, renamed and none.
     */
    @Test
    void everyKindOfValueAcrossChunksReadsAsTheJdkReadsIt() throws Exception {
        Path file = dir.resolve("values.jfr");
        FlightRecorder.register(TcpSessionEvent.class);
        List<String> texts = new ArrayList<>(List.of("", "a", "127.0.0.1", "::ffff:127.0.0.1", "::ffff:192.168.100.200",
                "connection refused: ECONNREFUSED (peer at a.rather.long.host.name.example)", "über-ländlich",
                "日本語のホスト名", "x".repeat(300)));
        texts.add(null);
        Thread ended = new Thread(() -> { }, "a thread that ended before its session was committed");
        ended.start();
        ended.join();
        try (Recording recording = new Recording()) {
            recording.enable(TcpSessionEvent.NAME);
            recording.enable("jdk.ThreadSleep").withThreshold(java.time.Duration.ZERO).withStackTrace();
            recording.start();
            int port = 0;
            for (int chunk = 0; chunk < 3; chunk++) {
                for (String text : texts) {
                    Thread.sleep(1);
                    session(port++, text, Thread.currentThread(), text == null ? Long.MIN_VALUE : Long.MAX_VALUE);
                    session(port++, text, ended, -1);
                    session(port++, text, null, 0);
                }
                Thread.currentThread().setName("renamed in chunk " + chunk);
                try (Recording next = new Recording()) {
                    next.start(); // ends the chunk being written
                }
            }
            recording.dump(file);
        }
        List<SessionRow> rows = assertSameAsTheJdk(file);
        assertEquals(3 * 3 * texts.size(), rows.size());
        Set<String> threads = rows.stream().map(SessionRow::thread).collect(Collectors.toSet());
        assertTrue(threads.contains(ended.getName()), "the kept name of an ended thread: " + threads);
        assertTrue(threads.contains("-"), "no thread: " + threads);
    }

    @Test
    void aTruncatedOrUnfinishedFileIsLeftToTheJdk() throws Exception {
        Path demo = Path.of(getClass().getResource("/recordings/demo.jfr").toURI());
        Path truncated = Files.copy(demo, dir.resolve("truncated.jfr"));
        try (RandomAccessFile file = new RandomAccessFile(truncated.toFile(), "rw")) {
            file.setLength(file.length() - 100);
        }
        assertNull(ChunkSessions.open(truncated));

        Path unfinished = Files.copy(demo, dir.resolve("unfinished.jfr"));
        try (RandomAccessFile file = new RandomAccessFile(unfinished.toFile(), "rw")) {
            file.seek(64); // the header's file state: being written
            file.write(1);
        }
        assertNull(ChunkSessions.open(unfinished));

        Path notJfr = Files.writeString(dir.resolve("text.jfr"), "not a recording, though long enough to hold the "
                + "header of a chunk, which is sixty-eight bytes");
        assertNull(ChunkSessions.open(notJfr));
    }

    @Test
    void aRecordBeyondItsChunkIsAnError() throws Exception {
        Path demo = Path.of(getClass().getResource("/recordings/demo.jfr").toURI());
        Path broken = Files.copy(demo, dir.resolve("broken.jfr"));
        try (RandomAccessFile file = new RandomAccessFile(broken.toFile(), "rw")) {
            file.seek(68); // the first record's size
            file.write(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F});
        }
        try (ChunkSessions sessions = ChunkSessions.open(broken)) {
            assertNotNull(sessions);
            IOException e = assertThrows(IOException.class, () -> {
                while (sessions.next() != null) {
                    // reads on to the broken record
                }
            });
            assertTrue(e.getMessage().contains("outside its chunk"), e.getMessage());
        }
    }

    private static void session(int port, String text, Thread thread, long number) {
        TcpSessionEvent session = new TcpSessionEvent();
        session.begin();
        session.pid = number;
        session.role = "client";
        session.family = text;
        session.localAddress = text;
        session.localPort = port;
        session.remoteAddress = text;
        session.remotePort = port == 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        session.bytesSent = number;
        session.bytesReceived = -number;
        session.closeInitiator = text;
        session.reset = port % 2 == 0;
        session.established = port % 3 == 0;
        session.error = text;
        session.javaThread = thread;
        session.javaThreadName = thread == null ? null : thread.getName();
        session.osThreadId = number;
        session.connectTime = number;
        session.smoothedRtt = port;
        session.retransmittedSegments = number;
        session.startObserved = port % 5 != 0;
        session.socketId = port;
        session.end();
        session.commit();
    }

    /** The rows the chunk reader reads from the file, after checking them against the JDK's. */
    private static List<SessionRow> assertSameAsTheJdk(Path file) throws IOException {
        List<SessionRow> expected = new ArrayList<>();
        SessionRow.Reader reader = new SessionRow.Reader();
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (event.getEventType().getName().equals(SessionRow.EVENT)) {
                expected.add(reader.read(event));
            }
        }
        List<SessionRow> read = new ArrayList<>();
        try (ChunkSessions sessions = ChunkSessions.open(file)) {
            assertNotNull(sessions, file + " is read from its chunks");
            for (SessionRow row = sessions.next(); row != null; row = sessions.next()) {
                read.add(row);
            }
        }
        assertEquals(expected.size(), read.size(), "sessions in " + file);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), read.get(i), "session " + i + " of " + file);
        }
        return read;
    }
}
