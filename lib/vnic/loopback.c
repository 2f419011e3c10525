// SPDX-License-Identifier: MIT
/*
 * The loopback VNIC pair: two endpoints with heap frame buffers joined by
 * an in-memory wire. A flushed transmit frame is copied into a free buffer
 * of the peer and queued on the peer's receive queue, then completes. Used
 * by the unit tests to run the whole stack without a kernel; each frame's
 * place is tracked so a double release or a leak fails an assertion.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vnic/vnic.h"

enum lo_place { LO_FREE, LO_FILL, LO_RX, LO_TX };

struct lo_queue {
	uint32_t *idx;
	uint16_t *len;
	uint32_t head, count, size;
};

struct lo_vnic {
	struct ak_vnic vnic;
	struct lo_vnic *peer;
	uint8_t *mem;
	uint32_t frames;
	uint8_t *place;
	uint32_t *free_stack;
	uint32_t nfree;
	uint32_t nrx, ntx;
	struct lo_queue rxq; /* received, not yet burst */
	struct lo_queue txq; /* submitted, not yet flushed */
};

static struct lo_vnic *lo_of(struct ak_vnic *v)
{
	return (struct lo_vnic *)v;
}

static void lo_push(struct lo_queue *q, uint32_t idx, uint16_t len)
{
	uint32_t at = (q->head + q->count) % q->size;

	q->idx[at] = idx;
	q->len[at] = len;
	q->count++;
}

static uint32_t lo_pop(struct lo_queue *q, uint16_t *len)
{
	uint32_t idx = q->idx[q->head];

	*len = q->len[q->head];
	q->head = (q->head + 1) % q->size;
	q->count--;
	return idx;
}

static int lo_take_free(struct lo_vnic *lo, uint32_t *idx)
{
	if (!lo->nfree)
		return -ENOBUFS;
	*idx = lo->free_stack[--lo->nfree];
	return 0;
}

static void lo_put_free(struct lo_vnic *lo, uint32_t idx)
{
	lo->place[idx] = LO_FREE;
	lo->free_stack[lo->nfree++] = idx;
}

static uint32_t lo_index(struct lo_vnic *lo, const struct ak_pkt *pkt)
{
	uint32_t idx = (uint32_t)(pkt->handle / lo->vnic.frame_size);

	assert(idx < lo->frames && pkt->frame == lo->mem + pkt->handle);
	return idx;
}

static void lo_fill_pkt(struct lo_vnic *lo, uint32_t idx, uint16_t cap,
			struct ak_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->handle = (uint64_t)idx * lo->vnic.frame_size;
	pkt->frame = lo->mem + pkt->handle;
	pkt->cap = cap;
}

static int lo_rx_burst(struct ak_vnic *v, struct ak_pkt *pkts, int max)
{
	struct lo_vnic *lo = lo_of(v);
	uint32_t idx;
	uint16_t len;
	int n = 0;

	while (n < max && lo->rxq.count) {
		idx = lo_pop(&lo->rxq, &len);
		lo->place[idx] = LO_RX;
		lo->nrx++;
		lo_fill_pkt(lo, idx, len, &pkts[n++]);
		v->stats.rx_frames++;
		v->stats.rx_bytes += len;
	}
	return n;
}

static void lo_rx_release(struct ak_vnic *v, struct ak_pkt *pkt)
{
	struct lo_vnic *lo = lo_of(v);
	uint32_t idx = lo_index(lo, pkt);

	assert(lo->place[idx] == LO_RX);
	lo->nrx--;
	lo_put_free(lo, idx);
}

static int lo_tx_alloc(struct ak_vnic *v, struct ak_pkt *pkt)
{
	struct lo_vnic *lo = lo_of(v);
	uint32_t idx;

	if (lo_take_free(lo, &idx)) {
		v->stats.tx_no_frame++;
		return -ENOBUFS;
	}
	lo->place[idx] = LO_TX;
	lo->ntx++;
	lo_fill_pkt(lo, idx, (uint16_t)v->frame_size, pkt);
	return 0;
}

static void lo_tx_free(struct ak_vnic *v, struct ak_pkt *pkt)
{
	struct lo_vnic *lo = lo_of(v);
	uint32_t idx = lo_index(lo, pkt);

	assert(lo->place[idx] == LO_TX);
	lo->ntx--;
	lo_put_free(lo, idx);
}

static int lo_tx_submit(struct ak_vnic *v, struct ak_pkt *pkt)
{
	struct lo_vnic *lo = lo_of(v);
	uint32_t idx = lo_index(lo, pkt);

	assert(lo->place[idx] == LO_TX && pkt->end <= v->frame_size);
	lo_push(&lo->txq, idx, pkt->end);
	return 0;
}

/* The wire: a copy into the peer, or a drop when the peer has no buffer. */
static void lo_deliver(struct lo_vnic *peer, const uint8_t *data, uint16_t len)
{
	uint32_t idx;

	if (!peer || lo_take_free(peer, &idx)) {
		if (peer)
			peer->vnic.stats.fill_empty++;
		return;
	}
	memcpy(peer->mem + (uint64_t)idx * peer->vnic.frame_size, data, len);
	peer->place[idx] = LO_FILL;
	lo_push(&peer->rxq, idx, len);
}

