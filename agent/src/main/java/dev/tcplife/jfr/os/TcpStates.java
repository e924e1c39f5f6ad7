package dev.tcplife.jfr.os;

/**
 * TCP states as the kernel numbers them ({@code include/net/tcp_states.h}): what struct tcp_info's tcpi_state says
 * of a socket, and what the kernel program records as a session's last state.
 */
public final class TcpStates {
    public static final int ESTABLISHED = 1;
    public static final int SYN_SENT = 2;
    public static final int SYN_RECV = 3;
    public static final int FIN_WAIT1 = 4;
    public static final int FIN_WAIT2 = 5;
    public static final int CLOSE_WAIT = 8;
    public static final int LAST_ACK = 9;
    public static final int LISTEN = 10;
    public static final int CLOSING = 11;

    private TcpStates() {
    }
}
