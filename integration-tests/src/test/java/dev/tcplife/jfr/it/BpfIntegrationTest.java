package dev.tcplife.jfr.it;

import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;

/**
 * What every integration test shares: it needs the real kernel program (BpfSupport: skipped with the reason
 * outside CI, failing loudly under CI=true), and most run on every JDK of {@link Jdks#all()}, through
 * {@code @MethodSource("jdks")}.
 */
abstract class BpfIntegrationTest {

    @BeforeAll
    static void requireBpf() {
        BpfSupport.require();
    }

    static Stream<Path> jdks() {
        return Jdks.all();
    }
}
