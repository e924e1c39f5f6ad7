#!/usr/bin/env python3
"""Where each microsecond of a churn session goes, with the agent and without: a system-wide CPU profile.

Runs the benchmark's churn workload (loopback sessions, both ends in one JVM, recording with default.jfc and
tcplife.jfc) once with the agent and once without, samples every CPU with `perf record -a -g` over the measured
window, and prints CPU microseconds per session: per thread group of the JVM (the application's threads split into
Java code, the kernel outside BPF, and the agent's BPF programs), the BPF programs by part (the tracepoint's
dispatch into them, each function of the program, the clock reads, the ring buffer, the listener hash map), and the
agent's reader thread by compiled method (the JVM writes its perf map at exit). Sampling, not counting: figures
below about 0.05 us per session are a handful of samples; the kernel bench (bpf_stats) counts, this places.

    python3 benchmarks/diagnostics/churn_profile.py [SECONDS] [--keep DIR] [--options AGENT_OPTIONS] [--annotate N]
                                                    [--hooks]

As root, after scripts/bench has built the jars; JAVA_HOME selects the JDK. --options threads=off, for one, runs
the agent without its socket hooks. --annotate N prints, for each function of the BPF programs, its N most sampled
instructions with the few before them: the programs' machine code is fetched from the kernel while they run
(BPF_OBJ_GET_INFO_BY_FD; bpftool can only disassemble when built with libbfd) and disassembled with objdump. A
sample lands on the instruction after the one that held it up: a load that missed the cache, a locked operation.
--hooks times the agent's socket hooks where they run, in the application's connect and accept: both JVMs keep
their frame pointers (so that perf walks the Java stack) and the JIT compiles the hooks' class on its own instead of
into the JDK's socket methods (so that its samples can be told apart); that adds a call per hook, an upper bound.
--keep leaves the perf recordings in DIR (agent.data, none.data) and the JVMs' perf maps in /tmp, where
`perf report` finds them; without it, both are removed.

Installs perf and objdump (linux-perf, binutils) when they are missing, through scripts/prerequisites.sh.
"""
import argparse
import collections
import ctypes
import os
import re
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BENCH_JAR = os.path.join(ROOT, "benchmarks", "target", "tcplife-benchmarks.jar")
AGENT_JAR = os.path.join(ROOT, "agent", "target", "tcplife-agent.jar")
TEMPLATE = os.path.join(ROOT, "jfr-templates", "tcplife.jfc")
FREQUENCY = 2999  # samples per second per CPU: off the timer's multiples
HOOKS_CLASS = "sun.nio.ch.TcplifeSocketHooks"  # the agent's copy of SocketHooks in java.base (JdkHookInjector)
WARMUP_MILLIS = 15000

# Leaf symbols under the BPF dispatch, by the part of the work they are.
PARTS = [
    ("tracepoint dispatch (bpf_trace_run, RCU, the call into the program)",
     re.compile(r"^(bpf_trace_run\d|__bpf_trace_|__rcu_read_|migrate_|__x86_indirect_thunk|__traceiter_)")),
    ("clock reads (bpf_ktime_get_ns)", re.compile(r"ktime|read_tsc|kvm_clock")),
    ("ring buffer (reserve, submit)", re.compile(r"ringbuf")),
    ("listener hash map lookups", re.compile(r"htab|lookup_nulls_elem|memcmp|jhash")),
]
PROGRAMS = ("tcp_session_set_state", "tcp_session_destroy_sock")  # the agent's, as bpf/src/main/c names them
SYS_BPF = {"x86_64": 321, "aarch64": 280}[os.uname().machine]
BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD = 11, 13, 15
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def install_tools():
    subprocess.run(["bash", "-c", 'source scripts/prerequisites.sh && require_programs diagnostics && install_required'],
                   cwd=ROOT, check=True)


def bpf(command, attr):
    result = libc.syscall(SYS_BPF, command, attr, ctypes.sizeof(attr))
    if result < 0:
        raise OSError(ctypes.get_errno(), "bpf(%d): %s" % (command, os.strerror(ctypes.get_errno())))
    return result


def prog_info(fd, extra=()):
    """struct bpf_prog_info of the program behind fd; extra: (offset, format, value) to set before asking."""
    info = ctypes.create_string_buffer(256)
    for offset, fmt, value in extra:
        struct.pack_into(fmt, info, offset, value)
    attr = ctypes.create_string_buffer(struct.pack("<IIQ", fd, len(info), ctypes.addressof(info)), 128)
    bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
    return info


