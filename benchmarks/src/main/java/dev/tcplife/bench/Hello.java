package dev.tcplife.bench;

/** The smallest program, for start-up time: {@code java [-javaagent:...] -cp ... dev.tcplife.bench.Hello}. */
public final class Hello {
    private Hello() {
    }

    public static void main(String[] args) {
        // when main began (System.nanoTime() is CLOCK_MONOTONIC, the harness's clock too); nothing else
        System.out.println("@main nanos=" + System.nanoTime());
    }
}
