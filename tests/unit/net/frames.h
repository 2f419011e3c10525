/* SPDX-License-Identifier: MIT */
/*
 * Hand-built frames for the stack tests: a peer (02:..:0a, 198.18.0.1)
 * talking to the stack under test (02:..:0b, 198.18.0.2).
 */
#ifndef AK_TESTS_NET_FRAMES_H
#define AK_TESTS_NET_FRAMES_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "lib/net/checksum.h"
#include "lib/net/net.h"

static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t stack_mac[6] = {0x02, 0, 0, 0, 0, 0x0b};
#define PEER_IP	 "198.18.0.1"
#define STACK_IP "198.18.0.2"

static inline size_t frame_eth(uint8_t *f, uint16_t type)
{
	struct ak_eth_hdr *e = (struct ak_eth_hdr *)f;

	memcpy(e->dst, stack_mac, 6);
	memcpy(e->src, peer_mac, 6);
	e->type = htons(type);
	return AK_ETH_HLEN;
}

/* An IPv4 header at f + 14 for l4_len bytes; returns the frame length. */
static inline size_t frame_ipv4(uint8_t *f, uint8_t proto, uint16_t l4_len,
				uint16_t id, uint16_t frag)
{
	struct ak_ipv4_hdr *ip = (struct ak_ipv4_hdr *)(f + AK_ETH_HLEN);

	frame_eth(f, AK_ETH_P_IP);
	memset(ip, 0, sizeof(*ip));
	ip->ver_ihl = 0x45;
	ip->tot_len = htons((uint16_t)(AK_IP_HLEN + l4_len));
	ip->id = htons(id);
	ip->frag_off = htons(frag);
	ip->ttl = 64;
	ip->proto = proto;
	ip->saddr = inet_addr(PEER_IP);
	ip->daddr = inet_addr(STACK_IP);
	ip->csum = ak_csum_ipv4_header(ip, AK_IP_HLEN);
	return AK_ETH_HLEN + AK_IP_HLEN + l4_len;
}

/* A whole UDP datagram; returns the frame length. */
static inline size_t frame_udp(uint8_t *f, uint16_t sport, uint16_t dport,
			       const void *data, uint16_t len)
{
	struct ak_udp_hdr *u = (struct ak_udp_hdr *)(f + AK_L4_HEADROOM);
	size_t n = frame_ipv4(f, IPPROTO_UDP, AK_UDP_HLEN + len, 1, 0);

	u->sport = htons(sport);
	u->dport = htons(dport);
	u->len = htons((uint16_t)(AK_UDP_HLEN + len));
	u->csum = 0;
	memcpy(f + AK_L4_HEADROOM + AK_UDP_HLEN, data, len);
	u->csum = ak_csum_l4(inet_addr(PEER_IP), inet_addr(STACK_IP),
			     IPPROTO_UDP, u, AK_UDP_HLEN + len);
	if (!u->csum)
		u->csum = 0xffff;
	return n;
}

static inline size_t frame_icmp_echo(uint8_t *f, const void *data, uint16_t len)
{
	uint8_t *h = f + AK_L4_HEADROOM;
	size_t n = frame_ipv4(f, IPPROTO_ICMP, 8 + len, 2, 0);
	uint16_t csum;

	memset(h, 0, 8);
	h[0] = 8;
	h[4] = 0x12, h[5] = 0x34, h[7] = 1;
	memcpy(h + 8, data, len);
	csum = htons(ak_csum_fold(ak_csum_partial(h, 8u + len, 0)));
	memcpy(h + 2, &csum, 2);
	return n;
}

static inline size_t frame_arp_request(uint8_t *f, const char *target)
{
	uint8_t *a = f + AK_ETH_HLEN;
	uint32_t spa = inet_addr(PEER_IP), tpa = inet_addr(target);

	frame_eth(f, AK_ETH_P_ARP);
	memset(f, 0xff, 6);
	memset(a, 0, 28);
	a[1] = 1, a[2] = 0x08, a[4] = 6, a[5] = 4, a[7] = 1;
	memcpy(a + 8, peer_mac, 6);
	memcpy(a + 14, &spa, 4);
	memcpy(a + 24, &tpa, 4);
	return 60;
}

#endif
