package dev.tcplife.jfr.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tcplife.jfr.record.TcpSession;
import dev.tcplife.jfr.thread.SocketOwner;

/**
 * Each event holds its own session's values and none of the session before it, a thread's fields included where
 * the session's thread was not found: the emitter's contract, whatever it does with its event objects (reusing one
 * was tried: it saves 128 bytes of garbage a session, not measurably any CPU, and makes every field a duty).
 */
class TcpSessionEmitterTest {
    @TempDir
    Path dir;

    @Test
    void eachEventHoldsItsOwnSessionAndNothingOfThePreviousOne() throws Throwable {
        // JFR's ticks are CLOCK_MONOTONIC nanoseconds on Linux, as System.nanoTime() is
        JfrClock clock = new JfrClock(MethodHandles.lookup().findStatic(System.class, "nanoTime",
                MethodType.methodType(long.class)), System::nanoTime, 1.0, 0);
        TcpSessionEmitter emitter = TcpSessionEmitter.create(clock, 42);
        SocketOwner owner = new SocketOwner(Thread.currentThread(), "the opener", 7, 1234, 0, null,
                SocketOwner.Found.JDK_SOCKET);
        Path file = dir.resolve("sessions.jfr");
        long start = System.nanoTime();
        try (Recording recording = new Recording()) {
            recording.enable(TcpSessionEvent.NAME).withThreshold(Duration.ZERO);
            recording.start();
            emitter.emit(session(1, start, "ECONNRESET", 99), owner);
            emitter.emit(session(2, start, null, 0), null);
            emitter.emit(session(3, start, null, 0), owner);
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals(TcpSessionEvent.NAME))
                .sorted(Comparator.comparingInt(e -> e.getInt("localPort"))).toList();
        assertEquals(3, events.size());

        RecordedEvent first = events.get(0);
        assertEquals("the opener", first.getString("javaThreadName"));
        assertEquals(7, first.getLong("javaThreadId"));
        assertEquals("jdk-socket", first.getString("javaThreadSource"));
        assertEquals(99, first.getLong("osThreadId"));
        assertEquals("ECONNRESET", first.getString("error"));
        assertEquals(true, first.getBoolean("reset"));

        RecordedEvent unowned = events.get(1);
        assertNull(unowned.getThread("javaThread"));
        assertNull(unowned.getString("javaThreadName"));
        assertEquals(0, unowned.getLong("javaThreadId"));
        assertNull(unowned.getString("javaThreadSource"));
        assertEquals(0, unowned.getLong("osThreadId"));
        assertNull(unowned.getString("error"));
        assertEquals(false, unowned.getBoolean("reset"));

        RecordedEvent third = events.get(2);
        assertEquals("the opener", third.getString("javaThreadName"));
        assertEquals(1234, third.getLong("osThreadId"), "the owner's kernel thread id where the kernel had none");

        for (int i = 0; i < 3; i++) {
            RecordedEvent event = events.get(i);
            int n = i + 1;
            assertEquals(42, event.getLong("pid"));
            assertEquals(1000L * n, event.getLong("bytesSent"));
            assertEquals(2000L * n, event.getLong("bytesReceived"));
            assertEquals(80 + n, event.getInt("remotePort"));
            assertEquals(n, event.getLong("socketId"));
            assertEquals(Duration.ofMillis(n), event.getDuration(), "session " + n);
        }
    }

    private static TcpSession session(int n, long start, String error, int ownerTid) {
        return new TcpSession(start, start + 100_000, start + n * 1_000_000L, TcpSession.CLIENT, "IPv4", "127.0.0.1",
                n, "127.0.0." + n, 0, 0, 80 + n, 1000L * n, 2000L * n, TcpSession.LOCAL, error != null, true, error,
                n, ownerTid, 30, n, true);
    }
}
