/* tc direct-action classifier for the host side of a container's veth (issue 24): stateful
 * allow/deny rules on the remote end of IPv4 and IPv6 TCP, UDP and ICMP flows, and a flow table
 * with packets and bytes each way. The loader (bpf/container_policy.hpp) attaches
 * sluice_to_container on the veth's egress and sluice_from_container on its ingress. Map layouts:
 * container_policy_maps.h. Non-IP packets (ARP) and IPv6 neighbour discovery always pass. */
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "container_policy_maps.h"

/* Macros of the UAPI headers, which vmlinux.h (types only) lacks. */
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IP_OFFSET_MASK 0x1FFF
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SLUICE_POLICY_MAX_RULES);
  __type(key, __u32);
  __type(value, struct sluice_policy_rule);
} rules SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct sluice_policy_config);
} policy_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SLUICE_POLICY_COUNTERS);
  __type(key, __u32);
  __type(value, struct sluice_policy_counter);
} counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, SLUICE_POLICY_MAX_FLOWS);
  __type(key, struct sluice_flow_key);
  __type(value, struct sluice_flow_value);
} flows SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, SLUICE_POLICY_MAX_PEER_PREFIXES);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct sluice_peer_key);
  __type(value, __u8);
} peers SEC(".maps");

/* Ports (or ICMP echo id, type and code) at L4 offset `off`; a header cut short leaves them 0,
 * which no port-restricted rule matches. */
static __always_inline void parse_l4(struct __sk_buff* skb, __u32 off, struct sluice_flow_key* key) {
  if (key->protocol == PROTO_TCP || key->protocol == PROTO_UDP) {
    __be16 ports[2];
    if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)) == 0) {
      key->sport = bpf_ntohs(ports[0]);
      key->dport = bpf_ntohs(ports[1]);
    }
  } else if (key->protocol == PROTO_ICMP || key->protocol == PROTO_ICMPV6) {
    __u8 head[6]; /* type, code, checksum, echo id */
    if (bpf_skb_load_bytes(skb, off, head, sizeof(head)) == 0) {
      int echo = key->protocol == PROTO_ICMP ? head[0] == 8 || head[0] == 0 : head[0] == 128 || head[0] == 129;
      if (echo) {
        key->sport = key->dport = ((__u16)head[4] << 8) | head[5];
      } else {
        key->sport = head[0];
        key->dport = head[1];
      }
    }
  }
}

/* The IP header of `family` at `off` and its ports into `key`; the L4 offset, or 0 when the header
 * is cut short. Later IPv4 fragments carry no L4 header: their ports stay 0. */
static __always_inline __u32 parse_ip(struct __sk_buff* skb, __u32 off, __u8 family, struct sluice_flow_key* key) {
  key->family = family;
  if (family == 4) {
    struct iphdr ip;
    if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) < 0) return 0;
    key->protocol = ip.protocol;
    key->src[0] = ip.saddr;
    key->dst[0] = ip.daddr;
    __u32 l4 = off + ip.ihl * 4;
    if ((bpf_ntohs(ip.frag_off) & IP_OFFSET_MASK) == 0) parse_l4(skb, l4, key);
    return l4;
  }
  struct ipv6hdr ip6;
  if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)) < 0) return 0;
  key->protocol = ip6.nexthdr;
  __builtin_memcpy(key->src, &ip6.saddr, 16);
  __builtin_memcpy(key->dst, &ip6.daddr, 16);
  __u32 l4 = off + sizeof(ip6);
  parse_l4(skb, l4, key);
  return l4;
}

/* 1: an IP packet to decide on, its key and L4 offset filled in; 0: one that always passes. */
static __always_inline int parse(struct __sk_buff* skb, struct sluice_flow_key* key, __u32* l4) {
  __u8 family = skb->protocol == bpf_htons(ETH_P_IP) ? 4 : skb->protocol == bpf_htons(ETH_P_IPV6) ? 6 : 0;
  if (family == 0) return 0;
  *l4 = parse_ip(skb, ETH_HLEN, family, key);
  if (*l4 == 0) return 0;
  /* Router and neighbour solicitations and advertisements, redirects: the link needs them. */
  if (key->protocol == PROTO_ICMPV6 && key->sport >= 133 && key->sport <= 137) return 0;
  return 1;
}

