package dev.tcplife.jfr.bpf;

/**
 * What {@link TcpSessionProgram#attach} handed over, what did not fit, and when tracing began (CLOCK_MONOTONIC):
 * every session of the JVM that ends after it is seen.
 */
public record Adoption(int listeners, int sessions, int notAdopted, long tracingStartNanos) {
    Adoption plus(Adoption more) {
        return new Adoption(listeners + more.listeners, sessions + more.sessions, notAdopted + more.notAdopted,
                tracingStartNanos);
    }
}
