package dev.tcplife.jfr.events;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.Set;

/**
 * Runs the agent's last read before JFR writes its recordings at JVM exit.
 *
 * <p>Shutdown hooks run concurrently, in no order, and JFR dumps its {@code dumponexit} recordings from one of
 * them ("JFR Shutdown Hook"). Sessions that ended just before exit would race that dump. So the agent takes
 * JFR's hook out of the JVM's list and runs it itself, right after its own last read. Finding the hook needs
 * java.lang's private list of hooks (opened to the agent alone); where that fails, the agent falls back to a
 * plain hook of its own, which usually, but not always, comes first.
 */
public final class JfrShutdownOrder implements AutoCloseable {
    private static final String JFR_HOOK_NAME = "JFR Shutdown Hook";

    private final Thread ours;
    private final Thread jfrHook;

    private JfrShutdownOrder(Thread ours, Thread jfrHook) {
        this.ours = ours;
        this.jfrHook = jfrHook;
    }

    /**
     * Arranges for {@code lastRead} to run at JVM exit before JFR's dump. JFR must be initialized already.
     *
     * @return what undoes the arrangement
     */
    public static JfrShutdownOrder runBeforeJfrDump(Instrumentation instrumentation, Runnable lastRead) {
        Thread jfrHook = findJfrHook(instrumentation);
        if (jfrHook != null && Runtime.getRuntime().removeShutdownHook(jfrHook)) {
            Thread ours = new Thread(() -> {
                try {
                    lastRead.run();
                } finally {
                    jfrHook.run();
                }
            }, "tcplife-shutdown");
            Runtime.getRuntime().addShutdownHook(ours);
            return new JfrShutdownOrder(ours, jfrHook);
        }
        Thread ours = new Thread(lastRead, "tcplife-shutdown");
        Runtime.getRuntime().addShutdownHook(ours);
        return new JfrShutdownOrder(ours, null);
    }

    /** Whether JFR's dump now waits for the agent's last read. */
    public boolean ordered() {
        return jfrHook != null;
    }

    /** Gives JFR its own hook back. */
    @Override
    public void close() {
        try {
            if (Runtime.getRuntime().removeShutdownHook(ours) && jfrHook != null) {
                Runtime.getRuntime().addShutdownHook(jfrHook);
            }
        } catch (IllegalStateException shuttingDown) {
            // the hooks run as they are
        }
    }

    private static Thread findJfrHook(Instrumentation instrumentation) {
        try {
            Module javaBase = Object.class.getModule();
            instrumentation.redefineModule(javaBase, Set.of(), Map.of(),
                    Map.of("java.lang", Set.of(JfrShutdownOrder.class.getModule())), Set.of(), Map.of());
            Class<?> hooks = Class.forName("java.lang.ApplicationShutdownHooks");
            Field field = hooks.getDeclaredField("hooks");
            field.setAccessible(true);
            synchronized (hooks) {
                Map<?, ?> registered = (Map<?, ?>) field.get(null);
                if (registered == null) {
                    return null; // already shutting down
                }
                for (Object hook : registered.keySet()) {
                    if (hook instanceof Thread && JFR_HOOK_NAME.equals(((Thread) hook).getName())) {
                        return (Thread) hook;
                    }
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // fall back to an unordered hook
        }
        return null;
    }
}
