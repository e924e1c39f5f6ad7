package dev.tcplife.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the harness asks of the machine: commands, BPF program statistics, /proc. */
final class Host {
    static final Path TRACEFS = Path.of("/sys/kernel/tracing");
    private static final Path BPF_STATS = Path.of("/proc/sys/kernel/bpf_stats_enabled");

    private Host() {
    }

    /** Runs a command to completion and returns its standard output; fails on a non-zero exit. */
    static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + process.exitValue() + ": " + text.strip());
        }
        return text;
    }

    /** The output of a command, or {@code fallback} when it cannot run. */
    static String runOr(String fallback, String... command) {
        try {
            return run(command).strip();
        } catch (IOException e) {
            return fallback;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback;
        }
    }

    /** Whether an executable named {@code command} is on the PATH. */
    static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    static String bpfStatsEnabled() throws IOException {
        return Files.readString(BPF_STATS).strip();
    }

    static void setBpfStats(String value) throws IOException, InterruptedException {
        run("sysctl", "-q", "-w", "kernel.bpf_stats_enabled=" + value);
    }

    /** The ids of the BPF programs that process {@code pid} holds, through a program or link descriptor. */
    static Set<Integer> programIds(long pid) throws IOException {
        Set<Integer> ids = new TreeSet<>();
        Path fds = Path.of("/proc", Long.toString(pid), "fd");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(fds)) {
            for (Path fd : entries) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (!target.contains("bpf-prog") && !target.contains("bpf_link")) {
                    continue;
                }
                try {
                    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "fdinfo",
                            fd.getFileName().toString()))) {
                        if (line.startsWith("prog_id:")) {
                            ids.add(Integer.parseInt(line.substring(8).strip()));
                        }
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return ids;
    }

    /** Waits until {@code pid} holds a BPF program whose name starts with {@code namePrefix}; returns its id. */
    static int awaitProgram(long pid, String namePrefix, long timeoutSeconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            for (int id : programIds(pid)) {
                if (programStats(id).name().startsWith(namePrefix)) {
                    return id;
                }
            }
            Thread.sleep(20);
        }
        throw new IOException("pid " + pid + " holds no BPF program " + namePrefix + "* after " + timeoutSeconds
                + " s");
    }

    /** A program's name and run-time statistics, as {@code bpftool prog show} reports them. */
    record ProgramStats(String name, long runTimeNs, long runCount) {
    }

    private static final Pattern NAME = Pattern.compile("\"name\":\"([^\"]*)\"");
    private static final Pattern RUN_TIME = Pattern.compile("\"run_time_ns\":(\\d+)");
    private static final Pattern RUN_CNT = Pattern.compile("\"run_cnt\":(\\d+)");

    static ProgramStats programStats(int id) throws IOException, InterruptedException {
        String json = run("bpftool", "-j", "prog", "show", "id", Integer.toString(id));
        Matcher name = NAME.matcher(json);
        Matcher time = RUN_TIME.matcher(json);
        Matcher count = RUN_CNT.matcher(json);
        return new ProgramStats(name.find() ? name.group(1) : "?", time.find() ? Long.parseLong(time.group(1)) : 0,
                count.find() ? Long.parseLong(count.group(1)) : 0);
    }

    static boolean tracefsMounted() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] fields = line.split(" ");
            if (fields.length > 2 && fields[1].equals(TRACEFS.toString()) && fields[2].equals("tracefs")) {
                return true;
            }
        }
        return false;
    }

    /** The CPU time a process has used so far (user + system), in nanoseconds, at the kernel's tick resolution. */
    static long cpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    /** Machine-wide CPU time so far, in nanoseconds: busy (all but idle and iowait), and stolen by the hypervisor. */
    record CpuTimes(long busyNanos, long stealNanos) {
    }

    static CpuTimes cpuTimes() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i : new int[] {1, 2, 3, 6, 7, 8}) { // user nice system irq softirq steal (guest is within user)
            busy += Long.parseLong(f[i]);
        }
        return new CpuTimes(busy * 10_000_000L, Long.parseLong(f[8]) * 10_000_000L);
    }

    /** Whether {@code pid} holds a descriptor whose link target contains {@code kind}. */
    static boolean holds(long pid, String kind) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : entries) {
                try {
                    if (Files.readSymbolicLink(fd).toString().contains(kind)) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return false;
    }

    static String firstLine(Path file, String prefix) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (String line : lines) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        } catch (IOException e) {
            // not there
        }
        return "";
    }
}
