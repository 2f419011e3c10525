// SPDX-License-Identifier: MIT
/*
 * ICMP (RFC 792): echo replies (ping) and destination unreachable for
 * datagrams no protocol or port wanted. Everything else is counted.
 */
#include <arpa/inet.h>
#include <string.h>

#include "lib/net/checksum.h"
#include "lib/net/net.h"

#define ICMP_HLEN	  8
#define ICMP_ECHO_REPLY	  0
#define ICMP_UNREACH	  3
#define ICMP_ECHO_REQUEST 8

struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t csum;
	uint32_t rest; /* identifier and sequence for echo */
} __attribute__((packed));
_Static_assert(sizeof(struct icmp_hdr) == ICMP_HLEN, "icmp header");

static void icmp_echo_reply(struct ak_net *net, const struct ak_pkt *pkt)
{
	const struct ak_ipv4_hdr *ip = (const void *)ak_pkt_l3(pkt);
	struct icmp_hdr reply;
	uint16_t len = (uint16_t)(pkt->end - pkt->l4_off);

	/* The reply is the request with its type changed (RFC 792,
	 * "Echo or Echo Reply Message"); RFC 1624 updates the checksum. */
	memcpy(&reply, ak_pkt_l4(pkt), ICMP_HLEN);
	reply.type = ICMP_ECHO_REPLY;
	reply.csum = ak_csum_update16(reply.csum, htons(ICMP_ECHO_REQUEST << 8),
				      htons(ICMP_ECHO_REPLY << 8));
	if (ipv4_send_gather(net, ip->saddr, IPPROTO_ICMP, &reply, ICMP_HLEN,
			     ak_pkt_l4(pkt) + ICMP_HLEN, len - ICMP_HLEN) == 0)
		net->stats.icmp_echo_replies++;
	else
		net_drop(net, AK_DROP_TX_NOBUF);
}

int icmp_input(void *ctx, struct ak_pkt *pkt)
{
	struct ak_net *net = ctx;
	const struct ak_ipv4_hdr *ip = (const void *)ak_pkt_l3(pkt);
	uint16_t len = (uint16_t)(pkt->end - pkt->l4_off);
	const struct icmp_hdr *h = (const void *)ak_pkt_l4(pkt);

	if (len < ICMP_HLEN) {
		net_drop(net, AK_DROP_ICMP_SHORT);
		return 0;
	}
	if (ak_csum_fold(ak_csum_partial(h, len, 0)) != 0) {
		net_drop(net, AK_DROP_ICMP_CSUM);
		return 0;
	}
	/* RFC 1122 3.2.2.6: echo to a broadcast address may be ignored. */
	if (h->type == ICMP_ECHO_REQUEST && h->code == 0 &&
	    ip->daddr == net->addr) {
		icmp_echo_reply(net, pkt);
		return 0;
	}
	net_drop(net, AK_DROP_ICMP_TYPE);
	return 0;
}

void icmp_send_unreach(struct ak_net *net, const struct ak_pkt *pkt,
		       uint8_t code)
{
	struct icmp_hdr h = {.type = ICMP_UNREACH, .code = code};
	uint16_t quote = (uint16_t)(pkt->l4_off - pkt->l3_off);
	uint32_t sum;

	/* The internet header plus the first 64 bits of data (RFC 792). */
	quote += pkt->end - pkt->l4_off < 8 ? pkt->end - pkt->l4_off : 8;
	sum = ak_csum_partial(&h, ICMP_HLEN, 0);
	sum = ak_csum_partial(ak_pkt_l3(pkt), quote, sum);
	h.csum = htons(ak_csum_fold(sum));
	if (ipv4_send_gather(
		    net, ((const struct ak_ipv4_hdr *)ak_pkt_l3(pkt))->saddr,
		    IPPROTO_ICMP, &h, ICMP_HLEN, ak_pkt_l3(pkt), quote) == 0)
		net->stats.icmp_unreach_tx++;
}
