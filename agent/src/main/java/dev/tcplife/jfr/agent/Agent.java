package dev.tcplife.jfr.agent;

import java.lang.instrument.Instrumentation;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;

import dev.tcplife.jfr.bpf.BpfException;
import dev.tcplife.jfr.bpf.BpfObject;
import dev.tcplife.jfr.bpf.KernelClock;
import dev.tcplife.jfr.bpf.LibBpf;
import dev.tcplife.jfr.bpf.LibC;
import dev.tcplife.jfr.bpf.OpenSockets;
import dev.tcplife.jfr.bpf.PidNamespace;
import dev.tcplife.jfr.bpf.ProgramConfig;
import dev.tcplife.jfr.bpf.TcpSessionProgram;
import dev.tcplife.jfr.jfr.JfrClock;
import dev.tcplife.jfr.jfr.JfrShutdownOrder;
import dev.tcplife.jfr.jfr.TcpSessionEmitter;
import dev.tcplife.jfr.pipeline.SessionPipeline;
import dev.tcplife.jfr.thread.JdkSocketInstrumentation;
import dev.tcplife.jfr.thread.SocketFds;
import dev.tcplife.jfr.thread.SocketOwners;

/**
 * Starts and stops tracing in this JVM; {@code dev.tcplife.jfr.boot.AgentLauncher} calls it through the agent's
 * class loader.
 *
 * <p>At JVM start ({@code -javaagent}) the work happens on a background thread, so that the application's start is
 * not delayed: sockets it opens meanwhile are adopted when tracing begins, like those of a JVM the agent is
 * attached to later. On attach, the work happens before {@code agentmain} returns, so the attaching tool can
 * report the outcome.
 *
 * <p>Whatever fails (bad options, no libbpf, no privileges, an old kernel), the agent prints one line saying
 * what is wrong and how to fix it, disables itself and leaves the application running. The system property
 * {@value #STATE_PROPERTY} tells where it stands: {@code starting}, {@code tracing}, {@code stopped}, or
 * {@code failed: <reason>} ({@code jcmd <pid> VM.system_properties} shows it).
 */
public final class Agent {
    public static final String STATE_PROPERTY = "tcplife.state";

    private static Agent running;

    private final SessionPipeline pipeline;
    private final JdkSocketInstrumentation instrumentation;
    private final FlightRecorderListener whenJfrStarts;
    private volatile JfrShutdownOrder shutdownOrder;

