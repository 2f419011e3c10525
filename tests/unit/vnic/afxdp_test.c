// SPDX-License-Identifier: MIT
/*
 * The AF_XDP driver against rings in plain memory, with this test playing
 * the kernel: it takes fill-ring frames to "receive" into, consumes TX
 * descriptors and posts their completions. Checked: the fill ring is
 * topped up and recycled, RX comes in batches with the right bytes, TX is
 * published on flush and completions return frames, need_wakeup on the fill
 * and TX rings causes kicks, a full TX ring fails cleanly, and the frame
 * accounting holds after every step.
 */
#include <errno.h>
#include <linux/if_xdp.h>
#include <stdlib.h>
#include <string.h>

#include <arrakis/ctl.h>

#include "lib/vnic/vnic.h"
#include "tests/check.h"

#define FRAMES	   256
#define FRAME_SIZE 2048
#define RING	   64

struct fake_ring {
	uint32_t producer;
	uint32_t consumer;
	uint32_t flags;
	union {
		uint64_t addr[RING];
		struct xdp_desc desc[RING];
	};
};

static struct fake_ring fill, comp, rx, tx;

static void ring_init(struct fake_ring *f, void *r, bool producer)
{
	struct xsk_ring_prod *p = r;

	memset(f, 0, sizeof(*f));
	p->producer = &f->producer;
	p->consumer = &f->consumer;
	p->flags = &f->flags;
	p->ring = f->desc;
	p->mask = RING - 1;
	p->size = RING;
	p->cached_prod = 0;
	p->cached_cons = producer ? RING : 0;
}

/* The kernel receives n frames of len bytes into fill-ring buffers. */
static uint32_t kernel_rx(struct ak_vnic_grant *g, uint32_t n, uint16_t len)
{
	uint32_t i;
	uint64_t addr;

	for (i = 0; i < n && fill.consumer != fill.producer &&
		    rx.producer - rx.consumer < RING;
	     i++) {
		addr = fill.addr[fill.consumer++ % RING];
		memset((uint8_t *)g->umem + addr, (int)(i + 1), len);
		rx.desc[rx.producer % RING].addr = addr;
		rx.desc[rx.producer % RING].len = len;
		rx.producer++;
	}
	return i;
}

/* The kernel sends what the TX ring holds and completes it. */
static uint32_t kernel_tx(uint16_t expect_len)
{
	uint32_t n = 0;

	while (tx.consumer != tx.producer) {
		struct xdp_desc *d = &tx.desc[tx.consumer++ % RING];

		CHECK_EQ(d->len, expect_len);
		CHECK_EQ(d->addr % FRAME_SIZE, 0);
		comp.addr[comp.producer++ % RING] = d->addr;
		n++;
	}
	return n;
}

static void check_acct(struct ak_vnic *v, struct ak_vnic_accounting *a)
{
	CHECK(ak_vnic_accounting_ok(v, a));
	CHECK_EQ(a->frames, FRAMES);
}

