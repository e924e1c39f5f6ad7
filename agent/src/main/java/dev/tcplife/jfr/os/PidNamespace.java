package dev.tcplife.jfr.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A PID namespace, named as {@code bpf_get_ns_current_pid_tgid()} wants it: the device and inode of its nsfs file.
 * Comparing the JVM's own PID inside its own namespace keeps attribution exact in containers, where the
 * kernel's global PID differs from the one the JVM knows.
 *
 * @param kernelDevice the nsfs device in the kernel's internal encoding (major &lt;&lt; 20 | minor)
 * @param inode the namespace's inode number
 */
public record PidNamespace(long kernelDevice, long inode) {

    /** The namespace of the calling process, from {@code /proc/self/ns/pid}. */
    public static PidNamespace current() throws IOException {
        Path path = Path.of("/proc/self/ns/pid");
        long device = ((Number) Files.getAttribute(path, "unix:dev")).longValue();
        long inode = ((Number) Files.getAttribute(path, "unix:ino")).longValue();
        return new PidNamespace(kernelDevice(device), inode);
    }

    /** stat(2) reports st_dev in glibc's encoding; the kernel compares its own dev_t (MKDEV). */
    static long kernelDevice(long statDevice) {
        long major = ((statDevice >>> 8) & 0xfff) | ((statDevice >>> 32) & ~0xfffL);
        long minor = (statDevice & 0xff) | ((statDevice >>> 12) & ~0xffL);
        return (major << 20) | minor;
    }
}