/* Destination unreachable (packet too big among them), time exceeded, parameter problem. */
static __always_inline int is_icmp_error(const struct sluice_flow_key* key) {
  if (key->protocol == PROTO_ICMP) return key->sport == 3 || key->sport == 11 || key->sport == 12;
  return key->protocol == PROTO_ICMPV6 && key->sport >= 1 && key->sport <= 4;
}

static __always_inline __u32 word_mask(int bits) {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return bpf_htonl(0xffffffffu << (32 - bits));
}

/* 1 when the remote end of a flow whose first packet is `key`, going in `direction`, lies in the
 * peers set. */
static __always_inline int remote_is_peer(const struct sluice_flow_key* key, __u8 direction) {
  struct sluice_peer_key peer = {};
  peer.family = key->family;
  peer.prefixlen = SLUICE_PEER_KEY_FAMILY_BITS + (key->family == 4 ? 32 : 128);
  __builtin_memcpy(peer.addr, direction == SLUICE_DIR_TO_CONTAINER ? key->src : key->dst, 16);
  return bpf_map_lookup_elem(&peers, &peer) != 0;
}

/* `peer_bit` is 1 when the remote end is a peer, else 0. */
static __always_inline int rule_matches(const struct sluice_policy_rule* rule, const struct sluice_flow_key* key,
                                        __u8 direction, __u32 peer_bit) {
  if (rule->direction != direction || rule->family != key->family) return 0;
  /* Arithmetic, not a branch on peer_bit: a branch would teach the verifier its value, splitting
   * each rule's check into one state per value (six times the instructions). */
  if (rule->flags & SLUICE_RULE_REMOTE_PEER & ~peer_bit) return 0;
  if (rule->protocol != 0 && rule->protocol != key->protocol) return 0;
  if ((key->protocol == PROTO_TCP || key->protocol == PROTO_UDP) &&
      (key->dport < rule->port_min || key->dport > rule->port_max))
    return 0;
  const __u32* remote = direction == SLUICE_DIR_TO_CONTAINER ? key->src : key->dst;
  for (int i = 0; i < 4; i++) {
    __u32 mask = word_mask((int)rule->prefix_len - 32 * i);
    if ((remote[i] & mask) != (rule->addr[i] & mask)) return 0;
  }
  return 1;
}

/* first_match when no rule matches: the remote end is not a peer, or is one. */
#define NO_MATCH (-1)
#define NO_MATCH_PEER (-2)

/* The first rule among the first `count` that matches a flow whose first packet is `key`, going in
 * `direction`, its remote end a peer or not (`is_peer`): (index << 1) | action, or NO_MATCH. A
 * global function: the verifier checks its loop once, with is_peer unknown, not at every call site
 * (inlined, that took it past half its instruction limit). */
__noinline int match_rules(const struct sluice_flow_key* key, __u32 direction, __u32 count, __u32 is_peer) {
  if (!key) return NO_MATCH;
  __u32 peer_bit = is_peer & 1;
  for (__u32 i = 0; i < SLUICE_POLICY_MAX_RULES && i < count; i++) {
    /* A key of its own: the helper call would make the verifier forget the bounds of i. */
    __u32 index = i;
    const struct sluice_policy_rule* rule = bpf_map_lookup_elem(&rules, &index);
    if (!rule) break;
    if (rule_matches(rule, key, direction, peer_bit)) return (int)(i << 1) | (rule->action & 1);
  }
  return NO_MATCH;
}

/* match_rules after one lookup in the peers set (whatever the number of rules that ask for it);
 * NO_MATCH_PEER when no rule matches and the remote end is a peer. Global too, so that the
 * lookup's two outcomes do not double the callers' states. */
__noinline int first_match(const struct sluice_flow_key* key, __u32 direction, __u32 count) {
  if (!key) return NO_MATCH;
  int is_peer = remote_is_peer(key, direction);
  int match = match_rules(key, direction, count, is_peer);
  if (match >= 0) return match;
  return is_peer ? NO_MATCH_PEER : NO_MATCH;
}

/* Decides a flow whose first packet is `key`, going in `direction`, under the current config. */
static __always_inline void decide(struct sluice_flow_value* flow, const struct sluice_flow_key* key, __u8 direction,
                                   const struct sluice_policy_config* config_now) {
  int match = first_match(key, direction, config_now->rule_count);
  if (match == NO_MATCH_PEER && config_now->peer_default_set) {
    flow->rule = SLUICE_POLICY_RULE_PEER_DEFAULT;
    flow->verdict = config_now->peer_default_action[direction & 1];
  } else if (match < 0) {
    flow->rule = SLUICE_POLICY_RULE_DEFAULT;
    flow->verdict = config_now->default_action[direction & 1];
  } else {
    flow->rule = match >> 1;
    flow->verdict = match & 1;
  }
  flow->generation = config_now->generation;
  flow->direction = direction;
}

