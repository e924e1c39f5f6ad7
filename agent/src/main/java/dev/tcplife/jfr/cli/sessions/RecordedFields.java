package dev.tcplife.jfr.cli.sessions;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedObject;

/**
 * The fields of a recorded event or object (a thread, say), read by position rather than by name.
 *
 * <p>The JDK's RecordedObject finds each field by walking the type's field list with an iterator and comparing
 * names: for the twenty fields of a session and its thread's name, most of {@code print}'s time. The values sit in
 * RecordedObject's own array, in the order of {@link RecordedObject#getFields()} less, for an event, the leading
 * times it keeps apart (its start and duration: the array is that much shorter); where the tool may read it (the agent jar opens
 * jdk.jfr.consumer to itself with its manifest's Add-Opens, which the JVM honours for {@code java -jar}), the
 * positions are looked up once per type and the values read from there. Otherwise it reads by name, as the
 * API does. A field the recording's event type lacks (an older agent's) reads as null.
 *
 * <p>One object is read at a time ({@link #select}, then {@link #get}), straight from its array: no array of its
 * own per object, which was a third of what print allocated beyond the parser.
 */
final class RecordedFields implements SessionRow.Values {
    private static final MethodHandle VALUES = valuesGetter();
    /** In {@link #index}: the type lacks the field. */
    private static final int ABSENT = -1;
    /** In {@link #index}: the field is read by name. */
    private static final int BY_NAME = -2;

    private final String[] names;
    private List<ValueDescriptor> lastType;
    /** Where each named field's value sits in the selected object's array, or {@link #ABSENT} or {@link #BY_NAME}. */
    private int[] index;
    private RecordedObject object;
    private Object[] values;

    RecordedFields(String... names) {
        this.names = names;
    }

    /** Whether fields are read by position (jdk.jfr.consumer is open to the tool), not by name. */
    static boolean byPosition() {
        return VALUES != null;
    }

    /** Reads the fields of {@code object} from now on, until the next call. */
    void select(RecordedObject object) {
        this.object = object;
        values = VALUES == null ? null : all(object);
        List<ValueDescriptor> fields = object.getFields();
        if (fields != lastType) {
            lastType = fields;
            index = index(fields, values == null ? -1 : fields.size() - values.length);
        }
    }

    /**
     * The value of the {@code i}-th named field of the selected object, boxed; null where absent. Small enough for
     * the JVM's first compiler to inline into the caller, where a session's twenty-one calls would cost more than
     * the values' reading.
     */
    Object get(int i) {
        int at = index[i];
        return at >= 0 ? values[at] : absentOrByName(i);
    }

    @Override
    public boolean has(int i) {
        return get(i) != null;
    }

    @Override
    public long number(int i) {
        Object value = get(i);
        return value instanceof Boolean flag ? (flag ? 1 : 0) : value == null ? 0 : ((Number) value).longValue();
    }

    @Override
    public String text(int i) {
        return (String) get(i);
    }

    private Object absentOrByName(int i) {
        return index[i] == ABSENT ? null : object.getValue(names[i]);
    }

    /**
     * Each named field's place in an array of values without the {@code kept} leading ones, or {@link #ABSENT}, or
     * {@link #BY_NAME} where there is no array ({@code kept} is negative) or the field is one of those kept apart.
     */
    private int[] index(List<ValueDescriptor> fields, int kept) {
        int[] found = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            found[i] = ABSENT;
            for (int at = 0; at < fields.size(); at++) {
                if (fields.get(at).getName().equals(names[i])) {
                    found[i] = kept >= 0 && at >= kept ? at - kept : BY_NAME;
                    break;
                }
            }
        }
        return found;
    }

    private static Object[] all(RecordedObject object) {
        try {
            return (Object[]) VALUES.invokeExact(object);
        } catch (Throwable e) {
            throw new IllegalStateException(e); // invokeExact declares Throwable: a getter of this type throws none
        }
    }

    /** RecordedObject's array of values, where jdk.jfr.consumer is open to the tool; null elsewhere. */
    private static MethodHandle valuesGetter() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(RecordedObject.class, MethodHandles.lookup());
            return lookup.findGetter(RecordedObject.class, "objects", Object[].class)
                    .asType(MethodType.methodType(Object[].class, RecordedObject.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