int main(void)
{
	static struct ak_vnic_grant g;
	struct ak_pkt pkts[RING], extra[FRAMES];
	struct ak_vnic_accounting a;
	struct ak_vnic *v;
	int n, i, allocated;

	check_timeout(10);
	g.umem_size = (uint64_t)FRAMES * FRAME_SIZE;
	g.umem = calloc(FRAMES, FRAME_SIZE);
	g.frame_size = FRAME_SIZE;
	g.frame_count = FRAMES;
	g.mtu = 1500;
	g.xsk_fd = -1;
	ring_init(&fill, &g.fill, true);
	ring_init(&comp, &g.comp, false);
	ring_init(&rx, &g.rx, false);
	ring_init(&tx, &g.tx, true);
	CHECK_OK(ak_vnic_afxdp_create(&g, &v));

	/* The fill ring starts full (its size is below half the frames). */
	check_acct(v, &a);
	CHECK_EQ(a.fill, RING);
	CHECK_EQ(fill.producer, RING);
	CHECK_EQ(a.free, FRAMES - RING);

	/* A batch of 40 received frames, in place in the UMEM. */
	CHECK_EQ(kernel_rx(&g, 40, 100), 40);
	n = v->ops->rx_burst(v, pkts, RING);
	CHECK_EQ(n, 40);
	for (i = 0; i < n; i++) {
		CHECK_EQ(pkts[i].cap, 100);
		CHECK_EQ(pkts[i].frame[99], i + 1);
		CHECK(pkts[i].frame == (uint8_t *)g.umem + pkts[i].handle);
	}
	check_acct(v, &a);
	CHECK_EQ(a.rx, 40);
	CHECK_EQ(a.fill, RING - 40);
	for (i = 0; i < n; i++)
		v->ops->rx_release(v, &pkts[i]);
	/* The next poll tops the fill ring up again. */
	CHECK_EQ(v->ops->rx_burst(v, pkts, RING), 0);
	check_acct(v, &a);
	CHECK_EQ(a.fill, RING);
	CHECK_EQ(a.rx, 0);

	/* need_wakeup on the fill ring: an empty poll kicks the kernel. */
	fill.flags = XDP_RING_NEED_WAKEUP;
	CHECK_EQ(v->ops->rx_burst(v, pkts, RING), 0);
	CHECK_EQ(v->stats.wakeups, 1);
	fill.flags = 0;

	/* Transmit: 30 frames, published only on flush. */
	for (i = 0; i < 30; i++) {
		CHECK_OK(v->ops->tx_alloc(v, &pkts[i]));
		pkts[i].end = 60;
		CHECK_OK(v->ops->tx_submit(v, &pkts[i]));
	}
	CHECK_EQ(tx.producer, 0);
	tx.flags = XDP_RING_NEED_WAKEUP;
	v->ops->tx_flush(v);
	CHECK_EQ(tx.producer, 30);
	/* The ring does not drain here: kicked until the retry bound. */
	CHECK_GE(v->stats.wakeups, 2);
	check_acct(v, &a);
	CHECK_EQ(a.tx, 30);
	CHECK_EQ(kernel_tx(60), 30);
	check_acct(v, &a);
	CHECK_EQ(a.completion, 30);
	CHECK_EQ(a.tx, 0);
	v->ops->tx_flush(v);
	check_acct(v, &a);
	CHECK_EQ(a.completion, 0);
	CHECK_EQ(a.free + a.fill, FRAMES);
	tx.flags = 0;

	/* A full TX ring: frames beyond it fail and go back to the pool. */
	allocated = 0;
	for (i = 0; i < RING + 10; i++) {
		CHECK_OK(v->ops->tx_alloc(v, &extra[i]));
		extra[i].end = 60;
		if (v->ops->tx_submit(v, &extra[i]) == 0)
			allocated++;
	}
	CHECK_EQ(allocated, RING);
	CHECK_EQ(v->stats.tx_ring_full, 10);
	check_acct(v, &a);
	CHECK_EQ(a.tx, RING);
	v->ops->tx_flush(v);
	CHECK_EQ(kernel_tx(60), RING);
	v->ops->tx_flush(v);

	/* Allocation runs dry with -ENOBUFS, never beyond the pool. */
	for (allocated = 0; allocated < FRAMES; allocated++)
		if (v->ops->tx_alloc(v, &extra[allocated]))
			break;
	check_acct(v, &a);
	CHECK_EQ(allocated, FRAMES - RING);
	CHECK_EQ(v->ops->tx_alloc(v, &pkts[0]), -ENOBUFS);
	for (i = 0; i < allocated; i++)
		v->ops->tx_free(v, &extra[i]);
	check_acct(v, &a);
	CHECK_EQ(a.free + a.fill, FRAMES);

	ak_vnic_destroy(v);
	free(g.umem);
	return 0;
}
