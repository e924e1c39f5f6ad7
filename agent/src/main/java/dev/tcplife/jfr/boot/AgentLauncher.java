package dev.tcplife.jfr.boot;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;

/**
 * Entry point of the agent jar: {@code -javaagent} ({@link #premain}), dynamic attach ({@link #agentmain})
 * and {@code java -jar} ({@link #main}).
 *
 * <p>The JVM loads this class into the application's class loader, so it follows strict rules: it does as
 * little as possible, holds no state but the agent's class loader, touches neither logging nor JMX, and never
 * throws into the application. Everything else lives in {@link AgentClassLoader}, where neither the agent's
 * libraries nor its classes can clash with the application's.
 */
public final class AgentLauncher {
    private static final String AGENT_CLASS = "dev.tcplife.jfr.agent.Agent";
    private static final String CLI_CLASS = "dev.tcplife.jfr.cli.Main";
    /** Set by the agent as it starts in this JVM (Agent.STATE_PROPERTY). */
    private static final String STATE_PROPERTY = "tcplife.state";

    private static ClassLoader agentLoader;

    private AgentLauncher() {
    }

    public static void premain(String options, Instrumentation instrumentation) {
        start(options, instrumentation, false);
    }

    public static void agentmain(String options, Instrumentation instrumentation) {
        start(options, instrumentation, true);
    }

    /** {@code java -jar tcplife-agent.jar <command>}: the command line tools. */
    public static void main(String[] args) throws Throwable {
        if (System.getProperty(STATE_PROPERTY) != null) {
            // -javaagent: this jar too: its command is the application the agent's start waits for
            loader().loadClass(AGENT_CLASS).getMethod("applicationBegins", String.class)
                    .invoke(null, args.length > 0 ? args[0] : "");
        }
        Class<?> cli = loader().loadClass(CLI_CLASS);
        int status;
        try {
            status = (Integer) cli.getMethod("run", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        System.exit(status);
    }

    private static void start(String options, Instrumentation instrumentation, boolean attached) {
        try {
            Class<?> agent = loader().loadClass(AGENT_CLASS);
            agent.getMethod("start", String.class, Instrumentation.class, boolean.class)
                    .invoke(null, options, instrumentation, attached);
        } catch (Throwable t) {
            Throwable cause = t instanceof InvocationTargetException ? t.getCause() : t;
            System.err.println("[tcplife] ERROR: the agent did not start, the application runs on without it: " + cause);
        }
    }

    private static synchronized ClassLoader loader() throws Exception {
        if (agentLoader == null) {
            File jar = new File(AgentLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            agentLoader = new AgentClassLoader(jar);
        }
        return agentLoader;
    }
}
