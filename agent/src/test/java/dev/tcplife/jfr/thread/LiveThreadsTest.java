package dev.tcplife.jfr.thread;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Thread.print's header lines, as JDK 17 and JDK 25 print them (taken from real dumps on this machine). */
class LiveThreadsTest {

    @Test
    void jdk17HexadecimalNid() {
        String dump = """
                2026-12-02 00:58:41
                Full thread dump OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing):

                "main" #1 prio=5 os_prio=0 cpu=26.63ms elapsed=1.72s tid=0x00007f4ca0017ea0 nid=0x5a7e waiting on condition  [0x00007f4ca79fe000]
                   java.lang.Thread.State: TIMED_WAITING (sleeping)
                \tat java.lang.Thread.sleep(java.base@17.0.15/Native Method)

                "Reference Handler" #2 daemon prio=10 os_prio=0 cpu=0.15ms elapsed=1.70s tid=0x00007f4ca00f8390 nid=0x5a85 waiting on condition  [0x00007f4ca451f000]
                "VM Thread" os_prio=0 cpu=0.93ms elapsed=1.86s tid=0x00007f20240affc0 nid=0x5a80 runnable
                """;
        assertEquals(List.of(
                new LiveThreads.Dumped("main", 1, 0x5a7e, 1_720_000_000L),
                new LiveThreads.Dumped("Reference Handler", 2, 0x5a85, 1_700_000_000L)), LiveThreads.parse(dump));
    }

    @Test
    void jdk25DecimalNidAndANameWithQuotes() {
        String dump = """
                "main" #3 [6079] prio=5 os_prio=0 cpu=50.36ms elapsed=1.87s tid=0x00007f202402a810 nid=6079 waiting on condition  [0x00007f202831e000]
                "my "quoted" #7 thread" #21 [6115] prio=5 os_prio=0 cpu=0.42ms elapsed=1.82s tid=0x00007f20240dc500 nid=6115 waiting on condition  [0x00007f1ff57fe000]
                "G1 Service" os_prio=0 cpu=0.09ms elapsed=1.88s tid=0x00007f2024089640 nid=6091 runnable
                """;
        assertEquals(List.of(
                new LiveThreads.Dumped("main", 3, 6079, 1_870_000_000L),
                new LiveThreads.Dumped("my \"quoted\" #7 thread", 21, 6115, 1_820_000_000L)), LiveThreads.parse(dump));
    }

    @Test
    void aDecimalCommaAsSomeLocalesPrintIt() {
        String dump = "\"pool-1-thread-1\" #25 daemon prio=5 os_prio=0 cpu=1,50ms elapsed=12,25s tid=0x1 nid=0x10 runnable\n";
        assertEquals(List.of(new LiveThreads.Dumped("pool-1-thread-1", 25, 16, 12_250_000_000L)), LiveThreads.parse(dump));
    }
}
