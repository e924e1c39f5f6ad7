/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The sessions tcp_session.bpf.c follows, by the address of their struct sock: what it keeps of each between
 * state changes, and the table that holds them. A table entry is the socket's address (0: free) and its state.
 *
 * An array, not a hash map: a lookup is a few inlined loads, and taking or freeing an entry is one atomic
 * operation, where a hash map takes a bucket lock with interrupts disabled on every update and delete (costly on
 * virtual machines) and walks a chain on every lookup. Socket-local storage would allocate twice per session.
 * Open addressing: an entry lives within TABLE_PROBES entries of its socket's hash. Each socket's state changes
 * run one at a time (under its lock), so only taking an entry can race, with another socket: a
 * compare-and-exchange settles it.
 *
 * In front of the table, a counting filter by the same hash (globals.session_filter): how many followed sockets
 * hash to each of its buckets. Every state change of every socket on the host comes through the program; a
 * foreign socket whose bucket is zero skips the table lookup.
 */
#ifndef TCP_SESSION_TABLE_H
#define TCP_SESSION_TABLE_H

/* Included by tcp_session.bpf.c after config, globals and count_by(), which the table uses. */

/* What the program knows of a session between its state changes. */
struct session_state {
	__u64 start_ns;
	__u64 established_ns;
	__u64 socket_ino;
	__u32 owner_tid;
	__u8 role;
	__u8 flags;
	__u8 last_state; /* the latest state seen */
	__u8 reserved;
};

struct session_entry {
	__u64 sock;
	struct session_state s;
};

#define TABLE_PROBES 16

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 262144); /* the loader sets the real size, config.session_table_mask + 1 */
	__type(key, __u32);
	__type(value, struct session_entry);
} sessions SEC(".maps");

/*
 * The socket's address as a number, and its hash. The verifier refuses arithmetic on a socket pointer, but takes
 * the difference of two pointers for a number (in a program loaded with CAP_PERFMON, as tracing programs are): the
 * socket's distance from the program's globals, one fixed object, is as distinct per socket as its address, never
 * 0, and costs one subtraction where copying the argument out took a helper call on every state change of the
 * host. Sockets are slab objects over a kilobyte apart: a multiplicative hash spreads them over the table and the
 * filter.
 */
static __always_inline __u64 socket_address(__u64 *ctx)
{
	return ctx[0] - (__u64)&globals;
}

static __always_inline __u32 socket_hash(__u64 address)
{
	return (address >> 6) * 0x9E3779B97F4A7C15ULL >> 32;
}

/* How many followed sockets share this socket's filter bucket: zero rules a foreign socket out at once. */
static __always_inline __u32 *filter_bucket(__u64 address)
{
	return &globals.session_filter[socket_hash(address) % TCP_SESSION_FILTER_BUCKETS];
}

static __always_inline struct session_entry *entry_at(__u32 hash, __u32 probe)
{
	__u32 index = (hash + probe) & config.session_table_mask;

	return bpf_map_lookup_elem(&sessions, &index);
}

/* The entry of a socket that passed the filter, or NULL. */
static __noinline struct session_entry *table_probe(__u64 address)
{
	__u32 hash = socket_hash(address);

	for (__u32 probe = 0; probe < TABLE_PROBES; probe++) {
		struct session_entry *entry = entry_at(hash, probe);

		if (entry && entry->sock == address)
			return entry;
	}
	return NULL;
}

/*
 * The socket's entry, or NULL when it is not followed. The filter is inlined into each caller: nearly every socket
 * of the host stops there, and a call into the probing subprogram (registers saved, a stack frame) cost it more
 * than the test.
 */
static __always_inline struct session_entry *table_lookup(__u64 address)
{
	if (!*filter_bucket(address))
		return NULL;
	return table_probe(address);
}

/* Starts following the socket with state *initial; counted instead when its entries are all taken. NULL then. */
static __noinline struct session_entry *table_insert(__u64 address, struct session_state *initial)
{
	/* A struct sock reused while its old session is still here: the kernel never showed its end (see README). */
	struct session_entry *entry = table_lookup(address);
	__u32 hash = socket_hash(address);

	if (entry) {
		count_by(TCP_SESSION_COUNTER_END_UNSEEN, 1);
		entry->s = *initial;
		return entry;
	}
	for (__u32 probe = 0; probe < TABLE_PROBES; probe++) {
		entry = entry_at(hash, probe);
		if (entry && entry->sock == 0 && __sync_val_compare_and_swap(&entry->sock, 0, address) == 0) {
			entry->s = *initial;
			__sync_fetch_and_add(filter_bucket(address), 1);
			count_by(TCP_SESSION_COUNTER_OPEN, 1);
			return entry;
		}
	}
	count_by(TCP_SESSION_COUNTER_SESSIONS_FULL, 1);
	return NULL;
}

static __always_inline void table_remove(__u64 address, struct session_entry *entry)
{
	__sync_fetch_and_add(filter_bucket(address), -1);
	count_by(TCP_SESSION_COUNTER_OPEN, -1);
	/* Last, once the state has been read: the entry may be taken by another socket as soon as it reads 0. */
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&entry->sock = 0;
}

#endif /* TCP_SESSION_TABLE_H */
