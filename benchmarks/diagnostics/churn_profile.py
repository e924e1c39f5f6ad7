#!/usr/bin/env python3
"""Where each microsecond of a churn session goes, with the agent and without: a system-wide CPU profile.

Runs the benchmark's churn workload (loopback sessions, both ends in one JVM, recording with default.jfc and
tcplife.jfc) once with the agent and once without, samples every CPU with `perf record -a -g` over the measured
window, and prints CPU microseconds per session: per thread group of the JVM (the application's threads split into
Java code, the kernel outside BPF, and the agent's BPF programs), the BPF programs by part (the tracepoint's
dispatch into them, each function of the program, the clock reads, the ring buffer, the listener hash map), and the
agent's reader thread by compiled method (the JVM writes its perf map at exit). Sampling, not counting: figures
below about 0.05 us per session are a handful of samples; the kernel bench (bpf_stats) counts, this places.

    python3 benchmarks/diagnostics/churn_profile.py [SECONDS] [--keep DIR] [--options AGENT_OPTIONS]

As root, after scripts/bench has built the jars; JAVA_HOME selects the JDK. --options threads=off, for one, runs
the agent without its socket hooks. --keep leaves the perf recordings in DIR (agent.data, none.data) and the JVMs' perf maps in /tmp, where
`perf report` finds them; without it, both are removed.

Installs perf (linux-perf) when it is missing, through scripts/prerequisites.sh.
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BENCH_JAR = os.path.join(ROOT, "benchmarks", "target", "tcplife-benchmarks.jar")
AGENT_JAR = os.path.join(ROOT, "agent", "target", "tcplife-agent.jar")
TEMPLATE = os.path.join(ROOT, "jfr-templates", "tcplife.jfc")
FREQUENCY = 2999  # samples per second per CPU: off the timer's multiples
WARMUP_MILLIS = 15000

# Leaf symbols under the BPF dispatch, by the part of the work they are.
PARTS = [
    ("tracepoint dispatch (bpf_trace_run, RCU, the call into the program)",
     re.compile(r"^(bpf_trace_run\d|__bpf_trace_|__rcu_read_|migrate_|__x86_indirect_thunk|__traceiter_)")),
    ("clock reads (bpf_ktime_get_ns)", re.compile(r"ktime|read_tsc|kvm_clock")),
    ("ring buffer (reserve, submit)", re.compile(r"ringbuf")),
    ("listener hash map lookups", re.compile(r"htab|lookup_nulls_elem|memcmp|jhash")),
]


def install_perf():
    subprocess.run(["bash", "-c", 'source scripts/prerequisites.sh && require_programs diagnostics && install_required'],
                   cwd=ROOT, check=True)


def churn(with_agent, seconds, data, options):
    """Runs one churn JVM; records perf over its window. Returns (sessions in the window, the JVM's pid)."""
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    command = [java, "-XX:+UnlockDiagnosticVMOptions", "-XX:+DumpPerfMapAtExit",
               "-XX:StartFlightRecording=filename=%s.jfr,settings=default,settings=%s" % (data, TEMPLATE)]
    if with_agent:
        command.append("-javaagent:" + AGENT_JAR + ("=" + options if options else ""))
    command += ["-cp", BENCH_JAR, "dev.tcplife.bench.Workload", "churn", "warmup=%d" % WARMUP_MILLIS,
                "window=%d" % (seconds * 1000)]
    workload = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    perf = None
    result = {}
    for line in workload.stdout:
        if line.startswith("@window-start"):
            perf = subprocess.Popen(["perf", "record", "-q", "-a", "-g", "-F", str(FREQUENCY), "-o", data, "--",
                                     "sleep", str(seconds)], stderr=subprocess.DEVNULL)
        elif line.startswith("@result"):
            result = dict(word.split("=", 1) for word in line.split()[1:])
    if workload.wait() != 0 or perf is None or perf.wait() != 0:
        sys.exit("the churn JVM or perf failed")
    return int(result["windowSessions"]) * 1e9 / int(result["windowNanos"]) * seconds, workload.pid


def samples(data):
    """(comm, pid, [(symbol, object) from the leaf up]) for every sample of the recording."""
    script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,tid,ip,sym,dso"], capture_output=True,
                            text=True, check=True).stdout
    for block in script.split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        header = re.match(r"^\s*(.*?)\s+(\d+)/(\d+)", lines[0]) if lines else None
        if not header:
            continue
        frames = []
        for line in lines[1:]:
            frame = re.match(r"^\s*[0-9a-f]+ (.*) \((.*)\)$", line)
            frames.append((frame.group(1), frame.group(2)) if frame else ("?", "?"))
        yield header.group(1), int(header.group(2)), frames


