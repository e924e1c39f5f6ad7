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
 * matched by socket address only. At TCP_CLOSE one record goes to the ring
 * buffer and the socket's slot is freed. Sockets of other processes never
 * get any state, and a filter on their address spares them even the lookup.
 */
#include "kernel_types.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "tcp_session.h"

#define MAX_LISTENERS 4096

const volatile struct tcp_session_config config = {};

struct session_state {
	__u64 start_ns;
	__u64 established_ns;
	__u64 socket_ino;
	__u32 owner_tid;
	__u8 role;
	__u8 flags;
	__u16 reserved;
};

/* A slot of the session table: the socket followed there, by address (0: free), and its state. */
struct session_slot {
	__u64 sock;
	struct session_state s;
};

#define SESSION_PROBES 16

/*
 * The sessions followed: an open-addressing table, by the socket's address, probed linearly from its hash for
 * at most SESSION_PROBES slots. An array, not a hash map: a lookup is a few inlined loads, and claiming or
 * freeing a slot is one atomic operation, where a hash map takes a bucket lock with interrupts disabled on every
 * update and delete (costly on virtual machines) and walks a chain on every lookup. Socket-local storage would
 * allocate twice per session. Each socket's state changes run one at a time (under its lock), so only claiming
 * a slot can race, with another socket: a compare-and-exchange settles it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 262144); /* the loader sets the real size, config.session_slots_mask + 1 */
	__type(key, __u32);
	__type(value, struct session_slot);
} sessions SEC(".maps");

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

/*
 * The socket's address as a number, and its hash. The verifier forbids arithmetic on a socket pointer, so the
 * tracepoint's first argument is copied out. Sockets are slab objects over a kilobyte apart: a multiplicative
 * hash spreads them over the table and the filter.
 */
static __always_inline __u64 socket_address(__u64 *ctx)
{
	__u64 address = 0;

	bpf_probe_read_kernel(&address, sizeof(address), ctx);
	return address;
}

static __always_inline __u32 socket_hash(__u64 address)
{
	return (address >> 6) * 0x9E3779B97F4A7C15ULL >> 32;
}

/* How many of the sessions followed share this socket's filter slot: zero rules a foreign socket out at once. */
static __always_inline __u32 *filter_slot(__u64 address)
{
	return &globals.session_slot_counts[socket_hash(address) % TCP_SESSION_SOCKET_SLOTS];
}

static __always_inline struct session_slot *table_slot(__u32 hash, __u32 probe)
{
	__u32 index = (hash + probe) & config.session_slots_mask;

	return bpf_map_lookup_elem(&sessions, &index);
}

/* The socket's slot in the session table, or NULL when it is not followed. */
static __noinline struct session_slot *find(__u64 address)
{
	__u32 hash = socket_hash(address);

	for (__u32 probe = 0; probe < SESSION_PROBES; probe++) {
		struct session_slot *slot = table_slot(hash, probe);

		if (slot && slot->sock == address)
			return slot;
	}
	return NULL;
}

/* Starts following the socket; counted instead when its slots are all taken. The slot, or NULL. */
static __noinline struct session_slot *follow(__u64 address, struct session_state *initial)
{
	/* A struct sock reused without its TCP_CLOSE seen: the old state is stale, its slot and counts reused. */
	struct session_slot *slot = *filter_slot(address) ? find(address) : NULL;
	__u32 hash = socket_hash(address);

	if (slot) {
		count(TCP_SESSION_COUNTER_END_UNSEEN);
		slot->s = *initial;
		return slot;
	}
	for (__u32 probe = 0; probe < SESSION_PROBES; probe++) {
		slot = table_slot(hash, probe);
		if (slot && slot->sock == 0 && __sync_val_compare_and_swap(&slot->sock, 0, address) == 0) {
			slot->s = *initial;
			__sync_fetch_and_add(filter_slot(address), 1);
			count_by(TCP_SESSION_COUNTER_OPEN, 1);
			return slot;
		}
	}
	count(TCP_SESSION_COUNTER_SESSIONS_FULL);
	return NULL;
}

static __always_inline void forget(__u64 address, struct session_slot *slot)
{
	__sync_fetch_and_add(filter_slot(address), -1);
	count_by(TCP_SESSION_COUNTER_OPEN, -1);
	/* Last, once the state has been read: the slot may be claimed by another socket as soon as it reads 0. */
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&slot->sock = 0;
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

static int track_connect(__u64 *ctx, struct sock *sk)
{
	struct session_state s = { .role = TCP_SESSION_ROLE_CLIENT };

	/* Whose thread first: for a foreign connect that is one comparison, once the JVM's tgid is known. */
	if (!current_is_jvm(&s.owner_tid) || !tcp_inet(sk))
		return 0;
	s.start_ns = bpf_ktime_get_ns();
	s.socket_ino = socket_ino(sk);
	follow(socket_address(ctx), &s);
	return 0;
}

static int track_listener(struct sock *sk)
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
	__sync_fetch_and_add(&globals.listener_port_counts[key.port % TCP_SESSION_PORT_SLOTS], 1);
	return 0;
}

