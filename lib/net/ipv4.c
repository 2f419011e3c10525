// SPDX-License-Identifier: MIT
/*
 * IPv4 (RFC 791, with the host requirements of RFC 1122 section 3): header
 * validation on input, delivery to the protocol's handler, output with ARP
 * resolution and fragmentation above the MTU.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "lib/core/clock.h"
#include "lib/net/checksum.h"
#include "lib/net/net.h"

#define IP_DEFAULT_TTL 64

static const uint8_t mac_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static bool ip_is_broadcast(const struct ak_net *net, uint32_t addr)
{
	return addr == INADDR_BROADCAST ||
	       (net->netmask && addr == (net->addr | ~net->netmask));
}

static bool ip_is_multicast(uint32_t addr)
{
	return (ntohl(addr) & 0xf0000000u) == 0xe0000000u;
}

/* Checks the header; on success sets l4_off and end (RFC 1122 3.2.1). */
static int ip_validate(struct ak_net *net, struct ak_pkt *pkt)
{
	const struct ak_ipv4_hdr *ip;
	uint32_t avail = pkt->cap - pkt->l3_off;
	uint32_t hlen, tot_len;

	if (avail < AK_IP_HLEN)
		return AK_DROP_IP_SHORT;
	ip = (const struct ak_ipv4_hdr *)ak_pkt_l3(pkt);
	hlen = (ip->ver_ihl & 0x0f) * 4u;
	if ((ip->ver_ihl >> 4) != 4 || hlen < AK_IP_HLEN)
		return AK_DROP_IP_VERSION;
	if (avail < hlen)
		return AK_DROP_IP_SHORT;
	if (ak_csum_ipv4_header(ip, hlen) != 0)
		return AK_DROP_IP_CSUM;
	/* The total length rules: what follows it is Ethernet padding. */
	tot_len = ntohs(ip->tot_len);
	if (tot_len < hlen || tot_len > avail)
		return AK_DROP_IP_LEN;
	if (ip->daddr != net->addr && !ip_is_broadcast(net, ip->daddr))
		return AK_DROP_IP_DST;
	/* RFC 1122 3.2.1.3: a source must be a unicast address. */
	if (ip_is_broadcast(net, ip->saddr) || ip_is_multicast(ip->saddr))
		return AK_DROP_IP_SRC;

	pkt->l4_off = (uint16_t)(pkt->l3_off + hlen);
	pkt->data_off = pkt->l4_off;
	pkt->end = (uint16_t)(pkt->l3_off + tot_len);
	return -1;
}

void ipv4_input(struct ak_net *net, struct ak_pkt *pkt)
{
	const struct ak_ipv4_hdr *ip;
	int reason;

	/* RFC 1122 3.2.1.7: a host does not discard on a low TTL. */
	reason = ip_validate(net, pkt);
	if (reason >= 0) {
		net_drop(net, reason);
		net_rx_release(net, pkt);
		return;
	}
	ip = (const struct ak_ipv4_hdr *)ak_pkt_l3(pkt);
	if (ip->frag_off & htons(AK_IP_MF | AK_IP_OFFMASK)) {
		net->stats.ip_fragments_rx++;
		reasm_input(net, pkt, ak_now_ns());
		return;
	}
	ipv4_deliver(net, pkt);
}

void ipv4_deliver(struct ak_net *net, struct ak_pkt *pkt)
{
	const struct ak_ipv4_hdr *ip =
		(const struct ak_ipv4_hdr *)ak_pkt_l3(pkt);
	const struct l4_handler *h = &net->l4[ip->proto];

	if (!h->fn) {
		net_drop(net, AK_DROP_IP_PROTO);
		/* RFC 1122 3.2.2.1: protocol unreachable, never to a
		 * broadcast. */
		if (ip->daddr == net->addr)
			icmp_send_unreach(net, pkt, 2);
		net_rx_release(net, pkt);
		return;
	}
	if (h->fn(h->ctx, pkt) == 0)
		net_rx_release(net, pkt);
}

static void ip_fill(struct ak_net *net, struct ak_ipv4_hdr *ip,
		    uint16_t tot_len, uint16_t id, uint16_t frag, uint8_t proto,
		    uint32_t dst)
{
	ip->ver_ihl = 0x45;
	ip->tos = 0;
	ip->tot_len = htons(tot_len);
	ip->id = htons(id);
	ip->frag_off = htons(frag);
	ip->ttl = IP_DEFAULT_TTL;
	ip->proto = proto;
	ip->csum = 0;
	ip->saddr = net->addr;
	ip->daddr = dst;
	ip->csum = ak_csum_ipv4_header(ip, AK_IP_HLEN);
}

/* The MAC for dst: 0, -EAGAIN (resolving), -EHOSTUNREACH. */
static int ip_next_hop(struct ak_net *net, uint32_t dst, uint8_t mac[6])
{
	if (ip_is_broadcast(net, dst)) {
		memcpy(mac, mac_broadcast, 6);
		return 0;
	}
	return arp_lookup(net, dst, mac, ak_now_ns());
}

