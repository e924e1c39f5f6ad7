package dev.tcplife.jfr.rules;

import static org.openjdk.jmc.common.item.Attribute.attr;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.openjdk.jmc.common.IMCThread;
import org.openjdk.jmc.common.item.IAttribute;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemFilter;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.IType;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.JfrAttributes;

import dev.tcplife.jfr.events.TcpSessionEvent;

/**
 * One {@code tcplife.TcpSession} event of a recording, read once from JMC's items into the values the rules and
 * the report's timeline work with. Times are epoch nanoseconds, as JMC gives them.
 *
 * @param client   this JVM connected (as opposed to accepted)
 * @param peer     the other end as the rules group sessions: see {@link #peer(boolean, String, long, long)}
 * @param thread   the Java thread that connected or accepted
 * @param error    the socket error at close, empty if none
 */
public record RecordedSession(long startNanos, long endNanos, boolean client, String peer, String thread,
        long bytesSent, long bytesReceived, Outcome outcome, String error) {

    public static final String EVENT_TYPE = TcpSessionEvent.NAME;
    private static final IItemFilter EVENTS = ItemFilters.type(EVENT_TYPE);

    // The event's fields as JMC's parser types them: int as number, @DataAmount as memory, boolean as flag.
    private static final IAttribute<String> ROLE = attr("role", "Role", UnitLookup.PLAIN_TEXT);
    private static final IAttribute<String> REMOTE_ADDRESS =
            attr("remoteAddress", "Remote Address", UnitLookup.PLAIN_TEXT);
    private static final IAttribute<IQuantity> REMOTE_PORT = attr("remotePort", "Remote Port", UnitLookup.NUMBER);
    private static final IAttribute<IQuantity> LOCAL_PORT = attr("localPort", "Local Port", UnitLookup.NUMBER);
    private static final IAttribute<IQuantity> BYTES_SENT = attr("bytesSent", "Bytes Sent", UnitLookup.MEMORY);
    private static final IAttribute<IQuantity> BYTES_RECEIVED =
            attr("bytesReceived", "Bytes Received", UnitLookup.MEMORY);
    private static final IAttribute<String> CLOSE_INITIATOR =
            attr("closeInitiator", "Close Initiator", UnitLookup.PLAIN_TEXT);
    private static final IAttribute<Boolean> RESET = attr("reset", "Reset", UnitLookup.FLAG);
    private static final IAttribute<Boolean> ESTABLISHED = attr("established", "Established", UnitLookup.FLAG);
    private static final IAttribute<String> ERROR = attr("error", "Error", UnitLookup.PLAIN_TEXT);
    private static final IAttribute<IMCThread> JAVA_THREAD = attr("javaThread", "Java Thread", UnitLookup.THREAD);
    private static final IAttribute<String> JAVA_THREAD_NAME =
            attr("javaThreadName", "Java Thread Name", UnitLookup.PLAIN_TEXT);

    /** How a session ended, from the failures a user cares about to a normal close. */
    public enum Outcome {
        REFUSED, TIMED_OUT, NOT_ESTABLISHED, RESET_BY_PEER, RESET_BY_THIS_JVM, CLOSED;

        /** How a session ended: the one decision that the report's rules and print's END column both use. */
        public static Outcome of(boolean established, boolean reset, String error, String closeInitiator) {
            if ("ECONNREFUSED".equals(error)) {
                return REFUSED;
            }
            if ("ETIMEDOUT".equals(error)) {
                return TIMED_OUT;
            }
            if (!established) {
                return NOT_ESTABLISHED;
            }
            if (reset) {
                return "remote".equals(closeInitiator) ? RESET_BY_PEER : RESET_BY_THIS_JVM;
            }
            return CLOSED;
        }

        /**
         * print's END word: refused, timeout, failed, rst-remote, rst-local, or fin- and the side that sent the
         * first FIN ({@code closeInitiator}, local or remote).
         */
        public String word(String closeInitiator) {
            return switch (this) {
                case REFUSED -> "refused";
                case TIMED_OUT -> "timeout";
                case NOT_ESTABLISHED -> "failed";
                case RESET_BY_PEER -> "rst-remote";
                case RESET_BY_THIS_JVM -> "rst-local";
                case CLOSED -> "local".equals(closeInitiator) ? "fin-local"
                        : "remote".equals(closeInitiator) ? "fin-remote" : "fin-" + closeInitiator;
            };
        }

        public boolean established() {
            return this != REFUSED && this != TIMED_OUT && this != NOT_ESTABLISHED;
        }

        public boolean failed() {
            return this != CLOSED;
        }

        /** A few words for rule texts and the timeline, such as "reset by the peer". */
        public String text() {
            return Messages.get("Outcome." + name());
        }
    }

    public long durationNanos() {
        return endNanos - startNanos;
    }

    public long bytes() {
        return bytesSent + bytesReceived;
    }

    /** The sessions of the recording, in the order they began. */
    public static List<RecordedSession> readAll(IItemCollection items) {
        List<RecordedSession> sessions = new ArrayList<>();
        for (IItemIterable events : items.apply(EVENTS)) {
            IType<IItem> type = events.getType();
            IMemberAccessor<IQuantity, IItem> start = JfrAttributes.START_TIME.getAccessor(type);
            IMemberAccessor<IQuantity, IItem> end = JfrAttributes.END_TIME.getAccessor(type);
            IMemberAccessor<String, IItem> role = ROLE.getAccessor(type);
            IMemberAccessor<String, IItem> remoteAddress = REMOTE_ADDRESS.getAccessor(type);
            IMemberAccessor<IQuantity, IItem> remotePort = REMOTE_PORT.getAccessor(type);
            IMemberAccessor<IQuantity, IItem> localPort = LOCAL_PORT.getAccessor(type);
            IMemberAccessor<IQuantity, IItem> bytesSent = BYTES_SENT.getAccessor(type);
            IMemberAccessor<IQuantity, IItem> bytesReceived = BYTES_RECEIVED.getAccessor(type);
            IMemberAccessor<String, IItem> closeInitiator = CLOSE_INITIATOR.getAccessor(type);
            IMemberAccessor<Boolean, IItem> reset = RESET.getAccessor(type);
            IMemberAccessor<Boolean, IItem> established = ESTABLISHED.getAccessor(type);
            IMemberAccessor<String, IItem> error = ERROR.getAccessor(type);
            IMemberAccessor<IMCThread, IItem> javaThread = JAVA_THREAD.getAccessor(type);
            IMemberAccessor<String, IItem> javaThreadName = JAVA_THREAD_NAME.getAccessor(type);
            for (IItem event : events) {
                boolean client = "client".equals(role.getMember(event));
                String errorName = orEmpty(error.getMember(event));
                sessions.add(new RecordedSession(
                        start.getMember(event).clampedLongValueIn(UnitLookup.EPOCH_NS),
                        end.getMember(event).clampedLongValueIn(UnitLookup.EPOCH_NS),
                        client,
                        peer(client, remoteAddress.getMember(event), number(remotePort.getMember(event)),
                                number(localPort.getMember(event))),
                        thread(javaThread.getMember(event), javaThreadName.getMember(event)),
                        bytesSent.getMember(event).clampedLongValueIn(UnitLookup.BYTE),
                        bytesReceived.getMember(event).clampedLongValueIn(UnitLookup.BYTE),
                        Outcome.of(established.getMember(event), reset.getMember(event), errorName,
                                closeInitiator.getMember(event)),
                        errorName));
            }
        }
        sessions.sort(Comparator.comparingLong(RecordedSession::startNanos));
        return sessions;
    }

    /**
     * Sessions to one service belong together: for a client session that is the remote address and port; for an
     * accepted session the remote port is the client's ephemeral one, new for every connection, so it is the
     * remote address and the local port it connected to, written {@code 10.0.0.7 -> :8080}.
     */
    static String peer(boolean client, String remoteAddress, long remotePort, long localPort) {
        if (!client) {
            return remoteAddress + " -> :" + localPort;
        }
        return (remoteAddress.contains(":") ? "[" + remoteAddress + "]" : remoteAddress) + ":" + remotePort;
    }

    /** The thread's name as recorded, else the name the agent kept because the thread had ended. */
    private static String thread(IMCThread thread, String keptName) {
        if (thread != null && thread.getThreadName() != null) {
            return thread.getThreadName();
        }
        return keptName == null || keptName.isEmpty() ? Messages.get("RecordedSession.noThread") : keptName;
    }

    private static long number(IQuantity value) {
        return value.clampedLongValueIn(UnitLookup.NUMBER_UNITY);
    }

    private static String orEmpty(String text) {
        return text == null ? "" : text;
    }
}
