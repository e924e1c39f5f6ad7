package dev.tcplife.jfr.agent;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;

import dev.tcplife.jfr.log.AgentLog;

/**
 * Grants native access to the agent's native layer alone: jffi, which the launcher defines in a module of its own
 * ({@code dev.tcplife.jfr.boot.NativeModule}). JDK 22 and later otherwise warn on the application's standard error
 * when it loads its stub library, and will refuse it in a future release.
 *
 * <p>The public way, ModuleLayer.Controller.enableNativeAccess, is restricted itself: only code that has native
 * access may call it. The agent holds an Instrumentation instead, which opens java.lang to the agent's own
 * classes (never to the application's), and sets the module's flag as the JDK sets it for
 * {@code --enable-native-access=M}.
 */
final class NativeAccess {
    private static final String JFFI_CLASS = "com.kenai.jffi.Library";

    private NativeAccess() {
    }

    /** Before the agent's first native call; JDK 17 to 21 restrict nothing, and nothing is done there. */
    static void grant(Instrumentation instrumentation) {
        if (Runtime.version().feature() < 22) {
            return;
        }
        try {
            Module jffi = Class.forName(JFFI_CLASS, false, NativeAccess.class.getClassLoader()).getModule();
            if (!jffi.isNamed()) {
                AgentLog.debug("jffi is not in a module of its own: the JDK may warn about its native access");
                return;
            }
            instrumentation.redefineModule(Object.class.getModule(), Set.of(), Map.of(),
                    Map.of("java.lang", Set.of(NativeAccess.class.getModule())), Set.of(), Map.of());
            Method enable = Module.class.getDeclaredMethod("implAddEnableNativeAccess");
            enable.setAccessible(true);
            enable.invoke(jffi);
        } catch (ReflectiveOperationException | RuntimeException e) {
            AgentLog.debug("could not grant native access to the agent's own jffi module: " + e);
        }
    }
}
