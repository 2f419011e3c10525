// SPDX-License-Identifier: MIT
/*
 * The benchmark's in-kernel reference: an XDP program that answers
 * sockperf's UDP messages on the veth itself with XDP_TX, as `sockperf
 * server` would (swap addresses and ports, clear the client mark, answer
 * only messages that ask for a reply). It is the fastest an echo can be on
 * this virtual NIC, so Arrakis is measured against it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define SOCKPERF_FLAGS_OFF 8
#define SOCKPERF_CLIENT	   0x0001
#define SOCKPERF_PONG	   0x0002

static __always_inline void swap_mac(struct ethhdr *eth)
{
	unsigned char tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* RFC 1624 eqn. 3 on the UDP checksum; 0 means none was sent. */
static __always_inline void csum_replace(__u16 *csum, __u16 old, __u16 new)
{
	__u32 sum;

	if (!*csum)
		return;
	sum = (__u16) ~*csum + (__u16)~old + new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	*csum = (__u16)~sum;
	if (!*csum)
		*csum = 0xffff;
}

SEC("xdp")
int reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u16 *flags = (void *)((char *)(udp + 1) + SOCKPERF_FLAGS_OFF);
	__u16 old, new;
	__u32 addr;
	__u16 port;

	if ((void *)(flags + 1) > end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	old = *flags;
	if ((bpf_ntohs(old) & (SOCKPERF_CLIENT | SOCKPERF_PONG)) !=
	    (SOCKPERF_CLIENT | SOCKPERF_PONG))
		return XDP_DROP;

	new = bpf_htons(bpf_ntohs(old) & ~SOCKPERF_CLIENT);
	*flags = new;
	csum_replace(&udp->check, old, new);
	swap_mac(eth);
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	return XDP_TX;
}

/* On the bridge side of the pair: lets XDP_TX frames in (veth needs an
 * XDP program on the receiving peer). */
SEC("xdp")
int pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
