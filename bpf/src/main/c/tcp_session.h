/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between tcp_session.bpf.c and the Java side of tcplife-jfr.
 *
 * Wire format only: the record one TCP session leaves in the ring buffer, the
 * configuration the loader writes into .rodata, its global state, and the counters.
 * All integers are little-endian host order, ports are host order, addresses
 * are network order.
 *
 * THE ORDER AND OFFSETS OF THE FIELDS BELOW ARE IMPORTANT! Their Java twin is
 * dev.tcplife.jfr.bpf.TcpSessionContract; the _Static_asserts pin them here and
 * TcpSessionContractTest compares the twin with this file.
 */
#ifndef TCP_SESSION_H
#define TCP_SESSION_H

#define TCP_SESSION_ADDR_LEN 16

/* struct tcp_session_record.role */
#define TCP_SESSION_ROLE_CLIENT 1 /* this JVM called connect() */
#define TCP_SESSION_ROLE_SERVER 2 /* child of one of this JVM's listeners */

/* struct tcp_session_record.flags */
#define TCP_SESSION_ESTABLISHED     (1 << 0) /* reached TCP_ESTABLISHED */
#define TCP_SESSION_FIN_SENT        (1 << 1) /* this end sent a FIN */
#define TCP_SESSION_FIN_ACKED       (1 << 2) /* ... and the peer acknowledged it */
#define TCP_SESSION_FIN_RECEIVED    (1 << 3) /* the peer's FIN was counted in bytes_received */
#define TCP_SESSION_REMOTE_FIN_FIRST (1 << 4) /* the peer's FIN came before ours */
#define TCP_SESSION_START_UNOBSERVED (1 << 5) /* opened before tracing began */

struct tcp_session_record {
	__u64 start_ns;        /* CLOCK_MONOTONIC: SYN sent (client), child created (server) */
	__u64 established_ns;  /* CLOCK_MONOTONIC: TCP_ESTABLISHED reached, 0 if never */
	__u64 end_ns;          /* CLOCK_MONOTONIC: TCP_CLOSE */
	__u64 bytes_acked;     /* tcp_sock.bytes_acked: payload + SYN + FIN */
	__u64 bytes_received;  /* tcp_sock.bytes_received: payload + FIN */
	__u64 socket_ino;      /* inode of the socket's file, 0 if it never had one */
	__u32 owner_tid;       /* thread that called connect(), as the JVM numbers it; 0 for servers */
	__u32 srtt_us8;        /* tcp_sock.srtt_us: smoothed RTT in 1/8 us */
	__u32 total_retrans;   /* segments retransmitted */
	__u16 local_port;
	__u16 remote_port;
	__u8 local_addr[TCP_SESSION_ADDR_LEN];  /* IPv4 in the first 4 bytes */
	__u8 remote_addr[TCP_SESSION_ADDR_LEN];
	__u16 error;           /* sk_err at TCP_CLOSE: ECONNRESET, ECONNREFUSED, ETIMEDOUT, ... */
	__u8 family;           /* AF_INET or AF_INET6 */
	__u8 role;             /* TCP_SESSION_ROLE_* */
	__u8 flags;            /* TCP_SESSION_* flags */
	__u8 last_state;       /* TCP state just before TCP_CLOSE */
	__u16 reserved;
};

/* struct tcp_session_config.family_mask */
#define TCP_SESSION_FAMILY_IPV4 (1 << 0)
#define TCP_SESSION_FAMILY_IPV6 (1 << 1)

/* Port filters hold at most this many ports each. */
#define TCP_SESSION_MAX_PORTS 8

/* Set by the loader in .rodata before the program is loaded. */
struct tcp_session_config {
	__u64 pidns_dev;       /* device and inode of the JVM's PID namespace */
	__u64 pidns_ino;
	__u32 tgid;            /* the JVM's PID inside that namespace */
	__u32 family_mask;     /* TCP_SESSION_FAMILY_* bits to report (dual-stack IPv4 counts as IPv4) */
	__u16 local_ports[TCP_SESSION_MAX_PORTS];  /* report only these local ports; 0: unused */
	__u16 remote_ports[TCP_SESSION_MAX_PORTS]; /* report only these remote ports; 0: unused */
	__u32 session_table_mask; /* entries in the "sessions" table, a power of two, minus one */
};

/*
 * The program's global state, in .bss, which the loader maps: the kernel and the JVM both update it, with
 * atomic operations where both write the same field.
 */
#define TCP_SESSION_PORT_BUCKETS 4096
#define TCP_SESSION_FILTER_BUCKETS 16384

