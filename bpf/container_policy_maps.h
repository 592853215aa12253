/* The maps of bpf/container_policy.bpf.c, shared by the BPF program and its C++ loader: plain
 * fixed-width data with explicit padding, so both sides see the same layout. See docs/ebpf.md.
 *
 * Addresses are in network byte order (IPv4 in word 0, words 1..3 zero); ports, ICMP echo ids and
 * rule port ranges are in host byte order. */
#ifndef SLUICE_BPF_CONTAINER_POLICY_MAPS_H
#define SLUICE_BPF_CONTAINER_POLICY_MAPS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Rules are evaluated in index order; the first that matches decides. */
#define SLUICE_POLICY_MAX_RULES 64
/* The counters array: one slot per rule, then one per direction for the default action, then one
 * per direction for the peer default. */
#define SLUICE_POLICY_COUNTERS (SLUICE_POLICY_MAX_RULES + 4)
#define SLUICE_POLICY_DEFAULT_COUNTER(direction) (SLUICE_POLICY_MAX_RULES + (direction))
#define SLUICE_POLICY_PEER_DEFAULT_COUNTER(direction) (SLUICE_POLICY_MAX_RULES + 2 + (direction))
/* A flow's rule when the per-direction default decided, and when the peer default did. */
#define SLUICE_POLICY_RULE_DEFAULT 0xffff
#define SLUICE_POLICY_RULE_PEER_DEFAULT 0xfffe
#define SLUICE_POLICY_MAX_FLOWS 16384
/* The peers set: every peer's allowed-IP prefixes (a Flannel-style mesh has one per node). */
#define SLUICE_POLICY_MAX_PEER_PREFIXES 65536

/* sluice_policy_rule.flags */
#define SLUICE_RULE_REMOTE_PEER 1 /* the remote end must also lie in the peers set */

/* Seen from the container: its host-side veth's egress carries packets to it, ingress from it. */
enum sluice_policy_direction {
  SLUICE_DIR_TO_CONTAINER = 0,
  SLUICE_DIR_FROM_CONTAINER = 1,
};

enum sluice_policy_action {
  SLUICE_ACTION_DENY = 0,
  SLUICE_ACTION_ALLOW = 1,
};

/* One rule: matches packets of a new flow in `direction` whose remote end (the source of a packet
 * to the container, the destination of one from it) lies in addr/prefix_len, of `protocol`
 * (0 = any), and, for TCP and UDP, whose destination port lies in port_min..port_max (the
 * service port: the container's own for inbound, the remote's for outbound). */
struct sluice_policy_rule {
  __u8 direction;  /* enum sluice_policy_direction */
  __u8 family;     /* 4 or 6 */
  __u8 prefix_len; /* 0..32 or 0..128 */
  __u8 protocol;   /* 0 = any, 1 ICMP, 6 TCP, 17 UDP, 58 ICMPv6 */
  __u16 port_min;  /* 0..65535 = any port */
  __u16 port_max;
  __u8 action; /* enum sluice_policy_action */
  __u8 flags;  /* SLUICE_RULE_* */
  __u8 pad[2];
  __u32 addr[4];
};

/* Key 0 of the config array. Rules past rule_count are ignored. The loader bumps generation with
 * every rule change; flows decided under an older one are decided again on their next packet.
 * When no rule matches: peer_default_action if peer_default_set and the remote end is in the
 * peers set, else default_action. */
struct sluice_policy_config {
  __u32 rule_count;
  __u32 generation;
  __u8 default_action[2];      /* by direction */
  __u8 peer_default_action[2]; /* by direction */
  __u8 peer_default_set;       /* 0 or 1 */
  /* 1 while the loader rewrites the rules (the program does not read it): maps left so by a
   * loader that died half way hold old and new rules at once, and are written again. */
  __u8 writing;
  __u8 pad[2];
};

/* A key of the peers set (an LPM trie): the family word first, so IPv4 and IPv6 prefixes never
 * meet; prefixlen counts its 32 bits plus the address prefix (a lookup: 32 + 32 or 32 + 128). */
struct sluice_peer_key {
  __u32 prefixlen;
  __u8 family; /* 4 or 6 */
  __u8 pad[3];
  __u32 addr[4];
};
#define SLUICE_PEER_KEY_FAMILY_BITS 32

/* Per rule (and per default), summed over CPUs by the reader. */
struct sluice_policy_counter {
  __u64 packets;
  __u64 bytes;
};

/* A flow as its first packet saw it. ICMP echo requests and replies carry the echo id as both
 * ports; other ICMP messages carry type and code as source and destination port. */
struct sluice_flow_key {
  __u32 src[4];
  __u32 dst[4];
  __u16 sport;
  __u16 dport;
  __u8 family;   /* 4 or 6 */
  __u8 protocol; /* the IP protocol number */
  __u8 pad[2];
};

struct sluice_flow_value {
  __u64 packets[2]; /* by direction */
  __u64 bytes[2];
  __u64 first_seen_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
  __u64 last_seen_ns;
  __u32 generation; /* of the config that decided the verdict */
  __u16 rule;       /* the deciding rule, SLUICE_POLICY_RULE_DEFAULT or _PEER_DEFAULT */
  __u8 direction;   /* of the first packet */
  __u8 verdict;     /* enum sluice_policy_action */
};

#endif