    private Agent(SessionPipeline pipeline, JdkSocketInstrumentation instrumentation, Instrumentation inst) {
        this.pipeline = pipeline;
        this.instrumentation = instrumentation;
        // JFR registers its exit hook when it initializes, at JVM start or when a recording first starts.
        this.whenJfrStarts = new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder recorder) {
                shutdownOrder = JfrShutdownOrder.runBeforeJfrDump(inst, pipeline::lastRead);
                if (!shutdownOrder.ordered()) {
                    AgentLog.debug("JFR's exit hook not found: sessions ending just before exit may miss the dump");
                }
            }

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
    public static synchronized void start(String optionText, Instrumentation inst, boolean attached) {
        if (attached && "stop".equals(optionText)) {
            stop();
            return;
        }
        if (running != null || "starting".equals(System.getProperty(STATE_PROPERTY))) {
            AgentLog.info("already tracing TCP sessions; options ignored: " + optionText);
            return;
        }
        AgentOptions options;
        try {
            options = AgentOptions.parse(optionText);
        } catch (IllegalArgumentException e) {
            fail("tcplife is disabled: " + e.getMessage());
            return;
        }
        AgentLog.setLevel(options.log());
        System.setProperty(STATE_PROPERTY, "starting");
        if (attached) {
            begin(options, inst, true);
        } else {
            Thread starter = new Thread(() -> begin(options, inst, false), "tcplife-start");
            starter.setDaemon(true);
            starter.start();
        }
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

    private static synchronized void begin(AgentOptions options, Instrumentation inst, boolean attached) {
        String failure = "tcplife cannot trace TCP sessions, the application runs on without it: ";
        try {
            long begin = System.nanoTime();
            running = launch(options, inst);
            FlightRecorder.addListener(running.whenJfrStarts);
            System.setProperty(STATE_PROPERTY, "tracing");
            AgentLog.info("tracing the TCP sessions of pid " + ProcessHandle.current().pid()
                    + (attached ? " (attached)" : "") + ", ready in " + (System.nanoTime() - begin) / 1_000_000 + " ms");
        } catch (BpfException e) {
            fail(failure + e.getMessage());
        } catch (UnsatisfiedLinkError e) {
            fail(failure + "libbpf not found (" + e.getMessage()
                    + "); install libbpf1 (apt-get install libbpf1) or set the libbpf option");
        } catch (Throwable e) {
            fail(failure + e);
        }
    }

    private static void fail(String message) {
        System.setProperty(STATE_PROPERTY, "failed: " + message);
        AgentLog.error(message);
    }

    private static Agent launch(AgentOptions options, Instrumentation inst) throws Exception {
        long pid = ProcessHandle.current().pid();
        StartupClock startup = new StartupClock();
        LibC libc = LibC.load();
        LibBpf libbpf = LibBpf.load(options.libbpf());
        if (AgentLog.debugEnabled()) {
            BpfObject.setVerboseLog(AgentLog::debug);
        }
        startup.lap("native libraries");

        /* The Java side first: sockets the JVM opens from now on are noted with their thread */
        SocketOwners owners = new SocketOwners(SocketFds.open(inst, libc));
        JdkSocketInstrumentation instrumentation = null;
        if (options.threads()) {
            instrumentation = JdkSocketInstrumentation.install(inst, owners);
            startup.lap("JDK socket instrumentation");
        }
        TcpSessionProgram program = null;
        try {
            /* The kernel program, filtering on this JVM */
            ProgramConfig config = new ProgramConfig(pid, PidNamespace.current(), options.family().mask,
                    options.localPorts(), options.remotePorts(), options.maxSessions(), options.ringBufferBytes());
            program = TcpSessionProgram.load(libbpf, libc, config);
            startup.lap("kernel program");

            /* What was open before it was attached: listeners own their new children, sessions end observed */
            TcpSessionProgram.Adoption adoption = program.adopt(OpenSockets.list(), KernelClock.nowNanos());
            if (adoption.notAdopted() > 0) {
                AgentLog.warn(adoption.notAdopted() + " sessions already open will not be recorded: too many to adopt");
            }
            AgentLog.debug("adopted " + adoption.listeners() + " listeners and " + adoption.sessions() + " sessions");
            startup.lap("adoption");

            /* JFR: the clock to date sessions, then the reader thread */
            JfrClock clock = openClock(inst);
            TcpSessionEmitter emitter = emitter(clock, pid);
            SessionPipeline pipeline = SessionPipeline.start(program, owners, emitter, clock, options.pollMillis(),
                    adoption.sessions());
            startup.lap("JFR");
            return new Agent(pipeline, instrumentation, inst);
        } catch (Exception | Error e) {
            if (program != null) {
                program.close();
            }
            if (instrumentation != null) {
                instrumentation.close();
            }
            throw e;
        }
    }

    private static JfrClock openClock(Instrumentation inst) {
        try {
            return JfrClock.open(inst);
        } catch (IllegalStateException e) {
            AgentLog.warn(e.getMessage());
            return null;
        }
    }

    private static TcpSessionEmitter emitter(JfrClock clock, long pid) {
        try {
            return TcpSessionEmitter.create(clock, pid);
        } catch (IllegalStateException e) {
            AgentLog.warn("sessions are dated when the agent reads them, not when they happened: " + e.getMessage());
            return TcpSessionEmitter.datedWhenRead(pid);
        }
    }

    /** Times the start-up steps for the debug log. */
    private static final class StartupClock {
        private long last = System.nanoTime();

        void lap(String step) {
            long now = System.nanoTime();
            AgentLog.debug(step + ": " + (now - last) / 1_000_000 + " ms");
            last = now;
        }
    }

    private void close() {
        FlightRecorder.removeListener(whenJfrStarts);
        if (shutdownOrder != null) {
            shutdownOrder.close();
        }
        if (instrumentation != null) {
            instrumentation.close();
        }
        pipeline.close();
    }
}