struct tcp_session_globals {
	__u32 own_host_tgid;       /* the JVM's PID in the root namespace, learnt at its first connect() or listen() */
	__u32 reporting_off;       /* set by the loader while no recording wants the events: follow, do not report */
	__u64 adoption_start_ns;   /* CLOCK_MONOTONIC when the sockets in "adoptable" were listed: their recorded start */
	__u64 min_duration_ns;     /* set by the loader from the event's threshold: shorter sessions are not reported */
	__u32 adoptable_count;     /* entries in "adoptable": whoever inserts adds, whoever deletes subtracts */
	__u32 older_listeners;     /* set by the loader when it adopted a listener: children of the JVM's listeners that
				    * the program never saw created (in their accept queue then) are adopted too */
	/* Per bucket of local ports (port % BUCKETS): how many of our listeners, and of our sockets waiting in
	 * "adoptable", have a port there. A foreign socket whose bucket is zero skips the full lookup. */
	__u32 listener_port_counts[TCP_SESSION_PORT_BUCKETS];
	__u32 adoptable_port_counts[TCP_SESSION_PORT_BUCKETS];
	/* Per bucket of socket address hashes: how many sessions of ours hash there. A foreign socket whose bucket is
	 * zero skips the session lookup: every state change of every socket on the host comes through here. */
	__u32 session_filter[TCP_SESSION_FILTER_BUCKETS];
};

/*
 * A socket of the JVM that was open before the program was attached, listed by the loader from /proc: when
 * it next changes state, the program starts following it. Addresses are 16 bytes, IPv4 as ::ffff:a.b.c.d.
 */
struct tcp_session_adopt_key {
	__u32 netns;
	__u16 local_port;
	__u16 remote_port;
	__u8 local_addr[TCP_SESSION_ADDR_LEN];
	__u8 remote_addr[TCP_SESSION_ADDR_LEN];
};

struct tcp_session_adopt_value {
	__u64 socket_ino;
	__u8 role;
	__u8 flags;      /* TCP_SESSION_* flags the socket's state already implies */
	__u8 reserved[6];
};

/* A listener of the JVM, by what its children inherit. */
struct tcp_session_listener_key {
	__u32 netns;
	__u16 port;
	__u16 family;
	__u8 addr[TCP_SESSION_ADDR_LEN]; /* IPv4 in the first 4 bytes; all zero for a wildcard */
};

/* Slots of the per-CPU "counters" array. */
enum tcp_session_counter {
	TCP_SESSION_COUNTER_SESSIONS_FULL,  /* a session of ours could not be tracked: the session table was full */
	TCP_SESSION_COUNTER_LISTENERS_FULL, /* a listener of ours could not be tracked */
	TCP_SESSION_COUNTER_RINGBUF_FULL,   /* a finished session was dropped */
	TCP_SESSION_COUNTER_FILTERED,       /* a finished session did not pass the filters */
	TCP_SESSION_COUNTER_BELOW_THRESHOLD, /* a finished session was shorter than the event's threshold */
	TCP_SESSION_COUNTER_OPEN,           /* sessions followed now: +1 and -1 on whichever CPU, summed */
	TCP_SESSION_COUNTER_UNWANTED,       /* a finished session not reported: no recording wanted it */
	TCP_SESSION_COUNTER_END_UNSEEN,     /* a followed socket was reused before its TCP_CLOSE was seen */
	TCP_SESSION_COUNTER_ADOPTED,        /* a socket older than the program was adopted at its first state change */
	TCP_SESSION_COUNTER_RECOVERED,      /* a session whose start or end the kernel skipped the program for, recovered */
	TCP_SESSION_COUNTER_MAX,
};

#define TCP_SESSION_RECORD_SIZE 104

_Static_assert(sizeof(struct tcp_session_record) == TCP_SESSION_RECORD_SIZE, "record size");
_Static_assert(__builtin_offsetof(struct tcp_session_record, start_ns) == 0, "start_ns");
_Static_assert(__builtin_offsetof(struct tcp_session_record, established_ns) == 8, "established_ns");
_Static_assert(__builtin_offsetof(struct tcp_session_record, end_ns) == 16, "end_ns");
_Static_assert(__builtin_offsetof(struct tcp_session_record, bytes_acked) == 24, "bytes_acked");
_Static_assert(__builtin_offsetof(struct tcp_session_record, bytes_received) == 32, "bytes_received");
_Static_assert(__builtin_offsetof(struct tcp_session_record, socket_ino) == 40, "socket_ino");
_Static_assert(__builtin_offsetof(struct tcp_session_record, owner_tid) == 48, "owner_tid");
_Static_assert(__builtin_offsetof(struct tcp_session_record, srtt_us8) == 52, "srtt_us8");
_Static_assert(__builtin_offsetof(struct tcp_session_record, total_retrans) == 56, "total_retrans");
_Static_assert(__builtin_offsetof(struct tcp_session_record, local_port) == 60, "local_port");
_Static_assert(__builtin_offsetof(struct tcp_session_record, remote_port) == 62, "remote_port");
_Static_assert(__builtin_offsetof(struct tcp_session_record, local_addr) == 64, "local_addr");
_Static_assert(__builtin_offsetof(struct tcp_session_record, remote_addr) == 80, "remote_addr");
_Static_assert(__builtin_offsetof(struct tcp_session_record, error) == 96, "error");
_Static_assert(__builtin_offsetof(struct tcp_session_record, family) == 98, "family");
_Static_assert(__builtin_offsetof(struct tcp_session_record, role) == 99, "role");
_Static_assert(__builtin_offsetof(struct tcp_session_record, flags) == 100, "flags");
_Static_assert(__builtin_offsetof(struct tcp_session_record, last_state) == 101, "last_state");

