package dev.tcplife.jfr.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import dev.tcplife.jfr.cli.command.AgentJar;
import dev.tcplife.jfr.cli.command.Arguments;
import dev.tcplife.jfr.cli.command.Command;
import dev.tcplife.jfr.cli.print.PrintCommand;

/**
 * {@code demo}: what a user would do by hand. Starts the bundled sample workload in a new JVM with the agent and
 * a recording, the documented way, then prints the sessions it recorded.
 */
public final class DemoCommand implements Command {
    static final String TEMPLATE_RESOURCE = "/dev/tcplife/jfr/templates/tcplife.jfc";

    @Override
    public String summary() {
        return "run a sample workload under the agent and print the sessions it recorded";
    }

    @Override
    public String usage() {
        return """
                Usage: java -jar tcplife-agent.jar demo [--output FILE] [--wide]

                Runs, in a new JVM:
                  java -javaagent:tcplife-agent.jar \\
                       -XX:StartFlightRecording=filename=FILE,settings=default,settings=tcplife.jfc \\
                       -jar tcplife-agent.jar sample-workload
                then prints the recording's sessions (java -jar tcplife-agent.jar print FILE).
                  --output FILE    where the recording goes (default: tcplife-demo.jfr)
                  --wide           print the wide table
                Needs what the agent needs: root (or CAP_BPF and CAP_PERFMON), libbpf, a kernel with BTF.
                """;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        Arguments arguments = Arguments.parse(args, Set.of("--wide"), Set.of("--output"));
        if (!arguments.positional().isEmpty()) {
            throw new Arguments.UsageException("unexpected argument " + arguments.positional().get(0));
        }
        Path recording = Path.of(arguments.option("--output") != null ? arguments.option("--output") : "tcplife-demo.jfr")
                .toAbsolutePath();
        Path jar = AgentJar.path();
        Path template = Files.createTempFile("tcplife", ".jfc");
        try {
            try (InputStream in = DemoCommand.class.getResourceAsStream(TEMPLATE_RESOURCE)) {
                Files.copy(in, template, StandardCopyOption.REPLACE_EXISTING);
            }
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-javaagent:" + jar + "=log=info");
            command.add("-XX:StartFlightRecording=filename=" + recording + ",settings=default,settings=" + template);
            command.add("-Xlog:jfr+startup=off");
            command.add("-jar");
            command.add(jar.toString());
            command.add(SampleWorkload.COMMAND);
            out.println("$ java -javaagent:" + jar.getFileName() + " -XX:StartFlightRecording=filename="
                    + recording.getFileName() + ",settings=default,settings=tcplife.jfc -jar " + jar.getFileName() + " "
                    + SampleWorkload.COMMAND);
            out.flush();
            int status = new ProcessBuilder(command).inheritIO().start().waitFor();
            if (status != 0) {
                err.println("tcplife demo: the sample workload failed (exit " + status + ")");
                return Command.FAILED;
            }
        } finally {
            Files.deleteIfExists(template);
        }
        out.println();
        out.println("$ java -jar " + jar.getFileName() + " print " + recording.getFileName()
                + (arguments.flag("--wide") ? " --wide" : ""));
        try {
            return new PrintCommand().run(arguments.flag("--wide")
                    ? new String[] {recording.toString(), "--wide"}
                    : new String[] {recording.toString()}, out, err);
        } catch (IOException e) {
            // The print shown above failed: said as that command says it.
            err.println("tcplife print: " + e.getMessage());
            return Command.FAILED;
        }
    }
}
