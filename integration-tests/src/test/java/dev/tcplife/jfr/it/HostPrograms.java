package dev.tcplife.jfr.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The host programs the tests start, held to {@code scripts/host-programs}: the list from which scripts/test
 * installs them. Every process a test starts passes {@link #check} first, so a test that starts a program the list
 * does not name fails at once on any machine, installed or not, instead of only on a fresh one; and a listed
 * program that is missing fails with one line naming its package. The JDK's own tools, by absolute path, need no
 * entry: they come with the JDK under test.
 */
public final class HostPrograms {
    static final Path LIST = Path.of(System.getProperty("tcplife.host.programs", "../scripts/host-programs"));

    /** The word of the list's last column for what scripts/test installs. */
    static final String TEST_NEED = "test";

    private static Map<String, Entry> entries;

    /** One line of the list: the package that installs a program, and the scripts that need it. */
    record Entry(String pkg, List<String> neededBy) {
    }

    private HostPrograms() {
    }

    /** {@code command}, once its program is known to be listed and installed. */
    public static List<String> check(List<String> command) {
        String program = command.get(0);
        if (!isJdkTool(Path.of(program))) {
            require(program);
        }
        return command;
    }

    /** Checks programs that a command runs without showing them first, such as those of a shell line. */
    public static void require(String... programs) {
        for (String program : programs) {
            Entry entry = entries().get(program);
            if (entry == null || !entry.neededBy().contains(TEST_NEED)) {
                throw new IllegalStateException(program + " is started by a test but not listed in " + LIST
                        + " as needed by '" + TEST_NEED + "', so scripts/test would not install it on a fresh machine");
            }
            if (!installed(program)) {
                throw new IllegalStateException(program + " is not installed: apt-get install " + entry.pkg()
                        + " (scripts/test installs it)");
            }
        }
    }

    /** The list, by program (or file). */
    static synchronized Map<String, Entry> entries() {
        if (entries == null) {
            entries = read(LIST);
        }
        return entries;
    }

    static Map<String, Entry> read(Path list) {
        Map<String, Entry> read = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(list)) {
                String[] words = line.strip().split("\\s+");
                if (words.length >= 3 && !words[0].startsWith("#")) {
                    read.put(words[0], new Entry(words[1], List.of(words).subList(2, words.length)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the list of host programs " + list.toAbsolutePath(), e);
        }
        return read;
    }

    /** A JDK's bin/ tool: its home holds the {@code release} file every JDK has. */
    private static boolean isJdkTool(Path program) {
        Path bin = program.getParent();
        return program.isAbsolute() && bin != null && bin.getFileName().toString().equals("bin")
                && Files.isRegularFile(bin.resolveSibling("release")) && Files.isExecutable(program);
    }

    private static boolean installed(String program) {
        if (program.startsWith("/")) {
            return Files.exists(Path.of(program));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
