package dev.tcplife.jfr.bpf;

/** The running kernel lacks a feature the program needs: "{feature} not supported (requires Linux >= {version})". */
public final class UnsupportedKernelException extends BpfException {
    private static final long serialVersionUID = 1L;

    public UnsupportedKernelException(String feature, String minimumVersion) {
        super(feature + " not supported (requires Linux >= " + minimumVersion + ")");
    }
}
