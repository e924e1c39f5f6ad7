package dev.tcplife.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One measurement of the suite: it runs its JVMs, keeps its figures, and writes its part of the report, rows of the
 * summary table and a section below it, under the number the harness gives it.
 */
abstract class Measurement {
    /** What {@code --only} calls it, and the prefix of its runs' names. */
    final String name;
    /** What the progress lines and the report's failures call it. */
    final String title;
    /** The name of its section in the report, after the number. */
    final String heading;
    final BenchRun bench;

    Measurement(String name, String title, String heading, BenchRun bench) {
        this.name = name;
        this.title = title;
        this.heading = heading;
        this.bench = bench;
    }

    abstract void run() throws Exception;

    /** Whether the report has a part for it: when it ran. */
    boolean reported() {
        return bench.selected(name);
    }

    /** Its rows of the summary table, each with its section's {@code number} in the first column. */
    abstract String summaryRows(int number);

    /** Its section below the summary table, after the heading the harness writes: text and tables, a blank line. */
    abstract String section();

    /** One run of one configuration, under the name its files and progress lines take. */
    @FunctionalInterface
    interface ConfigurationRun<E, R> {
        R run(E configuration, String runName) throws IOException, InterruptedException;
    }

    /**
     * Runs every configuration of {@code type} once a round, in an order rotated by the round, so that drift on a
     * shared machine spreads over all of them instead of biasing one. A run that fails is noted and missing from
     * its round's results, which {@code roundDone} gets.
     */
    <E extends Enum<E>, R> void inRounds(int rounds, Class<E> type, ConfigurationRun<E, R> run,
            Consumer<Map<E, R>> roundDone) throws InterruptedException {
        for (int round = 0; round < rounds; round++) {
            Map<E, R> results = new EnumMap<>(type);
            for (E configuration : rotated(type.getEnumConstants(), round)) {
                String runName = runName(name, configuration, round);
                try {
                    results.put(configuration, run.run(configuration, runName));
                } catch (IOException e) {
                    bench.failed(runName, e);
                }
            }
            roundDone.accept(results);
        }
    }

    /** "churn-agent-0": a run's name, for its files and its progress line. */
    static String runName(String prefix, Enum<?> configuration, int round) {
        return prefix + "-" + configuration.name().toLowerCase(Locale.ROOT) + "-" + round;
    }

    /** The values in the order of round {@code round}: rotated left by it, so that each takes every place in turn. */
    static <E> List<E> rotated(E[] values, int round) {
        List<E> order = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            order.add(values[(i + round) % values.length]);
        }
        return order;
    }

    /** The figures of each configuration of {@code type}, fresh. */
    static <E extends Enum<E>, F> Map<E, F> each(Class<E> type, Supplier<F> figures) {
        Map<E, F> map = new EnumMap<>(type);
        for (E configuration : type.getEnumConstants()) {
            map.put(configuration, figures.get());
        }
        return map;
    }

    /** A Markdown table: its columns' names, then a row of cells for each item. */
    static <T> String table(List<T> items, Function<T, List<?>> cells, String... columns) {
        StringBuilder md = new StringBuilder(tableHeader(columns));
        for (T item : items) {
            md.append(row(cells.apply(item).toArray()));
        }
        return md.toString();
    }

    /** The first two lines of a Markdown table: the columns' names, and the line that makes them a header. */
    static String tableHeader(String... columns) {
        return row((Object[]) columns) + "|---".repeat(columns.length) + "|\n";
    }

    /** One line of a Markdown table. */
    static String row(Object... cells) {
        StringBuilder line = new StringBuilder("|");
        for (Object cell : cells) {
            line.append(' ').append(cell).append(" |");
        }
        return line.append('\n').toString();
    }
}