def machine_code():
    """{function name: its JIT-compiled bytes} for the agent's loaded programs and their subprograms."""
    kallsyms = {}
    with open("/proc/kallsyms") as symbols:
        for line in symbols:
            address, _, name = line.split()[:3]
            if name.startswith("bpf_prog_"):
                kallsyms[int(address, 16)] = re.sub(r"^bpf_prog_[0-9a-f]+_", "", name)
    functions = {}
    next_id = 0
    while True:
        attr = ctypes.create_string_buffer(struct.pack("<I", next_id), 128)
        try:
            bpf(BPF_PROG_GET_NEXT_ID, attr)
        except OSError:
            return functions
        next_id = struct.unpack_from("<I", attr, 4)[0]
        try:
            fd = bpf(BPF_PROG_GET_FD_BY_ID, ctypes.create_string_buffer(struct.pack("<I", next_id), 128))
        except OSError:
            continue  # gone meanwhile
        try:
            info = prog_info(fd)
            # the kernel keeps 15 characters of a program's name
            if info.raw[64:80].split(b"\0")[0].decode() not in (name[:15] for name in PROGRAMS):
                continue
            length, = struct.unpack_from("<I", info, 16)
            count, lengths_count = struct.unpack_from("<II", info, 104)
            image = ctypes.create_string_buffer(length)
            addresses = (ctypes.c_uint64 * count)()
            lengths = (ctypes.c_uint32 * lengths_count)()
            prog_info(fd, [(16, "<I", length), (24, "<Q", ctypes.addressof(image)), (104, "<I", count),
                           (108, "<I", lengths_count), (112, "<Q", ctypes.addressof(addresses)),
                           (120, "<Q", ctypes.addressof(lengths))])
            offset = 0
            for address, size in zip(addresses, lengths):
                # each program has its own copy of a subprogram; perf names both alike and counts them together
                functions.setdefault(kallsyms.get(address, "%x" % address), image.raw[offset:offset + size])
                offset += size
        finally:
            os.close(fd)


def annotate(functions, offsets, top):
    """Prints each function's most sampled instructions (samples by offset), with the three before each."""
    for name, code in sorted(functions.items(), key=lambda item: -sum(offsets[item[0]].values())):
        samples = offsets[name]
        if not samples:
            continue
        with tempfile.NamedTemporaryFile(suffix=".bin") as binary:
            binary.write(code)
            binary.flush()
            listing = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", binary.name],
                                     capture_output=True, text=True, check=True).stdout
        # "offset:<TAB>bytes<TAB>instruction"; a long instruction's last bytes go on a line of their own
        lines = [(int(fields[0].strip().rstrip(":"), 16), fields[2].strip()) for fields in
                 (line.split("\t") for line in listing.splitlines())
                 if len(fields) >= 3 and re.match(r"^\s*[0-9a-f]+:$", fields[0])]
        print("\n`%s`: %d samples, %d bytes of machine code\n" % (name, sum(samples.values()), len(code)))
        print("```")
        index = {offset: i for i, (offset, _) in enumerate(lines)}
        for offset, count in samples.most_common(top):
            i = index.get(offset)
            if i is None:
                continue
            for before in range(max(0, i - 3), i):
                print("      %4x  %s" % lines[before])
            print("%5d %4x  %s" % (count, offset, lines[i][1]))
            print("      ...")
        print("```")


def churn(with_agent, seconds, data, options, code, hooks):
    """Runs one churn JVM; records perf over its window, and fills code with the BPF programs' machine code then.
    Returns (sessions in the window, the JVM's pid)."""
    java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
    command = [java, "-XX:+UnlockDiagnosticVMOptions", "-XX:+DumpPerfMapAtExit",
               "-XX:StartFlightRecording=filename=%s.jfr,settings=default,settings=%s" % (data, TEMPLATE)]
    if hooks:
        command += ["-XX:+PreserveFramePointer", "-XX:CompileCommand=quiet",
                    "-XX:CompileCommand=dontinline,%s::*" % HOOKS_CLASS]
    if with_agent:
        command.append("-javaagent:" + AGENT_JAR + ("=" + options if options else ""))
    command += ["-cp", BENCH_JAR, "dev.tcplife.bench.Workload", "churn", "warmup=%d" % WARMUP_MILLIS,
                "window=%d" % (seconds * 1000)]
    workload = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    perf = None
    result = {}
    for line in workload.stdout:
        if line.startswith("@window-start"):
            if with_agent and code is not None:
                code.update(machine_code())
            perf = subprocess.Popen(["perf", "record", "-q", "-a", "-g", "-F", str(FREQUENCY), "-o", data, "--",
                                     "sleep", str(seconds)], stderr=subprocess.DEVNULL)
        elif line.startswith("@result"):
            result = dict(word.split("=", 1) for word in line.split()[1:])
    if workload.wait() != 0 or perf is None or perf.wait() != 0:
        sys.exit("the churn JVM or perf failed")
    return int(result["windowSessions"]) * 1e9 / int(result["windowNanos"]) * seconds, workload.pid


