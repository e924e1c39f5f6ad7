package dev.tcplife.jfr.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import jdk.jfr.Timestamp;

/**
 * The agent's own bookkeeping, periodically: what it emitted, and everything it could not, so that a recording
 * never silently misses sessions. Counts are totals since tracing began, except the sessions open now.
 */
@Name(TcpSessionStatisticsEvent.NAME)
@Label("TCP Session Tracing Statistics")
@Category({"Network", "TCP"})
@Description("Totals of the tcplife agent since tracing began: sessions recorded, and any lost or not tracked")
@Period("5 s")
@StackTrace(false)
public class TcpSessionStatisticsEvent extends Event {
    public static final String NAME = "tcplife.Statistics";

    @Label("Tracing Start")
    @Description("When the agent began to follow this JVM's sessions: a session that ended before is not recorded")
    @Timestamp(Timestamp.MILLISECONDS_SINCE_EPOCH)
    public long tracingStart;

    @Label("Traced From Main")
    @Description("Whether tracing began before the application's main method, so that no session of the JVM ended"
            + " unrecorded before it: false with start=background, on attach, or when the start outlasted main's wait")
    public boolean tracedFromMain;

    @Label("Sessions Recorded")
    @Description("Sessions committed as tcplife.TcpSession events")
    public long sessionsRecorded;

    @Label("Sessions Lost")
    @Description("Finished sessions dropped because the kernel ring buffer was full (raise the ringbuffer option)")
    public long sessionsLost;

    @Label("Sessions Not Tracked")
    @Description("Sessions of this JVM the kernel could not follow because its session table was full (raise maxsessions)")
    public long sessionsNotTracked;

    @Label("Listeners Not Tracked")
    @Description("Listening sockets of this JVM the kernel could not follow: their sessions are missing")
    public long listenersNotTracked;

    @Label("Sessions Filtered")
    @Description("Sessions left out by the port and family options")
    public long sessionsFiltered;

    @Label("Sessions Open")
    @Description("Sessions of this JVM the kernel follows now; only this JVM's sockets take kernel memory")
    public long sessionsOpen;

    @Label("Sessions Adopted")
    @Description("Sessions already open when tracing began, followed from then on (their start is not observed)")
    public long sessionsAdopted;

    @Label("Read Delay Median")
    @Description("Since the previous statistics event: median time from a session's close in the kernel to its reading by the agent (quarter-octave resolution)")
    @Timespan(Timespan.NANOSECONDS)
    public long readDelayMedian;

    @Label("Read Delay P99")
    @Description("Since the previous statistics event: 99th percentile of that time")
    @Timespan(Timespan.NANOSECONDS)
    public long readDelayP99;

    @Label("Read Delay Max")
    @Description("Since the previous statistics event: the longest such time")
    @Timespan(Timespan.NANOSECONDS)
    public long readDelayMax;

    @Label("Sessions Unwanted")
    @Description("Sessions that ended while no recording enabled tcplife.TcpSession, so not reported")
    public long sessionsUnwanted;

    @Label("Session Ends Unseen")
    @Description("Sessions of this JVM whose end the kernel never saw (the socket was freed without TCP_CLOSE): not recorded")
    public long sessionEndsUnseen;

    @Label("Kernel Runs Skipped")
    @Description("Socket state changes for which the kernel skipped the agent's program, as it does while the program already runs on that CPU, interrupted by a softirq; their sessions are recovered from later state changes (sessionsRecovered) but may lack their handshake time")
    public long kernelRunsSkipped;

    @Label("Sessions Recovered")
    @Description("Sessions whose start or end the kernel skipped the agent's program for: a server connection followed from its next state change, or an end recorded when its socket was freed")
    public long sessionsRecovered;

    @Label("Sessions Below Threshold")
    @Description("Sessions left out because they were shorter than the event's threshold")
    public long sessionsBelowThreshold;
}
