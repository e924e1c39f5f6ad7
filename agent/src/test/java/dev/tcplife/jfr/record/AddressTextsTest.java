package dev.tcplife.jfr.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/** The decoder's table of address texts: the same text as formatting anew, made once while the address stays. */
class AddressTextsTest {
    private static final long LOOPBACK = InetAddresses.v4MappedLow(0x7f00_0001);

    @Test
    void anAddressSeenAgainIsTheSameStringFormattedOnce() {
        AddressTexts texts = new AddressTexts(4);
        String first = texts.text(0, LOOPBACK);

        assertEquals("127.0.0.1", first);
        assertSame(first, texts.text(0, LOOPBACK));
        assertEquals("::1", texts.text(0, 1));
        assertSame(first, texts.text(0, LOOPBACK), "another address in between");
    }

    @Test
    void theTextIsTheFormattedTextForEitherHalf() {
        AddressTexts texts = new AddressTexts(4);
        // addresses that differ in one half only are different entries
        assertEquals("::1", texts.text(0, 1));
        assertEquals("::1:0:0:0:1", texts.text(1, 1));
        assertEquals("::1", texts.text(0, 1));
        assertEquals("0:0:0:1::", texts.text(1, 0));
    }

    @Test
    void aFullTableLetsItsOldestEntryGo() {
        AddressTexts texts = new AddressTexts(2);
        String first = texts.text(0, InetAddresses.v4MappedLow(1));
        String second = texts.text(0, InetAddresses.v4MappedLow(2));
        texts.text(0, InetAddresses.v4MappedLow(3)); // replaces the first

        assertSame(second, texts.text(0, InetAddresses.v4MappedLow(2)));
        String again = texts.text(0, InetAddresses.v4MappedLow(1));
        assertEquals(first, again);
        assertNotSame(first, again, "formatted anew");
    }

    @Test
    void manyAddressesEachGetTheirOwnText() {
        AddressTexts texts = new AddressTexts(8);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 1000; i++) {
                assertEquals("10.0." + (i >> 8) + "." + (i & 0xff), texts.text(0, InetAddresses.v4MappedLow(0x0a00_0000 | i)));
            }
        }
    }

    @Test
    void threadsSharingATableEachGetTheRightText() throws Exception {
        AddressTexts texts = new AddressTexts(4);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 100_000; i++) {
                        int host = (i + offset) % 7;
                        assertEquals("192.0.2." + host, texts.text(0, InetAddresses.v4MappedLow(0xc000_0200 | host)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
