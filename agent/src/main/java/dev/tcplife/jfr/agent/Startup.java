package dev.tcplife.jfr.agent;

import java.lang.instrument.Instrumentation;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import dev.tcplife.jfr.bpf.Adoption;
import dev.tcplife.jfr.bpf.BpfException;
import dev.tcplife.jfr.bpf.BpfObject;
import dev.tcplife.jfr.bpf.LibBpf;
import dev.tcplife.jfr.bpf.ProgramConfig;
import dev.tcplife.jfr.bpf.TcpSessionProgram;
import dev.tcplife.jfr.events.JfrClock;
import dev.tcplife.jfr.events.TcpSessionEmitter;
import dev.tcplife.jfr.events.TcpSessionOpenEvent;
import dev.tcplife.jfr.log.AgentLog;
import dev.tcplife.jfr.os.LibC;
import dev.tcplife.jfr.os.PidNamespace;
import dev.tcplife.jfr.pipeline.SessionPipeline;
import dev.tcplife.jfr.thread.JdkSocketInstrumentation;
import dev.tcplife.jfr.thread.NettyAcceptInstrumentation;
import dev.tcplife.jfr.thread.SocketFds;
import dev.tcplife.jfr.thread.SocketOwners;

/**
 * The agent's start, step by step:
 *
 * <ol>
 *   <li>the native libraries: libc and libbpf, through jffi; and beside them, on a thread of their own, the socket
 *       hooks of the JDK and of Netty, registered (the JVM rewrites the classes as it loads them);
 *   <li>the kernel program: loaded, verified, and attached with the JVM's older sockets adopted;
 *   <li>the reader thread, which holds finished sessions until JFR is ready. Tracing has begun: from here on no
 *       session of the JVM is missed;
 *   <li>JFR: its clock, the events, the statistics; sessions held so far are emitted first.
 * </ol>
 *
 * At JVM start, steps 1 to 3 run on the thread "tcplife-start" (and "tcplife-hooks") while the main thread goes on
 * with the JVM's own start, and {@link StartGate} holds the application's first class until step 3 is done; step 4
 * waits until the application has begun, after JFR's own start. On attach, the same runs on the attaching thread. Each step is
 * timed for the debug log. A watchdog reports a start that stalls for {@link #STALL_NANOS}, at the step where it
 * stalled, and releases what the start had set up.
 */
final class Startup {
    static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** How long step 5 waits for the application's first class before it goes on anyway (java -version has none). */
    private static final long APPLICATION_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final AgentOptions options;
    private final Instrumentation inst;
    private final long begin = System.nanoTime();
    private final CountDownLatch finished = new CountDownLatch(1);
    /** What the start has set up so far, released in reverse order if it fails or stalls (guarded by this). */
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private long lap = begin;
    private volatile String step = "the native libraries";
    private boolean abandoned;
    private boolean succeeded;

    Startup(AgentOptions options, Instrumentation inst) {
        this.options = options;
        this.inst = inst;
    }

    /** Everything on the calling thread (the JVM's attach listener), so that the attaching tool learns the outcome. */
    void attach() {
        watch(Thread.currentThread(), null);
        run(null);
    }

    /** Steps 1 to 3 at once on a thread of their own, step 4 once the application has begun. */
    void atJvmStart(StartGate gate) {
        Thread thread = new Thread(() -> run(gate), "tcplife-start");
        thread.setDaemon(true);
        thread.setContextClassLoader(Startup.class.getClassLoader());
        gate.exempt(thread);
        watch(thread, gate);
        thread.start();
    }

