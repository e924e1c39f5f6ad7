package dev.tcplife.jfr.thread;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.tcplife.jfr.log.AgentLog;
import dev.tcplife.jfr.os.KernelClock;

/**
 * The JVM's live Java threads by kernel thread id, for client sessions whose connect the JDK's socket hooks did
 * not see: made before the hooks were in place, or by native code. The kernel records the connecting thread's id
 * at connect(), and the JVM's own thread dump (the Thread.print diagnostic command, what {@code jcmd} and
 * {@code jstack} print) pairs each Java thread with it ("nid"). A thread that has ended by the time the agent reads
 * its session cannot be named this way; a thread that started after the session did is never taken for its
 * owner (the dump says how long each thread has lived).
 *
 * <p>A dump pauses the JVM at a safepoint, about as long as jstack would, so one is taken only when a session
 * names an id not seen yet, and at most once every {@link #MIN_DUMP_INTERVAL_NANOS}. Used by one thread, the
 * agent's reader.
 */
final class LiveThreads {
    /**
     * Four dumps a second at most: a new thread of native connects (a Netty event loop) is named within a quarter
     * of a second, while it still runs, for a pause of a few milliseconds when new such threads keep coming.
     */
    static final long MIN_DUMP_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** The dump gives a thread's age to 10 ms: a session may begin that much "before" its thread did. */
    private static final long AGE_RESOLUTION_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /**
     * One Java thread's header line of Thread.print, on JDK 17 to 25: {@code "name" #12 [345] daemon prio=5 ...
     * elapsed=1.87s tid=0x... nid=345 ...}; the nid in hexadecimal before JDK 19, the age with the C library's
     * decimal point (a comma in some locales). The name is everything up to the last {@code " #id}, quotes and all.
     */
    private static final Pattern HEADER = Pattern.compile(
            "^\"(.*)\" #(\\d+)\\b.*? elapsed=(\\d+(?:[.,]\\d+)?)s .*?\\bnid=(0x[0-9a-fA-F]+|\\d+)\\b");
    private static final String CARRIER_THREAD = "jdk.internal.misc.CarrierThread";

    /** No dumps at all: for threads=off. */
    static final LiveThreads NONE = new LiveThreads(null);

    /** What opens the diagnostic commands when first needed; null once done. */
    private Instrumentation instrumentation;
    private MethodHandle threadPrint;
    private Map<Integer, SocketOwner> byThreadId = Map.of();
    /** When a dump was last tried, successful or not: the interval between tries bounds the JVM's pauses. */
    private long lastTryNanos;
    private boolean tried;
    /** When the last dump that listed threads was taken, on the kernel's clock (CLOCK_MONOTONIC), as sessions are. */
    private long lastDumpKernelNanos;
    private boolean dumped;

    /** Nothing is opened before a session needs it: most JVMs never do. */
    LiveThreads(Instrumentation instrumentation) {
        this.instrumentation = instrumentation;
    }

    /**
     * Dumps with {@code threadPrint}, a {@code ()String} handle, instead of the JVM's Thread.print: for tests, which
     * give it the text of a dump.
     */
    static LiveThreads dumpingWith(MethodHandle threadPrint) {
        LiveThreads threads = new LiveThreads(null);
        threads.threadPrint = threadPrint;
        return threads;
    }

