package dev.tcplife.jfr.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.openjdk.jmc.common.IDescribable;
import org.openjdk.jmc.common.IMCThread;
import org.openjdk.jmc.common.IMCThreadGroup;
import org.openjdk.jmc.common.item.IAccessorKey;
import org.openjdk.jmc.common.item.IAttribute;
import org.openjdk.jmc.common.item.ICanonicalAccessorFactory;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.IType;
import org.openjdk.jmc.common.item.ItemCollectionToolkit;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.flightrecorder.jdk.JdkTypeIDs;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.ResultProvider;
import org.openjdk.jmc.flightrecorder.rules.ResultToolkit;

/**
 * A recording made up in a test: events as field values, served to the rules as JMC's items, the way JMC's own rule
 * tests mock their event collections. Times are milliseconds from an arbitrary origin.
 */
final class SyntheticRecording {
    private static final long ORIGIN_NANOS = 1_700_000_000_000_000_000L;

    private static final EventType TCP_SESSION = new EventType(RecordedSession.EVENT_TYPE, Set.of("startTime",
            "duration", "role", "remoteAddress", "remotePort", "localPort", "bytesSent", "bytesReceived",
            "closeInitiator", "reset", "established", "error", "javaThread", "javaThreadName"));
    private static final EventType GC_PAUSE = new EventType(JdkTypeIDs.GC_PAUSE,
            Set.of("startTime", "duration", "gcId", "name"));
    private static final EventType GARBAGE_COLLECTION = new EventType(JdkTypeIDs.GARBAGE_COLLECTION,
            Set.of("startTime", "duration", "gcId", "name", "cause"));

    private final List<IItem> events = new ArrayList<>();
    private long nextGcId = 1;

    /** A session as the agent would record it; change it with the with... methods before adding it. */
    static final class Session {
        private final Map<String, Object> fields = new HashMap<>();

        private Session(String role, String remoteAddress, int remotePort, int localPort) {
            fields.put("role", role);
            fields.put("remoteAddress", remoteAddress);
            fields.put("remotePort", UnitLookup.NUMBER_UNITY.quantity(remotePort));
            fields.put("localPort", UnitLookup.NUMBER_UNITY.quantity(localPort));
            fields.put("closeInitiator", "local");
            fields.put("reset", false);
            fields.put("established", true);
            fields.put("error", "");
            thread("main");
            bytes(0, 0);
            at(0, 1);
        }

        Session at(double startMillis, double lastingMillis) {
            fields.put("startTime", UnitLookup.EPOCH_NS.quantity(ORIGIN_NANOS + Math.round(startMillis * 1e6)));
            fields.put("duration", UnitLookup.NANOSECOND.quantity(Math.round(lastingMillis * 1e6)));
            return this;
        }

        Session bytes(long sent, long received) {
            fields.put("bytesSent", UnitLookup.BYTE.quantity(sent));
            fields.put("bytesReceived", UnitLookup.BYTE.quantity(received));
            return this;
        }

        /** Opened by a thread that is still alive at the end of the session. */
        Session thread(String name) {
            fields.put("javaThread", SyntheticRecording.thread(name));
            fields.put("javaThreadName", name);
            return this;
        }

        /** Opened by a thread that had ended by the end of the session: JFR no longer names it, the agent did. */
        Session endedThread(String name) {
            fields.put("javaThread", null);
            fields.put("javaThreadName", name);
            return this;
        }

        Session refused() {
            return notEstablished("ECONNREFUSED").withField("reset", true);
        }

        Session notEstablished(String error) {
            return withField("established", false).withField("error", error);
        }

        Session resetBy(String closeInitiator, String error) {
            return withField("reset", true).withField("closeInitiator", closeInitiator).withField("error", error);
        }

        private Session withField(String name, Object value) {
            fields.put(name, value);
            return this;
        }
    }

    static Session client(String remoteAddress, int remotePort) {
        return new Session("client", remoteAddress, remotePort, 40000);
    }

