package dev.tcplife.jfr.rules;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IPersister;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.AbstractRule;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IResultValueProvider;
import org.openjdk.jmc.flightrecorder.rules.ResultBuilder;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.EventAvailability;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.RequiredEventsBuilder;

/**
 * A tcplife rule: JMC's {@link AbstractRule} (which answers the engine's questions about id, name, preferences and
 * so on, and runs the evaluation as a task) with what all of ours have in common. Each reads the recording's
 * sessions, has nothing to say about a recording without any, and keeps its texts in messages.properties under
 * its own key prefix.
 */
abstract class TcpSessionRule extends AbstractRule {
    private final String textPrefix;

    /**
     * @param textPrefix   where the rule's texts are in messages.properties: {@code <textPrefix>.name},
     *                     {@code <textPrefix>.noEvents} and the keys it passes to {@link #withTexts} and {@link #entry}
     * @param alsoRequired event types the rule needs besides the sessions
     */
    TcpSessionRule(String id, String textPrefix, Collection<TypedPreference<?>> preferences,
            Collection<TypedResult<?>> results, String... alsoRequired) {
        super(id, Messages.get(textPrefix + ".name"), TcpSessionRules.TOPIC, preferences, results,
                requiredEvents(alsoRequired));
        this.textPrefix = textPrefix;
    }

    private static Map<String, EventAvailability> requiredEvents(String... alsoRequired) {
        RequiredEventsBuilder events = RequiredEventsBuilder.create()
                .addEventType(RecordedSession.EVENT_TYPE, EventAvailability.ENABLED);
        for (String type : alsoRequired) {
            events.addEventType(type, EventAvailability.ENABLED);
        }
        return events.build();
    }

    @Override
    protected final IResult getResult(IItemCollection items, IPreferenceValueProvider preferences,
            IResultValueProvider dependencyResults) {
        List<RecordedSession> sessions = RecordedSession.readAll(items);
        if (sessions.isEmpty()) {
            return withTexts(ResultBuilder.createFor(this, preferences).setSeverity(Severity.OK), "noEvents");
        }
        return evaluate(sessions, items, preferences);
    }

    /**
     * The rule's result for a recording with sessions.
     *
     * @param sessions at least one, in start order
     * @param items    the whole recording, for rules that need more than the sessions
     */
    abstract IResult evaluate(List<RecordedSession> sessions, IItemCollection items,
            IPreferenceValueProvider preferences);

    /**
     * The result with the rule's texts under {@code key}: the summary, then the explanation ({@code key.long})
     * and the solution ({@code key.solution}) where messages.properties has them. Their placeholders are left for
     * JMC to fill from the result.
     */
    final IResult withTexts(ResultBuilder result, String key) {
        String prefixed = textPrefix + "." + key;
        result.setSummary(Messages.get(prefixed));
        if (Messages.has(prefixed + ".long")) {
            result.setExplanation(Messages.get(prefixed + ".long"));
        }
        if (Messages.has(prefixed + ".solution")) {
            result.setSolution(Messages.get(prefixed + ".solution"));
        }
        return result.build();
    }

    /** One entry of a list the rule writes into a result itself: the text under {@code key}, filled. */
    final String entry(String key, Object... namesAndValues) {
        return Messages.fill(textPrefix + "." + key, namesAndValues);
    }

    /** A preference of a rule, named and described by the texts under {@code textKey} and {@code textKey.long}. */
    static <T> TypedPreference<T> preference(String id, String textKey, IPersister<T> persister, T defaultValue) {
        return new TypedPreference<>(id, Messages.get(textKey), Messages.get(textKey + ".long"), persister,
                defaultValue);
    }
}
