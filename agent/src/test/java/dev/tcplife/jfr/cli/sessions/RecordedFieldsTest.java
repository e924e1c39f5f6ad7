package dev.tcplife.jfr.cli.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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
        // one reader per type, for all its events, as print reads: its positions are looked up once
        Map<String, RecordedFields> readers = new HashMap<>();
        int checked = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            checked += check(event, readers);
            RecordedObject thread = event.getEventType().getField("javaThread") == null ? null
                    : event.getValue("javaThread");
            if (thread != null) {
                checked += check(thread, readers);
            }
        }
        assertTrue(checked > 1000, checked + " values checked");
    }

    private static int check(RecordedObject object, Map<String, RecordedFields> readers) {
        String[] names = object.getFields().stream().map(ValueDescriptor::getName).toArray(String[]::new);
        RecordedFields byPosition = readers.computeIfAbsent(String.join(",", names), key -> new RecordedFields(names));
        byPosition.select(object);
        for (int i = 0; i < names.length; i++) {
            assertEquals(object.getValue(names[i]), byPosition.get(i), object + ": " + names[i]);
        }
        return names.length;
    }

    @Test
    void aFieldTheTypeLacksReadsAsNull() throws Exception {
        Path recording = Path.of(getClass().getResource("/recordings/demo.jfr").toURI());
        RecordedEvent session = RecordingFile.readAllEvents(recording).stream()
                .filter(e -> e.getEventType().getName().equals(SessionRow.EVENT)).findFirst().orElseThrow();
        RecordedFields fields = new RecordedFields("localPort", "aFieldOfALaterVersion");
        fields.select(session);
        assertEquals(session.getInt("localPort"), ((Number) fields.get(0)).intValue());
        assertNull(fields.get(1));
    }
}
