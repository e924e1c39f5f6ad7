package dev.tcplife.jfr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

import org.junit.jupiter.api.Test;

import dev.tcplife.jfr.agent.Agent;

/**
 * The agent's packages depend on each other one way only, so that each can be read, changed and tested with only
 * the packages below it in mind: log and os at the bottom, then bpf, record, thread, events, pipeline, agent, rules
 * and the command line tools. The dependencies are those the JDK's jdeps finds in the compiled classes, where a
 * constant that javac copies into its user, such as an event's name, still names the class it came from.
 */
class PackageCyclesTest {
    private static final String ROOT = "dev.tcplife.jfr.";
    /** A line of {@code jdeps -verbose:class}: {@code   dev.tcplife.jfr.a.A   -> dev.tcplife.jfr.b.B   classes}. */
    private static final Pattern CLASS_DEPENDENCY = Pattern.compile(
            "^\\s+(" + Pattern.quote(ROOT) + "\\S+)\\s+->\\s+(" + Pattern.quote(ROOT) + "\\S+)\\s");
    /** Class dependencies named per package dependency in a message; more are counted. */
    private static final int EXAMPLES = 3;

    @Test
    void packagesDependOneWayOnly() throws Exception {
        PackageGraph graph = new PackageGraph();
        String[] lines = jdeps("-verbose:class", "-e", Pattern.quote(ROOT) + ".*", classes().toString()).split("\\R");
        for (String line : lines) {
            Matcher dependency = CLASS_DEPENDENCY.matcher(line);
            if (dependency.find()) {
                graph.add(dependency.group(1), dependency.group(2));
            }
        }
        assertFalse(graph.isEmpty(), "jdeps found no dependency between the agent's packages:\n"
                + String.join("\n", lines));

        List<String> cycles = graph.cycles();
        assertTrue(cycles.isEmpty(), () -> "package cycles among " + ROOT + "*: packages must depend one way only,"
                + " so one dependency of each cycle has to go:\n" + String.join("\n", cycles));
    }

    @Test
    void namesEachCycleWithTheClassesThatMakeIt() {
        PackageGraph graph = new PackageGraph();
        graph.add(ROOT + "log.AgentLog", ROOT + "os.LibC");
        graph.add(ROOT + "os.LibC", ROOT + "bpf.BpfException");
        graph.add(ROOT + "bpf.BpfObject", ROOT + "os.LibC");
        graph.add(ROOT + "bpf.LibBpf", ROOT + "os.NativeLibrary");
        graph.add(ROOT + "agent.Agent", ROOT + "pipeline.SessionPipeline");
        graph.add(ROOT + "pipeline.SessionPipeline", ROOT + "events.JfrClock");
        graph.add(ROOT + "events.JfrClock", ROOT + "agent.AgentLog");
        graph.add(ROOT + "cli.Main", ROOT + "agent.Agent");

        assertEquals(List.of(
                "agent -> pipeline -> events -> agent\n"
                        + "    agent -> pipeline: agent.Agent -> pipeline.SessionPipeline\n"
                        + "    pipeline -> events: pipeline.SessionPipeline -> events.JfrClock\n"
                        + "    events -> agent: events.JfrClock -> agent.AgentLog",
                "bpf -> os -> bpf\n"
                        + "    bpf -> os: bpf.BpfObject -> os.LibC, bpf.LibBpf -> os.NativeLibrary\n"
                        + "    os -> bpf: os.LibC -> bpf.BpfException"),
                graph.cycles());
    }

