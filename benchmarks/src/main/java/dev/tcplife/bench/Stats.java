package dev.tcplife.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/** A sample of repeated measurements: its median and range, printed for a Markdown table. */
final class Stats {
    private final List<Double> values = new ArrayList<>();

    void add(double value) {
        if (!Double.isNaN(value)) {
            values.add(value);
        }
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    double median() {
        return quantile(0.5);
    }

    double min() {
        return values.isEmpty() ? Double.NaN : Collections.min(values);
    }

    double max() {
        return values.isEmpty() ? Double.NaN : Collections.max(values);
    }

    double sum() {
        return values.stream().mapToDouble(Double::doubleValue).sum();
    }

    /** Linear interpolation between order statistics (type 7). */
    double quantile(double q) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        double position = q * (sorted.size() - 1);
        int low = (int) Math.floor(position);
        int high = (int) Math.ceil(position);
        return sorted.get(low) + (sorted.get(high) - sorted.get(low)) * (position - low);
    }

    Stats map(DoubleUnaryOperator f) {
        Stats mapped = new Stats();
        values.forEach(v -> mapped.add(f.applyAsDouble(v)));
        return mapped;
    }

    /** "median (min–max)" with {@code format} for each number, or "n/a". */
    String format(String format) {
        if (values.isEmpty()) {
            return "n/a";
        }
        if (values.size() == 1) {
            return String.format(Locale.ROOT, format, median());
        }
        return String.format(Locale.ROOT, format + " (" + format + "–" + format + ")", median(), min(), max());
    }
}
