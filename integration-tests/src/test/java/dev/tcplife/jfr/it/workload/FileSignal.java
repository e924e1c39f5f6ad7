package dev.tcplife.jfr.it.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.BooleanSupplier;

/**
 * Coordination between the test and its processes through files: one side creates a file (atomically, with its
 * content complete), the other waits for it. Works across PID, network and mount namespaces, which share the
 * file system here.
 */
public final class FileSignal {
    private static final long DEFAULT_TIMEOUT_NANOS = 120_000_000_000L;

    private FileSignal() {
    }

    /** Writes {@code content} to {@code file} so that a reader never sees it half-written. */
    public static void send(Path file, String content) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, content, StandardCharsets.UTF_8);
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
    }

    public static void send(Path file) throws IOException {
        send(file, "");
    }

    /** Waits until {@code file} exists and returns its content. */
    public static String await(Path file) throws IOException, InterruptedException {
        return await(file, () -> true);
    }

    /**
     * Waits until {@code file} exists, failing early once {@code stillWaiting} says the other side is gone (a
     * process that died before it signalled).
     */
    public static String await(Path file, BooleanSupplier stillWaiting) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + DEFAULT_TIMEOUT_NANOS;
        while (!Files.exists(file)) {
            if (!stillWaiting.getAsBoolean()) {
                throw new IllegalStateException("gave up waiting for " + file + ": its writer has ended");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("no " + file + " after 120 s");
            }
            Thread.sleep(5);
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
