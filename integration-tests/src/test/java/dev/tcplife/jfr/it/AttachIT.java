package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jdk.jfr.consumer.RecordedEvent;

import dev.tcplife.jfr.it.workload.AttachWorkload;
import dev.tcplife.jfr.it.workload.ChurnWorkload;
import dev.tcplife.jfr.it.workload.ExpectedSession;
import dev.tcplife.jfr.it.workload.FileSignal;

/**
 * The agent attached to a running JVM ({@code java -jar tcplife-agent.jar attach <pid>}) and detached again
 * ({@code stop <pid>}): sessions older than the agent are recorded when they end, with their full byte counts,
 * and after stop nothing of the agent is left in the kernel.
 */
class AttachIT extends BpfIntegrationTest {
    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void sessionsOlderThanTheAgent(Path jdk, @TempDir Path dir) throws Exception {
        AgentRun.Running workload = startWithoutAgent(jdk, dir, "attach");
        try {
            FileSignal.await(dir.resolve("ready"), workload::isAlive);
            startRecording(jdk, workload.pid(), dir);
            long attachBegin = now();
            Command attach = agentCommand(jdk, "attach", workload.pid());
            long attachEnd = now();
            assertEquals(0, attach.exitCode(), attach.toString());
            assertTrue(attach.stdout().contains("tracing"), attach.toString());
            Set<Long> programs = programsHeldBy(workload.pid());
            // Attaching again changes nothing: no second program, no second adoption (which would record the old
            // sessions twice, or date them later than the first attach).
            Command again = agentCommand(jdk, "attach", workload.pid());
            assertEquals(0, again.exitCode(), again.toString());
            assertTrue(again.stdout().contains("tracing"), again.toString());
            assertEquals(programs, programsHeldBy(workload.pid()), "programs after a second attach");
            FileSignal.send(dir.resolve("go"));
            AgentRun.Result run = workload.await();

            // An old session's event starts when the agent adopted it, during the first attach command.
            List<ExpectedSession> expected = new ArrayList<>();
            for (ExpectedSession session : ExpectedSession.parseAll(Files.readAllLines(dir.resolve("truth.tsv")))) {
                expected.add(isOld(session) ? session.withOpenBracket(attachBegin, attachEnd) : session);
            }
            assertEquals(2 * 4, expected.stream().filter(AttachIT::isOld).count());
            SessionAssertions.assertRun(run, expected, new SessionAssertions.Options().pid(workload.pid())
                    .startNotObserved(AttachIT::isOld));
        } finally {
            workload.destroy();
        }
    }

