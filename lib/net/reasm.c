// SPDX-License-Identifier: MIT
/*
 * IPv4 reassembly (RFC 791 section 3.2; RFC 815 for the hole bookkeeping,
 * kept here as a bitmap of 8-byte blocks). A datagram is assembled in heap
 * memory and handed up as a packet with handle AK_PKT_HEAP; fragments are
 * returned to the VNIC as soon as they are copied. Overlapping fragments
 * drop the whole datagram (as Linux does), an incomplete datagram is
 * dropped after REASM_TIMEOUT_NS, and all datagrams together hold at most
 * REASM_MEM_MAX bytes.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/clock.h"
#include "lib/net/checksum.h"
#include "lib/net/net.h"

#define REASM_HDR_AREA	 60
#define REASM_TIMEOUT_NS (30 * AK_NSEC_PER_SEC)
#define REASM_MEM_MAX	 (1u << 20)
#define REASM_GROW	 4096u

static struct reasm_slot *reasm_find(struct ak_net *net,
				     const struct ak_ipv4_hdr *ip)
{
	struct reasm_slot *s;
	int i;

	for (i = 0; i < AK_REASM_SLOTS; i++) {
		s = &net->reasm[i];
		if (s->used && s->saddr == ip->saddr && s->daddr == ip->daddr &&
		    s->id == ip->id && s->proto == ip->proto)
			return s;
	}
	return NULL;
}

static void reasm_free(struct ak_net *net, struct reasm_slot *s)
{
	net->reasm_mem -= s->buf_cap;
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static struct reasm_slot *
reasm_new(struct ak_net *net, const struct ak_ipv4_hdr *ip, uint64_t now_ns)
{
	struct reasm_slot *s;
	int i;

	for (i = 0; i < AK_REASM_SLOTS; i++) {
		s = &net->reasm[i];
		if (s->used)
			continue;
		s->used = true;
		s->saddr = ip->saddr;
		s->daddr = ip->daddr;
		s->id = ip->id;
		s->proto = ip->proto;
		s->total = -1;
		s->deadline_ns = now_ns + REASM_TIMEOUT_NS;
		net_schedule(net, s->deadline_ns);
		return s;
	}
	return NULL;
}

/* Room for payload bytes up to need, within the memory bound. */
static bool reasm_grow(struct ak_net *net, struct reasm_slot *s, uint32_t need)
{
	uint32_t cap = REASM_HDR_AREA + need;
	uint8_t *buf;

	if (cap <= s->buf_cap)
		return true;
	cap = (cap + REASM_GROW - 1) / REASM_GROW * REASM_GROW;
	if (net->reasm_mem - s->buf_cap + cap > REASM_MEM_MAX)
		return false;
	buf = realloc(s->buf, cap);
	if (!buf)
		return false;
	net->reasm_mem += cap - s->buf_cap;
	s->buf = buf;
	s->buf_cap = cap;
	return true;
}

/* Marks blocks [first, last]; false when one was already there. */
static bool reasm_mark(struct reasm_slot *s, uint32_t first, uint32_t last)
{
	uint32_t b;

	for (b = first; b <= last; b++)
		if (s->blocks[b / 8] & (1u << (b % 8)))
			return false;
	for (b = first; b <= last; b++)
		s->blocks[b / 8] |= (uint8_t)(1u << (b % 8));
	return true;
}

static void reasm_complete(struct ak_net *net, struct reasm_slot *s)
{
	struct ak_ipv4_hdr *ip;
	struct ak_pkt pkt = {0};
	uint32_t total = (uint32_t)s->total;

	/* Header and payload become contiguous at the buffer's start. */
	memmove(s->buf, s->buf + REASM_HDR_AREA - s->hlen, s->hlen);
	memmove(s->buf + s->hlen, s->buf + REASM_HDR_AREA, total);
	ip = (struct ak_ipv4_hdr *)s->buf;
	ip->tot_len = htons((uint16_t)(s->hlen + total));
	ip->frag_off = 0;
	ip->csum = 0;
	ip->csum = ak_csum_ipv4_header(ip, s->hlen);

	pkt.frame = s->buf;
	pkt.handle = AK_PKT_HEAP;
	pkt.cap = (uint16_t)(s->hlen + total);
	pkt.l3_off = 0;
	pkt.l4_off = s->hlen;
	pkt.data_off = s->hlen;
	pkt.end = pkt.cap;

	/* The packet owns the buffer now. */
	net->reasm_mem -= s->buf_cap;
	s->buf = NULL;
	s->buf_cap = 0;
	memset(s, 0, sizeof(*s));
	net->stats.ip_reassembled++;
	ipv4_deliver(net, &pkt);
}

