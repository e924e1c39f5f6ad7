package dev.tcplife.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;

/**
 * The program the benchmark runs in each measured JVM, with or without the agent. It talks to the harness
 * through lines on standard output that start with {@code @}:
 *
 * <pre>
 *   java [-javaagent:...] -cp tcplife-benchmarks.jar dev.tcplife.bench.Workload MODE key=value...
 *
 *   churn   loopback sessions to a server in this JVM (`acceptors` threads, default 1), as fast as `clients`
 *           threads (default 2) go: connect, send `payload` bytes (default 8), read them back, the server closes
 *           first (so no client port waits in TIME_WAIT), close.
 *           Warm-up, then a measured window; prints @window-start, @window-end, @result. With `windowAt` (ms
 *           since the epoch), the warm-up lasts until then, whatever the JIT does: two JVMs run side by side
 *           measure the same seconds.
 *   light   the same sessions, `rate` per second from one thread, for `window` ms.
 *   idle    waits for the agent, prints @ready, then does nothing until standard input closes.
 *   probe   start-up and memory: when main began, when the agent was ready, heap and RSS after a GC.
 * </pre>
 *
 * With the agent (the system property tcplife.state exists), every mode first waits until it traces: sessions
 * made before that would be adopted or missed, not measured.
 */
public final class Workload {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private Workload() {
    }

    public static void main(String[] args) throws Exception {
        long mainNanos = System.nanoTime();
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            options.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        long readyNanos = awaitAgent();
        say("@ready main=" + mainNanos + " ready=" + readyNanos);
        switch (args[0]) {
            case "churn" -> churn(intOption(options, "clients", 2), intOption(options, "acceptors", 1),
                    intOption(options, "payload", 8),
                    intOption(options, "warmup", 3000), intOption(options, "window", 6000),
                    Long.parseLong(options.getOrDefault("windowAt", "0")));
            case "light" -> light(intOption(options, "rate", 50), intOption(options, "payload", 8),
                    intOption(options, "window", 10000));
            case "idle" -> {
                InputStream in = System.in;
                while (in.read() >= 0) {
                    // until the harness closes our standard input
                }
            }
            case "probe" -> probe(mainNanos, readyNanos, intOption(options, "settle", 300));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static int intOption(Map<String, String> options, String key, int fallback) {
        String value = options.get(key);
        return value == null ? fallback : Integer.parseInt(value);
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Waits until the agent traces, if it is there; returns System.nanoTime() then, or 0 without an agent. */
    private static long awaitAgent() {
        if (System.getProperty("tcplife.state") == null) {
            return 0;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String state = System.getProperty("tcplife.state", "");
            if (state.equals("tracing")) {
                return System.nanoTime();
            }
            if (state.startsWith("failed") || state.equals("stopped")) {
                throw new IllegalStateException("the agent is not tracing: " + state);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        throw new IllegalStateException("the agent is not tracing after 60 s: " + System.getProperty("tcplife.state"));
    }

    /** A loopback server in this JVM: accept, echo {@code payload} bytes, close first. */
    private static final class Server implements AutoCloseable {
        final ServerSocket socket;
        final List<Thread> acceptors = new ArrayList<>();
        final AtomicLong failures = new AtomicLong();

        Server(int payload, int acceptorThreads) throws IOException {
            socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
            for (int i = 0; i < acceptorThreads; i++) {
                Thread t = new Thread(() -> serve(payload), "bench-acceptor-" + i);
                t.setDaemon(true);
                t.start();
                acceptors.add(t);
            }
        }

        private void serve(int payload) {
            byte[] buffer = new byte[Math.max(1, payload)];
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    if (payload > 0) {
                        InputStream in = s.getInputStream();
                        in.readNBytes(buffer, 0, payload);
                        s.getOutputStream().write(buffer, 0, payload);
                    }
                } catch (IOException e) {
                    if (!socket.isClosed()) {
                        failures.incrementAndGet();
                    }
                }
            }
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            for (Thread t : acceptors) {
                t.join(5000);
            }
        }
    }

    /** One session: connect, send, read the echo, wait for the server's FIN, close. */
    private static void session(InetSocketAddress server, byte[] buffer, int payload) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server);
            InputStream in = s.getInputStream();
            if (payload > 0) {
                OutputStream out = s.getOutputStream();
                out.write(buffer, 0, payload);
                in.readNBytes(buffer, 0, payload);
            }
            while (in.read(buffer) >= 0) {
                // until the server's FIN
            }
        }
    }