def group(comm):
    if comm.startswith("bench-"):
        return "application threads"
    if comm.startswith("tcplife-"):
        return "the agent's threads"
    if "CompilerThre" in comm:
        return "JIT compilers"
    if comm.startswith("JFR"):
        return "JFR's threads"
    if comm.startswith(("GC Thread", "G1 ")):
        return "GC threads"
    return "the JVM's other threads"


def bpf_part(frames):
    """The part of the BPF programs' work a sample is in, or None outside them."""
    if not any(symbol.startswith("bpf_trace_run") for symbol, _ in frames):
        return None
    leaf = frames[0][0]
    for name, pattern in PARTS:
        if pattern.search(leaf):
            return name
    if leaf.startswith("bpf_prog_"):
        return "program code: " + re.sub(r"^bpf_prog_[0-9a-f]+_", "", leaf.split("+")[0])
    return "other helpers and kernel functions they call"


def profile(with_agent, seconds, workdir, keep, options):
    data = os.path.join(workdir, "agent.data" if with_agent else "none.data")
    sessions, pid = churn(with_agent, seconds, data, options)
    threads = collections.Counter()
    parts = collections.Counter()
    reader = collections.Counter()
    for comm, sample_pid, frames in samples(data):
        part = bpf_part(frames)
        if part:
            parts[part] += 1
        if sample_pid != pid or not frames:
            continue
        where = group(comm)
        if where == "application threads":
            in_kernel = frames[0][1].startswith("[kernel") or frames[0][0].startswith("bpf_prog_")
            where += ": " + ("BPF programs" if part else "kernel, outside BPF" if in_kernel else "Java and the JVM")
        threads[where] += 1
        if comm.startswith("tcplife-sessio"):
            reader[re.sub(r"\(.*", "", frames[0][0])] += 1
    if not keep and os.path.exists("/tmp/perf-%d.map" % pid):
        os.remove("/tmp/perf-%d.map" % pid)
    return sessions, 1e6 / FREQUENCY / sessions, threads, parts, reader


def table(title, rows, columns):
    print("\n**%s**\n" % title)
    print("| | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main():
    parser = argparse.ArgumentParser(description="Where each microsecond of a churn session goes.")
    parser.add_argument("seconds", nargs="?", type=int, default=10, help="the measured window (default 10)")
    parser.add_argument("--keep", metavar="DIR", help="leave the perf recordings in DIR, the perf maps in /tmp")
    parser.add_argument("--options", metavar="AGENT_OPTIONS", help="the agent's options, threads=off for one")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: perf samples the kernel and the agent loads BPF programs")
    for jar in (BENCH_JAR, AGENT_JAR):
        if not os.path.exists(jar):
            sys.exit("%s is missing: run scripts/bench --quick --only kernel first, which builds it" % jar)
    install_perf()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.keep or scratch
        os.makedirs(workdir, exist_ok=True)
        runs = {label: profile(label == "agent", args.seconds, workdir, args.keep, args.options)
                for label in ("agent", "no agent")}
    print("CPU: %s, %d CPUs; %d s windows; perf -F %d on every CPU; agent options: %s"
          % (cpu, os.cpu_count(), args.seconds, FREQUENCY, args.options or "none"))
    print("Sessions in the window: agent %.0f, no agent %.0f" % (runs["agent"][0], runs["no agent"][0]))

    def us(run, key, which):
        _, scale, threads, parts, _ = runs[run]
        return {"threads": threads, "parts": parts}[which][key] * scale

    keys = sorted(set(runs["agent"][2]) | set(runs["no agent"][2]))
    rows = [[key, "%.2f" % us("agent", key, "threads"), "%.2f" % us("no agent", key, "threads")] for key in keys]
    rows.append(["**the JVM, all threads**", "%.2f" % sum(us("agent", k, "threads") for k in keys),
                 "%.2f" % sum(us("no agent", k, "threads") for k in keys)])
    table("CPU µs per session, by thread", rows, ["agent", "no agent"])

    parts = runs["agent"][3]
    total = sum(parts.values())
    rows = [[key, "%.3f" % us("agent", key, "parts"), "%.0f%%" % (100.0 * count / total)]
            for key, count in parts.most_common()]
    rows.append(["**all BPF work, every process's sockets**", "%.3f" % (total * runs["agent"][1]), "100%"])
    table("The BPF programs, µs per session (samples under bpf_trace_run, on any thread)", rows, ["µs", "share"])

    reader = runs["agent"][4]
    total = sum(reader.values()) or 1
    rows = [[key[:110], "%.3f" % (count * runs["agent"][1]), "%.0f%%" % (100.0 * count / total)]
            for key, count in reader.most_common(15)]
    table("The agent's reader thread by leaf (compiled methods by name; inlined callees count as their caller)",
          rows, ["µs", "share"])


if __name__ == "__main__":
    main()
