# The floor of the kernel measurement: loads the empty BPF program "r0 = 0; exit" as a raw tracepoint program on
# inet_sock_set_state, like the agent's, prints its id and holds it until standard input closes. Its run time per
# hit is what bpf_stats_enabled itself and the tracepoint's dispatch cost on this machine. Python's ctypes, so
# that the harness needs neither a compiler nor bpffs.
import ctypes
import struct
import sys

SYS_BPF = {"x86_64": 321, "aarch64": 280}
BPF_PROG_LOAD = 5
BPF_RAW_TRACEPOINT_OPEN = 17
BPF_PROG_TYPE_RAW_TRACEPOINT = 17

machine = __import__("os").uname().machine
if machine not in SYS_BPF:
    sys.exit("no bpf() system call number for " + machine)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(command, attr):
    result = libc.syscall(SYS_BPF[machine], command, attr, len(attr))
    if result < 0:
        sys.exit("bpf(%d): errno %d" % (command, ctypes.get_errno()))
    return result


instructions = ctypes.create_string_buffer(struct.pack("<BBhi", 0xB7, 0, 0, 0) + struct.pack("<BBhi", 0x95, 0, 0, 0))
license = ctypes.create_string_buffer(b"GPL")
load = ctypes.create_string_buffer(144)
struct.pack_into("<IIQQ", load, 0, BPF_PROG_TYPE_RAW_TRACEPOINT, 2, ctypes.addressof(instructions),
                 ctypes.addressof(license))
struct.pack_into("16s", load, 48, b"bench_empty")
program = bpf(BPF_PROG_LOAD, load)
tracepoint = ctypes.create_string_buffer(b"inet_sock_set_state")
attach = ctypes.create_string_buffer(144)
struct.pack_into("<QI", attach, 0, ctypes.addressof(tracepoint), program)
bpf(BPF_RAW_TRACEPOINT_OPEN, attach)
with open("/proc/self/fdinfo/%d" % program) as info:
    for line in info:
        if line.startswith("prog_id:"):
            print("@program id=" + line.split()[1], flush=True)
sys.stdin.read()
