package dev.tcplife.jfr.thread;

import static dev.tcplife.jfr.record.SyntheticSessions.addressBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The accepted connections' table: claimed once, a reused name by the session it belongs to, bounded by dropping the
 * oldest.
 */
class AcceptedSocketsTest {
    private static SocketOwner owner(String name) {
        return new SocketOwner(null, name, 1, 1, 0, null, SocketOwner.Found.JDK_SOCKET);
    }

    private static AcceptedSocket socket(int remotePort) {
        return AcceptedSocket.of(8080, addressBytes("192.0.2.7"), remotePort);
    }

    /** As the reader claims a server session: by the key's parts, which its decoded record carries. */
    private static SocketOwner claim(AcceptedSockets table, int remotePort, long createdNanos) {
        AcceptedSocket key = socket(remotePort);
        return table.remove(key.localPort, key.addressHigh, key.addressLow, key.remotePort, createdNanos);
    }

    /** A session whose socket's creation the kernel did not see (adopted): any entry of its name. */
    private static SocketOwner claim(AcceptedSockets table, int remotePort) {
        return claim(table, remotePort, Long.MIN_VALUE);
    }

    @Test
    void aConnectionIsClaimedOnce() {
        AcceptedSockets table = new AcceptedSockets(16);
        SocketOwner owner = owner("acceptor");
        table.put(socket(50000), owner, 100);

        assertSame(owner, claim(table, 50000));
        assertNull(claim(table, 50000));
        assertEquals(0, table.size());
    }

    /**
     * A client's port reused before the reader claimed the earlier session of that name: each session gets the
     * accept that followed its socket's creation, in whichever order they are read, in either generation.
     */
    @ParameterizedTest(name = "table of generations of {0}")
    @ValueSource(ints = {2, 16}) // 2: the first two in the older generation by then
    void aReusedNameIsClaimedByTheSessionItBelongsTo(int generationSize) {
        AcceptedSockets table = new AcceptedSockets(generationSize);
        SocketOwner first = owner("first");
        SocketOwner second = owner("second");
        table.put(socket(1), first, 110); // created at 100, accepted at 110
        table.put(socket(2), owner("filler"), 150);
        table.put(socket(1), second, 210); // the name again: created at 200, accepted at 210

        assertSame(second, claim(table, 1, 200), "the later session, read first");
        assertSame(first, claim(table, 1, 100), "the earlier session");
        assertNull(claim(table, 1, 100), "each entry is claimed once");
    }

    @Test
    void anAcceptBeforeTheSocketWasCreatedIsAnEarlierConnectionsNotThisOnes() {
        AcceptedSockets table = new AcceptedSockets(16);
        table.put(socket(1), owner("a connection the kernel never reported"), 110);

        assertNull(claim(table, 1, 200));
        assertEquals("a connection the kernel never reported", claim(table, 1).name(),
                "a session adopted (its creation unseen) takes the name's oldest entry");
    }

    @Test
    void manyConnectionsPendingAreEachFound() {
        AcceptedSockets table = new AcceptedSockets(1 << 16);
        for (int port = 0; port < 50_000; port++) {
            table.put(socket(port), owner("o" + port), port);
        }
        assertEquals(50_000, table.size());
        for (int port = 0; port < 50_000; port++) {
            assertEquals("o" + port, claim(table, port).name());
        }
        assertEquals(0, table.size());
    }

    @Test
    void connectionsNeverClaimedAreDroppedOldestFirst() {
        AcceptedSockets table = new AcceptedSockets(100);
        for (int port = 0; port < 1_000; port++) {
            table.put(socket(port), owner("o" + port), port);
            assertTrue(table.size() <= 200, "two generations at most");
        }
        assertNull(claim(table, 0), "the oldest is gone");
        assertEquals("o999", claim(table, 999).name(), "the newest is kept");
        assertEquals("o899", claim(table, 899).name(), "and the generation before it");
    }

    @Test
    void claimsKeepAGenerationFromFillingUp() {
        AcceptedSockets table = new AcceptedSockets(4);
        SocketOwner early = owner("early, never claimed yet");
        table.put(socket(0), early, 0);
        for (int port = 1; port < 10_000; port++) {
            table.put(socket(port), owner("churn"), port);
            claim(table, port);
        }
        assertSame(early, claim(table, 0), "claimed connections take no room");
    }
}
