package dev.tcplife.jfr.agent;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tcplife.jfr.bpf.TcpSessionContract;
import dev.tcplife.jfr.agent.AgentOptions.Family;
import dev.tcplife.jfr.agent.AgentOptions.Start;
import dev.tcplife.jfr.log.LogLevel;

class AgentOptionsTest {
    /** Every option the agent documents, in --help order. */
    private static final List<String> KEYS =
            List.of("lport", "rport", "family", "threads", "maxsessions", "ringbuffer", "poll", "libbpf", "log", "start");

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  ", ",", " , ,"})
    void nothingGivenMeansDefaults(String text) {
        assertDefaults(AgentOptions.parse(text));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertDefaults(AgentOptions.defaults());
    }

    @Test
    void parsesEveryOption() {
        AgentOptions options = AgentOptions.parse("lport=8080,rport=5432,family=ipv6,threads=off,maxsessions=1024,"
                + "ringbuffer=64k,poll=5ms,libbpf=/opt/libbpf/libbpf.so.1,log=debug,start=background");

        assertAll(
                () -> assertArrayEquals(new int[] {8080}, options.localPorts()),
                () -> assertArrayEquals(new int[] {5432}, options.remotePorts()),
                () -> assertEquals(Family.IPV6, options.family()),
                () -> assertEquals(false, options.threads()),
                () -> assertEquals(1024, options.maxSessions()),
                () -> assertEquals(64 * 1024, options.ringBufferBytes()),
                () -> assertEquals(5, options.pollMillis()),
                () -> assertEquals("/opt/libbpf/libbpf.so.1", options.libbpf()),
                () -> assertEquals(LogLevel.DEBUG, options.log()),
                () -> assertEquals(Start.BACKGROUND, options.start()));
    }

    @Test
    void startIsWrittenAsTheReadmeWritesIt() {
        assertEquals(Start.BEFORE_MAIN, AgentOptions.parse("start=before-main").start());
        assertEquals("before-main", Start.BEFORE_MAIN.text());
        assertEquals("background", Start.BACKGROUND.text());
    }

    @Test
    void repeatedPortOptionsAccumulateInOrder() {
        AgentOptions options = AgentOptions.parse("lport=443,rport=1,lport=80,rport=65535,lport=8443");

        assertArrayEquals(new int[] {443, 80, 8443}, options.localPorts());
        assertArrayEquals(new int[] {1, 65535}, options.remotePorts());
    }