struct gather {
	const uint8_t *seg[2];
	size_t len[2];
};

static void gather_copy(const struct gather *g, size_t off, uint8_t *to,
			size_t n)
{
	size_t take;
	int i;

	for (i = 0; i < 2 && n; i++) {
		if (off >= g->len[i]) {
			off -= g->len[i];
			continue;
		}
		take = g->len[i] - off;
		if (take > n)
			take = n;
		memcpy(to, g->seg[i] + off, take);
		to += take;
		n -= take;
		off = 0;
	}
}

/* RFC 791 section 3.2, "Fragmentation": 8-byte aligned pieces. */
static int ip_send_fragments(struct ak_net *net, uint32_t dst, uint8_t proto,
			     const uint8_t mac[6], const struct gather *g)
{
	size_t total = g->len[0] + g->len[1], off, n;
	size_t step = (size_t)(net->mtu - AK_IP_HLEN) & ~(size_t)7;
	uint16_t id = net->ip_id++;
	struct ak_pkt pkt;
	uint16_t frag;
	int err;

	for (off = 0; off < total; off += n) {
		n = total - off < step ? total - off : step;
		err = net->vnic->ops->tx_alloc(net->vnic, &pkt);
		if (err) {
			net_drop(net, AK_DROP_TX_NOBUF);
			return err;
		}
		gather_copy(g, off, pkt.frame + AK_L4_HEADROOM, n);
		frag = (uint16_t)(off / 8);
		if (off + n < total)
			frag |= AK_IP_MF;
		ip_fill(net, (struct ak_ipv4_hdr *)(pkt.frame + AK_ETH_HLEN),
			(uint16_t)(AK_IP_HLEN + n), id, frag, proto, dst);
		pkt.end = (uint16_t)(AK_L4_HEADROOM + n);
		err = net_eth_send(net, &pkt, mac, AK_ETH_P_IP);
		if (err)
			return err;
		net->stats.ip_fragments_tx++;
	}
	return 0;
}

int ipv4_output(struct ak_net *net, struct ak_pkt *pkt, uint32_t dst,
		uint8_t proto)
{
	uint32_t l4_len = (uint32_t)(pkt->end - pkt->l4_off);
	struct gather g = {{NULL, NULL}, {0, 0}};
	uint8_t mac[6];
	int err;

	if (pkt->l4_off != AK_L4_HEADROOM || pkt->end < pkt->l4_off) {
		net->vnic->ops->tx_free(net->vnic, pkt);
		return -EINVAL;
	}
	err = ip_next_hop(net, dst, mac);
	if (err == -EAGAIN)
		return arp_queue(net, dst, pkt, dst, proto);
	if (err) {
		net->vnic->ops->tx_free(net->vnic, pkt);
		return err;
	}

	if (l4_len + AK_IP_HLEN <= net->mtu) {
		pkt->l3_off = AK_ETH_HLEN;
		ip_fill(net, (struct ak_ipv4_hdr *)ak_pkt_l3(pkt),
			(uint16_t)(AK_IP_HLEN + l4_len), net->ip_id++, 0, proto,
			dst);
		return net_eth_send(net, pkt, mac, AK_ETH_P_IP);
	}

	g.seg[0] = ak_pkt_l4(pkt);
	g.len[0] = l4_len;
	err = ip_send_fragments(net, dst, proto, mac, &g);
	net->vnic->ops->tx_free(net->vnic, pkt);
	return err;
}

int ipv4_send_gather(struct ak_net *net, uint32_t dst, uint8_t proto,
		     const void *hdr, size_t hdr_len, const void *data,
		     size_t data_len)
{
	struct gather g = {{hdr, data}, {hdr_len, data_len}};
	size_t total = hdr_len + data_len;
	struct ak_pkt pkt;
	uint8_t mac[6];
	int err;

	if (total > AK_IP_MAX_LEN - AK_IP_HLEN)
		return -EMSGSIZE;
	if (total + AK_IP_HLEN <= net->mtu) {
		err = net->vnic->ops->tx_alloc(net->vnic, &pkt);
		if (err)
			return err;
		gather_copy(&g, 0, pkt.frame + AK_L4_HEADROOM, total);
		pkt.l3_off = AK_ETH_HLEN;
		pkt.l4_off = AK_L4_HEADROOM;
		pkt.end = (uint16_t)(AK_L4_HEADROOM + total);
		return ipv4_output(net, &pkt, dst, proto);
	}

	/* The one packet that waits for ARP is the whole datagram. */
	err = ip_next_hop(net, dst, mac);
	if (err == -EAGAIN)
		return arp_queue_copy(net, dst, hdr, hdr_len, data, data_len,
				      proto);
	if (err)
		return err;
	return ip_send_fragments(net, dst, proto, mac, &g);
}
