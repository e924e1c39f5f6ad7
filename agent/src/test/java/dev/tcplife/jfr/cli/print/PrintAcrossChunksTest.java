package dev.tcplife.jfr.cli.print;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tcplife.jfr.cli.Main;
import dev.tcplife.jfr.cli.command.Command;
import dev.tcplife.jfr.events.TcpSessionEvent;

/**
 * print on a recording of several chunks, made here: a session that ended in one chunk but was committed in a later
 * one (as the agent commits a server session once it knows the accepting thread) comes out in the order the
 * sessions ended, with the times the JDK's parser gives when it reads the whole file.
 */
class PrintAcrossChunksTest {
    @TempDir
    Path dir;

    @Test
    void sessionsCommittedInALaterChunkComeOutInTheOrderTheyEnded() throws Exception {
        Path file = dir.resolve("chunks.jfr");
        FlightRecorder.register(TcpSessionEvent.class);
        try (Recording recording = new Recording()) {
            recording.enable(TcpSessionEvent.NAME);
            recording.start();
            TcpSessionEvent late = ended(1);
            commit(ended(2), ended(3));
            newChunk();
            commit(late, ended(4));
            TcpSessionEvent later = ended(5);
            newChunk();
            commit(ended(6), later, ended(7));
            recording.dump(file);
        }
        assertTrue(chunks(file) >= 3, chunks(file) + " chunks");

        List<RecordedEvent> inFileOrder = RecordingFile.readAllEvents(file);
        List<RecordedEvent> inEndOrder = inFileOrder.stream().sorted(Comparator.comparing(RecordedEvent::getEndTime))
                .toList();
        assertEquals(List.of(2, 3, 1, 4, 6, 5, 7), ports(inFileOrder));
        assertNotEquals(ports(inFileOrder), ports(inEndOrder));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"print", file.toString(), "--csv"},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(Command.OK, status);
        List<String> lines = List.of(out.toString(StandardCharsets.UTF_8).split(System.lineSeparator()));
        assertEquals(inEndOrder.size() + 1, lines.size(), String.join("\n", lines));
        for (int i = 0; i < inEndOrder.size(); i++) {
            String[] fields = lines.get(i + 1).split(",", -1);
            RecordedEvent session = inEndOrder.get(i);
            assertEquals(session.getStartTime().toString(), fields[0], "start of session " + i);
            assertEquals(session.getEndTime().toString(), fields[1], "end of session " + i);
            assertEquals(Integer.toString(session.getInt("localPort")), fields[9], "session " + i);
        }
    }

    /** A session that has ended, not yet committed; its local port tells it apart. */
    private static TcpSessionEvent ended(int port) throws InterruptedException {
        TcpSessionEvent session = new TcpSessionEvent();
        session.begin();
        session.role = "client";
        session.family = "IPv4";
        session.localAddress = "127.0.0.1";
        session.localPort = port;
        session.remoteAddress = "127.0.0.1";
        session.remotePort = 80;
        session.closeInitiator = "local";
        session.established = true;
        session.startObserved = true;
        Thread.sleep(2); // ends a clear tick apart from the others
        session.end();
        return session;
    }

    private static void commit(TcpSessionEvent... sessions) {
        for (TcpSessionEvent session : sessions) {
            session.commit();
        }
    }

    /** Another recording starting and stopping ends the chunk being written. */
    private static void newChunk() {
        try (Recording other = new Recording()) {
            other.start();
        }
    }

    private static List<Integer> ports(List<RecordedEvent> sessions) {
        return sessions.stream().map(session -> session.getInt("localPort")).toList();
    }

    /** The chunks of a recording, each a header with magic bytes and the chunk's size. */
    private static int chunks(Path file) throws IOException {
        int chunks = 0;
        try (FileChannel channel = FileChannel.open(file)) {
            ByteBuffer header = ByteBuffer.allocate(16);
            for (long at = 0; at < channel.size(); at += header.getLong(8)) {
                header.clear();
                channel.read(header, at);
                assertEquals("FLR\0", new String(header.array(), 0, 4, StandardCharsets.US_ASCII));
                chunks++;
            }
        }
        return chunks;
    }
}
