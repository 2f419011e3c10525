// SPDX-License-Identifier: MIT
/*
 * The AF_XDP VNIC driver over the UMEM and rings arrakisd granted. Frames
 * move free -> fill ring -> (kernel) -> RX ring -> stack -> free for
 * reception, and free -> stack -> TX ring -> (kernel) -> completion ring ->
 * free for transmission. The fill ring is kept topped up from the free
 * list; RX and completions are taken in batches; TX descriptors are
 * published once per poll. With need_wakeup the kernel only processes a
 * ring after a kick: TX is kicked (sendto) until its ring drains, which in
 * copy mode is also what moves the frames, and the fill ring is kicked
 * (recvfrom) when the kernel asks for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arrakis/ctl.h>

#include "lib/vnic/vnic.h"

#define XSK_BATCH      64
#define XSK_KICK_TRIES 16

struct xsk_vnic {
	struct ak_vnic vnic;
	struct ak_vnic_grant *g;
	uint64_t *free_stack; /* frame base addresses */
	uint32_t nfree;
	uint32_t nfill; /* on the fill ring or being received into */
	uint32_t nrx;	/* held by the stack */
	uint32_t ntx;	/* allocated for TX until reaped from completion */
	uint32_t tx_reserved; /* descriptors written, not yet published */
	uint32_t fill_target;
};

static struct xsk_vnic *xsk_of(struct ak_vnic *v)
{
	return (struct xsk_vnic *)v;
}

static uint64_t frame_base(const struct xsk_vnic *x, uint64_t addr)
{
	return addr - addr % x->g->frame_size;
}

static void put_free(struct xsk_vnic *x, uint64_t addr)
{
	x->free_stack[x->nfree++] = frame_base(x, addr);
}

static void refill(struct xsk_vnic *x)
{
	uint32_t want, n, idx, i;

	if (x->nfill >= x->fill_target || !x->nfree)
		return;
	want = x->fill_target - x->nfill;
	if (want > x->nfree)
		want = x->nfree;
	n = xsk_ring_prod__reserve(&x->g->fill, want, &idx);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&x->g->fill, idx + i) =
			x->free_stack[--x->nfree];
	xsk_ring_prod__submit(&x->g->fill, n);
	x->nfill += n;
}