    /**
     * The Thread.print diagnostic command, opened to the agent alone ({@code com.sun.management.internal} of
     * jdk.management); null where this JDK has none.
     */
    private static MethodHandle threadPrint(Instrumentation instrumentation) {
        try {
            Module management = Class.forName("com.sun.management.DiagnosticCommandMBean").getModule();
            instrumentation.redefineModule(management, Set.of(), Map.of(),
                    Map.of("com.sun.management.internal", Set.of(LiveThreads.class.getModule())), Set.of(), Map.of());
            // Its native half lives in libmanagement_ext, which this class loads as it initializes (JDK 17; JDK
            // 25 loads it with the commands themselves). Nothing else of JMX starts.
            Class.forName("com.sun.management.internal.PlatformMBeanProviderImpl", true, null);
            Class<?> commands = Class.forName("com.sun.management.internal.DiagnosticCommandImpl");
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(commands, MethodHandles.lookup());
            MethodHandle instance = lookup.findStatic(commands, "getDiagnosticCommandMBean",
                    MethodType.methodType(Class.forName("com.sun.management.DiagnosticCommandMBean")));
            MethodHandle execute = lookup.findVirtual(commands, "executeDiagnosticCommand",
                    MethodType.methodType(String.class, String.class));
            Object bean = instance.invoke();
            return bean == null ? null : MethodHandles.insertArguments(execute.asType(
                    MethodType.methodType(String.class, Object.class, String.class)), 0, bean, "Thread.print");
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * The live Java thread that holds kernel thread id {@code tid} and held it when the session began at
     * {@code sessionStartNanos} (CLOCK_MONOTONIC), or null: no such thread, a virtual thread's carrier (which
     * virtual thread connected is not known), or none found by the last dump and too soon for another. With
     * {@code lastChance} (the session is about to be recorded), a dump that predates the session is followed by
     * another at once: one more at most, as it then postdates every session waiting. The owner may have no Thread
     * when it ended just as it was found: its name and id are kept.
     */
    SocketOwner owner(int tid, long sessionStartNanos, boolean lastChance) {
        if (instrumentation != null) {
            threadPrint = threadPrint(instrumentation);
            instrumentation = null;
        }
        if (threadPrint == null) {
            return null;
        }
        SocketOwner owner = byThreadId.get(tid);
        if (owner == null || owner.sinceNanos() > sessionStartNanos) {
            long now = System.nanoTime();
            if (tried && now - lastTryNanos < MIN_DUMP_INTERVAL_NANOS
                    && !(lastChance && dumped && lastDumpKernelNanos < sessionStartNanos)) {
                return null;
            }
            tried = true;
            lastTryNanos = now;
            Map<Integer, SocketOwner> dumpedThreads = dump();
            if (dumpedThreads == null) {
                return null; // no look taken: the session may wait for the next
            }
            dumped = true;
            byThreadId = dumpedThreads;
            owner = byThreadId.get(tid);
        }
        return owner == null || owner.sinceNanos() > sessionStartNanos || owner.name() == null ? null : owner;
    }

    /**
     * Whether a later look may name the thread of a session that began at {@code sessionStartNanos} when this one
     * found none: only if the last dump predates the session, as a thread started after that dump and before the
     * connect is in the next one. A dump taken after the session began and without its thread is final.
     */
    boolean laterLookMayFind(long sessionStartNanos) {
        return threadPrint != null && (!dumped || lastDumpKernelNanos < sessionStartNanos);
    }

    /**
     * The Java threads alive now, by kernel thread id. A carrier thread of virtual threads maps to an owner without
     * a name: it stands for whichever virtual thread it carried. A thread that ended between the dump and the
     * enumeration keeps its name and id, without a Thread.
     */
    private Map<Integer, SocketOwner> dump() {
        String text;
        long dumpNanos = KernelClock.nowNanos();
        try {
            text = (String) threadPrint.invokeExact();
        } catch (Throwable e) {
            AgentLog.debug("the JVM's thread dump failed: " + e);
            return null;
        }
        List<Dumped> listed = parse(text);
        if (listed.isEmpty()) {
            AgentLog.debug("the JVM's thread dump listed no thread");
            return null;
        }
        lastDumpKernelNanos = dumpNanos;
        Map<Long, Thread> threads = platformThreads();
        Map<Integer, SocketOwner> byId = new HashMap<>();
        for (Dumped dumped : listed) {
            Thread thread = threads.get(dumped.javaId());
            boolean carrier = thread != null && thread.getClass().getName().equals(CARRIER_THREAD);
            byId.put(dumped.tid(), new SocketOwner(carrier ? null : thread, carrier ? null : dumped.name(),
                    dumped.javaId(), dumped.tid(), dumpNanos - dumped.ageNanos() - AGE_RESOLUTION_NANOS, null,
                    SocketOwner.Found.KERNEL_TID));
        }
        return byId;
    }

    /** One Java thread of a dump: its name, Java id, kernel thread id and age. */
    record Dumped(String name, long javaId, int tid, long ageNanos) {
    }

    /** The Java threads of a Thread.print text; the JVM's own threads (no Java id) are left out. */
    static List<Dumped> parse(String text) {
        List<Dumped> threads = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher header = HEADER.matcher(line);
            if (header.find()) {
                String nid = header.group(4);
                threads.add(new Dumped(header.group(1), Long.parseLong(header.group(2)),
                        nid.startsWith("0x") ? Integer.parseUnsignedInt(nid.substring(2), 16) : Integer.parseInt(nid),
                        Math.round(Double.parseDouble(header.group(3).replace(',', '.')) * 1e9)));
            }
        }
        return threads;
    }

    /** Every live platform thread, by id: what the root thread group enumerates. */
    @SuppressWarnings("deprecation") // Thread.getId(): threadId() is JDK 19+
    private static Map<Long, Thread> platformThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 64];
        int count;
        while ((count = root.enumerate(threads, true)) == threads.length) {
            threads = new Thread[threads.length * 2];
        }
        Map<Long, Thread> byId = new HashMap<>(count * 2);
        for (int i = 0; i < count; i++) {
            byId.put(threads[i].getId(), threads[i]);
        }
        return byId;
    }
}
