package dev.tcplife.jfr.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * Where in the code a session was opened: committed on the very thread that connected or accepted, at that
 * moment, with JFR's stack trace. Its {@link #socketId} is the {@code socketId} of the session's
 * {@code tcplife.TcpSession}, so JMC relates the two; in JMC's thread lanes this event sits on the opening
 * thread, stack and all. Off unless a template enables it (jfr-templates/tcplife-profile.jfc).
 */
@Name(TcpSessionOpenEvent.NAME)
@Label("TCP Session Opened")
@Category({"Network", "TCP"})
@Description("Committed on the thread that connected or accepted, with its stack trace: the code that opened a tcplife.TcpSession")
@Enabled(false)
@StackTrace(true)
public class TcpSessionOpenEvent extends Event {
    public static final String NAME = "tcplife.TcpSessionOpen";

    private static final jdk.jfr.EventType TYPE = jdk.jfr.EventType.getEventType(TcpSessionOpenEvent.class);

    /** Whether a running recording wants the event: only then is the socket's id worth a system call. */
    public static boolean isRecorded() {
        return TYPE.isEnabled();
    }

    /** Commits one on the calling thread, the one that opened the socket: JFR takes that thread's stack. */
    public static void commit(String role, long socketId) {
        TcpSessionOpenEvent event = new TcpSessionOpenEvent();
        if (event.isEnabled()) {
            event.role = role;
            event.socketId = socketId;
            event.commit();
        }
    }

    @Label("Role")
    @Description("client: this thread is connecting; server: this thread accepted the connection")
    public String role;

    @SocketId
    @Label("Socket Id")
    @Description("Inode number of the socket; the socketId of the tcplife.TcpSession it opened")
    public long socketId;
}
