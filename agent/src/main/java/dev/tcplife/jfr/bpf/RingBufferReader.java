package dev.tcplife.jfr.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.NativeLibrary;

/**
 * Reads the records of a BPF ring buffer (BPF_MAP_TYPE_RINGBUF, Linux 5.8+) straight from its memory mapping:
 * no system call and no native call per record, so a busy JVM pays nothing per session for the transport.
 *
 * <p>Layout, as the kernel maps it: one read-write page holding the consumer position, then one read-only page
 * holding the producer position, then the data area mapped twice in a row, so that a record that wraps around
 * the end reads as one contiguous range. Each record starts with an 8-byte header: its length, with bit 31 set
 * while the producer is still writing it and bit 30 when it was discarded.
 *
 * <p>One thread reads. {@link #close()} unmaps; reading after that throws {@link IllegalStateException}.
 */
public final class RingBufferReader implements AutoCloseable {
    /** Receives one record: {@code length} bytes at {@code offset} of {@code data} (little-endian), valid only during the call. */
    @FunctionalInterface
    public interface RecordHandler {
        void onRecord(ByteBuffer data, int offset, int length);
    }

    static final int BUSY_BIT = 1 << 31;
    static final int DISCARD_BIT = 1 << 30;
    static final int HEADER_SIZE = 8;


    private final ByteBuffer consumerPage;
    private final ByteBuffer producerPage;
    private final ByteBuffer data;
    private final long mask;
    private final Runnable unmap;
    private boolean closed;

    /**
     * @param consumerPage the consumer position at offset 0, writable
     * @param producerPage the producer position at offset 0
     * @param data the data area, {@code 2 * size} bytes (the same {@code size} bytes twice)
     * @param size the ring's size, a power of two
     * @param unmap releases the mapping
     */
    RingBufferReader(ByteBuffer consumerPage, ByteBuffer producerPage, ByteBuffer data, int size, Runnable unmap) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring buffer size must be a power of two: " + size);
        }
        this.consumerPage = consumerPage;
        this.producerPage = producerPage;
        this.data = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.mask = size - 1L;
        this.unmap = unmap;
    }

    /**
     * Maps the ring buffer map {@code mapFd} of {@code size} bytes.
     *
     * @throws BpfException when the mapping fails
     */
    public static RingBufferReader map(LibC libc, int mapFd, int size) throws BpfException {
        int page = libc.getpagesize();
        long producerLength = page + 2L * size;
        long consumer = libc.mmap(0, page, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, mapFd, 0);
        if (consumer == LibC.MAP_FAILED) {
            throw BpfObject.failure("map the ring buffer's consumer page", NativeLibrary.errno());
        }
        long producer = libc.mmap(0, producerLength, LibC.PROT_READ, LibC.MAP_SHARED, mapFd, page);
        if (producer == LibC.MAP_FAILED) {
            int errno = NativeLibrary.errno();
            libc.munmap(consumer, page);
            throw BpfObject.failure("map the ring buffer's data", errno);
        }
        ByteBuffer producerAndData = DirectBuffers.wrap(producer, (int) producerLength);
        return new RingBufferReader(
                DirectBuffers.wrap(consumer, page),
                producerAndData.slice(0, page),
                producerAndData.slice(page, 2 * size),
                size,
                () -> {
                    libc.munmap(producer, producerLength);
                    libc.munmap(consumer, page);
                });
    }

    /**
     * Hands every complete record to {@code handler}, in order, and releases its space to the producer.
     *
     * @return the number of records read, discarded ones excluded
     */
    public int read(RecordHandler handler) {
        if (closed) {
            throw new IllegalStateException("ring buffer reader is closed");
        }
        long consumer = (long) DirectBuffers.LONGS.getAcquire(consumerPage, 0);
        long producer = (long) DirectBuffers.LONGS.getAcquire(producerPage, 0);
        int records = 0;
        while (consumer < producer) {
            int offset = (int) (consumer & mask);
            int header = (int) DirectBuffers.INTS.getAcquire(data, offset);
            if ((header & BUSY_BIT) != 0) {
                break; // reserved but not yet submitted: the next read continues here
            }
            int length = header & ~(BUSY_BIT | DISCARD_BIT);
            if ((header & DISCARD_BIT) == 0) {
                handler.onRecord(data, offset + HEADER_SIZE, length);
                records++;
            }
            consumer += (length + HEADER_SIZE + 7) & ~7;
            DirectBuffers.LONGS.setRelease(consumerPage, 0, consumer);
        }
        return records;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            unmap.run();
        }
    }
}