    @ParameterizedTest
    @ValueSource(strings = {"lport", "rport"})
    void acceptsAsManyPortsPerFilterAsTheKernelHoldsAndRejectsOneMore(String key) {
        int most = TcpSessionContract.MAX_PORTS;
        String all = IntStream.rangeClosed(1, most).mapToObj(port -> key + "=" + port).collect(Collectors.joining(","));
        assertEquals(most, ports(AgentOptions.parse(all), key).length);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse(all + "," + key + "=" + (most + 1)));
        assertTrue(e.getMessage().contains("'" + key + "'") && e.getMessage().contains(String.valueOf(most)),
                e.getMessage());
    }

    @Test
    void unknownOptionIsNamedWithTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("lport=80,colour=blue"));

        assertTrue(e.getMessage().contains("'colour'"), e.getMessage());
        assertTrue(e.getMessage().contains(String.join(", ", KEYS)), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // option text         | option      | value        | part of what the option accepts
            "lport=0               | lport       | 0            | 1-65535",
            "lport=65536           | lport       | 65536        | 1-65535",
            "rport=http            | rport       | http         | 1-65535",
            "rport=-1              | rport       | -1           | 1-65535",
            "family=ipx            | family      | ipx          | all, ipv4 or ipv6",
            "threads=maybe         | threads     | maybe        | on or off",
            "threads               | threads     | (no value)   | on or off",
            "maxsessions=1023      | maxsessions | 1023         | 1024-1048576",
            "maxsessions=1048577   | maxsessions | 1048577      | 1024-1048576",
            "maxsessions=64k       | maxsessions | 64k          | 1024-1048576",
            "ringbuffer=3m         | ringbuffer  | 3m           | a power of two from 64k to 256m",
            "ringbuffer=96k        | ringbuffer  | 96k          | a power of two from 64k to 256m",
            "ringbuffer=32k        | ringbuffer  | 32k          | a power of two from 64k to 256m",
            "ringbuffer=512m       | ringbuffer  | 512m         | a power of two from 64k to 256m",
            "ringbuffer=1g         | ringbuffer  | 1g           | a power of two from 64k to 256m",
            "ringbuffer=m          | ringbuffer  | m            | a power of two from 64k to 256m",
            "poll=5                | poll        | 5            | 1ms-1s",
            "poll=0ms              | poll        | 0ms          | 1ms-1s",
            "poll=1001ms           | poll        | 1001ms       | 1ms-1s",
            "poll=2s               | poll        | 2s           | 1ms-1s",
            "poll=0.5s             | poll        | 0.5s         | 1ms-1s",
            "libbpf=               | libbpf      | ''           | or the path of a libbpf shared library",
            "log=trace             | log         | trace        | error, warn, info or debug",
            "start=before_main     | start       | before_main  | before-main (main waits",
            "start=later           | start       | later        | or background",
    })
    void invalidValueIsNamedWithWhatTheOptionAccepts(String text, String key, String value, String accepted) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(text));

        String message = e.getMessage();
        assertAll(
                () -> assertTrue(message.contains("'" + key + "'"), message),
                () -> assertTrue(message.contains("'" + value + "'"), message),
                () -> assertTrue(message.contains(accepted), message));
    }

    @ParameterizedTest(name = "{0} is {1} bytes")
    @CsvSource({"64k, 65536", "65536, 65536", "128K, 131072", "1m, 1048576", "2M, 2097152", "256m, 268435456"})
    void ringBufferSizesArePowersOfTwoFrom64kTo256m(String value, int expectedBytes) {
        assertEquals(expectedBytes, AgentOptions.parse("ringbuffer=" + value).ringBufferBytes());
    }

    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({"1ms, 1", "20ms, 20", "1000ms, 1000", "1s, 1000", "250MS, 250", "1S, 1000"})
    void pollIntervalsAreFrom1msTo1s(String value, long expectedMillis) {
        assertEquals(expectedMillis, AgentOptions.parse("poll=" + value).pollMillis());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // 17592186044417 * 2^20 = 2^64 + 2^20: wraps to 1m
            "ringbuffer=17592186044417m",
            // 18014398509482048 * 2^10 = 2^64 + 2^16: wraps to 64k
            "ringbuffer=18014398509482048k",
            // 2066035336255469781 * 1000 = 8 modulo 2^64: wraps to 8ms
            "poll=2066035336255469781s",
    })
    void rejectsSizesAndIntervalsThatOverflowWhenScaled(String text) {
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(text), () -> "accepted as ringBufferBytes="
                + AgentOptions.parse(text).ringBufferBytes() + ", pollMillis=" + AgentOptions.parse(text).pollMillis());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"on, true", "off, false", "true, true", "false, false", "yes, true", "no, false", "ON, true", "Off, false"})
    void threadsIsOnOrOff(String value, boolean expected) {
        assertEquals(expected, AgentOptions.parse("threads=" + value).threads());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"all, ALL", "ipv4, IPV4", "ipv6, IPV6", "IPv4, IPV4", "IPV6, IPV6"})
    void familyIgnoresCase(String value, Family expected) {
        assertEquals(expected, AgentOptions.parse("family=" + value).family());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"error, ERROR", "warn, WARN", "info, INFO", "debug, DEBUG", "Debug, DEBUG"})
    void logLevelIgnoresCase(String value, LogLevel expected) {
        assertEquals(expected, AgentOptions.parse("log=" + value).log());
    }

    @Test
    void keysIgnoreCase() {
        AgentOptions options = AgentOptions.parse("LPORT=80,RPort=81,Family=ipv4,THREADS=off,MaxSessions=2048,"
                + "RingBuffer=2m,POLL=50ms,LibBpf=/usr/lib/libbpf.so,LOG=info");

        assertAll(
                () -> assertArrayEquals(new int[] {80}, options.localPorts()),
                () -> assertArrayEquals(new int[] {81}, options.remotePorts()),
                () -> assertEquals(Family.IPV4, options.family()),
                () -> assertEquals(false, options.threads()),
                () -> assertEquals(2048, options.maxSessions()),
                () -> assertEquals(2 << 20, options.ringBufferBytes()),
                () -> assertEquals(50, options.pollMillis()),
                () -> assertEquals("/usr/lib/libbpf.so", options.libbpf()),
                () -> assertEquals(LogLevel.INFO, options.log()));
    }

    @Test
    void libbpfPathKeepsItsCaseAndEverythingAfterTheFirstEquals() {
        assertEquals("/Opt/LibBPF=1/libbpf.so", AgentOptions.parse("libbpf=/Opt/LibBPF=1/libbpf.so").libbpf());
    }

    @Test
    void toleratesWhitespaceAndEmptyItems() {
        AgentOptions options = AgentOptions.parse(" , lport = 80 ,, rport=443\t,  family =  ipv4  ,poll= 1s ,");

        assertArrayEquals(new int[] {80}, options.localPorts());
        assertArrayEquals(new int[] {443}, options.remotePorts());
        assertEquals(Family.IPV4, options.family());
        assertEquals(1000, options.pollMillis());
    }

    @Test
    void helpHasOneLinePerOption() {
        List<String> firstWords = AgentOptions.help().lines().map(line -> line.strip().split("\\s+")[0]).toList();

        assertEquals(KEYS, firstWords);
    }

    private static void assertDefaults(AgentOptions options) {
        assertAll(
                () -> assertArrayEquals(new int[0], options.localPorts()),
                () -> assertArrayEquals(new int[0], options.remotePorts()),
                () -> assertEquals(Family.ALL, options.family()),
                () -> assertEquals(true, options.threads()),
                () -> assertEquals(65536, options.maxSessions()),
                () -> assertEquals(1 << 20, options.ringBufferBytes()),
                () -> assertEquals(20, options.pollMillis()),
                () -> assertNull(options.libbpf()),
                () -> assertEquals(LogLevel.WARN, options.log()),
                () -> assertEquals(Start.BEFORE_MAIN, options.start()));
    }

    private static int[] ports(AgentOptions options, String key) {
        return key.equals("lport") ? options.localPorts() : options.remotePorts();
    }
}
