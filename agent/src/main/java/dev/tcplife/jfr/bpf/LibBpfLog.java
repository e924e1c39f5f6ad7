package dev.tcplife.jfr.bpf;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Closure;
import com.kenai.jffi.ClosureManager;
import com.kenai.jffi.Type;

import dev.tcplife.jfr.os.LibC;

/**
 * libbpf's print callback. libbpf explains most failures only in its log (a verifier message, a missing BTF
 * type), so the first warning after each step is kept to complete the agent's one-line error; everything is printed only in
 * verbose mode.
 */
final class LibBpfLog implements Closure {
    private static final LibBpfLog INSTANCE = new LibBpfLog();
    private static final LibC LIBC = LibC.load();

    private static volatile boolean installed;
    private static Closure.Handle handle;
    private static volatile Consumer<String> verbose;
    private static volatile String firstWarning;

    private LibBpfLog() {
    }

    static synchronized void install(LibBpf lib) {
        if (!installed) {
            // The handle stays strongly reachable: libbpf holds only the native address of its closure.
            handle = ClosureManager.getInstance().newClosure(INSTANCE, CallContext.getCallContext(Type.SINT32,
                    new Type[] {Type.SINT32, Type.POINTER, Type.POINTER}, CallingConvention.DEFAULT, false));
            lib.libbpf_set_print(handle.getAddress());
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

    /** libbpf's {@code int print(enum libbpf_print_level level, const char *format, va_list args)}. */
    @Override
    public void invoke(Closure.Buffer call) {
        call.setIntReturn(print(call.getInt(0), call.getAddress(1), call.getAddress(2)));
    }

    private int print(int level, long format, long args) {
        Consumer<String> sink = verbose;
        // libbpf calls this for every debug line of a load, hundreds: only format what someone reads.
        if (level == LibBpf.LIBBPF_DEBUG || level == LibBpf.LIBBPF_INFO && sink == null) {
            return 0;
        }
        // Warnings are rare, and one may hold the verifier's whole log: its last line is the reason.
        byte[] buffer = new byte[level == LibBpf.LIBBPF_WARN ? 1 << 20 : 16384];
        int length = Math.min(LIBC.vsnprintf(buffer, format, args), buffer.length - 1);
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
