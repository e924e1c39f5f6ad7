package dev.tcplife.jfr.bpf;

/**
 * A step of loading the kernel program failed. The message names the step and, where it can, what the user
 * can do about it; the agent prints it as its one line and disables itself.
 */
public class BpfException extends Exception {
    private static final long serialVersionUID = 1L;

    public BpfException(String message) {
        super(message);
    }
}
