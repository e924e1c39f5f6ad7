// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcp_session: the TCP sessions of one process, from the kernel tracepoint
 * sock:inet_sock_set_state, attached as a BTF-typed raw tracepoint (tp_btf: no
 * tracefs needed, and the socket's fields are read directly, not copied in
 * one helper call each).
 *
 * Ownership is decided where the owner is certain, in process context:
 *  - CLOSE -> SYN_SENT runs in connect(): the caller's thread is the owner;
 *  - CLOSE -> LISTEN runs in listen(): the listener is ours, and so is every
 *    child it spawns (LISTEN -> SYN_RECV, in softirq, keyed by netns/address/port).
 * Later transitions often run in softirq or in the peer's context, so they are
 * matched by socket address only (session_table.h). At TCP_CLOSE one record
 * goes to the ring buffer and the socket's entry is freed. Sockets of other
 * processes never get any state, and a filter on their address spares them
 * even the lookup.
 */
#include "kernel_types.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "tcp_session.h"

#define MAX_LISTENERS 4096

const volatile struct tcp_session_config config = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_LISTENERS);
	__type(key, __u64); /* struct sock * of one of our listeners */
	__type(value, struct tcp_session_listener_key);
} listener_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_LISTENERS);
	__type(key, struct tcp_session_listener_key);
	__type(value, __u32); /* how many of our listeners share the key (SO_REUSEPORT) */
} listeners SEC(".maps");

/*
 * One listener of the JVM per port bucket, its key in a slot of its own: a cache in front of "listeners" for the
 * lookup of each new child, which there hashes and compares a 24-byte key (a tenth of a µs a loopback session,
 * RESULTS.md). A slot belongs to the listener that took it until its close; a second listener in the same bucket
 * (another address, SO_REUSEPORT, a port 4096 apart) and a listener adopted when the program was attached are found
 * by their key, as before. The sequence is odd while the slot is written, and a child compares the key between two
 * reads of it; only the JVM's own listeners write slots, so even a read torn on a weakly ordered CPU mixes two of
 * the JVM's keys.
 */
struct listener_slot {
	__u32 sequence;
	__u32 reserved;
	__u64 sock; /* the listener, as socket_address() numbers it; 0: free */
	struct tcp_session_listener_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCP_SESSION_PORT_BUCKETS);
	__type(key, __u32);
	__type(value, struct listener_slot);
} listener_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* the loader sets the real size, that of "sessions" */
	/* Used once, at start: allocated as filled, not held for the JVM's life. */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct tcp_session_adopt_key);
	__type(value, struct tcp_session_adopt_value);
} adoptable SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024); /* the loader sets the real size */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCP_SESSION_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct tcp_session_globals globals = {};

static __always_inline void count_by(__u32 counter, __s64 delta)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &counter);

	if (value)
		*value += delta;
}

static __always_inline void count(__u32 counter)
{
	count_by(counter, 1);
}

#include "session_table.h"

/* How many of the JVM's listeners, and of its sockets waiting in "adoptable", have a local port in this bucket. */
static __always_inline __u32 *listener_port_count(__u16 port)
{
	return &globals.listener_port_counts[port % TCP_SESSION_PORT_BUCKETS];
}

static __always_inline __u32 *adoptable_port_count(__u16 port)
{
	return &globals.adoptable_port_counts[port % TCP_SESSION_PORT_BUCKETS];
}

/* True when the current task belongs to the JVM; *tid is then its thread id inside the JVM's PID namespace. */
static __always_inline bool current_is_jvm(__u32 *tid)
{
	struct bpf_pidns_info ns = {};
	__u64 host_ids = bpf_get_current_pid_tgid();
	__u32 host_tgid = host_ids >> 32;

	if (globals.own_host_tgid && globals.own_host_tgid != host_tgid)
		return false;
	/* In the initial PID namespace (no container) the host's numbers are the JVM's: no namespace walk. */
	if (config.pidns_ino == PROC_PID_INIT_INO) {
		if (host_tgid != config.tgid)
			return false;
		if (!globals.own_host_tgid)
			globals.own_host_tgid = host_tgid; /* once: a shared line written on every connect would bounce */
		*tid = (__u32)host_ids;
		return true;
	}
	if (bpf_get_ns_current_pid_tgid(config.pidns_dev, config.pidns_ino, &ns, sizeof(ns)))
		return false;
	if (ns.tgid != config.tgid)
		return false;
	if (!globals.own_host_tgid)
		globals.own_host_tgid = host_tgid;
	*tid = ns.pid;
	return true;
}