#define TCP_SESSION_CONFIG_SIZE 64

_Static_assert(sizeof(struct tcp_session_config) == TCP_SESSION_CONFIG_SIZE, "config size");
_Static_assert(__builtin_offsetof(struct tcp_session_config, pidns_dev) == 0, "pidns_dev");
_Static_assert(__builtin_offsetof(struct tcp_session_config, pidns_ino) == 8, "pidns_ino");
_Static_assert(__builtin_offsetof(struct tcp_session_config, tgid) == 16, "tgid");
_Static_assert(__builtin_offsetof(struct tcp_session_config, family_mask) == 20, "family_mask");
_Static_assert(__builtin_offsetof(struct tcp_session_config, local_ports) == 24, "local_ports");
_Static_assert(__builtin_offsetof(struct tcp_session_config, remote_ports) == 40, "remote_ports");
_Static_assert(__builtin_offsetof(struct tcp_session_config, session_table_mask) == 56, "session_table_mask");

_Static_assert(sizeof(struct tcp_session_globals) == 32 + 8 * TCP_SESSION_PORT_BUCKETS + 4 * TCP_SESSION_FILTER_BUCKETS,
	       "globals size");
_Static_assert(__builtin_offsetof(struct tcp_session_globals, own_host_tgid) == 0, "own_host_tgid");
_Static_assert(__builtin_offsetof(struct tcp_session_globals, reporting_off) == 4, "reporting_off");
_Static_assert(__builtin_offsetof(struct tcp_session_globals, adoption_start_ns) == 8, "adoption_start_ns");
_Static_assert(__builtin_offsetof(struct tcp_session_globals, min_duration_ns) == 16, "min_duration_ns");
_Static_assert(__builtin_offsetof(struct tcp_session_globals, adoptable_count) == 24, "adoptable_count");
_Static_assert(__builtin_offsetof(struct tcp_session_globals, older_listeners) == 28, "older_listeners");
_Static_assert(__builtin_offsetof(struct tcp_session_globals, listener_port_counts) == 32, "listener_port_counts");
_Static_assert(__builtin_offsetof(struct tcp_session_globals, adoptable_port_counts) == 32 + 4 * TCP_SESSION_PORT_BUCKETS,
	       "adoptable_port_counts");
_Static_assert(__builtin_offsetof(struct tcp_session_globals, session_filter) == 32 + 8 * TCP_SESSION_PORT_BUCKETS,
	       "session_filter");

_Static_assert(sizeof(struct tcp_session_adopt_key) == 40, "adopt key size");
_Static_assert(__builtin_offsetof(struct tcp_session_adopt_key, netns) == 0, "adopt netns");
_Static_assert(__builtin_offsetof(struct tcp_session_adopt_key, local_port) == 4, "adopt local_port");
_Static_assert(__builtin_offsetof(struct tcp_session_adopt_key, remote_port) == 6, "adopt remote_port");
_Static_assert(__builtin_offsetof(struct tcp_session_adopt_key, local_addr) == 8, "adopt local_addr");
_Static_assert(__builtin_offsetof(struct tcp_session_adopt_key, remote_addr) == 24, "adopt remote_addr");
_Static_assert(sizeof(struct tcp_session_adopt_value) == 16, "adopt value size");
_Static_assert(__builtin_offsetof(struct tcp_session_adopt_value, socket_ino) == 0, "adopt socket_ino");
_Static_assert(__builtin_offsetof(struct tcp_session_adopt_value, role) == 8, "adopt role");
_Static_assert(__builtin_offsetof(struct tcp_session_adopt_value, flags) == 9, "adopt flags");

_Static_assert(sizeof(struct tcp_session_listener_key) == 24, "listener key size");
_Static_assert(__builtin_offsetof(struct tcp_session_listener_key, netns) == 0, "listener netns");
_Static_assert(__builtin_offsetof(struct tcp_session_listener_key, port) == 4, "listener port");
_Static_assert(__builtin_offsetof(struct tcp_session_listener_key, family) == 6, "listener family");
_Static_assert(__builtin_offsetof(struct tcp_session_listener_key, addr) == 8, "listener addr");

#endif /* TCP_SESSION_H */
