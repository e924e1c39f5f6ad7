#!/usr/bin/env python3
"""What the building blocks of a BPF program cost per hit of the raw tracepoint inet_sock_set_state, on this machine.

Loads tiny hand-assembled programs side by side on the tracepoint (an empty one, bpf_probe_read_kernel once and ten
times, a miss in a 65536-entry hash map keyed by the socket pointer, bpf_get_current_pid_tgid, bpf_ktime_get_ns),
turns kernel.bpf_stats_enabled on (and restores it), runs the benchmark's churn workload without an agent, and prints
each program's run_time_ns / run_cnt over its window. Subtract the empty program's figure to get a primitive's own
cost. Programs run in the order they were attached: expect about 10 ns of difference from position alone.

    python3 benchmarks/diagnostics/bpf_primitives.py [ROUNDS]     # as root, after scripts/bench has built the jar
"""
import ctypes
import os
import struct
import subprocess
import sys

JAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "tcplife-benchmarks.jar")
SYS_BPF = {"x86_64": 321, "aarch64": 280}[os.uname().machine]
BPF_MAP_CREATE, BPF_PROG_LOAD, BPF_RAW_TRACEPOINT_OPEN = 0, 5, 17
BPF_MAP_TYPE_HASH, BPF_PROG_TYPE_RAW_TRACEPOINT = 1, 17
HELPER_MAP_LOOKUP, HELPER_KTIME, HELPER_PID_TGID, HELPER_PROBE_READ_KERNEL = 1, 5, 14, 113

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
keep = []  # buffers the kernel reads from while loading


def bpf(command, attr):
    result = libc.syscall(SYS_BPF, command, attr, len(attr))
    if result < 0:
        sys.exit("bpf(%d): errno %d" % (command, ctypes.get_errno()))
    return result


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def mov_imm(dst, imm): return insn(0xB7, dst, imm=imm)
def mov_reg(dst, src): return insn(0xBF, dst, src)
def add_imm(dst, imm): return insn(0x07, dst, imm=imm)
def call(helper): return insn(0x85, imm=helper)


EXIT = mov_imm(0, 0) + insn(0x95)
SOCK = insn(0x79, 6, 1, 0)  # r6 = ctx->args[0], the struct sock *


def probe_reads(count):
    body = b""
    for i in range(count):  # 2 bytes from the socket, at a few offsets
        body += mov_reg(1, 10) + add_imm(1, -8) + mov_imm(2, 2) + mov_reg(3, 6) + add_imm(3, 16 + 8 * (i % 8))
        body += call(HELPER_PROBE_READ_KERNEL)
    return body


def load(name, body):
    code = ctypes.create_string_buffer(body + EXIT)
    license = ctypes.create_string_buffer(b"GPL")
    attr = ctypes.create_string_buffer(144)
    struct.pack_into("<IIQQ", attr, 0, BPF_PROG_TYPE_RAW_TRACEPOINT, len(body + EXIT) // 8, ctypes.addressof(code),
                     ctypes.addressof(license))
    struct.pack_into("16s", attr, 48, name.encode())
    fd = bpf(BPF_PROG_LOAD, attr)
    tracepoint = ctypes.create_string_buffer(b"inet_sock_set_state")
    attach = ctypes.create_string_buffer(144)
    struct.pack_into("<QI", attach, 0, ctypes.addressof(tracepoint), fd)
    bpf(BPF_RAW_TRACEPOINT_OPEN, attach)
    keep.extend([code, license, tracepoint])
    return fd


def run_stats(fd):
    info = dict(line.split(":", 1) for line in open("/proc/self/fdinfo/%d" % fd))
    return int(info.get("run_time_ns", "0")), int(info.get("run_cnt", "0"))


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    map_attr = ctypes.create_string_buffer(144)
    struct.pack_into("<IIIII", map_attr, 0, BPF_MAP_TYPE_HASH, 8, 32, 65536, 0)
    map_fd = bpf(BPF_MAP_CREATE, map_attr)
    lookup = (insn(0x7B, 10, 6, -8) + insn(0x18, 1, 1, imm=map_fd) + insn(0) + mov_reg(2, 10) + add_imm(2, -8)
              + call(HELPER_MAP_LOOKUP))
    programs = [
        ("empty", load("prim_empty", b"")),
        ("probe_read_kernel x1", load("prim_read1", SOCK + probe_reads(1))),
        ("probe_read_kernel x10", load("prim_read10", SOCK + probe_reads(10))),
        ("hash map miss", load("prim_lookup", SOCK + lookup)),
        ("get_current_pid_tgid", load("prim_pidtgid", call(HELPER_PID_TGID))),
        ("ktime_get_ns", load("prim_ktime", call(HELPER_KTIME))),
    ]
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        previous = f.read().strip()
    with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
        f.write("1")
    try:
        for _ in range(rounds):
            workload = subprocess.Popen(["java", "-cp", JAR, "dev.tcplife.bench.Workload", "churn", "warmup=2000",
                                         "window=5000"], stdout=subprocess.PIPE, text=True)
            for line in workload.stdout:
                if line.startswith("@window-start"):
                    before = [run_stats(fd) for _, fd in programs]
                elif line.startswith("@window-end"):
                    after = [run_stats(fd) for _, fd in programs]
            workload.wait()
            print("  ".join("%s %.0f ns" % (name, (a[0] - b[0]) / max(1, a[1] - b[1]))
                            for (name, _), b, a in zip(programs, before, after)), flush=True)
    finally:
        with open("/proc/sys/kernel/bpf_stats_enabled", "w") as f:
            f.write(previous)


if __name__ == "__main__":
    main()