/* The TCP view of a socket of the inet family, or NULL for anything else (the tracepoint fires for SCTP, MPTCP...). */
static __always_inline struct tcp_sock *tcp_inet(struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	if (family != AF_INET && family != AF_INET6)
		return NULL;
	return bpf_skc_to_tcp_sock(sk);
}

/* inet_sport, not skc_num: tcp_set_state() releases the port before the tracepoint runs for TCP_CLOSE. */
static __always_inline __u16 local_port(struct tcp_sock *tp)
{
	return bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
}

static __always_inline __u64 socket_ino(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;

	return sock ? sock->file->f_inode->i_ino : 0;
}

/* An address as the socket's family stores it: 4 bytes for AF_INET, 16 for AF_INET6. */
static __always_inline void read_addr(struct sock *sk, __u16 family, bool local, __u8 *addr)
{
	if (family == AF_INET)
		*(__u32 *)addr = local ? sk->__sk_common.skc_rcv_saddr : sk->__sk_common.skc_daddr;
	else
		__builtin_memcpy(addr, local ? &sk->__sk_common.skc_v6_rcv_saddr : &sk->__sk_common.skc_v6_daddr, 16);
}

/* An address in 16 bytes whatever the family, IPv4 as ::ffff:a.b.c.d: the form of the adoption keys. */
static __always_inline void read_mapped_addr(struct sock *sk, __u16 family, bool local, __u8 *addr)
{
	if (family == AF_INET6) {
		read_addr(sk, family, local, addr);
		return;
	}
	((__u32 *)addr)[2] = bpf_htonl(0xffff);
	((__u32 *)addr)[3] = local ? sk->__sk_common.skc_rcv_saddr : sk->__sk_common.skc_daddr;
}

static __always_inline void read_listener_key(struct sock *sk, struct tcp_sock *tp, struct tcp_session_listener_key *key)
{
	key->netns = sk->__sk_common.skc_net.net->ns.inum;
	key->port = local_port(tp);
	key->family = sk->__sk_common.skc_family;
	read_addr(sk, key->family, true, key->addr);
}

static int on_connect(__u64 *ctx, struct sock *sk)
{
	struct session_state s = { .role = TCP_SESSION_ROLE_CLIENT, .last_state = TCP_SYN_SENT };

	/* Whose thread first: for a foreign connect that is one comparison, once the JVM's tgid is known. */
	if (!current_is_jvm(&s.owner_tid) || !tcp_inet(sk))
		return 0;
	s.start_ns = bpf_ktime_get_ns();
	s.socket_ino = socket_ino(sk);
	table_insert(socket_address(ctx), &s);
	return 0;
}

static __always_inline struct listener_slot *port_slot(__u16 port)
{
	__u32 index = port % TCP_SESSION_PORT_BUCKETS;

	return bpf_map_lookup_elem(&listener_slots, &index);
}

/* Takes the port's slot for this listener if it is free. */
static void take_listener_slot(__u64 listener, struct tcp_session_listener_key *key)
{
	struct listener_slot *slot = port_slot(key->port);

	if (!slot || slot->sock != 0 || __sync_val_compare_and_swap(&slot->sock, 0, listener) != 0)
		return;
	__sync_fetch_and_add(&slot->sequence, 1);
	slot->key = *key;
	__sync_fetch_and_add(&slot->sequence, 1);
}

/* Frees the slot of this listener, if it took one. */
static void free_listener_slot(__u64 listener, __u16 port)
{
	struct listener_slot *slot = port_slot(port);

	if (!slot || slot->sock != listener)
		return;
	__sync_fetch_and_add(&slot->sequence, 1);
	__builtin_memset(&slot->key, 0, sizeof(slot->key));
	__sync_fetch_and_add(&slot->sequence, 1);
	__sync_lock_test_and_set(&slot->sock, 0);
}

