package dev.tcplife.jfr.it;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A short command run to completion: jcmd, the agent's attach and stop, bpftool, sh. */
public record Command(List<String> command, int exitCode, String stdout, String stderr) {
    public static Command run(String... command) throws Exception {
        Process process = new ProcessBuilder(HostPrograms.check(List.of(command))).start();
        CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                return new byte[0];
            }
        });
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out: " + List.of(command));
        }
        return new Command(List.of(command), process.exitValue(), stdout,
                new String(stderr.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return String.join(" ", command) + "\nexit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
}
