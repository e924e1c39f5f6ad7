package dev.tcplife.jfr.cli.print;

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
 */
final class RecordedFields {
    private static final MethodHandle VALUES = valuesGetter();

    private final String[] names;
    private List<ValueDescriptor> lastType;
    private int[] positions;

    RecordedFields(String... names) {
        this.names = names;
    }

    /** Whether fields are read by position (jdk.jfr.consumer is open to the tool), not by name. */
    static boolean byPosition() {
        return VALUES != null;
    }

    /** The named fields' values of {@code object}, in the order of the names given; boxed, null where absent. */
    Object[] read(RecordedObject object) {
        Object[] values = new Object[names.length];
        List<ValueDescriptor> fields = object.getFields();
        if (fields != lastType) {
            lastType = fields;
            positions = positions(fields);
        }
        Object[] all = VALUES == null ? null : all(object);
        int kept = all == null ? 0 : fields.size() - all.length;
        for (int i = 0; i < names.length; i++) {
            int at = positions[i];
            if (at >= 0) {
                values[i] = all != null && at >= kept ? all[at - kept] : object.getValue(names[i]);
            }
        }
        return values;
    }

    private int[] positions(List<ValueDescriptor> fields) {
        int[] found = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            found[i] = -1;
            for (int at = 0; at < fields.size(); at++) {
                if (fields.get(at).getName().equals(names[i])) {
                    found[i] = at;
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
            return null;
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
