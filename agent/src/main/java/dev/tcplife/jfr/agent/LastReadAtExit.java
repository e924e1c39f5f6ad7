package dev.tcplife.jfr.agent;

import java.lang.instrument.Instrumentation;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

import dev.tcplife.jfr.events.JfrShutdownOrder;
import dev.tcplife.jfr.log.AgentLog;
import dev.tcplife.jfr.pipeline.SessionPipeline;

/**
 * The pipeline's last read at JVM exit, ordered before JFR's dump from the moment tracing begins, not once the
 * agent is fully started: an application that makes its sessions and exits while JFR is still being set up for
 * the agent's events (the first tens to hundreds of milliseconds of {@code main}) has them recorded too.
 */
final class LastReadAtExit implements AutoCloseable {
    private final FlightRecorderListener whenJfrStarts;
    private volatile JfrShutdownOrder shutdownOrder;

    private LastReadAtExit(Instrumentation inst, SessionPipeline pipeline) {
        // JFR registers its exit hook when it initializes, at JVM start or when a recording first starts. It calls
        // this listener then, on whichever thread initializes it: nothing here may throw or wait.
        this.whenJfrStarts = new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder recorder) {
                try {
                    shutdownOrder = JfrShutdownOrder.runBeforeJfrDump(inst, pipeline::lastRead);
                    if (!shutdownOrder.ordered()) {
                        AgentLog.debug("JFR's exit hook not found: sessions ending just before exit may miss the dump");
                    }
                } catch (IllegalStateException exiting) {
                    AgentLog.debug("the JVM exits as JFR initializes: no last read to order before its dump");
                } catch (RuntimeException | Error e) {
                    AgentLog.warn("could not order the agent's last read before JFR's dump at exit: " + e);
                }
            }
        };
    }

    /** Arranges it now, or when JFR initializes. */
    static LastReadAtExit arrange(Instrumentation inst, SessionPipeline pipeline) {
        LastReadAtExit lastRead = new LastReadAtExit(inst, pipeline);
        // JFR calls the listener at once, on this thread, when it is initialized already.
        FlightRecorder.addListener(lastRead.whenJfrStarts);
        return lastRead;
    }

    /** Gives JFR its exit hook back. */
    @Override
    public void close() {
        FlightRecorder.removeListener(whenJfrStarts);
        JfrShutdownOrder order = shutdownOrder;
        if (order != null) {
            order.close();
        }
    }
}