/* True when the port's slot names a listener of the JVM with this child's key, or the wildcard of it. */
static __always_inline bool slot_names_parent(struct tcp_session_listener_key *child)
{
	struct listener_slot *slot = port_slot(child->port);
	__u32 sequence;
	bool same;

	if (!slot)
		return false;
	sequence = *(volatile __u32 *)&slot->sequence;
	if (sequence & 1 || !slot->sock)
		return false;
	same = slot->key.netns == child->netns && slot->key.port == child->port && slot->key.family == child->family;
	if (same) {
		const __u64 *mine = (const __u64 *)slot->key.addr, *theirs = (const __u64 *)child->addr;

		same = (mine[0] == theirs[0] && mine[1] == theirs[1]) || (mine[0] == 0 && mine[1] == 0);
	}
	asm volatile("" ::: "memory");
	return same && *(volatile __u32 *)&slot->sequence == sequence;
}

static int on_listen(__u64 address, struct sock *sk)
{
	struct tcp_session_listener_key key = {};
	struct tcp_sock *tp;
	__u32 one = 1, *shared, tid;

	if (!current_is_jvm(&tid))
		return 0;
	tp = tcp_inet(sk);
	if (!tp)
		return 0;
	read_listener_key(sk, tp, &key);
	if (bpf_map_update_elem(&listener_socks, &sk, &key, BPF_NOEXIST)) {
		count(TCP_SESSION_COUNTER_LISTENERS_FULL);
		return 0;
	}
	shared = bpf_map_lookup_elem(&listeners, &key);
	if (shared) {
		__sync_fetch_and_add(shared, 1);
	} else if (bpf_map_update_elem(&listeners, &key, &one, BPF_NOEXIST)) {
		count(TCP_SESSION_COUNTER_LISTENERS_FULL);
		bpf_map_delete_elem(&listener_socks, &sk);
		return 0;
	}
	__sync_fetch_and_add(listener_port_count(key.port), 1);
	take_listener_slot(address, &key);
	return 0;
}

static void release_listener_key(struct tcp_session_listener_key *key)
{
	__u32 *shared = bpf_map_lookup_elem(&listeners, key);

	if (!shared)
		return;
	if (__sync_fetch_and_add(shared, -1) == 1)
		bpf_map_delete_elem(&listeners, key);
	__sync_fetch_and_add(listener_port_count(key->port), -1);
}

/* LISTEN -> CLOSE runs in close(), in the owner's context: a listener the loader adopted is known by key only. */
static int on_listener_close(__u64 address, struct sock *sk)
{
	struct tcp_session_listener_key *known = bpf_map_lookup_elem(&listener_socks, &sk);
	struct tcp_session_listener_key key = {};
	struct tcp_sock *tp;
	__u32 tid;

	if (known) {
		free_listener_slot(address, known->port);
		release_listener_key(known);
		bpf_map_delete_elem(&listener_socks, &sk);
		return 0;
	}
	if (!current_is_jvm(&tid))
		return 0;
	tp = tcp_inet(sk);
	if (!tp)
		return 0;
	read_listener_key(sk, tp, &key);
	if (*listener_port_count(key.port))
		release_listener_key(&key);
	return 0;
}

/* A child inherits the listener's netns, family and port; its address is the listener's or already its own. */
static __always_inline bool child_of_ours(struct sock *sk, struct tcp_sock *tp)
{
	struct tcp_session_listener_key key = {};

	read_listener_key(sk, tp, &key);
	if (slot_names_parent(&key) || bpf_map_lookup_elem(&listeners, &key))
		return true;
	__builtin_memset(key.addr, 0, sizeof(key.addr));
	return bpf_map_lookup_elem(&listeners, &key);
}

/* A new child of a listener (LISTEN -> SYN_RECV): followed if the listener is the JVM's. The entry, or NULL. */
static struct session_entry *follow_child(__u64 address, struct sock *sk)
{
	struct session_state s = { .role = TCP_SESSION_ROLE_SERVER, .last_state = TCP_SYN_RECV };
	struct tcp_sock *tp;

	/* The child's port is its listener's: a port bucket with none of ours rules a foreign child out at once. */
	if (!*listener_port_count(sk->__sk_common.skc_num))
		return NULL;
	tp = tcp_inet(sk);
	if (!tp || !child_of_ours(sk, tp))
		return NULL;
	s.start_ns = bpf_ktime_get_ns();
	return table_insert(address, &s);
}