    static Session server(String remoteAddress, int localPort) {
        return new Session("server", remoteAddress, 50000, localPort);
    }

    SyntheticRecording add(Session session) {
        events.add(new Event(TCP_SESSION, Map.copyOf(withoutNulls(session.fields))));
        return this;
    }

    /** A stop-the-world pause, with the jdk.GarbageCollection event that names its collection. */
    SyntheticRecording pause(double startMillis, double lastingMillis, String collector, String cause) {
        long gcId = nextGcId++;
        Map<String, Object> times = Map.of(
                "startTime", UnitLookup.EPOCH_NS.quantity(ORIGIN_NANOS + Math.round(startMillis * 1e6)),
                "duration", UnitLookup.NANOSECOND.quantity(Math.round(lastingMillis * 1e6)),
                "gcId", UnitLookup.NUMBER_UNITY.quantity(gcId));
        Map<String, Object> pause = new HashMap<>(times);
        pause.put("name", "GC Pause");
        events.add(new Event(GC_PAUSE, pause));
        if (collector != null) {
            Map<String, Object> collection = new HashMap<>(times);
            collection.put("name", collector);
            collection.put("cause", cause);
            events.add(new Event(GARBAGE_COLLECTION, collection));
        }
        return this;
    }

    IItemCollection items() {
        return ItemCollectionToolkit.build(events.stream());
    }

    /** Runs the rule on these events with its default preferences, as JMC's engine would. */
    IResult evaluate(IRule rule) {
        return evaluate(rule, IPreferenceValueProvider.DEFAULT_VALUES);
    }

    IResult evaluate(IRule rule, IPreferenceValueProvider preferences) {
        var evaluation = rule.createEvaluation(items(), preferences, new ResultProvider());
        evaluation.run();
        try {
            return evaluation.get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("the rule failed", e);
        }
    }

    /**
     * A result's text with its placeholders filled in, as JMC's text report shows it, except that the no-break
     * space JMC puts between a number and its unit ("250 ms") is a plain one, for readable expectations.
     */
    static String text(IResult result, String template) {
        return ResultToolkit.populateMessage(result, template, false).replace('\u00a0', ' ');
    }

    private static Map<String, Object> withoutNulls(Map<String, Object> fields) {
        Map<String, Object> present = new HashMap<>(fields);
        present.values().removeIf(value -> value == null);
        return present;
    }

    private static IMCThread thread(String name) {
        return new IMCThread() {
            @Override
            public Long getThreadId() {
                return 1L;
            }

            @Override
            public String getThreadName() {
                return name;
            }

            @Override
            public IMCThreadGroup getThreadGroup() {
                return null;
            }
        };
    }

    /** An event type whose every field is read from the event's own map. */
    private record EventType(String id, Set<String> fields) implements IType<IItem> {
        @Override
        public String getIdentifier() {
            return id;
        }

        @Override
        public String getName() {
            return id;
        }

        @Override
        public String getDescription() {
            return id;
        }

        @Override
        public List<IAttribute<?>> getAttributes() {
            return List.of();
        }

        @Override
        public Map<IAccessorKey<?>, ? extends IDescribable> getAccessorKeys() {
            return Map.of();
        }

        @Override
        public boolean hasAttribute(ICanonicalAccessorFactory<?> attribute) {
            return fields.contains(attribute.getIdentifier());
        }

        @SuppressWarnings("unchecked")
        @Override
        public <M> IMemberAccessor<M, IItem> getAccessor(IAccessorKey<M> attribute) {
            if (!fields.contains(attribute.getIdentifier())) {
                return null; // JMC then derives what it can, such as the end time from start time and duration
            }
            return item -> (M) ((Event) item).fields().get(attribute.getIdentifier());
        }
    }

    private record Event(EventType type, Map<String, Object> fields) implements IItem {
        @Override
        public IType<?> getType() {
            return type;
        }
    }
}