def samples(data):
    """(comm, pid, [(symbol, object) from the leaf up]) for every sample of the recording."""
    script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,pid,tid,ip,sym,symoff,dso"], capture_output=True,
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


def profile(with_agent, seconds, workdir, keep, options, code, hooks):
    data = os.path.join(workdir, "agent.data" if with_agent else "none.data")
    sessions, pid = churn(with_agent, seconds, data, options, code, hooks)
    threads = collections.Counter()
    parts = collections.Counter()
    reader = collections.Counter()
    offsets = collections.defaultdict(collections.Counter)
    hooked = 0  # samples of the application's threads with the hooks' class on their stack
    for comm, sample_pid, frames in samples(data):
        part = bpf_part(frames)
        if part:
            parts[part] += 1
            leaf = re.match(r"^bpf_prog_[0-9a-f]+_(\w+)\+0x([0-9a-f]+)$", frames[0][0])
            if leaf:
                offsets[leaf.group(1)][int(leaf.group(2), 16)] += 1
        if sample_pid != pid or not frames:
            continue
        where = group(comm)
        if where == "application threads":
            in_kernel = frames[0][1].startswith("[kernel") or frames[0][0].startswith("bpf_prog_")
            where += ": " + ("BPF programs" if part else "kernel, outside BPF" if in_kernel else "Java and the JVM")
            if hooks and any(HOOKS_CLASS in symbol for symbol, _ in frames):
                hooked += 1
        threads[where] += 1
        if comm.startswith("tcplife-sessio"):
            reader[re.sub(r"\(.*|\+0x[0-9a-f]+$", "", frames[0][0])] += 1
    if not keep and os.path.exists("/tmp/perf-%d.map" % pid):
        os.remove("/tmp/perf-%d.map" % pid)
    return sessions, 1e6 / FREQUENCY / sessions, threads, parts, reader, offsets, hooked


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
    parser.add_argument("--annotate", metavar="N", type=int, help="the N most sampled instructions of each function")
    parser.add_argument("--hooks", action="store_true", help="time the agent's socket hooks in the application's calls")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: perf samples the kernel and the agent loads BPF programs")
    for jar in (BENCH_JAR, AGENT_JAR):
        if not os.path.exists(jar):
            sys.exit("%s is missing: run scripts/bench --quick --only kernel first, which builds it" % jar)
    install_tools()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.keep or scratch
        os.makedirs(workdir, exist_ok=True)
        code = {} if args.annotate else None
        runs = {label: profile(label == "agent", args.seconds, workdir, args.keep, args.options, code, args.hooks)
                for label in ("agent", "no agent")}
    print("CPU: %s, %d CPUs; %d s windows; perf -F %d on every CPU; agent options: %s%s"
          % (cpu, os.cpu_count(), args.seconds, FREQUENCY, args.options or "none",
             "; frame pointers kept and the hooks compiled on their own (--hooks)" if args.hooks else ""))
    print("Sessions in the window: agent %.0f, no agent %.0f" % (runs["agent"][0], runs["no agent"][0]))

    def us(run, key, which):
        _, scale, threads, parts, _, _, _ = runs[run]
        return {"threads": threads, "parts": parts}[which][key] * scale

    keys = sorted(set(runs["agent"][2]) | set(runs["no agent"][2]))
    rows = [[key, "%.2f" % us("agent", key, "threads"), "%.2f" % us("no agent", key, "threads")] for key in keys]
    rows.append(["**the JVM, all threads**", "%.2f" % sum(us("agent", k, "threads") for k in keys),
                 "%.2f" % sum(us("no agent", k, "threads") for k in keys)])
    if args.hooks:
        rows.append(["of the application's threads, under the agent's socket hooks (connect, accept)",
                     "%.3f" % (runs["agent"][6] * runs["agent"][1]), "n/a"])
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

    if code is not None:
        annotate(code, runs["agent"][5], args.annotate)


if __name__ == "__main__":
    main()
