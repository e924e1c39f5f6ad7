package dev.tcplife.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The anchor: libbpf-tools {@code tcplife} tracing every TCP session of the host, its output to /dev/null. It
 * attaches through tracefs, which this harness mounts for the duration of one such measurement only, when it is
 * not mounted already, and unmounts again when the measurement ends (the agent itself never needs it).
 */
final class HostTcplife implements AutoCloseable {
    static final String PROGRAM = "/usr/sbin/tcplife";
    private static final Pattern LOST = Pattern.compile("lost (\\d+) events");

    private final Process process;
    private final Path stderr;
    private final boolean mountedTracefs;
    private final int programId;
    private final long startCpuNanos;
    private long cpuNanos = -1;
    private boolean closed;

    private HostTcplife(Process process, Path stderr, boolean mountedTracefs, int programId) throws IOException {
        this.process = process;
        this.stderr = stderr;
        this.mountedTracefs = mountedTracefs;
        this.programId = programId;
        this.startCpuNanos = Host.cpuNanos(process.pid());
    }

    static HostTcplife start(Path stderr) throws IOException, InterruptedException {
        boolean mounted = false;
        if (!Host.tracefsMounted()) {
            Host.run("mount", "-t", "tracefs", "tracefs", Host.TRACEFS.toString());
            mounted = true;
            CleanUp.tracefsMountedByUs(true);
        }
        Process process = null;
        try {
            process = new ProcessBuilder(PROGRAM)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(stderr.toFile())
                    .start();
            CleanUp.track(process);
            int id = Host.awaitProgram(process.pid(), "inet_sock_set", 30);
            // attached once its perf buffer is polled: the epoll descriptor comes last
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Host.holds(process.pid(), "eventpoll")) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("tcplife did not start: " + Files.readString(stderr).strip());
                }
                Thread.sleep(20);
            }
            Thread.sleep(100);
            return new HostTcplife(process, stderr, mounted, id);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (process != null) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            if (mounted) {
                unmountTracefs();
            }
            throw e;
        }
    }

    int programId() {
        return programId;
    }

    long pid() {
        return process.pid();
    }

    /** CPU time tcplife used since it was attached, up to its stop. */
    long cpuNanos() throws IOException {
        return cpuNanos >= 0 ? cpuNanos : Host.cpuNanos(process.pid()) - startCpuNanos;
    }

    /** Events tcplife reported lost (its perf buffer overflowed), from its standard error. */
    long lostEvents() throws IOException {
        long lost = 0;
        Matcher m = LOST.matcher(Files.readString(stderr));
        while (m.find()) {
            lost += Long.parseLong(m.group(1));
        }
        return lost;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                cpuNanos = Host.cpuNanos(process.pid()) - startCpuNanos;
                Host.run("kill", "-INT", Long.toString(process.pid()));
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            if (mountedTracefs) {
                unmountTracefs();
            }
        }
    }

    /** Unmounts tracefs, which this harness mounted; retries while a process still holds it. */
    static void unmountTracefs() throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                if (Host.tracefsMounted()) {
                    Host.run("umount", Host.TRACEFS.toString());
                }
                CleanUp.tracefsMountedByUs(false);
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new IOException("could not unmount " + Host.TRACEFS + ", which the benchmark mounted: unmount it by hand",
                last);
    }

    static List<String> version() {
        return List.of(Host.runOr("?", "dpkg-query", "-W", "-f", "${Version}", "libbpf-tools"));
    }
}
