package dev.tcplife.jfr.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.tcplife.jfr.log.AgentLog;

/**
 * At JVM start, holds the application at its first class until tracing has begun (start=before-main), and tells
 * the agent when the application's code begins.
 *
 * <p>premain itself does not wait for the kernel program. With a recording at launch (-XX:StartFlightRecording),
 * JFR starts on the main thread after premain returns: half a second of the JVM's own work, which the agent's
 * start can run beside on another core instead of before. So premain returns at once, and the JVM is held when an
 * application class loader first defines a class: the main class (or another agent's), after JFR's start and
 * before {@code main}. The hold is bounded by {@link #WAIT_NANOS}; past it, main runs, and the agent says so.
 *
 * <p>With start=background nothing is held. Either way the agent sets up its part of JFR only once the application
 * has begun, so never at the same time as JFR's own start on the main thread.
 */
final class StartGate implements ClassFileTransformer {
    static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Instrumentation instrumentation;
    private final boolean holds;
    private final ClassLoader agentLoader = StartGate.class.getClassLoader();
    private final Set<Thread> agentThreads = ConcurrentHashMap.newKeySet();
    private final CountDownLatch tracing = new CountDownLatch(1);
    private final CountDownLatch application = new CountDownLatch(1);
    /** The application's first class has gone on (guarded by this, read without it as a fast path). */
    private volatile boolean released;
    /** The gate of this JVM's start, for {@link #applicationBegins}; null on attach. */
    private static volatile StartGate installed;

    private StartGate(Instrumentation instrumentation, boolean holds) {
        this.instrumentation = instrumentation;
        this.holds = holds;
    }

    /** Watches for the application's first class from now on; {@code holds}: holds it until {@link #tracingBegan}. */
    static StartGate install(Instrumentation instrumentation, boolean holds) {
        StartGate gate = new StartGate(instrumentation, holds);
        instrumentation.addTransformer(gate, false);
        installed = gate;
        return gate;
    }

    /**
     * The agent jar's own command line is this JVM's application ({@code java -javaagent:tcplife-agent.jar -jar
     * tcplife-agent.jar sample-workload}, which the demo runs): its classes come from the agent's class loader,
     * never an application's, so the gate would not see them begin. Its main says so here instead, and is held like
     * an application's first class.
     */
    static void applicationBegins(String what) {
        StartGate gate = installed;
        if (gate != null) {
            gate.begin(what);
        }
    }

    /** The agent's own threads are never held: they load classes of their own, and the JDK's, as they start. */
    void exempt(Thread thread) {
        agentThreads.add(thread);
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classFile) {
        if (released || classBeingRedefined != null || !isApplicationLoader(loader)
                || agentThreads.contains(Thread.currentThread())) {
            return null;
        }
        begin("its first class is " + className);
        return null;
    }

    /** The application begins, as {@code what} says: held until tracing has begun where the gate holds, then let go. */
    private void begin(String what) {
        if (released) {
            return;
        }
        if (holds) {
            try {
                if (!tracing.await(WAIT_NANOS, TimeUnit.NANOSECONDS)) {
                    AgentLog.warn("main runs before tracing began: the agent's start took over "
                            + TimeUnit.NANOSECONDS.toSeconds(WAIT_NANOS) + " s; sessions that end before it does are"
                            + " not recorded");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            released = true;
        }
        AgentLog.debug("the application began: " + what);
        application.countDown();
        instrumentation.removeTransformer(this);
    }

    /**
     * Tracing has begun: the held application may go on.
     *
     * @return whether tracing began before the application's code did: no session of the JVM can have ended
     *     unseen before it
     */
    boolean tracingBegan() {
        boolean beforeApplication;
        synchronized (this) {
            beforeApplication = !released;
        }
        tracing.countDown();
        return beforeApplication;
    }

    /** Waits until the application's code has begun, at most {@code nanos}; true if it has. */
    boolean awaitApplication(long nanos) throws InterruptedException {
        return application.await(nanos, TimeUnit.NANOSECONDS);
    }

    /** The start failed: nothing is held, nothing watched any more. */
    void release() {
        synchronized (this) {
            released = true;
        }
        tracing.countDown();
        instrumentation.removeTransformer(this);
    }

    /**
     * A class loader of the application: the system class loader (the main class's, also with -jar and -m), or one
     * the application defined. Not the JDK's others (bootstrap, platform, the loaders of JDK 17's generated
     * reflection accessors, which JFR's own start uses), not the agent's or its children.
     */
    private boolean isApplicationLoader(ClassLoader loader) {
        if (loader == null || loader == ClassLoader.getPlatformClassLoader()) {
            return false;
        }
        if (loader == ClassLoader.getSystemClassLoader()) {
            return true;
        }
        if (loader.getClass().getModule() == Object.class.getModule()) {
            return false;
        }
        for (ClassLoader l = loader; l != null; l = l.getParent()) {
            if (l == agentLoader) {
                return false;
            }
        }
        return true;
    }
}