    private static void churn(int clients, int acceptors, int payload, int warmupMillis, int windowMillis,
            long windowAtMillis) throws Exception {
        LongAdder made = new LongAdder();
        AtomicLong failures = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        try (Server server = new Server(payload, acceptors)) {
            InetSocketAddress address = server.address();
            AtomicBoolean running = new AtomicBoolean(true);
            for (int i = 0; i < clients; i++) {
                Thread t = new Thread(() -> {
                    byte[] buffer = new byte[Math.max(1, payload)];
                    while (running.get()) {
                        try {
                            session(address, buffer, payload);
                            made.increment();
                        } catch (IOException e) {
                            failures.incrementAndGet();
                        }
                    }
                }, "bench-client-" + i);
                threads.add(t);
            }
            long churnStartWall = System.currentTimeMillis();
            threads.forEach(Thread::start);
            long warmedUp = windowAtMillis > 0 ? warmUpUntil(windowAtMillis) : warmUp(warmupMillis);

            Thread reader = agentReader();
            long startSessions = made.sum();
            long startNanos = System.nanoTime();
            long startWall = System.currentTimeMillis();
            long startCpu = processCpuNanos();
            long startReaderCpu = reader == null ? 0 : THREADS.getThreadCpuTime(reader.getId());
            List<Thread> workers = new ArrayList<>(threads);
            workers.addAll(server.acceptors);
            long startWorkerCpu = cpuNanos(workers);
            long startCompileMillis = compileMillis();
            long[] startVmThreadCpu = vmThreadCpuNanos();
            say("@window-start");
            Thread.sleep(windowMillis);
            long endSessions = made.sum();
            long endNanos = System.nanoTime();
            long endWall = System.currentTimeMillis();
            long endCpu = processCpuNanos();
            long endReaderCpu = reader == null ? 0 : THREADS.getThreadCpuTime(reader.getId());
            long endWorkerCpu = cpuNanos(workers);
            long endCompileMillis = compileMillis();
            long[] endVmThreadCpu = vmThreadCpuNanos();
            say("@window-end");

            running.set(false);
            for (Thread t : threads) {
                t.join();
            }
            Thread.sleep(200); // the last sessions' final ACKs, then the agent's next read
            say("@result made=" + made.sum() + " failures=" + (failures.get() + server.failures.get())
                    + " port=" + address.getPort() + " warmupMillis=" + warmedUp
                    + " windowSessions=" + (endSessions - startSessions) + " windowNanos=" + (endNanos - startNanos)
                    + " cpuNanos=" + (endCpu - startCpu) + " readerCpuNanos=" + (endReaderCpu - startReaderCpu)
                    + " workerCpuNanos=" + (endWorkerCpu - startWorkerCpu)
                    + " compileMillis=" + (endCompileMillis - startCompileMillis)
                    + " compilerCpuNanos=" + (endVmThreadCpu[0] - startVmThreadCpu[0])
                    + " jfrCpuNanos=" + (endVmThreadCpu[1] - startVmThreadCpu[1])
                    + " churnStartMillis=" + churnStartWall + " windowStartMillis=" + startWall
                    + " windowEndMillis=" + endWall);
        }
    }

