package dev.tcplife.jfr.it.workload;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Churns loopback sessions for a while and samples the JVM's memory: {@code SoakWorkload <dir> <seconds>}.
 * Every tenth of the run it writes "elapsed-seconds heap-after-gc-bytes rss-bytes sessions-made" to
 * memory.txt.
 */
public final class SoakWorkload {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long seconds = Long.parseLong(args[1]);
        AgentReady.await();
        List<String> samples = new ArrayList<>();
        long start = System.nanoTime();
        long made = 0;
        try (LoopbackSessions sessions = new LoopbackSessions("soak")) {
            for (int sample = 1; sample <= 10; sample++) {
                long until = start + seconds * 1_000_000_000L * sample / 10;
                while (System.nanoTime() < until) {
                    sessions.make(100, 100);
                    made++;
                    if (made % 64 == 0) {
                        Thread.sleep(1); // leave the machine's other core to the test and the kernel
                    }
                }
                System.gc();
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                samples.add(((System.nanoTime() - start) / 1_000_000_000L) + " " + heap + " " + rss() + " " + made);
            }
        }
        Files.write(dir.resolve("memory.txt"), samples);
        Thread.sleep(2500); // a few statistics periods after the last session, to see the kernel's table empty
    }

    private static long rss() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
