package dev.tcplife.jfr.bpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wire-format facts of {@code bpf/src/main/c/tcp_session.h} as TcpSessionContractTest reads them: the offsets
 * and sizes its _Static_asserts pin, its #defines, its structs and their members, and the order of its enums.
 *
 * <p>Parsing is strict: an assert, #define or member that does not parse fails, so that a reformatted header cannot
 * make the test pass by checking nothing.
 */
final class TcpSessionHeader {
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);
    private static final Pattern OFFSET_ASSERT = Pattern.compile(
            "_Static_assert\\(\\s*__builtin_offsetof\\(\\s*struct\\s+(\\w+)\\s*,\\s*(\\w+)\\s*\\)\\s*==\\s*([^,]+?)\\s*,"
                    + "\\s*\"[^\"]*\"\\s*\\)\\s*;");
    private static final Pattern SIZE_ASSERT = Pattern.compile(
            "_Static_assert\\(\\s*sizeof\\(\\s*struct\\s+(\\w+)\\s*\\)\\s*==\\s*([^,]+?)\\s*,\\s*\"[^\"]*\"\\s*\\)\\s*;");
    private static final Pattern STRUCT = Pattern.compile("struct\\s+(\\w+)\\s*\\{");
    private static final Pattern DEFINE = Pattern.compile("#define\\s+(\\w+)(?:\\s+(.+))?");
    private static final Pattern MEMBER = Pattern.compile("__u(?:8|16|32|64)\\s+(\\w+)\\s*(?:\\[\\w+])?\\s*;");

    /** The header without its comments, which may span lines and hold anything. */
    private final String code;

    private TcpSessionHeader(String text) {
        this.code = COMMENT.matcher(text).replaceAll(" ");
    }

    /** The header named by the system property {@code tcplife.header}, which surefire sets (agent/pom.xml). */
    static TcpSessionHeader load() {
        String path = System.getProperty("tcplife.header");
        if (path == null) {
            throw new IllegalStateException("system property tcplife.header must name bpf/src/main/c/tcp_session.h");
        }
        try {
            return new TcpSessionHeader(Files.readString(Path.of(path)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Member name to offset, from every {@code _Static_assert(__builtin_offsetof(struct s, m) == N, ...)} of {@code struct}. */
    Map<String, Integer> assertedOffsets(String struct) {
        Map<String, Integer> offsets = new LinkedHashMap<>();
        Matcher assertion = OFFSET_ASSERT.matcher(code);
        int asserts = 0;
        while (assertion.find()) {
            asserts++;
            if (assertion.group(1).equals(struct)
                    && offsets.put(assertion.group(2), evaluate(assertion.group(3))) != null) {
                throw new IllegalStateException("offset of " + struct + "." + assertion.group(2) + " asserted twice");
            }
        }
        if (asserts != code.split("__builtin_offsetof", -1).length - 1) {
            throw new IllegalStateException("an offset assert is not understood");
        }
        if (offsets.isEmpty()) {
            throw new IllegalStateException("no offset asserts for struct " + struct);
        }
        return offsets;
    }

    /** Struct name to size, from every {@code _Static_assert(sizeof(struct s) == N, ...)}. */
    Map<String, Integer> assertedSizes() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        Matcher assertion = SIZE_ASSERT.matcher(code);
        while (assertion.find()) {
            if (sizes.put(assertion.group(1), evaluate(assertion.group(2))) != null) {
                throw new IllegalStateException("size of struct " + assertion.group(1) + " asserted twice");
            }
        }
        if (sizes.size() != code.split("sizeof", -1).length - 1) {
            throw new IllegalStateException("a size assert is not understood");
        }
        return sizes;
    }

    /** The names of the structs the header declares, in order. */
    List<String> structs() {
        List<String> structs = new ArrayList<>();
        Matcher struct = STRUCT.matcher(code);
        while (struct.find()) {
            structs.add(struct.group(1));
        }
        return structs;
    }

    /** Every #define that has a value, with the text of that value. */
    private Map<String, String> defineTexts() {
        Map<String, String> defines = new LinkedHashMap<>();
        for (String line : lines()) {
            if (!line.startsWith("#define")) {
                continue;
            }
            Matcher define = DEFINE.matcher(line);
            if (!define.matches()) {
                throw new IllegalStateException("#define not understood: " + line);
            }
            if (define.group(2) != null) { // else the include guard
                defines.put(define.group(1), define.group(2));
            }
        }
        return defines;
    }

    /** Every #define that has a value, with that value. */
    Map<String, Integer> defines() {
        Map<String, Integer> defines = new LinkedHashMap<>();
        defineTexts().forEach((name, text) -> defines.put(name, evaluate(text)));
        return defines;
    }

    private int define(String name) {
        String text = defineTexts().get(name);
        if (text == null) {
            throw new IllegalStateException("no #define " + name);
        }
        return evaluate(text);
    }

    /** Member names of {@code struct} in declaration order. */
    List<String> members(String struct) {
        List<String> members = new ArrayList<>();
        for (String line : block("struct " + struct + " {")) {
            Matcher member = MEMBER.matcher(line);
            if (!member.matches()) {
                throw new IllegalStateException("member of struct " + struct + " not understood: " + line);
            }
            members.add(member.group(1));
        }
        return members;
    }

    /** Enumerator names of {@code enum name} in order; implicit values only, so order is value. */
    List<String> enumerators(String name) {
        List<String> enumerators = new ArrayList<>();
        for (String line : block("enum " + name + " {")) {
            if (!line.matches("\\w+,?")) {
                throw new IllegalStateException("enumerator of " + name + " not understood (explicit value?): " + line);
            }
            enumerators.add(line.replace(",", ""));
        }
        return enumerators;
    }

    private List<String> lines() {
        return code.lines().map(String::strip).toList();
    }

    /** The non-blank lines between {@code opening} and the next {@code };}. */
    private List<String> block(String opening) {
        List<String> lines = lines();
        int start = lines.indexOf(opening);
        if (start < 0) {
            throw new IllegalStateException("no '" + opening + "' line");
        }
        List<String> body = new ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.equals("};")) {
                return body;
            }
            if (!line.isEmpty()) {
                body.add(line);
            }
        }
        throw new IllegalStateException("'" + opening + "' is not closed");
    }

    /**
     * The value of the integer expressions the header writes: numbers, #defined names, {@code +}, {@code *} and
     * {@code <<}, in C's precedence, with parentheses only around the whole.
     */
    private int evaluate(String expression) {
        String e = expression.strip();
        if (e.startsWith("(") && e.endsWith(")")) {
            return evaluate(e.substring(1, e.length() - 1));
        }
        int shift = e.lastIndexOf("<<");
        if (shift >= 0) {
            return evaluate(e.substring(0, shift)) << evaluate(e.substring(shift + 2));
        }
        int plus = e.lastIndexOf('+');
        if (plus >= 0) {
            return evaluate(e.substring(0, plus)) + evaluate(e.substring(plus + 1));
        }
        int times = e.lastIndexOf('*');
        if (times >= 0) {
            return evaluate(e.substring(0, times)) * evaluate(e.substring(times + 1));
        }
        if (e.matches("\\d+")) {
            return Integer.parseInt(e);
        }
        if (e.matches("[A-Z_][A-Z0-9_]*")) {
            return define(e);
        }
        throw new IllegalStateException("expression not understood: " + expression);
    }
}
