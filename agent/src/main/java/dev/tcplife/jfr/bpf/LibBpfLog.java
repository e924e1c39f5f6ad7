package dev.tcplife.jfr.bpf;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import jnr.ffi.Pointer;

/**
 * libbpf's print callback. libbpf explains most failures only in its log (a verifier message, a missing BTF
 * type), so the first warning after each step is kept to complete the agent's one-line error; everything is printed only in
 * verbose mode.
 */
final class LibBpfLog implements LibBpf.PrintFunction {
    private static final LibBpfLog INSTANCE = new LibBpfLog();
    private static final LibC LIBC = LibC.load();

    private static volatile boolean installed;
    private static volatile Consumer<String> verbose;
    private static volatile String firstWarning;

    private LibBpfLog() {
    }

    static synchronized void install(LibBpf lib) {
        if (!installed) {
            // INSTANCE stays strongly reachable: libbpf holds only a native pointer to its closure.
            lib.libbpf_set_print(INSTANCE);
            installed = true;
        }
    }

    static void verbose(Consumer<String> sink) {
        verbose = sink;
    }

    static void clear() {
        firstWarning = null;
    }

    static String firstWarning() {
        return firstWarning;
    }

    @Override
    public int print(int level, Pointer format, Pointer args) {
        Consumer<String> sink = verbose;
        // libbpf calls this for every debug line of a load, hundreds: only format what someone reads.
        if (level == LibBpf.LIBBPF_DEBUG || level == LibBpf.LIBBPF_INFO && sink == null) {
            return 0;
        }
        // Warnings are rare, and one may hold the verifier's whole log: its last line is the reason.
        byte[] buffer = new byte[level == LibBpf.LIBBPF_WARN ? 1 << 20 : 16384];
        int length = Math.min(LIBC.vsnprintf(buffer, buffer.length, format, args), buffer.length - 1);
        if (length <= 0) {
            return 0;
        }
        String text = new String(buffer, 0, length, StandardCharsets.UTF_8).strip();
        // On kernels that account BPF memory to cgroups (5.11+) the memlock limit is irrelevant: not a cause.
        if (level == LibBpf.LIBBPF_WARN && firstWarning == null && !text.isEmpty() && !text.contains("RLIMIT_MEMLOCK")) {
            firstWarning = mostSpecificLine(text).replaceFirst("^libbpf: ", "");
        }
        if (sink != null) {
            sink.accept(text);
        }
        return length;
    }

    /** The verifier's log arrives as one message; its last line before the end marker says what it rejected. */
    static String mostSpecificLine(String text) {
        String[] lines = text.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (!line.isEmpty() && !line.contains("-- END PROG LOAD LOG --") && !line.startsWith("processed ")) {
                return line;
            }
        }
        return lines[0];
    }
}