static void release_listener_key(struct tcp_session_listener_key *key)
{
	__u32 *shared = bpf_map_lookup_elem(&listeners, key);

	if (!shared)
		return;
	if (__sync_fetch_and_add(shared, -1) == 1)
		bpf_map_delete_elem(&listeners, key);
	__sync_fetch_and_add(&globals.listener_port_counts[key->port % TCP_SESSION_PORT_SLOTS], -1);
}

/* LISTEN -> CLOSE runs in close(), in the owner's context: a listener the loader adopted is known by key only. */
static int forget_listener(struct sock *sk)
{
	struct tcp_session_listener_key *known = bpf_map_lookup_elem(&listener_socks, &sk);
	struct tcp_session_listener_key key = {};
	struct tcp_sock *tp;
	__u32 tid;

	if (known) {
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
	if (globals.listener_port_counts[key.port % TCP_SESSION_PORT_SLOTS])
		release_listener_key(&key);
	return 0;
}

/* A child inherits the listener's netns, family and port; its address is the listener's or already its own. */
static __always_inline bool child_of_ours(struct sock *sk, struct tcp_sock *tp)
{
	struct tcp_session_listener_key key = {};

	read_listener_key(sk, tp, &key);
	if (bpf_map_lookup_elem(&listeners, &key))
		return true;
	__builtin_memset(key.addr, 0, sizeof(key.addr));
	return bpf_map_lookup_elem(&listeners, &key);
}

static int track_child(__u64 *ctx, struct sock *sk)
{
	struct session_state s = { .role = TCP_SESSION_ROLE_SERVER };
	struct tcp_sock *tp;

	/* The child's port is its listener's: a slot with none of ours rules a foreign child out at once. */
	if (!globals.listener_port_counts[sk->__sk_common.skc_num % TCP_SESSION_PORT_SLOTS])
		return 0;
	tp = tcp_inet(sk);
	if (!tp || !child_of_ours(sk, tp))
		return 0;
	s.start_ns = bpf_ktime_get_ns();
	follow(socket_address(ctx), &s);
	return 0;
}

static __always_inline bool port_allowed(const volatile __u16 *allowed, __u16 port)
{
	bool any = false;

#pragma unroll
	for (int i = 0; i < 8; i++) {
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
	family_bit = family == AF_INET || is_v4_mapped(local_addr) ? 1 : 2;
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
static struct session_slot *adopt(__u64 address, struct sock *sk, int oldstate)
{
	struct tcp_session_adopt_key key = {};
	struct tcp_session_adopt_value *listed = NULL;
	struct session_slot *slot;
	struct session_state s = {};
	struct tcp_sock *tp;
	__u16 family;
	__u32 port_slot;

	/* Nothing waits for adoption (always at JVM start): foreign sockets pay two reads of globals. */
	if (!globals.adoptable_count && !globals.older_listeners)
		return NULL;
	tp = tcp_inet(sk);
	if (!tp)
		return NULL;
	key.local_port = local_port(tp);
	port_slot = key.local_port % TCP_SESSION_PORT_SLOTS;
	if (globals.adoptable_port_counts[port_slot]) {
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
			__sync_fetch_and_add(&globals.adoptable_port_counts[port_slot], -1);
			__sync_fetch_and_add(&globals.adoptable_count, -1);
		}
	} else if (globals.older_listeners && globals.listener_port_counts[port_slot] && child_of_ours(sk, tp)) {
		s.socket_ino = socket_ino(sk);
		s.role = TCP_SESSION_ROLE_SERVER;
		s.flags = flags_before(oldstate);
	} else {
		return NULL;
	}
	s.start_ns = globals.adoption_start_ns;
	s.flags |= TCP_SESSION_START_UNOBSERVED;
	slot = follow(address, &s);
	if (slot)
		count(TCP_SESSION_COUNTER_ADOPTED);
	return slot;
}

static int follow_session(__u64 *ctx, struct sock *sk, int oldstate, int newstate)
{
	__u64 address = socket_address(ctx);
	struct session_slot *slot = NULL;
	struct session_state *s;

	if (*filter_slot(address))
		slot = find(address);
	if (!slot)
		slot = adopt(address, sk, oldstate);
	if (!slot)
		return 0;
	s = &slot->s;
	if (!s->socket_ino)
		s->socket_ino = socket_ino(sk); /* a server socket gets its file at accept() */

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
		forget(address, slot);
		break;
	}
	return 0;
}

/* tp_btf: the arguments are those of trace_inet_sock_set_state(), the socket a BTF pointer read in place. */
SEC("tp_btf/inet_sock_set_state")
int tcp_session_set_state(__u64 *ctx)
{
	struct sock *sk = (struct sock *)ctx[0];
	int oldstate = ctx[1];
	int newstate = ctx[2];

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT)
		return track_connect(ctx, sk);
	if (newstate == TCP_LISTEN)
		return track_listener(sk);
	if (oldstate == TCP_LISTEN)
		return newstate == TCP_SYN_RECV ? track_child(ctx, sk) : forget_listener(sk);
	return follow_session(ctx, sk, oldstate, newstate);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
