package dev.tcplife.jfr.cli.command;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The agent jar these commands run from: what they load into other JVMs. */
public final class AgentJar {
    private AgentJar() {
    }

    public static Path path() throws IOException {
        try {
            return new File(AgentJar.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toPath();
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the agent jar: " + e.getMessage(), e);
        }
    }
}