/* Adds one fragment; returns the drop reason, or -1 when it was taken. */
static int reasm_add(struct ak_net *net, const struct ak_pkt *pkt,
		     uint64_t now_ns, struct reasm_slot **done)
{
	const struct ak_ipv4_hdr *ip = (const void *)ak_pkt_l3(pkt);
	uint16_t frag = ntohs(ip->frag_off);
	uint32_t off = (frag & AK_IP_OFFMASK) * 8u;
	uint32_t len = (uint32_t)(pkt->end - pkt->l4_off);
	uint32_t hlen = (uint32_t)(pkt->l4_off - pkt->l3_off);
	bool more = frag & AK_IP_MF;
	struct reasm_slot *s;

	/* Every fragment but the last carries a multiple of 8 bytes, and
	 * the whole datagram fits a 16-bit total length. */
	if (len == 0 || (more && len % 8) || hlen + off + len > AK_IP_MAX_LEN)
		return AK_DROP_FRAG_INVALID;
	s = reasm_find(net, ip);
	if (!s)
		s = reasm_new(net, ip, now_ns);
	if (!s)
		return AK_DROP_FRAG_NOMEM;
	if ((!more && s->total >= 0) ||
	    (s->total >= 0 && off + len > (uint32_t)s->total) ||
	    !reasm_mark(s, off / 8, (off + len - 1) / 8))
		goto invalid;
	if (!more) {
		s->total = (int32_t)(off + len);
		/* Blocks already received beyond the end make no sense. */
		if (s->received + len > (uint32_t)s->total)
			goto invalid;
	}
	if (!reasm_grow(net, s, off + len)) {
		reasm_free(net, s);
		return AK_DROP_FRAG_NOMEM;
	}
	memcpy(s->buf + REASM_HDR_AREA + off, ak_pkt_l4(pkt), len);
	if (off == 0) {
		s->hlen = (uint8_t)hlen;
		memcpy(s->buf + REASM_HDR_AREA - hlen, ip, hlen);
	}
	s->received += len;
	if (s->total >= 0 && s->received == (uint32_t)s->total && s->hlen)
		*done = s;
	return -1;

invalid:
	reasm_free(net, s);
	return AK_DROP_FRAG_INVALID;
}

void reasm_input(struct ak_net *net, struct ak_pkt *pkt, uint64_t now_ns)
{
	struct reasm_slot *done = NULL;
	int reason;

	reason = reasm_add(net, pkt, now_ns, &done);
	if (reason >= 0)
		net_drop(net, reason);
	net_rx_release(net, pkt);
	if (done)
		reasm_complete(net, done);
}

uint64_t reasm_housekeeping(struct ak_net *net, uint64_t now_ns)
{
	uint64_t next = UINT64_MAX;
	struct reasm_slot *s;
	int i;

	for (i = 0; i < AK_REASM_SLOTS; i++) {
		s = &net->reasm[i];
		if (!s->used)
			continue;
		if (s->deadline_ns <= now_ns) {
			net_drop(net, AK_DROP_FRAG_TIMEOUT);
			reasm_free(net, s);
			continue;
		}
		if (s->deadline_ns < next)
			next = s->deadline_ns;
	}
	return next;
}

void reasm_flush(struct ak_net *net)
{
	int i;

	for (i = 0; i < AK_REASM_SLOTS; i++)
		if (net->reasm[i].used)
			reasm_free(net, &net->reasm[i]);
}
