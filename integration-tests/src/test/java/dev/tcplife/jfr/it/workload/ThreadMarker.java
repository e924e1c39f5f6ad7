package dev.tcplife.jfr.it.workload;

import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;

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

    /** Starts {@code task} on a new daemon thread named {@code name}, which first commits its marker. */
    public static <T> FutureTask<T> startMarked(String name, Callable<T> task) {
        FutureTask<T> future = new FutureTask<>(() -> {
            mark();
            return task.call();
        });
        Thread thread = new Thread(future, name);
        thread.setDaemon(true);
        thread.start();
        return future;
    }
}
