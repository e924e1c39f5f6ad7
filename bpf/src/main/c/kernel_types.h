/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The few kernel-internal types tcp_session.bpf.c reads, declared for BPF CO-RE.
 *
 * Instead of a multi-megabyte vmlinux.h, only the fields used are declared.
 * preserve_access_index makes clang record each access as a relocation by field
 * name; libbpf resolves it against the running kernel's BTF at load time, so
 * the order and the offsets below do not need to match any kernel.
 */
#ifndef TCP_SESSION_KERNEL_TYPES_H
#define TCP_SESSION_KERNEL_TYPES_H

#include <linux/types.h>
#include <stdbool.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct ns_common {
	unsigned int inum;
};

struct net {
	struct ns_common ns;
};

typedef struct {
	struct net *net;
} possible_net_t;

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
};

struct inode {
	unsigned long i_ino;
};

struct file {
	struct inode *f_inode;
};

struct socket {
	struct file *file;
};

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
	unsigned long skc_flags;
};

struct sock {
	struct sock_common __sk_common;
	int sk_err;
	struct socket *sk_socket;
	__u16 sk_protocol;
};

struct inet_sock {
	__be16 inet_sport;
};

struct inet_connection_sock {
	struct inet_sock icsk_inet;
};

struct tcp_sock {
	struct inet_connection_sock inet_conn;
	__u64 bytes_received;
	__u64 bytes_acked;
	__u32 snd_una;
	__u32 write_seq;
	__u32 srtt_us;
	__u32 total_retrans;
};

#pragma clang attribute pop

/* include/net/tcp_states.h */
enum {
	TCP_ESTABLISHED = 1,
	TCP_SYN_SENT,
	TCP_SYN_RECV,
	TCP_FIN_WAIT1,
	TCP_FIN_WAIT2,
	TCP_TIME_WAIT,
	TCP_CLOSE,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_LISTEN,
	TCP_CLOSING,
	TCP_NEW_SYN_RECV,
};

/* include/linux/proc_ns.h: the inode of the initial PID namespace */
#define PROC_PID_INIT_INO 0xEFFFFFFCU

/* include/net/sock.h: enum sock_flags */
#define SOCK_DONE 1

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

#endif /* TCP_SESSION_KERNEL_TYPES_H */
