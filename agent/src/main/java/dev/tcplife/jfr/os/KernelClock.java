package dev.tcplife.jfr.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's CLOCK_MONOTONIC, the clock of {@code bpf_ktime_get_ns()}, as seen from this JVM. It is the clock
 * of {@link System#nanoTime()} too, except inside a time namespace, whose offset /proc/self/timens_offsets gives.
 */
public final class KernelClock {
    private static final long TIME_NAMESPACE_OFFSET = timeNamespaceOffset();

    private KernelClock() {
    }

    /** The kernel's CLOCK_MONOTONIC now, in nanoseconds. */
    public static long nowNanos() {
        return System.nanoTime() - TIME_NAMESPACE_OFFSET;
    }

    /** How far this process's monotonic clock runs ahead of the kernel's; 0 outside a time namespace. */
    public static long timeNamespaceOffsetNanos() {
        return TIME_NAMESPACE_OFFSET;
    }

    private static long timeNamespaceOffset() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/timens_offsets"))) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length == 3 && (fields[0].equals("monotonic") || fields[0].equals("1"))) {
                    return Long.parseLong(fields[1]) * 1_000_000_000L + Long.parseLong(fields[2]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no time namespaces on this kernel
        }
        return 0;
    }
}
