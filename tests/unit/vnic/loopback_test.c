// SPDX-License-Identifier: MIT
/*
 * The loopback VNIC pair: a flushed frame arrives at the peer byte for
 * byte, frames are recycled, the pool runs dry with -ENOBUFS (and the wire
 * drops when the receiver has no buffer), and the accounting holds.
 */
#include <errno.h>

#include "lib/vnic/vnic.h"
#include "tests/check.h"

int main(void)
{
	struct ak_loopback_cfg cfg = {
		.frames = 8, .frame_size = 256, .mtu = 200};
	struct ak_vnic_accounting acct;
	struct ak_pkt p[16];
	struct ak_vnic *a, *b;
	int i, n;

	check_timeout(10);
	CHECK_OK(ak_vnic_loopback_pair(&cfg, &a, &b));

	CHECK_OK(a->ops->tx_alloc(a, &p[0]));
	CHECK_EQ(p[0].cap, 256);
	memcpy(p[0].frame, "frame bytes", 11);
	p[0].end = 11;
	CHECK_OK(a->ops->tx_submit(a, &p[0]));
	CHECK_EQ(ak_vnic_loopback_pending(b), 0);
	CHECK_EQ(a->ops->tx_flush(a), 1);
	CHECK_EQ(ak_vnic_loopback_pending(b), 1);
	n = b->ops->rx_burst(b, p, 16);
	CHECK_EQ(n, 1);
	CHECK_EQ(p[0].cap, 11);
	CHECK_MEMEQ(p[0].frame, "frame bytes", 11);
	CHECK(ak_vnic_accounting_ok(b, &acct));
	CHECK_EQ(acct.rx, 1);
	b->ops->rx_release(b, &p[0]);

	/* All 8 frames of a in flight; a 9th allocation fails. */
	for (i = 0; i < 8; i++)
		CHECK_OK(a->ops->tx_alloc(a, &p[i]));
	CHECK_EQ(a->ops->tx_alloc(a, &p[8]), -ENOBUFS);
	CHECK_EQ(a->stats.tx_no_frame, 1);
	CHECK(ak_vnic_accounting_ok(a, &acct));
	CHECK_EQ(acct.tx, 8);
	for (i = 0; i < 8; i++) {
		p[i].end = 60;
		CHECK_OK(a->ops->tx_submit(a, &p[i]));
	}
	/* b has 8 buffers: all arrive; then b is full and drops. */
	CHECK_EQ(a->ops->tx_flush(a), 8);
	CHECK_EQ(ak_vnic_loopback_pending(b), 8);
	CHECK_OK(a->ops->tx_alloc(a, &p[9]));
	p[9].end = 60;
	CHECK_OK(a->ops->tx_submit(a, &p[9]));
	a->ops->tx_flush(a);
	CHECK_EQ(b->stats.fill_empty, 1);
	CHECK_EQ(ak_vnic_loopback_inject(b, "x", 1), -ENOBUFS);
	CHECK(ak_vnic_accounting_ok(b, &acct));
	CHECK_EQ(acct.fill, 8);
	CHECK_EQ(acct.free, 0);

	n = b->ops->rx_burst(b, p, 16);
	CHECK_EQ(n, 8);
	for (i = 0; i < n; i++)
		b->ops->rx_release(b, &p[i]);
	CHECK(ak_vnic_accounting_ok(a, &acct));
	CHECK_EQ(acct.free, 8);
	CHECK(ak_vnic_accounting_ok(b, &acct));
	CHECK_EQ(acct.free, 8);
	CHECK_EQ(ak_vnic_loopback_inject(b, "x", 257), -EMSGSIZE);

	ak_vnic_destroy(a);
	ak_vnic_destroy(b);
	return 0;
}
