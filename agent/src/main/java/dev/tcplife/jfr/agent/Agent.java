package dev.tcplife.jfr.agent;

import java.lang.instrument.Instrumentation;
import java.util.List;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;

import dev.tcplife.jfr.log.AgentLog;
import dev.tcplife.jfr.pipeline.SessionPipeline;

/**
 * Starts and stops tracing in this JVM; {@code dev.tcplife.jfr.boot.AgentLauncher} calls it through the agent's
 * class loader.
 *
 * <p>At JVM start ({@code -javaagent}) tracing begins before the application's {@code main} (see {@link Startup}
 * and {@link StartGate}), or in the background with start=background. On attach, everything happens before
 * {@code agentmain} returns, so the attaching tool can report the outcome.
 *
 * <p>Whatever fails (bad options, no libbpf, no privileges, an old kernel, a start that stalls), the agent prints
 * one line saying what is wrong and how to fix it, disables itself and leaves the application running. The system
 * property {@value #STATE_PROPERTY} tells where it stands: {@code starting}, {@code tracing}, {@code stopped}, or
 * {@code failed: <reason>} ({@code jcmd <pid> VM.system_properties} shows it).
 */
public final class Agent {
    public static final String STATE_PROPERTY = "tcplife.state";

    private static Agent running;
    private static Startup starting;

    private final SessionPipeline pipeline;
    /** The socket hooks in the JDK and in libraries, closed in reverse order. */
    private final List<AutoCloseable> hooks;
    /** The last read at exit, before JFR's dump: arranged as tracing began, released with the agent. */
    private final LastReadAtExit lastReadAtExit;
    private final FlightRecorderListener whenRecordingsChange;

    Agent(SessionPipeline pipeline, List<AutoCloseable> hooks, LastReadAtExit lastReadAtExit) {
        this.pipeline = pipeline;
        this.hooks = hooks;
        this.lastReadAtExit = lastReadAtExit;
        this.whenRecordingsChange = new FlightRecorderListener() {
            @Override
            public void recordingStateChanged(Recording recording) {
                pipeline.recordingsChanged();
            }
        };
    }

    /**
     * Called by the launcher for -javaagent and for attach; starting twice is harmless, and the argument
     * {@code stop} (from {@code java -jar tcplife-agent.jar stop <pid>}) stops tracing instead. Never throws.
     */
    public static void start(String optionText, Instrumentation inst, boolean attached) {
        if (attached && "stop".equals(optionText)) {
            stop();
            return;
        }
        Startup startup;
        AgentOptions options;
        synchronized (Agent.class) {
            if (running != null || starting != null) {
                AgentLog.info("already tracing TCP sessions; options ignored: " + optionText);
                return;
            }
            try {
                options = AgentOptions.parse(optionText);
            } catch (IllegalArgumentException e) {
                fail("tcplife is disabled: " + e.getMessage());
                return;
            }
            AgentLog.setLevel(options.log());
            System.setProperty(STATE_PROPERTY, "starting");
            startup = new Startup(options, inst);
            starting = startup;
        }
        // Outside the lock: a start that stalls must not keep the watchdog from saying so.
        if (attached) {
            startup.attach();
        } else {
            startup.atJvmStart(StartGate.install(inst, options.start() == AgentOptions.Start.BEFORE_MAIN));
        }
    }

    /**
     * The agent jar's command line begins as this JVM's application (see {@link StartGate#applicationBegins});
     * called by its launcher, and only where the agent is starting or tracing in this JVM.
     */
    public static void applicationBegins(String command) {
        StartGate.applicationBegins("the agent jar's command " + command);
    }

    /** The start succeeded: the agent runs until {@link #stop} or the JVM's exit. */
    static void started(Agent agent) {
        synchronized (Agent.class) {
            running = agent;
            starting = null;
        }
        // Outside the lock: JFR may call the listener at once, on this thread.
        FlightRecorder.addListener(agent.whenRecordingsChange);
    }

    /** The start failed: a new attach may try again. */
    static synchronized void startFailed(String message) {
        starting = null;
        fail(message);
    }

    /** Stops tracing and releases every kernel object and every class change the agent made. */
    public static synchronized void stop() {
        if (running != null) {
            Agent agent = running;
            running = null;
            agent.close();
            System.setProperty(STATE_PROPERTY, "stopped");
            AgentLog.info("stopped tracing TCP sessions");
        }
    }

    private static void fail(String message) {
        System.setProperty(STATE_PROPERTY, "failed: " + message);
        AgentLog.error(message);
    }

    private void close() {
        FlightRecorder.removeListener(whenRecordingsChange);
        lastReadAtExit.close();
        for (int i = hooks.size() - 1; i >= 0; i--) {
            try {
                hooks.get(i).close();
            } catch (Exception e) {
                AgentLog.warn("could not undo a socket hook: " + e);
            }
        }
        pipeline.close();
    }
}
