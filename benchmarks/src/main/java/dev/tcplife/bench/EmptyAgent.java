package dev.tcplife.bench;

import java.lang.instrument.Instrumentation;

/**
 * A -javaagent that does nothing: what any agent costs at start-up (the JVM's java.instrument machinery), as a
 * reference beside tcplife's. The harness writes a jar holding only a manifest that names this class; the class
 * itself comes from the benchmark jar on the class path.
 */
public final class EmptyAgent {
    private EmptyAgent() {
    }

    public static void premain(String options, Instrumentation instrumentation) {
        // nothing
    }
}
