package dev.tcplife.jfr.rules;

import java.util.ResourceBundle;

import org.openjdk.jmc.common.IDisplayable;

/**
 * The rules' texts, from {@code dev/tcplife/jfr/rules/messages.properties}.
 *
 * <p>Rule texts keep their {@code {name}} placeholders: JMC fills them from the result's values and preferences
 * when it shows the result, so the same text serves its text and HTML reports. The lists a rule assembles itself
 * (one entry per peer or thread) use the same placeholder syntax, filled by {@link #fill}.
 */
final class Messages {
    private static final ResourceBundle BUNDLE = ResourceBundle.getBundle("dev.tcplife.jfr.rules.messages");

    private Messages() {
    }

    static String get(String key) {
        return BUNDLE.getString(key);
    }

    static boolean has(String key) {
        return BUNDLE.containsKey(key);
    }

    /**
     * The text under {@code key} with each {@code {name}} replaced by its value, given as name, value pairs.
     * Quantities are formatted as JMC formats them in rule texts.
     */
    static String fill(String key, Object... namesAndValues) {
        String text = get(key);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            Object value = namesAndValues[i + 1];
            String shown = value instanceof IDisplayable displayable ? displayable.displayUsing(IDisplayable.AUTO)
                    : String.valueOf(value);
            text = text.replace("{" + namesAndValues[i] + "}", shown);
        }
        return text;
    }

    /** "1 session", "2 sessions": for list entries, where a count stands before its noun. */
    static String sessions(long count) {
        return fill(count == 1 ? "Sessions.one" : "Sessions.other", "count", count);
    }
}
