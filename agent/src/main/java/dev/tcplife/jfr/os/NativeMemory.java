package dev.tcplife.jfr.os;

import java.nio.charset.StandardCharsets;

import com.kenai.jffi.MemoryIO;

/**
 * A block of native memory the agent allocates (zeroed), for what a C function reads or fills: freed by
 * {@link #close}, at the end of a call (try-with-resources) or of the object that keeps it.
 */
public final class NativeMemory implements AutoCloseable {
    private static final MemoryIO IO = MemoryIO.getInstance();

    private final long address;
    private final long size;
    private boolean freed;

    private NativeMemory(long address, long size) {
        this.address = address;
        this.size = size;
    }

    public static NativeMemory allocate(long size) {
        long address = IO.allocateMemory(Math.max(1, size), true);
        if (address == 0) {
            throw new OutOfMemoryError("native memory: " + size + " bytes");
        }
        return new NativeMemory(address, size);
    }

    /** A copy of {@code bytes}. */
    public static NativeMemory of(byte[] bytes) {
        NativeMemory memory = allocate(bytes.length);
        IO.putByteArray(memory.address, bytes, 0, bytes.length);
        return memory;
    }

    /** {@code text} as a NUL-terminated C string. */
    public static NativeMemory cString(String text) {
        return of((text + "\0").getBytes(StandardCharsets.UTF_8));
    }

    public long address() {
        return address;
    }

    public long size() {
        return size;
    }

    public void putInt(long offset, int value) {
        check(offset, Integer.BYTES);
        IO.putInt(address + offset, value);
    }

    public int getInt(long offset) {
        check(offset, Integer.BYTES);
        return IO.getInt(address + offset);
    }

    public void putLong(long offset, long value) {
        check(offset, Long.BYTES);
        IO.putLong(address + offset, value);
    }

    public long getLong(long offset) {
        check(offset, Long.BYTES);
        return IO.getLong(address + offset);
    }

    void get(long offset, byte[] target, int length) {
        check(offset, length);
        IO.getByteArray(address + offset, target, 0, length);
    }

    /** The NUL-terminated C string at {@code address} (not the agent's memory: a library's), as UTF-8. */
    static String string(long address) {
        return address == 0 ? null : new String(IO.getZeroTerminatedByteArray(address), StandardCharsets.UTF_8);
    }

    private void check(long offset, int length) {
        if (freed || offset < 0 || offset + length > size) {
            throw new IndexOutOfBoundsException(freed ? "freed" : offset + "+" + length + " of " + size);
        }
    }

    @Override
    public void close() {
        if (!freed) {
            freed = true;
            IO.freeMemory(address);
        }
    }
}
