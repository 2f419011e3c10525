// SPDX-License-Identifier: MIT
/*
 * The filters of one software VF. The daemon loads one copy per VNIC with
 * the VF's MAC, address and ephemeral range as constants, and fills the
 * grant map with the (proto, port) pairs its container was granted.
 *
 * ak_rx_filter (XDP, native, on the VF): what reaches the container.
 * ak_tx_filter (tc ingress on the bridge side of the VF): what leaves it.
 * Both count every frame by verdict in per-CPU arrays (filter_abi.h).
 */
#include <linux/bpf.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "common/filter_abi.h"

const volatile __u8 vf_mac[ETH_ALEN];
const volatile __be32 vf_ipv4;
const volatile __u16 ephemeral_first;
const volatile __u16 ephemeral_last;

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256); /* resized to max_filters before load */
	__type(key, struct ak_grant_key);
	__type(value, __u8);
} grants SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AK_RX_REASONS);
	__type(key, __u32);
	__type(value, struct counter);
} rx_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AK_TX_REASONS);
	__type(key, __u32);
	__type(value, struct counter);
} tx_counters SEC(".maps");

/* The ARP payload for IPv4 over Ethernet (RFC 826). */
struct arp_ipv4 {
	__u8 sha[ETH_ALEN];
	__be32 spa;
	__u8 tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

static __always_inline void count(void *map, __u32 reason, __u64 bytes)
{
	struct counter *c = bpf_map_lookup_elem(map, &reason);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline int mac_is_vf(const __u8 *mac)
{
	int i;

	for (i = 0; i < ETH_ALEN; i++)
		if (mac[i] != vf_mac[i])
			return 0;
	return 1;
}

static __always_inline int mac_is_broadcast(const __u8 *mac)
{
	int i;

	for (i = 0; i < ETH_ALEN; i++)
		if (mac[i] != 0xff)
			return 0;
	return 1;
}

/* Granted, or in the VNIC's own ephemeral range. */
static __always_inline int port_allowed(__u8 proto, __u16 port)
{
	struct ak_grant_key key = {.proto = proto, .port = port};

	if (port >= ephemeral_first && port <= ephemeral_last)
		return 1;
	return bpf_map_lookup_elem(&grants, &key) != NULL;
}

/*
 * Where the transport header starts, or NULL when the frame is too short
 * for the IPv4 header it claims (RFC 791 section 3.1: IHL >= 5 words).
 */
static __always_inline void *l4_of(struct iphdr *ip, void *end)
{
	void *l4;

	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return NULL;
	l4 = (void *)ip + ip->ihl * 4;
	if (l4 + 4 > end)
		return NULL;
	return l4;
}

static __always_inline __u32 rx_arp(void *l3, void *end)
{
	struct arphdr *arp = l3;
	struct arp_ipv4 *body = (void *)(arp + 1);

	if ((void *)(body + 1) > end)
		return AK_RX_MALFORMED;
	if (body->tpa != vf_ipv4)
		return AK_RX_ARP_OTHER;
	return AK_RX_PASS;
}

static __always_inline __u32 rx_ipv4(void *l3, void *end)
{
	struct iphdr *ip = l3;
	__u16 *ports;

	if ((void *)(ip + 1) > end)
		return AK_RX_MALFORMED;
	if (ip->daddr != vf_ipv4)
		return AK_RX_DST_IP;
	/*
	 * From here the frame is addressed to this container alone. Headers
	 * cut short (RFC 791 section 3.1: IHL >= 5 words, within the frame)
	 * go to its stack, which validates and counts them.
	 */
	if (!l4_of(ip, end))
		return AK_RX_PASS;
	/* Later fragments carry no ports; the stack reassembles them. */
	if (ip->frag_off & bpf_htons(0x1fff))
		return AK_RX_PASS;
	if (ip->protocol == IPPROTO_ICMP)
		return AK_RX_PASS;
	if (ip->protocol != IPPROTO_UDP && ip->protocol != IPPROTO_TCP)
		return AK_RX_PROTO;
	ports = l4_of(ip, end);
	if (!ports)
		return AK_RX_PASS;
	/* UDP (RFC 768) and TCP (RFC 9293 3.1) both start sport, dport. */
	if (!port_allowed(ip->protocol, bpf_ntohs(ports[1])))
		return AK_RX_PORT;
	return AK_RX_PASS;
}

static __always_inline __u32 rx_classify(void *data, void *end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return AK_RX_MALFORMED;
	if (!mac_is_vf(eth->h_dest) && !mac_is_broadcast(eth->h_dest))
		return AK_RX_DST_MAC;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return rx_arp(eth + 1, end);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return rx_ipv4(eth + 1, end);
	return AK_RX_ETHERTYPE;
}

SEC("xdp")
int ak_rx_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 len = end - data;
	__u32 reason = rx_classify(data, end);
	int verdict;

	if (reason != AK_RX_PASS) {
		count(&rx_counters, reason, len);
		return XDP_DROP;
	}
	verdict = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_DROP);
	count(&rx_counters,
	      verdict == XDP_REDIRECT ? AK_RX_PASS : AK_RX_NO_SOCKET, len);
	return verdict;
}

static __always_inline __u32 tx_arp(void *l3, void *end)
{
	struct arphdr *arp = l3;
	struct arp_ipv4 *body = (void *)(arp + 1);

	if ((void *)(body + 1) > end)
		return AK_TX_MALFORMED;
	if (!mac_is_vf(body->sha) || body->spa != vf_ipv4)
		return AK_TX_ARP_SPOOF;
	return AK_TX_PASS;
}

static __always_inline __u32 tx_ipv4(void *l3, void *end)
{
	struct iphdr *ip = l3;
	__u16 *ports;

	if ((void *)(ip + 1) > end)
		return AK_TX_MALFORMED;
	if (ip->saddr != vf_ipv4)
		return AK_TX_SRC_IP;
	/* Later fragments carry no ports; the first one was checked. */
	if (ip->frag_off & bpf_htons(0x1fff))
		return AK_TX_PASS;
	if (ip->protocol == IPPROTO_ICMP)
		return AK_TX_PASS;
	if (ip->protocol != IPPROTO_UDP && ip->protocol != IPPROTO_TCP)
		return AK_TX_PROTO;
	ports = l4_of(ip, end);
	if (!ports)
		return AK_TX_MALFORMED;
	if (!port_allowed(ip->protocol, bpf_ntohs(ports[0])))
		return AK_TX_SRC_PORT;
	return AK_TX_PASS;
}

static __always_inline __u32 tx_classify(void *data, void *end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return AK_TX_MALFORMED;
	if (!mac_is_vf(eth->h_source))
		return AK_TX_SRC_MAC;
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return tx_arp(eth + 1, end);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return tx_ipv4(eth + 1, end);
	return AK_TX_ETHERTYPE;
}

/* Enough for Ethernet, the longest IPv4 header and the two ports. */
#define TX_HEADERS (14 + 60 + 4)

SEC("tc")
int ak_tx_filter(struct __sk_buff *skb)
{
	__u32 reason;

	bpf_skb_pull_data(skb, skb->len < TX_HEADERS ? skb->len : TX_HEADERS);
	reason = tx_classify((void *)(long)skb->data,
			     (void *)(long)skb->data_end);
	count(&tx_counters, reason, skb->len);
	return reason == AK_TX_PASS ? TC_ACT_OK : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
