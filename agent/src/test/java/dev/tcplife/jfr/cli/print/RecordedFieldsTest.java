package dev.tcplife.jfr.cli.print;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedObject;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** Reading by position gives what the JDK's reading by name gives, for every field of every event of a recording. */
class RecordedFieldsTest {
    @Test
    void everyFieldOfEveryEventReadsAsByName() throws Exception {
        assertTrue(RecordedFields.byPosition(), "the build opens jdk.jfr.consumer, as the jar's manifest does");
        Path recording = Path.of(getClass().getResource("/recordings/demo.jfr").toURI());
        int checked = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            checked += check(event);
            RecordedObject thread = event.getEventType().getField("javaThread") == null ? null
                    : event.getValue("javaThread");
            if (thread != null) {
                checked += check(thread);
            }
        }
        assertTrue(checked > 1000, checked + " values checked");
    }

    private static int check(RecordedObject object) {
        String[] names = object.getFields().stream().map(ValueDescriptor::getName).toArray(String[]::new);
        Object[] byPosition = new RecordedFields(names).read(object);
        Object[] byName = new Object[names.length];
        for (int i = 0; i < names.length; i++) {
            byName[i] = object.getValue(names[i]);
        }
        assertArrayEquals(byName, byPosition, object.toString());
        return names.length;
    }

    @Test
    void aFieldTheTypeLacksReadsAsNull() throws Exception {
        Path recording = Path.of(getClass().getResource("/recordings/demo.jfr").toURI());
        RecordedEvent session = RecordingFile.readAllEvents(recording).stream()
                .filter(e -> e.getEventType().getName().equals(SessionRow.EVENT)).findFirst().orElseThrow();
        Object[] values = new RecordedFields("localPort", "aFieldOfALaterVersion").read(session);
        assertEquals(session.getInt("localPort"), ((Number) values[0]).intValue());
        assertNull(values[1]);
    }
}
