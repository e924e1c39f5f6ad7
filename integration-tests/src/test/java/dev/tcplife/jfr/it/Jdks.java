package dev.tcplife.jfr.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The JDKs the agent is tested on: the one running the tests (17 by default here) and a JDK 25, from
 * {@code -Dtcplife.test.jdks=/path/a,/path/b} or found under /usr/lib/jvm. Under CI=true both 17 and 25 must
 * be there: a missing one fails the run rather than shrinking it.
 */
public final class Jdks {
    private static final Path DEFAULT_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    private Jdks() {
    }

    public static Stream<Path> all() {
        List<Path> homes = new ArrayList<>();
        String configured = System.getProperty("tcplife.test.jdks", "");
        if (!configured.isBlank()) {
            for (String home : configured.split(",")) {
                homes.add(Path.of(home.strip()));
            }
        } else {
            homes.add(Path.of(System.getProperty("java.home")));
            if (Files.isExecutable(DEFAULT_25.resolve("bin/java")) && !homes.contains(DEFAULT_25)) {
                homes.add(DEFAULT_25);
            }
        }
        if (BpfSupport.CI) {
            for (int feature : new int[] {17, 25}) {
                if (homes.stream().noneMatch(home -> featureVersion(home) == feature)) {
                    throw new IllegalStateException("CI=true: no JDK " + feature + " among " + homes
                            + "; set -Dtcplife.test.jdks");
                }
            }
        }
        return homes.stream();
    }

    public static Path java(Path home) {
        return home.resolve("bin/java");
    }

    /** The feature release of the JDK at {@code home}, from its release file. */
    public static int featureVersion(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(version.split("[.+-]")[0]);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the version of the JDK at " + home, e);
        }
        throw new IllegalStateException("no JAVA_VERSION in " + home.resolve("release"));
    }
}