static void kick_fill(struct xsk_vnic *x)
{
	if (!xsk_ring_prod__needs_wakeup(&x->g->fill))
		return;
	x->vnic.stats.wakeups++;
	recvfrom(x->g->xsk_fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static int xsk_rx_burst(struct ak_vnic *v, struct ak_pkt *pkts, int max)
{
	struct xsk_vnic *x = xsk_of(v);
	const struct xdp_desc *d;
	uint32_t n, idx, i;
	uint64_t addr;

	refill(x);
	n = xsk_ring_cons__peek(&x->g->rx, (uint32_t)max, &idx);
	if (!n) {
		if (x->nfill == 0)
			v->stats.fill_empty++;
		kick_fill(x);
		return 0;
	}
	for (i = 0; i < n; i++) {
		d = xsk_ring_cons__rx_desc(&x->g->rx, idx + i);
		addr = xsk_umem__add_offset_to_addr(d->addr);
		memset(&pkts[i], 0, sizeof(pkts[i]));
		/* The descriptor is shared with the kernel: bound it. */
		if (addr + d->len > x->g->umem_size ||
		    frame_base(x, addr) + x->g->frame_size < addr + d->len)
			pkts[i].cap = 0;
		else
			pkts[i].cap = (uint16_t)d->len;
		pkts[i].frame = (uint8_t *)x->g->umem + addr;
		pkts[i].handle = addr;
		v->stats.rx_bytes += d->len;
	}
	xsk_ring_cons__release(&x->g->rx, n);
	x->nfill -= n;
	x->nrx += n;
	v->stats.rx_frames += n;
	return (int)n;
}

static void xsk_rx_release(struct ak_vnic *v, struct ak_pkt *pkt)
{
	struct xsk_vnic *x = xsk_of(v);

	x->nrx--;
	put_free(x, pkt->handle);
}

static int xsk_tx_alloc(struct ak_vnic *v, struct ak_pkt *pkt)
{
	struct xsk_vnic *x = xsk_of(v);
	uint64_t addr;

	if (!x->nfree) {
		v->stats.tx_no_frame++;
		return -ENOBUFS;
	}
	addr = x->free_stack[--x->nfree];
	x->ntx++;
	memset(pkt, 0, sizeof(*pkt));
	pkt->frame = (uint8_t *)x->g->umem + addr;
	pkt->handle = addr;
	pkt->cap =
		(uint16_t)(x->g->frame_size < 65535 ? x->g->frame_size : 65535);
	return 0;
}

static void xsk_tx_free(struct ak_vnic *v, struct ak_pkt *pkt)
{
	struct xsk_vnic *x = xsk_of(v);

	x->ntx--;
	put_free(x, pkt->handle);
}

static uint32_t reap_completions(struct xsk_vnic *x)
{
	uint32_t n, idx, i;

	n = xsk_ring_cons__peek(&x->g->comp, XSK_BATCH * 4, &idx);
	for (i = 0; i < n; i++)
		put_free(x, *xsk_ring_cons__comp_addr(&x->g->comp, idx + i));
	xsk_ring_cons__release(&x->g->comp, n);
	x->ntx -= n;
	return n;
}

/* Descriptors the kernel has not taken from the TX ring yet. */
static uint32_t tx_in_ring(const struct xsk_vnic *x)
{
	const struct xsk_ring_prod *r = &x->g->tx;

	return __atomic_load_n(r->producer, __ATOMIC_RELAXED) -
	       __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
}

static void kick_tx(struct xsk_vnic *x)
{
	int tries = 0;

	while (tx_in_ring(x) && tries++ < XSK_KICK_TRIES) {
		if (!xsk_ring_prod__needs_wakeup(&x->g->tx) && tries > 1)
			break;
		x->vnic.stats.wakeups++;
		if (sendto(x->g->xsk_fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
		    errno != EAGAIN && errno != EBUSY && errno != ENOBUFS)
			break;
		reap_completions(x);
	}
}

static int xsk_tx_flush(struct ak_vnic *v)
{
	struct xsk_vnic *x = xsk_of(v);
	uint32_t published = x->tx_reserved;

	if (published) {
		xsk_ring_prod__submit(&x->g->tx, published);
		x->tx_reserved = 0;
	}
	kick_tx(x);
	reap_completions(x);
	refill(x);
	return (int)published;
}

static int xsk_tx_submit(struct ak_vnic *v, struct ak_pkt *pkt)
{
	struct xsk_vnic *x = xsk_of(v);
	struct xdp_desc *d;
	uint32_t idx;

	if (xsk_ring_prod__reserve(&x->g->tx, 1, &idx) != 1) {
		/* Full: publish, let the kernel drain it, and try again. */
		xsk_tx_flush(v);
		if (xsk_ring_prod__reserve(&x->g->tx, 1, &idx) != 1) {
			v->stats.tx_ring_full++;
			xsk_tx_free(v, pkt);
			return -ENOBUFS;
		}
	}
	d = xsk_ring_prod__tx_desc(&x->g->tx, idx);
	d->addr = pkt->handle;
	d->len = pkt->end;
	d->options = 0;
	x->tx_reserved++;
	v->stats.tx_frames++;
	v->stats.tx_bytes += pkt->end;
	if (x->tx_reserved >= XSK_BATCH)
		xsk_tx_flush(v);
	return 0;
}

static bool xsk_prepare_sleep(struct ak_vnic *v)
{
	struct xsk_vnic *x = xsk_of(v);

	xsk_tx_flush(v);
	if (tx_in_ring(x))
		return false;
	return xsk_cons_nb_avail(&x->g->rx, 1) == 0 &&
	       xsk_cons_nb_avail(&x->g->comp, 1) == 0;
}

static void xsk_accounting(const struct ak_vnic *v,
			   struct ak_vnic_accounting *a)
{
	const struct xsk_vnic *x = (const struct xsk_vnic *)v;
	const struct xsk_ring_cons *c = &x->g->comp;
	uint32_t completed = __atomic_load_n(c->producer, __ATOMIC_ACQUIRE) -
			     __atomic_load_n(c->consumer, __ATOMIC_RELAXED);

	a->frames = x->g->frame_count;
	a->free = x->nfree;
	a->fill = x->nfill;
	a->rx = x->nrx;
	/* Completed frames are still counted in ntx until reaped. */
	a->completion = completed <= x->ntx ? completed : x->ntx;
	a->tx = x->ntx - a->completion;
}

static void xsk_destroy(struct ak_vnic *v)
{
	struct xsk_vnic *x = xsk_of(v);

	free(x->free_stack);
	free(x);
}

static const struct ak_vnic_ops xsk_ops = {
	.rx_burst = xsk_rx_burst,
	.rx_release = xsk_rx_release,
	.tx_alloc = xsk_tx_alloc,
	.tx_free = xsk_tx_free,
	.tx_submit = xsk_tx_submit,
	.tx_flush = xsk_tx_flush,
	.prepare_sleep = xsk_prepare_sleep,
	.accounting = xsk_accounting,
	.destroy = xsk_destroy,
};

int ak_vnic_afxdp_create(struct ak_vnic_grant *g, struct ak_vnic **out)
{
	struct xsk_vnic *x;
	uint32_t i;

	if (!g->frame_count || !g->frame_size ||
	    (uint64_t)g->frame_count * g->frame_size > g->umem_size)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->free_stack = calloc(g->frame_count, sizeof(uint64_t));
	if (!x->free_stack) {
		free(x);
		return -ENOMEM;
	}
	x->g = g;
	x->vnic.ops = &xsk_ops;
	memcpy(x->vnic.mac, g->mac, 6);
	x->vnic.ipv4 = g->ipv4;
	x->vnic.prefix_len = g->prefix_len;
	x->vnic.mtu = g->mtu;
	x->vnic.ephemeral_first = g->ephemeral_first;
	x->vnic.ephemeral_last = g->ephemeral_last;
	x->vnic.frame_size = g->frame_size;
	x->vnic.fd = g->xsk_fd;
	for (i = g->frame_count; i > 0; i--)
		x->free_stack[x->nfree++] = (uint64_t)(i - 1) * g->frame_size;
	/* Half the frames wait for reception, the rest serve TX. */
	x->fill_target = g->fill.size < g->frame_count / 2 ? g->fill.size
							   : g->frame_count / 2;
	refill(x);
	*out = &x->vnic;
	return 0;
}