    /**
     * At least {@code minMillis}, then until the JIT compilers are quiet (under 5% of one compiler thread in each of
     * the last two seconds: one quiet second was often the gap before the agent's event commit path was compiled
     * again after the chunk's rotation, seconds of C2 that then fell in the window), at most 5 s longer: the agent's
     * own code and the instrumented JDK methods start their compilations late, when the agent becomes ready, so a
     * fixed warm-up would measure them only in one case.
     * Half-way through the minimum, JFR's chunk is rotated once: a recording rotates every 12 MB, and its first
     * rotation makes C2 recompile the event writers that run then (JFR's own events at a new chunk widen their
     * profiles), seconds of a compiler thread once per JVM, which would otherwise fall in the window only of the
     * runs that write enough events to rotate (the agent's).
     *
     * @return the warm-up's length in milliseconds
     */
    private static long warmUp(int minMillis) throws InterruptedException {
        long start = System.nanoTime();
        warmUpUntil(System.currentTimeMillis() + minMillis);
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return minMillis;
        }
        long limit = start + TimeUnit.MILLISECONDS.toNanos(minMillis + 5000L);
        long before = jit.getTotalCompilationTime();
        int quietSeconds = 0;
        while (System.nanoTime() < limit && quietSeconds < 2) {
            Thread.sleep(1000);
            long now = jit.getTotalCompilationTime();
            quietSeconds = now - before < 50 ? quietSeconds + 1 : 0;
            before = now;
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /**
     * Until {@code windowAtMillis} (since the epoch), JFR's chunk rotated once half-way (see {@link #warmUp}).
     *
     * @return the warm-up's length in milliseconds
     */
    private static long warmUpUntil(long windowAtMillis) throws InterruptedException {
        long start = System.currentTimeMillis();
        Thread.sleep(Math.max(0, (windowAtMillis - start) / 2));
        rotateRecordingChunk();
        Thread.sleep(Math.max(0, windowAtMillis - System.currentTimeMillis()));
        return System.currentTimeMillis() - start;
    }

    /** Starting a recording while one records to disk makes JFR begin a new chunk; none is started otherwise. */
    private static void rotateRecordingChunk() {
        if (!FlightRecorder.isInitialized() || FlightRecorder.getFlightRecorder().getRecordings().isEmpty()) {
            return;
        }
        try (Recording rotation = new Recording()) {
            rotation.start();
        }
    }

    private static void light(int rate, int payload, int windowMillis) throws Exception {
        long made = 0;
        long failures = 0;
        try (Server server = new Server(payload, 1)) {
            byte[] buffer = new byte[Math.max(1, payload)];
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime();
            long next = start;
            say("@window-start");
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(windowMillis)) {
                try {
                    session(server.address(), buffer, payload);
                    made++;
                } catch (IOException e) {
                    failures++;
                }
                next += interval;
                LockSupport.parkNanos(next - System.nanoTime());
            }
            say("@window-end");
            Thread.sleep(200);
            say("@result made=" + made + " failures=" + (failures + server.failures.get())
                    + " port=" + server.address().getPort());
        }
    }

    private static void probe(long mainNanos, long readyNanos, int settleMillis) throws Exception {
        Thread.sleep(settleMillis);
        System.gc();
        System.gc();
        Thread.sleep(1000); // G1 returns the memory a GC frees concurrently, within a few hundred ms
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long rssKb = 0;
        long peakKb = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rssKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            } else if (line.startsWith("VmHWM:")) {
                peakKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        say("@result main=" + mainNanos + " ready=" + readyNanos
                + " heap=" + memory.getHeapMemoryUsage().getUsed()
                + " nonHeap=" + memory.getNonHeapMemoryUsage().getUsed()
                + " rss=" + rssKb * 1024 + " peakRss=" + peakKb * 1024);
    }

    /** The agent's reader thread, whose CPU time the churn reports; null without the agent. */
    private static Thread agentReader() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("tcplife-sessions")) {
                return t;
            }
        }
        return null;
    }

    /** CPU time of the client and server threads: where the connect and accept hooks run. */
    private static long cpuNanos(List<Thread> threads) {
        long sum = 0;
        for (Thread t : threads) {
            sum += Math.max(0, THREADS.getThreadCpuTime(t.getId()));
        }
        return sum;
    }

    /** The JIT compilers' time so far (CompilationMXBean), in ms; 0 where the JVM does not measure it. */
    private static long compileMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /**
     * CPU time so far of the JVM's JIT compiler threads ("C1 CompilerThread0", "C2 CompilerThread0": no Java threads,
     * so ThreadMXBean does not list them) and of JFR's own threads ("JFR Recorder Thread", "JFR Periodic Tasks", the
     * sampler), from /proc/self/task: on a machine of few cores they take their CPU from the application's threads.
     * Threads that ended in between are not counted.
     */
    private static long[] vmThreadCpuNanos() {
        long[] cpu = new long[2];
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    int group = name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre") ? 0
                            : name.startsWith("JFR ") ? 1 : -1;
                    if (group >= 0) {
                        // the first field of schedstat: time on a CPU, in ns
                        cpu[group] += Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
                    }
                } catch (IOException | RuntimeException ended) {
                    // the thread ended as it was read, or schedstat is missing: not counted
                }
            }
        } catch (IOException noProc) {
            // no /proc/self/task: nothing counted
        }
        return cpu;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
