package dev.tcplife.jfr.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.tcplife.jfr.os.Errno;
import dev.tcplife.jfr.os.NativeMemory;

/** One map of a loaded {@link BpfObject}, by file descriptor; keys and values are raw native-order bytes. */
public final class BpfMap {
    private final LibBpf lib;
    private final String name;
    private final int fd;

    BpfMap(LibBpf lib, String name, int fd) {
        this.lib = lib;
        this.name = name;
        this.fd = fd;
    }

    /** Reads the value at {@code key} into {@code value}; false if there is none. */
    public boolean lookup(byte[] key, NativeMemory value) {
        return lib.bpf_map_lookup_elem(fd, key, value) == 0;
    }

    /**
     * Inserts a new entry; false if the key exists already.
     *
     * @throws BpfException when the map is full or the kernel refuses
     */
    public boolean insert(byte[] key, byte[] value) throws BpfException {
        int error = lib.bpf_map_update_elem(fd, key, value, LibBpf.BPF_NOEXIST);
        if (error == 0) {
            return true;
        }
        int errno = -error;
        if (errno == Errno.EEXIST) {
            return false;
        }
        throw BpfObject.failure("insert into map " + name, errno);
    }

    /** Deletes the entry at {@code key}; false if there was none (or the kernel deleted it first). */
    public boolean delete(byte[] key) {
        return lib.bpf_map_delete_elem(fd, key) == 0;
    }

    int fd() {
        return fd;
    }

    /** A __u32 key or value: the index of an array map's slot, or a set's placeholder value. */
    static byte[] intBytes(int value) {
        return ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder()).putInt(value).array();
    }
}
