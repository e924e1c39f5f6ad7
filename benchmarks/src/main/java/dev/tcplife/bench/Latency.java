package dev.tcplife.bench;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * TCP_CLOSE to read by the agent ({@code --only light}): under a light load of its own, and beside it under the
 * churn, whose recordings {@link Churn} reads. Its section explains both, so it is in the report when either ran.
 */
final class Latency extends Measurement {
    private final Churn churn;
    private final ReadDelays underLightLoad = new ReadDelays();

    Latency(BenchRun bench, Churn churn) {
        super("light", "light", "Latency", bench);
        this.churn = churn;
    }

    @Override
    void run() throws Exception {
        Plan plan = bench.plan;
        for (int run = 0; run < plan.lightRuns(); run++) {
            String name = "light-" + run;
            Path recording = bench.file(name + ".jfr");
            try (Child child = Child.start(bench.workload("", "tcplife.jfc", recording, "light",
                    "rate=" + plan.lightRate(), "window=" + plan.lightWindow()), bench.file(name + ".err"))) {
                child.await("@window-end", 120);
                Map<String, String> f = Child.fields(child.await("@result", 120));
                child.awaitExit(120);
                RecordingFacts facts = RecordingFacts.read(recording, Integer.parseInt(f.get("port")));
                underLightLoad.add(facts);
                BenchRun.progress(String.format(Locale.ROOT, "%s: %s sessions, events %,d, read delay median %s ms",
                        name, f.get("made"), facts.sessionEvents(), underLightLoad.medianMillis().format("%.1f")));
                bench.deleteUnlessKept(child.stderr);
            }
            bench.deleteUnlessKept(recording);
        }
    }

    @Override
    boolean reported() {
        return bench.selected(name) || churn.reported();
    }

    @Override
    String summaryRows(int number) {
        String rows = "";
        if (churn.reported()) {
            rows += row(number, "TCP_CLOSE to read by the agent, under churn: median; p99; max",
                    churn.readDelays().format(), "–");
        }
        if (bench.selected(name)) {
            rows += row(number, "TCP_CLOSE to read by the agent, " + bench.plan.lightRate() + " sessions/s: median; "
                    + "p99; max", underLightLoad.format(), "–");
        }
        return rows;
    }

    @Override
    String section() {
        return "From the `tcplife.Statistics` events (one per 5 s) of the churn runs with tcplife.jfc and of the light "
                + "runs: `readDelayMedian`, `readDelayP99` (upper bounds of quarter-octave histogram buckets) and "
                + "`readDelayMax`, TCP_CLOSE in the kernel to the agent reading the record, whose event is committed "
                + "right after on the same thread. Median over the periods of each (the maximum's range shows the "
                + "worst period); the light workload makes " + bench.plan.lightRate() + " sessions/s for "
                + bench.plan.lightWindow() / 1000 + " s.\n\n";
    }
}
