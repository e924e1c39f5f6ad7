package dev.tcplife.jfr.bpf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.kenai.jffi.MemoryIO;

/** Views of native memory as {@link ByteBuffer}s: Java reads the kernel's mappings with no native call per access. */
final class DirectBuffers {
    /** Atomic and ordered access to the ints and longs of such a buffer, which the kernel reads and writes too. */
    static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private DirectBuffers() {
    }

    /** A direct buffer over {@code capacity} bytes at {@code address}; it does not own the memory. */
    static ByteBuffer wrap(long address, int capacity) {
        return MemoryIO.getInstance().newDirectByteBuffer(address, capacity).order(ByteOrder.nativeOrder());
    }
}
