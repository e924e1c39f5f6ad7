package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Without BPF or root, on any machine: the programs that the integration tests start are all in
 * scripts/host-programs, needed by "test", so that scripts/test installs them on a fresh machine; and every process
 * a test starts goes through {@link HostPrograms#check}, which holds the rest to the list at run time.
 */
class HostProgramsTest {
    private static final Path SOURCES = Path.of("src/test/java");
    /**
     * The first word of a command as the tests write it: Command.run("x", ...), prefix("x", ...), List.of("x"), and
     * a String[] of a command line, {"x", ...}.
     */
    private static final Pattern COMMAND =
            Pattern.compile("(?:(?:Command\\.run|\\.prefix|List\\.of)\\(|String\\[] \\w+ = \\{)\\s*\"([a-z0-9_./-]+)\"");
    /** Programs declared for a shell line: HostPrograms.require("a", "b"). */
    private static final Pattern REQUIRED = Pattern.compile("HostPrograms\\.require\\(([^)]*)\\)");
    private static final Pattern WORD = Pattern.compile("\"([^\"]+)\"");

    @Test
    void everyProgramTheTestsStartIsListedForScriptsTest() throws IOException {
        TreeSet<String> started = new TreeSet<>();
        for (Path source : sources()) {
            String text = Files.readString(source);
            Matcher command = COMMAND.matcher(text);
            while (command.find()) {
                if (isProgramName(command.group(1))) {
                    started.add(command.group(1));
                }
            }
            Matcher required = REQUIRED.matcher(text);
            while (required.find()) {
                Matcher word = WORD.matcher(required.group(1));
                while (word.find()) {
                    started.add(word.group(1));
                }
            }
        }
        assertTrue(started.containsAll(List.of("bpftool", "ip", "setpriv", "sh", "unshare")),
                "the scan finds the programs it is known to: " + started);
        List<String> unlisted = new ArrayList<>();
        for (String program : started) {
            HostPrograms.Entry entry = HostPrograms.entries().get(program);
            if (entry == null || !entry.neededBy().contains(HostPrograms.TEST_NEED)) {
                unlisted.add(program);
            }
        }
        assertEquals(List.of(), unlisted, "started by tests, not listed as needed by 'test' in " + HostPrograms.LIST);
    }

    @Test
    void everyProcessGoesThroughTheCheck() throws IOException {
        for (Path source : sources()) {
            String text = Files.readString(source);
            int at = -1;
            while ((at = text.indexOf("new ProcessBuilder(", at + 1)) >= 0) {
                String call = text.substring(at, Math.min(text.length(), at + 60));
                assertTrue(call.startsWith("new ProcessBuilder(HostPrograms.check("),
                        source + " starts a process without HostPrograms.check: " + call);
            }
        }
    }

    @Test
    void theListIsWellFormed() {
        assertFalse(HostPrograms.entries().isEmpty());
        HostPrograms.entries().forEach((program, entry) -> assertTrue(
                entry.pkg().matches("[a-z0-9][a-z0-9.+-]+") && !entry.neededBy().isEmpty(), program + " " + entry));
    }

    /** A word that names a program, not an option or a file the test writes. */
    private static boolean isProgramName(String word) {
        return !word.startsWith("-") && !word.contains(".") || word.startsWith("/");
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            // not this file, whose patterns would match themselves
            return files.filter(file -> file.toString().endsWith(".java")
                    && !file.getFileName().toString().equals(HostProgramsTest.class.getSimpleName() + ".java")).toList();
        }
    }
}