    /** Where Maven compiled the agent's classes: target/classes. */
    private static Path classes() throws Exception {
        return Path.of(Agent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static String jdeps(String... arguments) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new AssertionError("this JDK has no jdeps (module jdk.jdeps)"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = jdeps.run(new PrintWriter(out, true), new PrintWriter(err, true), arguments);
        assertEquals(0, status, () -> "jdeps " + String.join(" ", arguments) + " failed:\n" + err + out);
        return out.toString();
    }

    /** Packages below {@link #ROOT} and the class dependencies between them, in name order. */
    private static final class PackageGraph {
        /** From package, to package, the class dependencies ("a.A -> b.B") that make that package dependency. */
        private final Map<String, Map<String, Set<String>>> edges = new TreeMap<>();

        void add(String fromClass, String toClass) {
            String from = packageOf(fromClass);
            String to = packageOf(toClass);
            if (!from.equals(to)) {
                edges.computeIfAbsent(from, p -> new TreeMap<>()).computeIfAbsent(to, p -> new TreeSet<>())
                        .add(fromClass.substring(ROOT.length()) + " -> " + toClass.substring(ROOT.length()));
            }
        }

        boolean isEmpty() {
            return edges.isEmpty();
        }

        /**
         * One cycle for each set of packages that all reach each other (a strongly connected component), the
         * shortest from the first of them in name order, each package dependency with the classes that make it.
         */
        List<String> cycles() {
            List<String> cycles = new ArrayList<>();
            for (Set<String> component : new Components().find()) {
                if (component.size() > 1) {
                    cycles.add(describe(shortestCycle(component.iterator().next(), component)));
                }
            }
            return cycles;
        }

        private List<String> shortestCycle(String start, Set<String> component) {
            Map<String, String> reachedFrom = new HashMap<>();
            Deque<String> queue = new ArrayDeque<>(List.of(start));
            while (!queue.isEmpty()) {
                String at = queue.poll();
                for (String next : edges.getOrDefault(at, Map.of()).keySet()) {
                    if (next.equals(start)) {
                        List<String> cycle = new ArrayList<>(List.of(start));
                        for (String step = at; !step.equals(start); step = reachedFrom.get(step)) {
                            cycle.add(1, step);
                        }
                        cycle.add(start);
                        return cycle;
                    }
                    if (component.contains(next) && !reachedFrom.containsKey(next)) {
                        reachedFrom.put(next, at);
                        queue.add(next);
                    }
                }
            }
            throw new IllegalStateException(start + " is on no cycle of " + component);
        }

        private String describe(List<String> cycle) {
            StringBuilder text = new StringBuilder(String.join(" -> ", cycle.stream().map(PackageGraph::shortName)
                    .toList()));
            for (int i = 0; i + 1 < cycle.size(); i++) {
                List<String> classes = new ArrayList<>(edges.get(cycle.get(i)).get(cycle.get(i + 1)));
                text.append("\n    ").append(shortName(cycle.get(i))).append(" -> ")
                        .append(shortName(cycle.get(i + 1))).append(": ")
                        .append(String.join(", ", classes.subList(0, Math.min(EXAMPLES, classes.size()))));
                if (classes.size() > EXAMPLES) {
                    text.append(" and ").append(classes.size() - EXAMPLES).append(" more");
                }
            }
            return text.toString();
        }

        private static String packageOf(String className) {
            return className.substring(0, className.lastIndexOf('.'));
        }

        private static String shortName(String packageName) {
            return packageName.substring(ROOT.length());
        }

        /** Tarjan's strongly connected components, each in name order, in the order of their first package. */
        private final class Components {
            private final Map<String, Integer> index = new HashMap<>();
            private final Map<String, Integer> lowLink = new HashMap<>();
            private final Deque<String> stack = new ArrayDeque<>();
            private final List<Set<String>> found = new ArrayList<>();

            List<Set<String>> find() {
                Set<String> packages = new TreeSet<>(edges.keySet());
                edges.values().forEach(targets -> packages.addAll(targets.keySet()));
                for (String p : packages) {
                    if (!index.containsKey(p)) {
                        visit(p);
                    }
                }
                found.sort((a, b) -> a.iterator().next().compareTo(b.iterator().next()));
                return found;
            }

            private void visit(String p) {
                index.put(p, index.size());
                lowLink.put(p, index.get(p));
                stack.push(p);
                for (String next : edges.getOrDefault(p, Map.of()).keySet()) {
                    if (!index.containsKey(next)) {
                        visit(next);
                        lowLink.put(p, Math.min(lowLink.get(p), lowLink.get(next)));
                    } else if (stack.contains(next)) {
                        lowLink.put(p, Math.min(lowLink.get(p), index.get(next)));
                    }
                }
                if (lowLink.get(p).equals(index.get(p))) {
                    Set<String> component = new TreeSet<>();
                    String member;
                    do {
                        member = stack.pop();
                        component.add(member);
                    } while (!member.equals(p));
                    found.add(component);
                }
            }
        }
    }
}