    private void run(StartGate gate) {
        try {
            long pid = ProcessHandle.current().pid();
            /* The Java side, beside the native one: sockets the JVM opens from now on are noted with their thread */
            SocketFds fds = SocketFds.open(inst);
            SocketOwners owners = options.threads() ? SocketOwners.withHooks(fds, inst) : SocketOwners.none(fds);
            FutureTask<List<AutoCloseable>> hooking = new FutureTask<>(() -> options.threads()
                    ? List.of(keep(JdkSocketInstrumentation.install(inst, owners, AgentLog::warn)),
                            keep(NettyAcceptInstrumentation.install(inst, owners, AgentLog::warn)))
                    : List.<AutoCloseable>of());
            Thread hooker = new Thread(hooking, "tcplife-hooks");
            hooker.setDaemon(true);
            hooker.setContextClassLoader(Startup.class.getClassLoader());
            if (gate != null) {
                gate.exempt(hooker);
            }
            hooker.start();

            NativeAccess.grant(inst);
            LibC libc = loadNativeLayer();
            LibBpf libbpf = LibBpf.load(options.libbpf(), libc);
            AgentLog.debug("libbpf: " + libbpf.origin());
            fds.useNativeCalls(libc);
            if (AgentLog.debugEnabled()) {
                BpfObject.setVerboseLog(AgentLog::debug);
            }
            lap("the kernel program");

            /* The kernel program, filtering on this JVM, attached with what was open before */
            ProgramConfig config = new ProgramConfig(pid, PidNamespace.current(), options.family().mask,
                    options.localPorts(), options.remotePorts(), options.maxSessions(), options.ringBufferBytes());
            TcpSessionProgram program = keep(TcpSessionProgram.load(libbpf, libc, config));
            lap("attaching and adopting open sockets");
            Adoption adoption = program.attach();
            if (adoption.notAdopted() > 0) {
                AgentLog.warn(adoption.notAdopted() + " sessions already open will not be recorded: too many to adopt");
            }
            AgentLog.debug("adopted " + adoption.listeners() + " listeners and " + adoption.sessions() + " sessions");
            SessionPipeline pipeline = handOver(program, SessionPipeline.start(program, owners, options.pollMillis(), adoption));
            LastReadAtExit lastReadAtExit = keep(LastReadAtExit.arrange(inst, pipeline));
            lap("the JDK socket hooks, the last of them");
            List<AutoCloseable> hooks = awaitHooks(hooking);

            /* Tracing has begun */
            boolean beforeApplication = gate != null && gate.tracingBegan();
            System.setProperty(Agent.STATE_PROPERTY, "tracing");
            long tracingSinceLaunch = gate != null && AgentLog.infoEnabled() ? sinceLaunchMillis() : -1;
            lap(gate == null ? "JFR" : "waiting for the application to begin");
            if (gate != null && !gate.awaitApplication(APPLICATION_WAIT_NANOS)) {
                AgentLog.debug("no application class after " + TimeUnit.NANOSECONDS.toSeconds(APPLICATION_WAIT_NANOS)
                        + " s: setting JFR up anyway");
            }
            lap("JFR");

            /* JFR: sessions held since tracing began go out first */
            JfrClock clock = openClock();
            pipeline.emitTo(emitter(clock, pid), clock, beforeApplication);
            owners.reportOpens(new OpenEvents());
            Agent agent = new Agent(pipeline, hooks, lastReadAtExit);
            synchronized (this) {
                if (abandoned) {
                    return;
                }
                succeeded = true;
                started.clear();
            }
            finished.countDown();
            Agent.started(agent);
            lap(null);
            if (AgentLog.infoEnabled()) {
                AgentLog.info("tracing the TCP sessions of pid " + pid + (gate == null ? " (attached)" : "")
                        + (beforeApplication ? ", from before main" : "") + ", ready in "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) + " ms"
                        + (gate == null ? "" : " (tracing " + tracingSinceLaunch + " ms after launch, events "
                                + sinceLaunchMillis() + " ms after launch)"));
            }
        } catch (BpfException e) {
            failed(e.getMessage(), gate);
        } catch (UnsatisfiedLinkError e) {
            failed("libbpf not found (" + e.getMessage() + "); install libbpf1 (apt-get install libbpf1), or point"
                    + " the libbpf option at one", gate);
        } catch (Throwable e) {
            failed(e.toString(), gate);
        }
    }

    /** jffi and the C library: a failure here is the agent's own (its stub library refused), not libbpf's. */
    private static LibC loadNativeLayer() throws BpfException {
        try {
            return LibC.load();
        } catch (UnsatisfiedLinkError | IllegalCallerException e) {
            String message = String.valueOf(e.getMessage());
            int end = message.indexOf('\n');
            throw new BpfException("the agent's native layer (jffi) did not load: "
                    + (end < 0 ? message : message.substring(0, end)).strip());
        }
    }

    /** The hooks, once their thread is done; what it threw, thrown here. */
    private static List<AutoCloseable> awaitHooks(FutureTask<List<AutoCloseable>> hooking) throws Exception {
        try {
            return hooking.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : new IllegalStateException(e.getCause());
        }
    }

    /**
     * Milliseconds since the JVM's process began, to 10 ms: the kernel's uptime now less the process's start, both
     * in time since boot (/proc/uptime, and field 22 of /proc/self/stat in clock ticks of 1/100 s). The start
     * ProcessHandle gives is a wall-clock time built on the boot time in whole seconds: off by up to a second.
     */
    private static long sinceLaunchMillis() {
        try {
            String uptime = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/uptime"));
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            // after the command name in parentheses: state is field 3, starttime field 22
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(fields[22 - 3]);
            return Math.round(Double.parseDouble(uptime.split(" ")[0]) * 1000) - startTicks * 10;
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Logs the time of the step just done, at debug level, and names the next one for the watchdog. */
    private void lap(String next) {
        long now = System.nanoTime();
        AgentLog.debug(step + ": " + TimeUnit.NANOSECONDS.toMillis(now - lap) + " ms");
        lap = now;
        step = next;
    }

    /** Keeps what a step set up, to release it should a later step fail; a start the watchdog gave up on stops here. */
    private synchronized <T extends AutoCloseable> T keep(T resource) {
        started.push(resource);
        if (abandoned) {
            releaseAll();
            throw new IllegalStateException("abandoned");
        }
        return resource;
    }

    /** {@code pipeline} owns {@code program} from now on, and releases it with itself. */
    private synchronized SessionPipeline handOver(TcpSessionProgram program, SessionPipeline pipeline) {
        started.remove(program);
        return keep(pipeline);
    }

    private synchronized void releaseAll() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception | Error e) {
                AgentLog.debug("releasing after a failed start: " + e);
            }
        }
    }

    private void failed(String reason, StartGate gate) {
        synchronized (this) {
            if (abandoned || succeeded) {
                return; // the watchdog has said why already, or the start got there first
            }
            abandoned = true;
            releaseAll();
        }
        if (gate != null) {
            gate.release();
        }
        finished.countDown();
        Agent.startFailed("tcplife cannot trace TCP sessions, the application runs on without it: " + reason);
    }

    /** A daemon thread that gives up on a start that has not finished after {@link #STALL_NANOS}, and says where. */
    private void watch(Thread starter, StartGate gate) {
        Thread watchdog = new Thread(() -> {
            try {
                if (finished.await(STALL_NANOS, TimeUnit.NANOSECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            StackTraceElement[] stack = starter.getStackTrace();
            failed("the start stalled for " + TimeUnit.NANOSECONDS.toSeconds(STALL_NANOS) + " s while setting up "
                    + step + (stack.length > 0 ? " (at " + stack[0] + ")" : ""), gate);
        }, "tcplife-start-watchdog");
        watchdog.setDaemon(true);
        if (gate != null) {
            gate.exempt(watchdog);
        }
        watchdog.start();
    }

    private JfrClock openClock() {
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

    /** The moments sockets are opened, as tcplife.TcpSessionOpen events. */
    private static final class OpenEvents implements SocketOwners.OpenListener {
        @Override
        public boolean wanted() {
            return TcpSessionOpenEvent.isRecorded();
        }

        @Override
        public void opened(String role, long inode) {
            TcpSessionOpenEvent.commit(role, inode);
        }
    }
}
