package dev.tcplife.jfr.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.kenai.jffi.MemoryIO;

/** Views of native memory as {@link ByteBuffer}s: Java reads the kernel's mappings with no native call per access. */
final class DirectBuffers {
    private DirectBuffers() {
    }

    /** A direct buffer over {@code capacity} bytes at {@code address}; it does not own the memory. */
    static ByteBuffer wrap(long address, int capacity) {
        return MemoryIO.getInstance().newDirectByteBuffer(address, capacity).order(ByteOrder.nativeOrder());
    }
}
