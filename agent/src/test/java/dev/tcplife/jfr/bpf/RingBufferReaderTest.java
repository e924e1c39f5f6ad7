package dev.tcplife.jfr.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reader against a ring buffer written the way the kernel writes one (kernel/bpf/ringbuf.c): 8-byte headers,
 * records padded to 8 bytes, the data area mapped twice in a row, positions that only grow.
 */
class RingBufferReaderTest {
    private static final int SIZE = 4096;

    /** What a producer did with a record, as bpf_ringbuf_reserve() and then _submit(), _discard() or nothing yet. */
    enum Outcome {
        SUBMITTED, DISCARDED, BUSY
    }

    record Produced(int length, Outcome outcome) {
        static Produced submitted(int length) {
            return new Produced(length, Outcome.SUBMITTED);
        }

        static Produced discarded(int length) {
            return new Produced(length, Outcome.DISCARDED);
        }

        static Produced busy(int length) {
            return new Produced(length, Outcome.BUSY);
        }
    }

    static Stream<Arguments> reads() {
        // Each record takes its length plus the 8-byte header, rounded up to 8: 5 -> 16, 8 -> 16, 13 -> 24.
        return Stream.of(
                arguments("nothing produced", List.of(), List.of(), 0L),
                arguments("three records in order",
                        List.of(Produced.submitted(5), Produced.submitted(8), Produced.submitted(13)),
                        List.of(0, 1, 2), 56L),
                arguments("a discarded record is skipped, its space consumed",
                        List.of(Produced.submitted(5), Produced.discarded(8), Produced.submitted(13)),
                        List.of(0, 2), 56L),
                arguments("only a discarded record",
                        List.of(Produced.discarded(100)), List.of(), 112L),
                arguments("a busy record stops reading, even with submitted ones behind it",
                        List.of(Produced.submitted(5), Produced.busy(8), Produced.submitted(13)),
                        List.of(0), 16L),
                arguments("a busy first record reads nothing",
                        List.of(Produced.busy(5), Produced.submitted(8)), List.of(), 0L),
                arguments("an empty record",
                        List.of(Produced.submitted(0), Produced.submitted(1)), List.of(0, 1), 24L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void reads(String scenario, List<Produced> produced, List<Integer> expectedRecords, long expectedConsumer) {
        KernelRing ring = new KernelRing(SIZE, 0);
        List<byte[]> payloads = new ArrayList<>();
        for (Produced record : produced) {
            byte[] payload = payload(record.length(), payloads.size());
            payloads.add(payload);
            long position = ring.reserve(payload);
            switch (record.outcome()) {
                case SUBMITTED -> ring.submit(position);
                case DISCARDED -> ring.discard(position);
                case BUSY -> { } // still being written
            }
        }

        Collected read = new Collected();
        int count = ring.reader().read(read);

        assertEquals(expectedRecords.size(), count, "records counted");
        assertEquals(expectedRecords.size(), read.payloads.size(), "records handed over");
        for (int i = 0; i < expectedRecords.size(); i++) {
            assertArrayEquals(payloads.get(expectedRecords.get(i)), read.payloads.get(i), "record " + i);
        }
        assertEquals(expectedConsumer, ring.consumerPosition(), "consumer position written back");
    }

    @Test
    void continuesAtABusyRecordOnceItIsSubmitted() {
        KernelRing ring = new KernelRing(SIZE, 0);
        RingBufferReader reader = ring.reader();
        byte[] first = payload(10, 1);
        byte[] second = payload(20, 2);
        byte[] third = payload(30, 3);
        ring.submit(ring.reserve(first));
        long busy = ring.reserve(second);
        ring.submit(ring.reserve(third));

        Collected before = new Collected();
        assertEquals(1, reader.read(before));
        ring.submit(busy);
        Collected after = new Collected();
        assertEquals(2, reader.read(after));

        assertArrayEquals(first, before.payloads.get(0));
        assertArrayEquals(second, after.payloads.get(0));
        assertArrayEquals(third, after.payloads.get(1));
        assertEquals(ring.producerPosition(), ring.consumerPosition());
    }

    @Test
    void readsARecordThatWrapsAroundTheEndContiguously() {
        // 16 bytes before the end: the header and 8 payload bytes fit, the other 92 continue at the start.
        KernelRing ring = new KernelRing(SIZE, 3L * SIZE - 16);
        byte[] wrapping = payload(100, 7);
        ring.submit(ring.reserve(wrapping));

        Collected read = new Collected();
        assertEquals(1, ring.reader().read(read));

        assertArrayEquals(wrapping, read.payloads.get(0));
        assertEquals(SIZE - 8, read.offsets.get(0), "payload starts in the first mapping and runs into the second");
        assertEquals(3L * SIZE - 16 + 112, ring.consumerPosition());
    }

    @Test
    void readsPastFourGigabytesOfPositions() {
        // Positions are 64-bit byte counts; only their low bits select the place in the ring.
        long start = (1L << 32) - 8;
        KernelRing ring = new KernelRing(SIZE, start);
        byte[] first = payload(4, 1);
        byte[] second = payload(4, 2);
        ring.submit(ring.reserve(first));
        ring.submit(ring.reserve(second));

        Collected read = new Collected();
        assertEquals(2, ring.reader().read(read));

        assertArrayEquals(first, read.payloads.get(0));
        assertArrayEquals(second, read.payloads.get(1));
        assertEquals(start + 32, ring.consumerPosition());
    }

    @Test
    void handsRecordsOverLittleEndian() {
        // TcpSessionDecoder reads the record's integers through the buffer it is handed.
        KernelRing ring = new KernelRing(SIZE, 0);
        ring.submit(ring.reserve(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x0102_0304_0506_0708L).array()));

        long[] value = new long[1];
        ring.reader().read((data, offset, length) -> value[0] = data.getLong(offset));

        assertEquals(0x0102_0304_0506_0708L, value[0]);
    }

    @Test
    void readingAfterCloseFailsAndCloseUnmapsOnce() {
        KernelRing ring = new KernelRing(SIZE, 0);
        RingBufferReader reader = ring.reader();

        reader.close();
        reader.close();

        assertEquals(1, ring.unmaps);
        assertThrows(IllegalStateException.class, () -> reader.read(new Collected()));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 4095, 4097, 6144, 12288})
    void rejectsASizeThatIsNotAPowerOfTwo(int size) {
        assertThrows(IllegalArgumentException.class, () -> new RingBufferReader(page(), page(),
                ByteBuffer.allocateDirect(2 * size), size, () -> { }));
    }

    @ParameterizedTest
    @ValueSource(ints = {4096, 65536})
    void acceptsAPowerOfTwoSize(int size) {
        assertDoesNotThrow(() -> new RingBufferReader(page(), page(), ByteBuffer.allocateDirect(2 * size), size, () -> { }));
    }

    /** Distinct bytes per record, so that a record read from the wrong place shows. */
    private static byte[] payload(int length, int seed) {
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) (seed * 31 + i);
        }
        return payload;
    }

    private static ByteBuffer page() {
        return ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
    }

    /** Copies each record out, since the reader's buffer is only valid during the call. */
    private static final class Collected implements RingBufferReader.RecordHandler {
        final List<byte[]> payloads = new ArrayList<>();
        final List<Integer> offsets = new ArrayList<>();

        @Override
        public void onRecord(ByteBuffer data, int offset, int length) {
            byte[] payload = new byte[length];
            data.get(offset, payload);
            payloads.add(payload);
            offsets.add(offset);
        }
    }

    /** The kernel's side of a BPF ring buffer: what bpf_ringbuf_reserve(), _submit() and _discard() write. */
    private static final class KernelRing {
        private static final int BUSY = 1 << 31;
        private static final int DISCARD = 1 << 30;

        final ByteBuffer consumerPage = page();
        final ByteBuffer producerPage = page();
        final ByteBuffer data;
        final int size;
        int unmaps;

        KernelRing(int size, long startPosition) {
            this.size = size;
            this.data = ByteBuffer.allocateDirect(2 * size).order(ByteOrder.nativeOrder());
            consumerPage.putLong(0, startPosition);
            producerPage.putLong(0, startPosition);
        }

        RingBufferReader reader() {
            return new RingBufferReader(consumerPage, producerPage, data, size, () -> unmaps++);
        }

        long consumerPosition() {
            return consumerPage.getLong(0);
        }

        long producerPosition() {
            return producerPage.getLong(0);
        }

        /** Writes a busy header and the payload, and advances the producer position past the padded record. */
        long reserve(byte[] payload) {
            long position = producerPosition();
            putHeader(position, payload.length | BUSY);
            for (int i = 0; i < payload.length; i++) {
                putByte(position + 8 + i, payload[i]);
            }
            producerPage.putLong(0, position + ((payload.length + 8 + 7) & ~7));
            return position;
        }

        void submit(long position) {
            putHeader(position, header(position) & ~BUSY);
        }

        void discard(long position) {
            putHeader(position, (header(position) & ~BUSY) | DISCARD);
        }

        private int header(long position) {
            return data.getInt((int) (position & (size - 1)));
        }

        /** The length word, then the record's page in the data area, which only the kernel uses. */
        private void putHeader(long position, int lengthWord) {
            int pageOffset = (int) (position & (size - 1)) >>> 12;
            byte[] header = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(lengthWord).putInt(pageOffset).array();
            for (int i = 0; i < header.length; i++) {
                putByte(position + i, header[i]);
            }
        }

        /** Both mappings of the data area show the same byte. */
        private void putByte(long position, byte value) {
            int offset = (int) (position & (size - 1));
            data.put(offset, value);
            data.put(offset + size, value);
        }
    }
}
