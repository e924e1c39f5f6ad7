package dev.tcplife.jfr.it.workload;

/**
 * Waits in a workload until the agent traces: at JVM start it loads in the background, and sessions opened
 * before it is ready are adopted (start unobserved), not followed from their start.
 */
public final class AgentReady {
    private AgentReady() {
    }

    public static void await() throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            String state = System.getProperty("tcplife.state", "absent");
            if (state.equals("tracing")) {
                return;
            }
            if (state.startsWith("failed")) {
                throw new IllegalStateException("the agent failed: " + state);
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("the agent is not tracing after 60 s: " + System.getProperty("tcplife.state"));
    }
}
