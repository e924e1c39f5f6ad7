package dev.tcplife.jfr.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.IType;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.JfrAttributes;
import org.openjdk.jmc.flightrecorder.jdk.JdkAttributes;
import org.openjdk.jmc.flightrecorder.jdk.JdkTypeIDs;

/**
 * One stop-the-world GC pause of a recording: a {@code jdk.GCPhasePause} event, named after its collection.
 *
 * <p>Pauses come from {@code jdk.GCPhasePause} rather than {@code jdk.GarbageCollection}: for concurrent
 * collectors (ZGC, Shenandoah, G1's concurrent cycle) a collection spans work during which Java threads run on;
 * only the pause events are the windows in which no thread of the JVM reads or writes a socket.
 *
 * @param collection the collector and cause, such as "G1New (G1 Evacuation Pause)", when the recording has the
 *                   {@code jdk.GarbageCollection} event of the pause; else the pause's own name
 */
public record GcPause(long startNanos, long endNanos, long gcId, String collection) {

    public long durationNanos() {
        return endNanos - startNanos;
    }

    /** The pauses of the recording, in the order they began. */
    public static List<GcPause> readAll(IItemCollection items) {
        Map<Long, String> collections = collections(items);
        List<GcPause> pauses = new ArrayList<>();
        for (IItemIterable events : items.apply(ItemFilters.type(JdkTypeIDs.GC_PAUSE))) {
            IType<IItem> type = events.getType();
            IMemberAccessor<IQuantity, IItem> start = JfrAttributes.START_TIME.getAccessor(type);
            IMemberAccessor<IQuantity, IItem> end = JfrAttributes.END_TIME.getAccessor(type);
            IMemberAccessor<IQuantity, IItem> gcId = JdkAttributes.GC_ID.getAccessor(type);
            IMemberAccessor<String, IItem> name = JdkAttributes.GC_NAME.getAccessor(type);
            for (IItem event : events) {
                long id = gcId.getMember(event).clampedLongValueIn(UnitLookup.NUMBER_UNITY);
                pauses.add(new GcPause(start.getMember(event).clampedLongValueIn(UnitLookup.EPOCH_NS),
                        end.getMember(event).clampedLongValueIn(UnitLookup.EPOCH_NS), id,
                        collections.getOrDefault(id, name.getMember(event))));
            }
        }
        pauses.sort(Comparator.comparingLong(GcPause::startNanos));
        return pauses;
    }

    private static Map<Long, String> collections(IItemCollection items) {
        Map<Long, String> collections = new HashMap<>();
        for (IItemIterable events : items.apply(ItemFilters.type(JdkTypeIDs.GARBAGE_COLLECTION))) {
            IType<IItem> type = events.getType();
            IMemberAccessor<IQuantity, IItem> gcId = JdkAttributes.GC_ID.getAccessor(type);
            IMemberAccessor<String, IItem> name = JdkAttributes.GC_NAME.getAccessor(type);
            IMemberAccessor<String, IItem> cause = JdkAttributes.GC_CAUSE.getAccessor(type);
            for (IItem event : events) {
                collections.put(gcId.getMember(event).clampedLongValueIn(UnitLookup.NUMBER_UNITY),
                        name.getMember(event) + " (" + cause.getMember(event) + ")");
            }
        }
        return collections;
    }
}
