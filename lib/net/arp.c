// SPDX-License-Identifier: MIT
/*
 * ARP for IPv4 over Ethernet (RFC 826): a cache with expiry and refresh,
 * one packet held per address being resolved, replies to requests for our
 * address, and a gratuitous announcement at start (RFC 5227 section 3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/clock.h"
#include "lib/net/net.h"

#define ARP_HLEN	28
#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2
#define ARP_HTYPE_ETHER 1
/* An entry lives this long after its last confirmation... */
#define ARP_LIFETIME_NS (60 * AK_NSEC_PER_SEC)
/* ...and is refreshed by a unicast request when used after this age. */
#define ARP_REFRESH_NS (45 * AK_NSEC_PER_SEC)
#define ARP_RETRY_NS   (1 * AK_NSEC_PER_SEC)
#define ARP_MAX_TRIES  3
/* After failing, an address answers -EHOSTUNREACH this long. */
#define ARP_FAILED_HOLD_NS (3 * AK_NSEC_PER_SEC)

struct arp_msg {
	uint16_t htype;
	uint16_t ptype;
	uint8_t hlen;
	uint8_t plen;
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa;
	uint8_t tha[6];
	uint32_t tpa;
} __attribute__((packed));
_Static_assert(sizeof(struct arp_msg) == ARP_HLEN, "arp message");

static const uint8_t mac_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_zero[6];

static struct arp_entry *arp_find(struct ak_net *net, uint32_t addr)
{
	int i;

	for (i = 0; i < AK_ARP_CACHE_SIZE; i++)
		if (net->arp[i].state != ARP_FREE && net->arp[i].addr == addr)
			return &net->arp[i];
	return NULL;
}

static void arp_release_pending(struct ak_net *net, struct arp_entry *e)
{
	if (!e->has_pending)
		return;
	e->has_pending = false;
	if (e->pending_msg) {
		free(e->pending_msg);
		e->pending_msg = NULL;
	} else {
		net->vnic->ops->tx_free(net->vnic, &e->pending);
	}
}

static void arp_drop_pending(struct ak_net *net, struct arp_entry *e)
{
	if (!e->has_pending)
		return;
	arp_release_pending(net, e);
	net_drop(net, AK_DROP_ARP_UNRESOLVED);
}

/* A free slot, else the least recently confirmed one without a packet. */
static struct arp_entry *arp_alloc(struct ak_net *net)
{
	struct arp_entry *victim = NULL, *e;
	int i;

	for (i = 0; i < AK_ARP_CACHE_SIZE; i++) {
		e = &net->arp[i];
		if (e->state == ARP_FREE)
			return e;
		if (!victim || e->updated_ns < victim->updated_ns)
			victim = e;
	}
	arp_drop_pending(net, victim);
	memset(victim, 0, sizeof(*victim));
	return victim;
}

static int arp_send(struct ak_net *net, uint16_t op, const uint8_t *eth_dst,
		    const uint8_t *tha, uint32_t tpa)
{
	struct ak_pkt pkt;
	struct arp_msg *m;
	int err;

	err = net->vnic->ops->tx_alloc(net->vnic, &pkt);
	if (err) {
		net_drop(net, AK_DROP_TX_NOBUF);
		return err;
	}
	m = (struct arp_msg *)(pkt.frame + AK_ETH_HLEN);
	m->htype = htons(ARP_HTYPE_ETHER);
	m->ptype = htons(AK_ETH_P_IP);
	m->hlen = 6;
	m->plen = 4;
	m->op = htons(op);
	memcpy(m->sha, net->vnic->mac, 6);
	m->spa = net->addr;
	memcpy(m->tha, tha, 6);
	m->tpa = tpa;
	/* Ethernet minimum frame: the padding is ours to zero. */
	pkt.end = 60;
	memset(pkt.frame + AK_ETH_HLEN + ARP_HLEN, 0,
	       60 - AK_ETH_HLEN - ARP_HLEN);
	return net_eth_send(net, &pkt, eth_dst, AK_ETH_P_ARP);
}

static void arp_request(struct ak_net *net, struct arp_entry *e,
			const uint8_t *eth_dst)
{
	if (arp_send(net, ARP_OP_REQUEST, eth_dst, mac_zero, e->addr) == 0)
		net->stats.arp_requests_tx++;
}

void arp_announce(struct ak_net *net)
{
	arp_send(net, ARP_OP_REQUEST, mac_broadcast, mac_zero, net->addr);
}

static void arp_resolved(struct ak_net *net, struct arp_entry *e,
			 const uint8_t *mac, uint64_t now_ns)
{
	memcpy(e->mac, mac, 6);
	e->state = ARP_RESOLVED;
	e->refreshing = false;
	e->updated_ns = now_ns;
	e->expires_ns = now_ns + ARP_LIFETIME_NS;
	if (!e->has_pending)
		return;
	e->has_pending = false;
	if (e->pending_msg) {
		ipv4_send_gather(net, e->pending_dst, e->pending_proto,
				 e->pending_msg, e->pending_len, NULL, 0);
		free(e->pending_msg);
		e->pending_msg = NULL;
	} else {
		ipv4_output(net, &e->pending, e->pending_dst, e->pending_proto);
	}
}

static bool arp_valid(const struct ak_pkt *pkt, const struct arp_msg *m)
{
	return pkt->cap >= AK_ETH_HLEN + ARP_HLEN &&
	       m->htype == htons(ARP_HTYPE_ETHER) &&
	       m->ptype == htons(AK_ETH_P_IP) && m->hlen == 6 && m->plen == 4;
}

