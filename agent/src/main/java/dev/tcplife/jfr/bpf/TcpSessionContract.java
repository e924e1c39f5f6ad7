package dev.tcplife.jfr.bpf;

/**
 * The Java twin of {@code bpf/src/main/c/tcp_session.h}, the contract between the kernel program and the Java side:
 * every number both sides must agree on, in one place. A #define {@code TCP_SESSION_X} is the constant {@code X}
 * here; each struct {@code tcp_session_x} the header pins with _Static_assert is the nested class {@code X}
 * (CamelCase), with the offset of each member the Java side reads or writes, named as the member upper-cased, and
 * its {@code SIZE} where the Java side builds or reads the struct whole; enum {@code tcp_session_counter} is
 * {@link Counter}.
 *
 * <p>TcpSessionContractTest reads the header's #defines, _Static_asserts, members and enumerators and compares them
 * with this class by name, whole maps at a time: a constant missing, extra or different fails it. What only the
 * kernel program uses (its own bookkeeping in the globals, the session filter's size) is left out, and that test
 * says which.
 *
 * <p>Linux's own numbers (address families, TCP states, errno) are the kernel's, not this header's: they are in
 * {@code dev.tcplife.jfr.os}. Values are in the kernel's byte order, the host's; ports in host order, addresses in
 * network order.
 */
public final class TcpSessionContract {
    /** Bytes of an address field; IPv4 takes the first 4 in a record and a listener key. */
    public static final int ADDR_LEN = 16;

    /** struct tcp_session_record.role: this JVM called connect(). */
    public static final int ROLE_CLIENT = 1;
    /** struct tcp_session_record.role: child of one of this JVM's listeners. */
    public static final int ROLE_SERVER = 2;

    /* struct tcp_session_record.flags, and the flags an adopted socket's state already implies. */
    /** Reached TCP_ESTABLISHED. */
    public static final int ESTABLISHED = 1 << 0;
    /** This end sent a FIN. */
    public static final int FIN_SENT = 1 << 1;
    /** ... and the peer acknowledged it: bytes_acked counts it. */
    public static final int FIN_ACKED = 1 << 2;
    /** The peer's FIN was counted in bytes_received. */
    public static final int FIN_RECEIVED = 1 << 3;
    /** The peer's FIN came before ours. */
    public static final int REMOTE_FIN_FIRST = 1 << 4;
    /** Opened before tracing began: the record's start is when it was adopted. */
    public static final int START_UNOBSERVED = 1 << 5;

    /* struct tcp_session_config.family_mask */
    public static final int FAMILY_IPV4 = 1 << 0;
    public static final int FAMILY_IPV6 = 1 << 1;

    /** Ports a port filter of struct tcp_session_config holds at most. */
    public static final int MAX_PORTS = 8;

    /** Buckets of local ports, port % PORT_BUCKETS, in which the globals count listeners and adoptable sockets. */
    public static final int PORT_BUCKETS = 4096;

    /** The record one finished session leaves in the ring buffer. */
    public static final class Record {
        public static final int SIZE = 104;

        public static final int START_NS = 0;
        public static final int ESTABLISHED_NS = 8;
        public static final int END_NS = 16;
        public static final int BYTES_ACKED = 24;
        public static final int BYTES_RECEIVED = 32;
        public static final int SOCKET_INO = 40;
        public static final int OWNER_TID = 48;
        public static final int SRTT_US8 = 52;
        public static final int TOTAL_RETRANS = 56;
        public static final int LOCAL_PORT = 60;
        public static final int REMOTE_PORT = 62;
        public static final int LOCAL_ADDR = 64;
        public static final int REMOTE_ADDR = 80;
        public static final int ERROR = 96;
        public static final int FAMILY = 98;
        public static final int ROLE = 99;
        public static final int FLAGS = 100;
        public static final int LAST_STATE = 101;

        private Record() {
        }
    }

    /** The configuration the loader writes into .rodata before the program is loaded. */
    static final class Config {
        static final int SIZE = 64;

        static final int PIDNS_DEV = 0;
        static final int PIDNS_INO = 8;
        static final int TGID = 16;
        static final int FAMILY_MASK = 20;
        static final int LOCAL_PORTS = 24;
        static final int REMOTE_PORTS = 40;
        static final int SESSION_TABLE_MASK = 56;

        private Config() {
        }
    }

    /** The program's global state in .bss, which the loader maps and writes while the program runs. */
    static final class Globals {
        static final int REPORTING_OFF = 4;
        static final int ADOPTION_START_NS = 8;
        static final int MIN_DURATION_NS = 16;
        static final int ADOPTABLE_COUNT = 24;
        static final int OLDER_LISTENERS = 28;
        /** u32 per port bucket. */
        static final int LISTENER_PORT_COUNTS = 32;
        /** u32 per port bucket, right after the listeners'. */
        static final int ADOPTABLE_PORT_COUNTS = 32 + 4 * PORT_BUCKETS;

        private Globals() {
        }
    }

    /** Key of the "adoptable" map: a socket of the JVM older than the program. Addresses IPv4 as ::ffff:a.b.c.d. */
    static final class AdoptKey {
        static final int SIZE = 40;

        static final int NETNS = 0;
        static final int LOCAL_PORT = 4;
        static final int REMOTE_PORT = 6;
        static final int LOCAL_ADDR = 8;
        static final int REMOTE_ADDR = 24;

        private AdoptKey() {
        }
    }

    /** Value of the "adoptable" map. */
    static final class AdoptValue {
        static final int SIZE = 16;

        static final int SOCKET_INO = 0;
        static final int ROLE = 8;
        static final int FLAGS = 9;

        private AdoptValue() {
        }
    }

    /** Key of the "listeners" map: a listener of the JVM, by what its children inherit. */
    static final class ListenerKey {
        static final int SIZE = 24;

        static final int NETNS = 0;
        static final int PORT = 4;
        static final int FAMILY = 6;
        static final int ADDR = 8;

        private ListenerKey() {
        }
    }

    /** Slots of the per-CPU "counters" array, in the order of enum tcp_session_counter: the ordinal is the slot. */
    public enum Counter {
        /** A session of ours could not be tracked: the session table was full. */
        SESSIONS_FULL,
        /** A listener of ours could not be tracked. */
        LISTENERS_FULL,
        /** A finished session was dropped: the ring buffer was full. */
        RINGBUF_FULL,
        /** A finished session did not pass the filters. */
        FILTERED,
        /** A finished session was shorter than the event's threshold. */
        BELOW_THRESHOLD,
        /** Sessions followed now: +1 and -1 on whichever CPU, summed. */
        OPEN,
        /** A finished session not reported: no recording wanted it. */
        UNWANTED,
        /** A followed socket was reused before its TCP_CLOSE was seen. */
        END_UNSEEN,
        /** A socket older than the program was adopted at its first state change. */
        ADOPTED,
        /** A session whose start or end the kernel skipped the program for, recovered. */
        RECOVERED
    }

    private TcpSessionContract() {
    }
}
