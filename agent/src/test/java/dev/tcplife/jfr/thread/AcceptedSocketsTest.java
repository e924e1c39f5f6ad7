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

    /** As the reader claims a server session: by the key's parts, which its decoded record carries. */
    private static SocketOwner claim(AcceptedSockets table, int remotePort) {
        AcceptedSocket key = socket(remotePort);
        return table.remove(key.localPort, key.addressHigh, key.addressLow, key.remotePort);
    }

    @Test
    void aConnectionIsClaimedOnce() {
        AcceptedSockets table = new AcceptedSockets(16);
        SocketOwner owner = owner("acceptor");
        table.put(socket(50000), owner);

        assertSame(owner, claim(table, 50000));
        assertNull(claim(table, 50000));
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

        assertSame(latest, claim(table, 1));
        assertNull(claim(table, 1), "the earlier entry went with the new one");
    }

    @Test
    void manyConnectionsPendingAreEachFound() {
        AcceptedSockets table = new AcceptedSockets(1 << 16);
        for (int port = 0; port < 50_000; port++) {
            table.put(socket(port), owner("o" + port));
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
            table.put(socket(port), owner("o" + port));
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
        table.put(socket(0), early);
        for (int port = 1; port < 10_000; port++) {
            table.put(socket(port), owner("churn"));
            claim(table, port);
        }
        assertSame(early, claim(table, 0), "claimed connections take no room");
    }
}
