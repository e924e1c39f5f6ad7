package dev.tcplife.jfr.events;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * One TCP session of this JVM, from its first SYN (client) or its creation by a listener (server) to TCP_CLOSE.
 * The event's start time and duration are those of the session, converted from the kernel's clock; the event's
 * own thread is the agent's reader thread, the thread that opened the session is {@link #javaThread}.
 *
 * <p>The name {@code tcplife.TcpSession} is stable: templates, rules and tools key on it.
 */
@Name(TcpSessionEvent.NAME)
@Label("TCP Session")
@Category({"Network", "TCP"})
@Description("A TCP session of this JVM, from the first SYN or the accepted connection to its close")
@StackTrace(false)
public class TcpSessionEvent extends Event {
    public static final String NAME = "tcplife.TcpSession";

    @Label("Process Id")
    @Description("The JVM's process id, as the JVM itself sees it (inside its PID namespace)")
    public long pid;

    @Label("Role")
    @Description("client: this JVM connected; server: this JVM accepted the connection on one of its listeners")
    public String role;

    @Label("Address Family")
    @Description("IPv4 or IPv6; IPv4 carried on a dual-stack IPv6 socket (::ffff:a.b.c.d) is IPv4")
    public String family;

    @Label("Local Address")
    @Description("Address of this end")
    public String localAddress;

    @Label("Local Port")
    @Description("Port of this end")
    public int localPort;

    @Label("Remote Address")
    @Description("Address of the peer")
    public String remoteAddress;

    @Label("Remote Port")
    @Description("Port of the peer")
    public int remotePort;

    @Label("Bytes Sent")
    @Description("Payload bytes sent and acknowledged by the peer (SYN and FIN excluded)")
    @DataAmount(DataAmount.BYTES)
    public long bytesSent;

    @Label("Bytes Received")
    @Description("Payload bytes received (FIN excluded)")
    @DataAmount(DataAmount.BYTES)
    public long bytesReceived;

    @Label("Close Initiator")
    @Description("local or remote: the side that sent the first FIN, or the RST; local for a connect that timed out or was abandoned")
    public String closeInitiator;

    @Label("Reset")
    @Description("The session ended with an RST, sent or received (a refused connect included)")
    public boolean reset;

    @Label("Established")
    @Description("The handshake completed; false for a connect that was refused, timed out or abandoned")
    public boolean established;

    @Label("Error")
    @Description("The socket error at close, such as ECONNRESET, ECONNREFUSED or ETIMEDOUT; empty if none")
    public String error;

    @Label("Java Thread")
    @Description("The Java thread that called connect (client) or accept (server); empty where it cannot be known")
    public Thread javaThread;

    @Label("Java Thread Name")
    @Description("Name of the Java thread that connected or accepted, at that moment; kept when the thread has ended before the session")
    public String javaThreadName;

    @Label("Java Thread Id")
    @Description("Id (Thread.getId) of the Java thread that connected or accepted; 0 where unknown")
    public long javaThreadId;

    @Label("Java Thread Source")
    @Description("How the Java thread was found: jdk-socket (the JDK's socket classes named it as it connected or"
            + " accepted), netty-accept (Netty's native accept named it), kernel-tid (the kernel's thread id at"
            + " connect, matched to the live Java thread holding it: a connect made by native code, or before the"
            + " agent's hooks were in place); empty where none was found")
    public String javaThreadSource;

    @Label("OS Thread Id")
    @Description("Kernel thread id of the thread that connected or accepted, as the JVM numbers it; 0 where unknown")
    public long osThreadId;

    @Label("Connect Time")
    @Description("Client only: from the first SYN to the established connection (the handshake round trip)")
    @Timespan(Timespan.NANOSECONDS)
    public long connectTime;

    @Label("Smoothed RTT")
    @Description("The kernel's smoothed round-trip time estimate at close")
    @Timespan(Timespan.MICROSECONDS)
    public long smoothedRtt;

    @Label("Retransmitted Segments")
    @Description("Segments this end retransmitted during the session")
    public long retransmittedSegments;

    @Label("Start Observed")
    @Description("False when the session was already open before tracing began: its start time is then when tracing began")
    public boolean startObserved;

    @SocketId
    @Label("Socket Id")
    @Description("Inode number of the socket, as in /proc/PID/fd and ss -e; 0 if the socket never had a file")
    public long socketId;
}