    /**
     * Issue 10's snapshot race: a listener accepts all the time, and clients hold their sessions open a little, while
     * the agent attaches. Every session that ends after tracing began is recorded, both ends, each once (those
     * already open when it began with no thread); none that ended before.
     */
    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void aListenerAcceptingWhileTheAgentAttaches(Path jdk, @TempDir Path dir) throws Exception {
        Path truth = dir.resolve("truth.tsv");
        Path churning = dir.resolve("churning");
        AgentRun run = AgentRun.on(jdk).withoutAgent().withoutRecording();
        if (Jdks.featureVersion(jdk) >= 21) {
            run.jvmOption("-XX:+EnableDynamicAgentLoading");
        }
        AgentRun.Running workload = run.start(dir, ChurnWorkload.class, truth.toString(), "0", "2", "3",
                churning.toString());
        try {
            FileSignal.await(churning, workload::isAlive);
            startRecording(jdk, workload.pid(), dir);
            Thread.sleep(200);
            long attachBegin = now();
            Command attach = agentCommand(jdk, "attach", workload.pid());
            assertEquals(0, attach.exitCode(), attach.toString());
            Thread.sleep(500);
            FileSignal.send(churning.resolveSibling(churning.getFileName() + ".stop"));
            ChurnRun churn = ChurnRun.of(workload.await(), truth);

            RecordedEvent statistics = churn.statistics();
            assertFalse(statistics.getBoolean("tracedFromMain"), statistics.toString());
            churn.assertRecordedSince(statistics.getInstant("tracingStart"), attachBegin);
            System.out.println("attach while accepting: " + churn.ends().size() + " session ends, "
                    + statistics.getLong("sessionsAdopted") + " adopted, " + statistics.getLong("sessionsRecorded")
                    + " recorded");
        } finally {
            workload.destroy();
        }
    }

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void stopReleasesTheKernelProgram(Path jdk, @TempDir Path dir) throws Exception {
        AgentRun.Running workload = startWithoutAgent(jdk, dir, "stop");
        try {
            FileSignal.await(dir.resolve("ready"), workload::isAlive);
            long pid = workload.pid();
            assertTrue(programsHeldBy(pid).isEmpty(), "no BPF program before the agent");
            startRecording(jdk, pid, dir);
            Command attach = agentCommand(jdk, "attach", pid);
            assertEquals(0, attach.exitCode(), attach.toString());
            Set<Long> programs = programsHeldBy(pid);
            assertFalse(programs.isEmpty(), "the attached agent holds its program: " + bpfFds(pid));
            assertTrue(loadedPrograms().containsAll(programs), "bpftool lists the agent's program " + programs);

            FileSignal.send(dir.resolve("go"));
            FileSignal.await(dir.resolve("traced"), workload::isAlive);
            Command stop = agentCommand(jdk, "stop", pid);
            assertEquals(0, stop.exitCode(), stop.toString());
            assertTrue(stop.stdout().contains("stopped"), stop.toString());

            // Nothing of the agent is left: no BPF file descriptor in the JVM, and the kernel has unloaded the
            // program (freeing it may lag the close by an RCU grace period: wait for that, briefly).
            assertEquals(List.of(), bpfFds(pid), "BPF objects still open in the JVM after stop");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Set<Long> stillLoaded = new HashSet<>(programs);
            while (!(stillLoaded = intersection(programs, loadedPrograms())).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(Set.of(), stillLoaded, "bpftool still lists the agent's program after stop");
            // Where bpftool can name the processes holding a program (built with its pid iterator), none is this.
            Command show = Command.run("bpftool", "--json", "prog", "show");
            assertFalse(Pattern.compile("\"pid\":" + pid + "\\b").matcher(show.stdout()).find(), show.toString());

            FileSignal.send(dir.resolve("go-after-stop"));
            AgentRun.Result run = workload.await();

            // Exactly the sessions made while tracing: those made after stop are not there.
            List<RecordedEvent> events = SessionAssertions.assertRun(run, dir.resolve("truth.tsv"),
                    new SessionAssertions.Options().pid(pid));
            List<ExpectedSession> untraced = ExpectedSession.parseAll(Files.readAllLines(dir.resolve("untraced.tsv")));
            assertFalse(untraced.isEmpty());
            Set<String> untracedKeys = untraced.stream().map(ExpectedSession::key).collect(Collectors.toSet());
            for (RecordedEvent event : events) {
                String key = event.getString("role") + " " + event.getInt("localPort") + " " + event.getInt("remotePort");
                assertFalse(untracedKeys.contains(key), "recorded after stop: " + event);
            }
        } finally {
            workload.destroy();
        }
    }

    /** stop on a JVM that never loaded the agent says so, succeeds, and leaves the JVM running. */
    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void stopWithoutTheAgent(Path jdk, @TempDir Path dir) throws Exception {
        AgentRun.Running workload = startWithoutAgent(jdk, dir, "idle");
        try {
            FileSignal.await(dir.resolve("ready"), workload::isAlive);
            Command stop = agentCommand(jdk, "stop", workload.pid());
            assertEquals(0, stop.exitCode(), stop.toString());
            assertTrue(stop.stdout().contains("the agent is not loaded"), stop.toString());
            assertTrue(workload.isAlive());
            assertEquals(List.of(), bpfFds(workload.pid()));
            FileSignal.send(dir.resolve("exit"));
            AgentRun.Result run = workload.await();
            assertEquals(0, run.exitCode(), run.describe());
            assertFalse(run.stderr().contains("[tcplife]"), run.describe());
        } finally {
            workload.destroy();
        }
    }

    private static boolean isOld(ExpectedSession session) {
        return session.scenario().startsWith("old-");
    }

    /** The workload JVM as an application runs it: no agent, no recording, dynamic agents allowed (JDK 21+). */
    static AgentRun.Running startWithoutAgent(Path jdk, Path dir, String mode) throws IOException {
        AgentRun run = AgentRun.on(jdk).withoutAgent().withoutRecording();
        if (Jdks.featureVersion(jdk) >= 21) {
            run.jvmOption("-XX:+EnableDynamicAgentLoading");
        }
        return run.start(dir, AttachWorkload.class, dir.toString(), mode);
    }

    /** Starts the recording as a user would on a running JVM; AgentRun.Result reads it from recording.jfr. */
    static void startRecording(Path jdk, long pid, Path dir) throws Exception {
        Command jcmd = Command.run(jdk.resolve("bin/jcmd").toString(), Long.toString(pid), "JFR.start", "name=t",
                "settings=" + AgentRun.TEMPLATE.toAbsolutePath(), "filename=" + dir.resolve("recording.jfr"),
                "dumponexit=true");
        assertEquals(0, jcmd.exitCode(), jcmd.toString());
        assertTrue(jcmd.stdout().contains("Started recording"), jcmd.toString());
    }

    static Command agentCommand(Path jdk, String command, long pid) throws Exception {
        return Command.run(Jdks.java(jdk).toString(), "-jar", AgentRun.AGENT_JAR.toAbsolutePath().toString(),
                command, Long.toString(pid));
    }

    /** The ids of the BPF programs that {@code pid} holds a file descriptor to, directly or through a link. */
    static Set<Long> programsHeldBy(long pid) throws IOException {
        Set<Long> ids = new HashSet<>();
        for (String fdinfo : bpfFds(pid)) {
            Matcher id = Pattern.compile("(?m)^prog_id:\\s+(\\d+)").matcher(fdinfo);
            while (id.find()) {
                ids.add(Long.parseLong(id.group(1)));
            }
        }
        return ids;
    }

    /** The fdinfo of every BPF object (program, map, link) that {@code pid} has open. */
    static List<String> bpfFds(long pid) throws IOException {
        List<String> bpf = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith("anon_inode:bpf")) {
                    String info = Files.readString(Path.of("/proc", Long.toString(pid), "fdinfo",
                            fd.getFileName().toString()));
                    bpf.add(target + "\n" + info);
                }
            }
        }
        return bpf;
    }

    /** The programs loaded in the kernel, as `bpftool prog show` lists them (the host's, any process's). */
    static Set<Long> loadedPrograms() throws Exception {
        Command bpftool = Command.run("bpftool", "--json", "prog", "show");
        assertEquals(0, bpftool.exitCode(), bpftool.toString());
        Set<Long> ids = new HashSet<>();
        Matcher id = Pattern.compile("\\{\"id\":(\\d+)").matcher(bpftool.stdout());
        while (id.find()) {
            ids.add(Long.parseLong(id.group(1)));
        }
        return ids;
    }

    private static Set<Long> intersection(Set<Long> a, Set<Long> b) {
        Set<Long> both = new HashSet<>(a);
        both.retainAll(b);
        return both;
    }

    static long now() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