static int lo_tx_flush(struct ak_vnic *v)
{
	struct lo_vnic *lo = lo_of(v);
	uint32_t idx;
	uint16_t len;
	int n = 0;

	while (lo->txq.count) {
		idx = lo_pop(&lo->txq, &len);
		lo_deliver(lo->peer, lo->mem + (uint64_t)idx * v->frame_size,
			   len);
		v->stats.tx_frames++;
		v->stats.tx_bytes += len;
		lo->ntx--;
		lo_put_free(lo, idx);
		n++;
	}
	return n;
}

static bool lo_prepare_sleep(struct ak_vnic *v)
{
	return lo_of(v)->rxq.count == 0;
}

static void lo_accounting(const struct ak_vnic *v, struct ak_vnic_accounting *a)
{
	const struct lo_vnic *lo = (const struct lo_vnic *)v;

	a->frames = lo->frames;
	a->free = lo->nfree;
	a->fill = lo->rxq.count;
	a->rx = lo->nrx;
	a->tx = lo->ntx;
	a->completion = 0;
}

static void lo_destroy(struct ak_vnic *v)
{
	struct lo_vnic *lo = lo_of(v);

	if (lo->peer)
		lo->peer->peer = NULL;
	free(lo->mem);
	free(lo->place);
	free(lo->free_stack);
	free(lo->rxq.idx);
	free(lo->rxq.len);
	free(lo->txq.idx);
	free(lo->txq.len);
	free(lo);
}

static const struct ak_vnic_ops lo_ops = {
	.rx_burst = lo_rx_burst,
	.rx_release = lo_rx_release,
	.tx_alloc = lo_tx_alloc,
	.tx_free = lo_tx_free,
	.tx_submit = lo_tx_submit,
	.tx_flush = lo_tx_flush,
	.prepare_sleep = lo_prepare_sleep,
	.accounting = lo_accounting,
	.destroy = lo_destroy,
};

static int lo_queue_init(struct lo_queue *q, uint32_t size)
{
	q->size = size;
	q->idx = calloc(size, sizeof(*q->idx));
	q->len = calloc(size, sizeof(*q->len));
	return q->idx && q->len ? 0 : -ENOMEM;
}

static struct lo_vnic *lo_create(const struct ak_loopback_cfg *cfg, int side)
{
	struct lo_vnic *lo = calloc(1, sizeof(*lo));
	uint32_t i;

	if (!lo)
		return NULL;
	lo->vnic.ops = &lo_ops;
	memcpy(lo->vnic.mac, cfg->mac[side], 6);
	lo->vnic.ipv4 = cfg->ipv4[side];
	lo->vnic.prefix_len = cfg->prefix_len;
	lo->vnic.mtu = cfg->mtu;
	lo->vnic.ephemeral_first = 32768;
	lo->vnic.ephemeral_last = 60999;
	lo->vnic.frame_size = cfg->frame_size;
	lo->vnic.fd = -1;
	lo->frames = cfg->frames;
	lo->mem = calloc(cfg->frames, cfg->frame_size);
	lo->place = calloc(cfg->frames, 1);
	lo->free_stack = calloc(cfg->frames, sizeof(uint32_t));
	if (!lo->mem || !lo->place || !lo->free_stack ||
	    lo_queue_init(&lo->rxq, cfg->frames) ||
	    lo_queue_init(&lo->txq, cfg->frames)) {
		lo_destroy(&lo->vnic);
		return NULL;
	}
	for (i = cfg->frames; i > 0; i--)
		lo_put_free(lo, i - 1);
	return lo;
}

int ak_vnic_loopback_pair(const struct ak_loopback_cfg *cfg, struct ak_vnic **a,
			  struct ak_vnic **b)
{
	struct lo_vnic *la, *lb;

	if (!cfg->frames || cfg->frame_size < 64 || cfg->frame_size > 65535)
		return -EINVAL;
	la = lo_create(cfg, 0);
	lb = la ? lo_create(cfg, 1) : NULL;
	if (!lb) {
		if (la)
			lo_destroy(&la->vnic);
		return -ENOMEM;
	}
	la->peer = lb;
	lb->peer = la;
	*a = &la->vnic;
	*b = &lb->vnic;
	return 0;
}

int ak_vnic_loopback_inject(struct ak_vnic *v, const void *frame, uint16_t len)
{
	struct lo_vnic *lo = lo_of(v);

	if (len > v->frame_size)
		return -EMSGSIZE;
	if (!lo->nfree)
		return -ENOBUFS;
	lo_deliver(lo, frame, len);
	return 0;
}

uint32_t ak_vnic_loopback_pending(const struct ak_vnic *v)
{
	return ((const struct lo_vnic *)v)->rxq.count;
}