static __always_inline bool port_allowed(const volatile __u16 *allowed, __u16 port)
{
	bool any = false;

#pragma unroll
	for (int i = 0; i < TCP_SESSION_MAX_PORTS; i++) {
		if (allowed[i] == port)
			return true;
		any |= allowed[i] != 0;
	}
	return !any;
}

static __always_inline bool is_v4_mapped(const __u8 *addr)
{
	const __u32 *words = (const __u32 *)addr;

	return words[0] == 0 && words[1] == 0 && words[2] == bpf_htonl(0xffff);
}

static void emit(struct sock *sk, struct session_state *s, int oldstate)
{
	struct tcp_session_record *e;
	struct tcp_sock *tp;
	__u8 local_addr[TCP_SESSION_ADDR_LEN] = {};
	__u16 family, lport, rport;
	__u32 family_bit;
	__u64 end_ns = bpf_ktime_get_ns();

	/* Cheapest first: no recording wants sessions, or this one is below the event's threshold. */
	if (globals.reporting_off) {
		count(TCP_SESSION_COUNTER_UNWANTED);
		return;
	}
	if (end_ns - s->start_ns < globals.min_duration_ns) {
		count(TCP_SESSION_COUNTER_BELOW_THRESHOLD);
		return;
	}
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return;
	family = sk->__sk_common.skc_family;
	lport = local_port(tp);
	rport = bpf_ntohs(sk->__sk_common.skc_dport);
	read_addr(sk, family, true, local_addr);
	family_bit = family == AF_INET || is_v4_mapped(local_addr) ? TCP_SESSION_FAMILY_IPV4 : TCP_SESSION_FAMILY_IPV6;
	if (!(config.family_mask & family_bit) || !port_allowed(config.local_ports, lport) ||
	    !port_allowed(config.remote_ports, rport)) {
		count(TCP_SESSION_COUNTER_FILTERED);
		return;
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(TCP_SESSION_COUNTER_RINGBUF_FULL);
		return;
	}
	e->start_ns = s->start_ns;
	e->established_ns = s->established_ns;
	e->end_ns = end_ns;
	e->bytes_acked = tp->bytes_acked;
	e->bytes_received = tp->bytes_received;
	e->socket_ino = s->socket_ino;
	e->owner_tid = s->owner_tid;
	e->srtt_us8 = tp->srtt_us;
	e->total_retrans = tp->total_retrans;
	e->local_port = lport;
	e->remote_port = rport;
	__builtin_memcpy(e->local_addr, local_addr, sizeof(local_addr));
	__builtin_memset(e->remote_addr, 0, sizeof(e->remote_addr));
	read_addr(sk, family, false, e->remote_addr);
	e->error = sk->sk_err;
	e->family = family;
	e->role = s->role;
	e->flags = s->flags;
	/* tcp_fin() sets SOCK_DONE right after counting the peer's FIN in bytes_received. */
	if (sk->__sk_common.skc_flags & (1UL << SOCK_DONE))
		e->flags |= TCP_SESSION_FIN_RECEIVED;
	/* A FIN takes one sequence number: it is acknowledged once snd_una reaches write_seq. */
	if ((s->flags & TCP_SESSION_FIN_SENT) && tp->snd_una == tp->write_seq)
		e->flags |= TCP_SESSION_FIN_ACKED;
	e->last_state = oldstate;
	e->reserved = 0;
	/* The reader polls on its own schedule: waking it per session would cost more than the session. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* What a socket's state says has happened already, for one followed from the middle of its life. */
static __always_inline __u8 flags_before(int oldstate)
{
	__u8 flags = 0;

	if (oldstate != TCP_SYN_SENT && oldstate != TCP_SYN_RECV)
		flags |= TCP_SESSION_ESTABLISHED;
	if (oldstate == TCP_FIN_WAIT1 || oldstate == TCP_FIN_WAIT2 || oldstate == TCP_CLOSING || oldstate == TCP_LAST_ACK)
		flags |= TCP_SESSION_FIN_SENT;
	if (oldstate == TCP_CLOSE_WAIT || oldstate == TCP_LAST_ACK)
		flags |= TCP_SESSION_REMOTE_FIN_FIRST;
	return flags;
}

/*
 * A socket of the JVM older than the program: follow it from now on, its start unobserved. The loader lists them
 * in "adoptable", from the JVM's descriptors. A child of one of the JVM's listeners is the JVM's even when no list
 * could name it: one that waited in its listener's accept queue (no descriptor yet) when the loader listed.
 */
static struct session_entry *adopt(__u64 address, struct sock *sk, int oldstate)
{
	struct tcp_session_adopt_key key = {};
	struct tcp_session_adopt_value *listed = NULL;
	struct session_entry *entry;
	struct session_state s = {};
	struct tcp_sock *tp;
	__u16 family;

	/* Nothing waits for adoption (always at JVM start): foreign sockets pay two reads of globals. */
	if (!globals.adoptable_count && !globals.older_listeners)
		return NULL;
	tp = tcp_inet(sk);
	if (!tp)
		return NULL;
	key.local_port = local_port(tp);
	if (*adoptable_port_count(key.local_port)) {
		family = sk->__sk_common.skc_family;
		key.netns = sk->__sk_common.skc_net.net->ns.inum;
		key.remote_port = bpf_ntohs(sk->__sk_common.skc_dport);
		read_mapped_addr(sk, family, true, key.local_addr);
		read_mapped_addr(sk, family, false, key.remote_addr);
		listed = bpf_map_lookup_elem(&adoptable, &key);
	}
	if (listed) {
		s.socket_ino = listed->socket_ino;
		s.role = listed->role;
		s.flags = listed->flags;
		if (bpf_map_delete_elem(&adoptable, &key) == 0) {
			__sync_fetch_and_add(adoptable_port_count(key.local_port), -1);
			__sync_fetch_and_add(&globals.adoptable_count, -1);
		}
	} else if (globals.older_listeners && *listener_port_count(key.local_port) && child_of_ours(sk, tp)) {
		s.socket_ino = socket_ino(sk);
		s.role = TCP_SESSION_ROLE_SERVER;
		s.flags = flags_before(oldstate);
	} else {
		return NULL;
	}
	s.start_ns = globals.adoption_start_ns;
	s.flags |= TCP_SESSION_START_UNOBSERVED;
	entry = table_insert(address, &s);
	if (entry)
		count(TCP_SESSION_COUNTER_ADOPTED);
	return entry;
}

/*
 * A session of the JVM whose start the kernel skipped the program for: it does not run a program that is already
 * running on the CPU, as when a softirq interrupts it in process context (in connect() or close()), and that
 * softirq can create a child of the JVM's listener and establish it at once. Such a child is followed from its
 * next state change: from SYN_RECV (microseconds later), or at the latest when the JVM closes it (FIN_WAIT1 and
 * LAST_ACK are reached only in close() or shutdown(), in the owner's own context), its start then unobserved.
 */
static struct session_entry *recover(__u64 address, struct sock *sk, int oldstate, int newstate)
{
	struct session_state s = { .role = TCP_SESSION_ROLE_CLIENT };
	struct session_entry *entry;
	struct tcp_sock *tp;
	__u32 tid;

	if (oldstate == TCP_SYN_RECV) {
		entry = follow_child(address, sk);
	} else if ((newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK) && current_is_jvm(&tid) &&
		   (tp = tcp_inet(sk))) {
		if (child_of_ours(sk, tp))
			s.role = TCP_SESSION_ROLE_SERVER;
		s.start_ns = bpf_ktime_get_ns();
		s.flags = TCP_SESSION_START_UNOBSERVED;
		entry = table_insert(address, &s);
	} else {
		return NULL;
	}
	if (entry)
		count(TCP_SESSION_COUNTER_RECOVERED);
	return entry;
}

/* How far a connection has come: states only move forward, through these stages, until TCP_CLOSE. */
static __always_inline int stage(int state)
{
	switch (state) {
	case TCP_ESTABLISHED:
		return 1;
	case TCP_FIN_WAIT1:
	case TCP_CLOSE_WAIT:
		return 2;
	case TCP_FIN_WAIT2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return 3;
	default:
		return 0;
	}
}

/*
 * Whether the entry at this socket's address was left by an earlier socket there, whose end the program never
 * saw: its state had come further than this socket's, or it had the other role (a client reaches SYN_RECV only
 * from SYN_SENT, in a simultaneous open or a connect to itself), or, at close() or shutdown(), the only state
 * changes sure to run while the socket still has its file, that file is not the one the entry knew. Without
 * that last test a server connection whose start went unseen could take over a client's entry, role and thread.
 */
static __always_inline bool left_by_earlier_socket(struct session_state *s, struct sock *sk, int oldstate,
						   int newstate)
{
	__u64 ino;

	if (stage(s->last_state) > stage(oldstate) ||
	    (oldstate == TCP_SYN_RECV && s->role != TCP_SESSION_ROLE_SERVER && s->last_state != TCP_SYN_RECV) ||
	    (oldstate == TCP_SYN_SENT && s->role != TCP_SESSION_ROLE_CLIENT))
		return true;
	if ((newstate != TCP_FIN_WAIT1 && newstate != TCP_LAST_ACK) || !s->socket_ino)
		return false;
	ino = socket_ino(sk);
	return ino && ino != s->socket_ino;
}

static int on_session_change(__u64 *ctx, struct sock *sk, int oldstate, int newstate)
{
	__u64 address = socket_address(ctx);
	struct session_entry *entry = table_lookup(address);
	struct session_state *s;

	if (entry && left_by_earlier_socket(&entry->s, sk, oldstate, newstate)) {
		count(TCP_SESSION_COUNTER_END_UNSEEN);
		table_remove(address, entry);
		entry = NULL;
	}
	if (!entry)
		entry = adopt(address, sk, oldstate);
	if (!entry)
		entry = recover(address, sk, oldstate, newstate);
	if (!entry)
		return 0;
	s = &entry->s;
	if (!s->socket_ino)
		s->socket_ino = socket_ino(sk); /* a server socket gets its file at accept() */
	/* What the previous state implies: all of it when the kernel skipped the program for a state change. */
	s->flags |= flags_before(oldstate);
	s->last_state = newstate;

	switch (newstate) {
	case TCP_ESTABLISHED:
		/* Only a client's handshake time is reported: a clock read costs more than the rest of this call. */
		if (s->role == TCP_SESSION_ROLE_CLIENT)
			s->established_ns = bpf_ktime_get_ns();
		s->flags |= TCP_SESSION_ESTABLISHED;
		break;
	case TCP_FIN_WAIT1:
	case TCP_LAST_ACK:
		s->flags |= TCP_SESSION_FIN_SENT;
		break;
	case TCP_CLOSE_WAIT:
		s->flags |= TCP_SESSION_REMOTE_FIN_FIRST;
		break;
	case TCP_CLOSE:
		emit(sk, s, oldstate);
		table_remove(address, entry);
		break;
	}
	return 0;
}

/* The arguments are those of trace_inet_sock_set_state(), the socket a BTF pointer read in place. */
static __always_inline int on_state_change(__u64 *ctx)
{
	struct sock *sk = (struct sock *)ctx[0];
	int oldstate = ctx[1];
	int newstate = ctx[2];

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT)
		return on_connect(ctx, sk);
	if (newstate == TCP_LISTEN)
		return on_listen(socket_address(ctx), sk);
	if (oldstate == TCP_LISTEN)
		return newstate == TCP_SYN_RECV ? (follow_child(socket_address(ctx), sk), 0)
						: on_listener_close(socket_address(ctx), sk);
	return on_session_change(ctx, sk, oldstate, newstate);
}

SEC("tp_btf/inet_sock_set_state")
int tcp_session_set_state(__u64 *ctx)
{
	return on_state_change(ctx);
}

/*
 * A socket freed while still followed: the kernel skipped the program for its TCP_CLOSE, as it skips a program
 * that is already running on the CPU (here interrupted, in process context, by the softirq that closed this
 * socket). Its session ends now, recorded from what the socket still holds. Every TCP socket on the host passes
 * here once, when freed (tcp_v4_destroy_sock, for IPv6 too): foreign ones stop at the filter.
 */
SEC("tp_btf/tcp_destroy_sock")
int tcp_session_destroy_sock(__u64 *ctx)
{
	__u64 address = socket_address(ctx);
	struct session_entry *entry = table_lookup(address);
	struct session_state *s;

	if (!entry)
		return 0;
	s = &entry->s;
	count(TCP_SESSION_COUNTER_RECOVERED);
	s->flags |= flags_before(s->last_state);
	emit((struct sock *)ctx[0], s, s->last_state);
	table_remove(address, entry);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
