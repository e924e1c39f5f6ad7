package dev.tcplife.jfr.thread;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Classes the agent inserts socket hooks into, as a transformer: the JVM hands them over as it loads them; those
 * loaded already (on attach) are retransformed when registered; closing silences the hooks and gives the classes
 * their original code back. No class changes shape.
 */
abstract class HookedClasses implements ClassFileTransformer, AutoCloseable {
    final Instrumentation instrumentation;
    final Consumer<String> problems;
    /** What is hooked, for messages: "the JDK's socket classes". */
    private final String what;

    HookedClasses(Instrumentation instrumentation, Consumer<String> problems, String what) {
        this.instrumentation = instrumentation;
        this.problems = problems;
        this.what = what;
    }

    /** Whether {@code loaded} is one of the classes hooked. */
    abstract boolean isTarget(Class<?> loaded);

    /** Stops the hooks reporting, before the classes get their code back. */
    abstract void silence();

    /** Hooks the classes as they load from now on, and those loaded already. */
    final void register() {
        instrumentation.addTransformer(this, true);
        retransform("cannot instrument " + what + ", their sessions will have no Java thread from them");
    }

    @Override
    public final void close() {
        silence();
        instrumentation.removeTransformer(this);
        retransform("could not restore " + what); // without this transformer: the original code
    }

    private void retransform(String failure) {
        Class<?>[] loaded = Arrays.stream(instrumentation.getAllLoadedClasses()).filter(this::isTarget)
                .toArray(Class<?>[]::new);
        if (loaded.length == 0) {
            return;
        }
        try {
            instrumentation.retransformClasses(loaded);
        } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
            problems.accept(failure + ": " + e);
        }
    }
}
