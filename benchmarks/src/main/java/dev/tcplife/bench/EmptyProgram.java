package dev.tcplife.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The floor of the kernel measurement: an empty raw tracepoint program on the same tracepoint (empty_program.py),
 * measured over the same hits as the program under test. What it costs per hit is the price of the measurement
 * (bpf_stats_enabled reads the clock twice per run) and of the tracepoint's dispatch on this machine.
 */
final class EmptyProgram implements AutoCloseable {
    private final Child child;
    final int programId;

    private EmptyProgram(Child child, int programId) {
        this.child = child;
        this.programId = programId;
    }

    /** Loads it, or returns null (saying why) where python3 or the system call is not there. */
    static EmptyProgram start(Path work) throws InterruptedException {
        try {
            Path script = work.resolve("empty_program.py");
            try (InputStream in = EmptyProgram.class.getResourceAsStream("empty_program.py")) {
                Files.write(script, in.readAllBytes());
            }
            Child child = Child.start(List.of("python3", script.toString()), work.resolve("empty_program.err"));
            try {
                String line = child.await("@program", 30);
                return new EmptyProgram(child, Integer.parseInt(Child.fields(line).get("id")));
            } catch (IOException e) {
                child.close();
                throw e;
            }
        } catch (IOException e) {
            System.err.println("[bench] no empty program for the floor of the kernel measurement: " + e.getMessage());
            return null;
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        child.process.getOutputStream().close();
        child.awaitExit(30);
        Files.deleteIfExists(child.stderr);
    }
}