/* Counts the packet on its flow and on the rule (or default) that decided the flow; the verdict. */
static __always_inline int account(struct sluice_flow_value* flow, __u8 direction, __u64 len, __u64 now) {
  __sync_fetch_and_add(&flow->packets[direction & 1], 1);
  __sync_fetch_and_add(&flow->bytes[direction & 1], len);
  flow->last_seen_ns = now;
  __u32 slot = flow->rule;
  if (flow->rule == SLUICE_POLICY_RULE_DEFAULT) slot = SLUICE_POLICY_DEFAULT_COUNTER(flow->direction & 1);
  if (flow->rule == SLUICE_POLICY_RULE_PEER_DEFAULT) slot = SLUICE_POLICY_PEER_DEFAULT_COUNTER(flow->direction & 1);
  struct sluice_policy_counter* counter = bpf_map_lookup_elem(&counters, &slot);
  if (counter) {
    counter->packets++;
    counter->bytes += len;
  }
  return flow->verdict == SLUICE_ACTION_ALLOW ? TC_ACT_OK : TC_ACT_SHOT;
}

static __always_inline void reverse(const struct sluice_flow_key* key, struct sluice_flow_key* out) {
  __builtin_memcpy(out->src, key->dst, 16);
  __builtin_memcpy(out->dst, key->src, 16);
  out->sport = key->dport;
  out->dport = key->sport;
  out->family = key->family;
  out->protocol = key->protocol;
}

static __always_inline int handle(struct __sk_buff* skb, __u8 direction) {
  struct sluice_flow_key key = {};
  __u32 l4 = 0;
  if (!parse(skb, &key, &l4)) return TC_ACT_OK;
  __u32 zero = 0;
  const struct sluice_policy_config* config_now = bpf_map_lookup_elem(&policy_config, &zero);
  if (!config_now) return TC_ACT_OK;
  __u64 now = bpf_ktime_get_ns();

  /* A later packet of a known flow: its verdict stands until the rules change. */
  struct sluice_flow_value* flow = bpf_map_lookup_elem(&flows, &key);
  if (flow) {
    if (flow->generation != config_now->generation) decide(flow, &key, flow->direction, config_now);
    return account(flow, direction, skb->len, now);
  }
  /* An ICMP error about a packet of an allowed flow (which it quotes after its 8-byte header)
   * belongs to that flow: path MTU discovery and unreachable ports work whatever the defaults. */
  struct sluice_flow_key back = {};
  if (is_icmp_error(&key)) {
    struct sluice_flow_key quoted = {};
    if (parse_ip(skb, l4 + 8, key.family, &quoted)) {
      flow = bpf_map_lookup_elem(&flows, &quoted);
      if (!flow) {
        reverse(&quoted, &back);
        flow = bpf_map_lookup_elem(&flows, &back);
      }
      if (flow && flow->verdict == SLUICE_ACTION_ALLOW && flow->generation == config_now->generation) {
        return account(flow, direction, skb->len, now);
      }
    }
  }
  /* A reply to an allowed flow passes whatever the rules say about new flows this way. A denied
   * flow's reverse is no reply: it is a new flow of its own, which replaces the denied one. */
  reverse(&key, &back);
  flow = bpf_map_lookup_elem(&flows, &back);
  if (flow) {
    if (flow->generation != config_now->generation) decide(flow, &back, flow->direction, config_now);
    if (flow->verdict == SLUICE_ACTION_ALLOW) return account(flow, direction, skb->len, now);
    bpf_map_delete_elem(&flows, &back);
  }

  struct sluice_flow_value fresh = {};
  decide(&fresh, &key, direction, config_now);
  fresh.first_seen_ns = now;
  int verdict = account(&fresh, direction, skb->len, now);
  bpf_map_update_elem(&flows, &key, &fresh, BPF_NOEXIST);
  return verdict;
}

SEC("tc")
int sluice_to_container(struct __sk_buff* skb) { return handle(skb, SLUICE_DIR_TO_CONTAINER); }

SEC("tc")
int sluice_from_container(struct __sk_buff* skb) { return handle(skb, SLUICE_DIR_FROM_CONTAINER); }