/* RFC 826, "Packet Reception": merge, then add if for us, then reply. */
void arp_input(struct ak_net *net, struct ak_pkt *pkt)
{
	const struct arp_msg *m =
		(const struct arp_msg *)(pkt->frame + AK_ETH_HLEN);
	uint64_t now = ak_now_ns();
	struct arp_entry *e = NULL;
	bool for_us;

	if (!arp_valid(pkt, m)) {
		net_drop(net, AK_DROP_ARP_MALFORMED);
		goto release;
	}
	for_us = m->tpa == net->addr && m->spa != net->addr;
	/* Senders with no address (probes) or a group MAC are not cached. */
	if (m->spa != 0 && !(m->sha[0] & 1)) {
		e = arp_find(net, m->spa);
		if (e)
			arp_resolved(net, e, m->sha, now);
	}
	if (!for_us) {
		if (m->op == htons(ARP_OP_REQUEST) && m->spa != m->tpa)
			net_drop(net, AK_DROP_ARP_NOT_US);
		goto release;
	}
	if (!e && m->spa != 0 && !(m->sha[0] & 1)) {
		e = arp_alloc(net);
		e->addr = m->spa;
		arp_resolved(net, e, m->sha, now);
	}
	if (m->op == htons(ARP_OP_REQUEST)) {
		net->stats.arp_requests_rx++;
		if (arp_send(net, ARP_OP_REPLY, m->sha, m->sha, m->spa) == 0)
			net->stats.arp_replies_tx++;
	}
release:
	net_rx_release(net, pkt);
}

static int arp_start(struct ak_net *net, struct arp_entry *e, uint32_t addr,
		     uint64_t now_ns)
{
	if (!e)
		e = arp_alloc(net);
	arp_drop_pending(net, e);
	e->addr = addr;
	e->state = ARP_PENDING;
	e->tries = 1;
	e->updated_ns = now_ns;
	e->expires_ns = now_ns + ARP_RETRY_NS;
	arp_request(net, e, mac_broadcast);
	net_schedule(net, e->expires_ns);
	return -EAGAIN;
}

int arp_lookup(struct ak_net *net, uint32_t addr, uint8_t mac[6],
	       uint64_t now_ns)
{
	struct arp_entry *e = arp_find(net, addr);

	if (!e)
		return arp_start(net, NULL, addr, now_ns);
	switch (e->state) {
	case ARP_PENDING:
		return -EAGAIN;
	case ARP_FAILED:
		if (now_ns < e->expires_ns)
			return -EHOSTUNREACH;
		return arp_start(net, e, addr, now_ns);
	case ARP_RESOLVED:
		if (now_ns >= e->expires_ns)
			return arp_start(net, e, addr, now_ns);
		if (now_ns - e->updated_ns >= ARP_REFRESH_NS &&
		    !e->refreshing) {
			e->refreshing = true;
			arp_request(net, e, e->mac);
		}
		memcpy(mac, e->mac, 6);
		return 0;
	}
	return -EHOSTUNREACH;
}

int arp_queue(struct ak_net *net, uint32_t addr, struct ak_pkt *pkt,
	      uint32_t dst, uint8_t proto)
{
	struct arp_entry *e = arp_find(net, addr);

	if (!e || e->state != ARP_PENDING) {
		net->vnic->ops->tx_free(net->vnic, pkt);
		return -EHOSTUNREACH;
	}
	/* RFC 1122 section 2.3.2.2: keep at least the latest packet. */
	arp_drop_pending(net, e);
	e->pending = *pkt;
	e->pending_dst = dst;
	e->pending_proto = proto;
	e->has_pending = true;
	return 0;
}

int arp_queue_copy(struct ak_net *net, uint32_t addr, const void *hdr,
		   size_t hdr_len, const void *data, size_t data_len,
		   uint8_t proto)
{
	struct arp_entry *e = arp_find(net, addr);
	uint8_t *msg;

	if (!e || e->state != ARP_PENDING)
		return -EHOSTUNREACH;
	msg = malloc(hdr_len + data_len);
	if (!msg)
		return -ENOMEM;
	memcpy(msg, hdr, hdr_len);
	memcpy(msg + hdr_len, data, data_len);
	arp_drop_pending(net, e);
	e->pending_msg = msg;
	e->pending_len = hdr_len + data_len;
	e->pending_dst = addr;
	e->pending_proto = proto;
	e->has_pending = true;
	return 0;
}

uint64_t arp_housekeeping(struct ak_net *net, uint64_t now_ns)
{
	uint64_t next = UINT64_MAX;
	struct arp_entry *e;
	int i;

	for (i = 0; i < AK_ARP_CACHE_SIZE; i++) {
		e = &net->arp[i];
		if (e->state != ARP_PENDING)
			continue;
		if (e->expires_ns <= now_ns) {
			if (e->tries >= ARP_MAX_TRIES) {
				arp_drop_pending(net, e);
				e->state = ARP_FAILED;
				e->expires_ns = now_ns + ARP_FAILED_HOLD_NS;
				continue;
			}
			e->tries++;
			e->expires_ns = now_ns + ARP_RETRY_NS;
			arp_request(net, e, mac_broadcast);
		}
		if (e->expires_ns < next)
			next = e->expires_ns;
	}
	return next;
}

void arp_flush(struct ak_net *net)
{
	int i;

	for (i = 0; i < AK_ARP_CACHE_SIZE; i++) {
		arp_release_pending(net, &net->arp[i]);
		net->arp[i].state = ARP_FREE;
	}
}
