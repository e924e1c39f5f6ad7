package dev.tcplife.jfr.it.workload;

import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * Committed once by every workload thread that connects or accepts: JFR records the committing thread's OS
 * thread id, the ground truth for the session events' osThreadId.
 */
@Name("test.ThreadMarker")
@Label("Thread Marker")
public final class ThreadMarker extends Event {
    public static void mark() {
        new ThreadMarker().commit();
    }
}
