package dev.tcplife.jfr.thread;

import static dev.tcplife.jfr.record.SyntheticSessions.addressBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The accepted connections' table: claimed once, replaced by a reused name, bounded by dropping the oldest. */
class AcceptedSocketsTest {
    private static SocketOwner owner(String name) {
        return new SocketOwner(null, name, 1, 1, 0, null, SocketOwner.Found.JDK_SOCKET);
    }

    private static AcceptedSocket socket(int remotePort) {
        return AcceptedSocket.of(8080, addressBytes("192.0.2.7"), remotePort);
    }

    @Test
    void aConnectionIsClaimedOnce() {
        AcceptedSockets table = new AcceptedSockets(16);
        SocketOwner owner = owner("acceptor");
        table.put(socket(50000), owner);

        assertSame(owner, table.remove(socket(50000)));
        assertNull(table.remove(socket(50000)));
        assertEquals(0, table.size());
    }

    @Test
    void aReusedNameReplacesTheEarlierEntryInEitherGeneration() {
        AcceptedSockets table = new AcceptedSockets(2);
        table.put(socket(1), owner("first"));
        table.put(socket(2), owner("filler"));
        table.put(socket(3), owner("filler")); // socket(1) and (2) are now the older generation
        SocketOwner latest = owner("latest");

        table.put(socket(1), latest);

        assertSame(latest, table.remove(socket(1)));
        assertNull(table.remove(socket(1)), "the earlier entry went with the new one");
    }

    @Test
    void manyConnectionsPendingAreEachFound() {
        AcceptedSockets table = new AcceptedSockets(1 << 16);
        for (int port = 0; port < 50_000; port++) {
            table.put(socket(port), owner("o" + port));
        }
        assertEquals(50_000, table.size());
        for (int port = 0; port < 50_000; port++) {
            assertEquals("o" + port, table.remove(socket(port)).name());
        }
        assertEquals(0, table.size());
    }

    @Test
    void connectionsNeverClaimedAreDroppedOldestFirst() {
        AcceptedSockets table = new AcceptedSockets(100);
        for (int port = 0; port < 1_000; port++) {
            table.put(socket(port), owner("o" + port));
            assertTrue(table.size() <= 200, "two generations at most");
        }
        assertNull(table.remove(socket(0)), "the oldest is gone");
        assertEquals("o999", table.remove(socket(999)).name(), "the newest is kept");
        assertEquals("o899", table.remove(socket(899)).name(), "and the generation before it");
    }

    @Test
    void claimsKeepAGenerationFromFillingUp() {
        AcceptedSockets table = new AcceptedSockets(4);
        SocketOwner early = owner("early, never claimed yet");
        table.put(socket(0), early);
        for (int port = 1; port < 10_000; port++) {
            table.put(socket(port), owner("churn"));
            table.remove(socket(port));
        }
        assertSame(early, table.remove(socket(0)), "claimed connections take no room");
    }
}
