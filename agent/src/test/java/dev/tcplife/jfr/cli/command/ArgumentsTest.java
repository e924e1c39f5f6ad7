package dev.tcplife.jfr.cli.command;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.cli.command.Arguments.UsageException;

/** How a command line is taken apart, and that every mistake names the argument at fault. */
class ArgumentsTest {
    private static final Set<String> FLAGS = Set.of("--csv", "-T");
    private static final Set<String> OPTIONS = Set.of("--port", "--thread");

    private static Arguments parse(String... args) {
        return Arguments.parse(args, FLAGS, OPTIONS);
    }

    /** The message of the usage error that {@code use} raises. */
    private static String usageError(Runnable use) {
        return assertThrows(UsageException.class, use::run).getMessage();
    }

    @Test
    void flagsOptionsAndPositionalArgumentsMayComeInAnyOrder() {
        Arguments arguments = parse("--port", "8080", "a.jfr", "-T", "--thread=pool-1");

        assertAll(
                () -> assertEquals(List.of("a.jfr"), arguments.positional()),
                () -> assertTrue(arguments.flag("-T")),
                () -> assertFalse(arguments.flag("--csv")),
                () -> assertEquals("8080", arguments.option("--port")),
                () -> assertEquals("pool-1", arguments.option("--thread")),
                () -> assertEquals(8080, arguments.number("--port", -1)));
    }

    @Test
    void anOptionsValueIsEverythingAfterTheFirstEqualsSign() {
        assertEquals("a=b", parse("--thread=a=b").option("--thread"));
        assertEquals("", parse("--thread=").option("--thread"), "given, and empty: not absent");
    }

    @Test
    void anAbsentOptionIsNullOrTheNumberTheCommandChose() {
        Arguments arguments = parse("a.jfr");

        assertNull(arguments.option("--thread"));
        assertEquals(-1, arguments.number("--port", -1));
    }

    @Test
    void aLoneDashIsAPositionalArgument() {
        // "-" conventionally names standard input or output: never an option
        assertEquals(List.of("-"), parse("-").positional());
    }

    @Test
    void anUnknownOptionIsNamedWithoutItsValue() {
        assertEquals("unknown option --nope", usageError(() -> parse("--nope")));
        assertEquals("unknown option --nope", usageError(() -> parse("--nope=1")));
        assertEquals("unknown option -x", usageError(() -> parse("a.jfr", "-x")));
    }

    @Test
    void aFlagGivenAValueIsNamed() {
        assertEquals("option --csv takes no value", usageError(() -> parse("--csv=yes")));
    }

    @Test
    void anOptionWithoutItsValueIsNamed() {
        assertEquals("option --port needs a value", usageError(() -> parse("a.jfr", "--port")));
    }

    @Test
    void aNumberThatIsNotOneNamesTheOptionAndTheValue() {
        Arguments arguments = parse("--port", "http");

        assertEquals("option --port needs a number, not 'http'", usageError(() -> arguments.number("--port", -1)));
    }

    @Test
    void theSingleArgumentIsNamedWhenMissingOrDoubled() {
        assertEquals("a.jfr", parse("a.jfr").single("recording file"));
        assertEquals("missing recording file", usageError(() -> parse("--csv").single("recording file")));
        assertEquals("expected one recording file, got [a.jfr, b.jfr]",
                usageError(() -> parse("a.jfr", "b.jfr").single("recording file")));
    }
}
