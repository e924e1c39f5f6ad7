package dev.tcplife.jfr.cli.attach;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

import dev.tcplife.jfr.agent.Agent;
import dev.tcplife.jfr.agent.AgentOptions;
import dev.tcplife.jfr.cli.command.AgentJar;
import dev.tcplife.jfr.cli.command.Arguments;
import dev.tcplife.jfr.cli.command.Command;

/**
 * {@code attach <pid> [options]} loads the agent into a running JVM through the Attach API; {@code stop <pid>}
 * ends tracing there and releases every kernel object the agent created. Both report what happened in the
 * target, read from its {@value Agent#STATE_PROPERTY} system property.
 */
public final class AttachCommand implements Command {
    /** The agent argument that means "stop tracing" rather than options. */
    static final String STOP = "stop";

    private final boolean stop;

    public AttachCommand(boolean stop) {
        this.stop = stop;
    }

    @Override
    public String summary() {
        return stop ? "stop tracing in a running JVM and release the kernel program"
                : "start tracing in a running JVM (options as for -javaagent)";
    }

    @Override
    public String usage() {
        if (stop) {
            return """
                    Usage: java -jar tcplife-agent.jar stop <pid>

                    Stops tracing in the JVM with process id <pid>: the kernel program, its maps and the JDK class
                    changes are released; the application runs on. Sessions still open are not recorded.
                    """;
        }
        return """
                Usage: java -jar tcplife-agent.jar attach <pid> [option=value,...]

                Loads the agent into the running JVM with process id <pid>, which then records its TCP sessions
                into every JFR recording that enables tcplife.TcpSession, for example:
                  jcmd <pid> JFR.start settings=default settings=/path/to/tcplife.jfc
                Listeners that existed before own their new connections; sessions already open are recorded
                when they end, with startObserved=false. Attaching again is harmless.
                JDK 21 and later print a warning about dynamically loaded agents unless the target runs with
                -XX:+EnableDynamicAgentLoading. Run as the target's user, with the agent's privileges (root, or
                CAP_BPF and CAP_PERFMON on the target).
                Options:
                """ + AgentOptions.help();
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        Arguments arguments = Arguments.parse(args, Set.of(), Set.of());
        List<String> positional = arguments.positional();
        if (stop && positional.size() > 1) {
            throw new Arguments.UsageException("unexpected argument " + positional.get(1));
        }
        String pid = pid(positional);
        String options = stop ? STOP : options(positional);
        String state = load(pid, options);
        boolean succeeded = stop ? state.equals("stopped") || state.equals("not loaded") : state.equals("tracing");
        (succeeded ? out : err).println("pid " + pid + ": " + describe(state));
        return succeeded ? Command.OK : Command.FAILED;
    }

    /** The pid that {@code positional} starts with, checked; then, optionally, the agent's options. */
    public static String pid(List<String> positional) {
        if (positional.isEmpty() || positional.size() > 2) {
            throw new Arguments.UsageException(positional.isEmpty() ? "missing pid"
                    : "unexpected argument " + positional.get(2));
        }
        String pid = positional.get(0);
        if (!pid.matches("[0-9]+")) {
            throw new Arguments.UsageException("pid must be a number, not '" + pid + "'");
        }
        return pid;
    }

    /** The agent's options that follow the pid in {@code positional}, checked; empty when there are none. */
    public static String options(List<String> positional) {
        String options = positional.size() == 2 ? positional.get(1) : "";
        try {
            AgentOptions.parse(options);
        } catch (IllegalArgumentException e) {
            throw new Arguments.UsageException(e.getMessage());
        }
        return options;
    }

    /**
     * Loads the agent into {@code pid} with {@code options} (or {@link #STOP}) and returns its state there
     * afterwards: "tracing", "stopped", "not loaded" or "failed: why". The Attach API's failures become one line.
     */
    public static String load(String pid, String options) throws IOException {
        try {
            VirtualMachine vm = VirtualMachine.attach(pid);
            try {
                vm.loadAgent(AgentJar.path().toString(), options);
                return vm.getSystemProperties().getProperty(Agent.STATE_PROPERTY, "not loaded");
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException | IOException e) {
            throw new IOException("cannot attach to pid " + pid + ": " + e.getMessage(), e);
        } catch (AgentLoadException | AgentInitializationException e) {
            throw new IOException("pid " + pid + " did not load the agent: " + e.getMessage(), e);
        }
    }

    public static String describe(String state) {
        switch (state) {
            case "tracing":
                return "tracing TCP sessions";
            case "stopped":
                return "tracing stopped, kernel program released";
            case "not loaded":
                return "the agent is not loaded";
            default:
                return state;
        }
    }
}
