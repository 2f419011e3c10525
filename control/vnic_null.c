// SPDX-License-Identifier: MIT
/*
 * A VNIC backend that touches no device, for unit tests and the fuzz
 * target: the protocol, policy and bookkeeping run for real, and memfds
 * stand in for the AF_XDP socket and the UMEM.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "control/vnic.h"

static int null_start(struct ak_daemon *d)
{
	return 0;
}

static void null_stop(struct ak_daemon *d)
{
}

static int null_create(struct ak_daemon *d, struct ak_vnic *v,
		       struct ak_vnic_open_rep *rep, int *fds)
{
	snprintf(v->vf_ifname, sizeof(v->vf_ifname), "nullvf%u", v->id);
	snprintf(v->port_ifname, sizeof(v->port_ifname), "nullbr%u", v->id);
	fds[AK_VNIC_FD_XSK] = memfd_create("null-xsk", MFD_CLOEXEC);
	fds[AK_VNIC_FD_UMEM] = memfd_create("null-umem", MFD_CLOEXEC);
	if (fds[AK_VNIC_FD_XSK] < 0 || fds[AK_VNIC_FD_UMEM] < 0) {
		if (fds[AK_VNIC_FD_XSK] >= 0)
			close(fds[AK_VNIC_FD_XSK]);
		if (fds[AK_VNIC_FD_UMEM] >= 0)
			close(fds[AK_VNIC_FD_UMEM]);
		return -EMFILE;
	}
	rep->frame_size = d->cfg.frame_size;
	rep->frame_count = d->cfg.frame_count;
	rep->umem_size = (uint64_t)d->cfg.frame_size * d->cfg.frame_count;
	rep->fill_size = rep->comp_size = d->cfg.ring_size;
	rep->rx_size = rep->tx_size = d->cfg.ring_size;
	return 0;
}

static void null_destroy(struct ak_daemon *d, struct ak_vnic *v)
{
}

static int null_grant(struct ak_daemon *d, struct ak_vnic *v,
		      const struct ak_grant *g, bool add)
{
	return 0;
}

static void null_counters(struct ak_daemon *d, struct ak_vnic *v,
			  struct ak_vnic_info *info)
{
}

const struct ak_vnic_backend ak_vnic_null_backend = {
	.name = "null",
	.start = null_start,
	.stop = null_stop,
	.create = null_create,
	.destroy = null_destroy,
	.grant = null_grant,
	.counters = null_counters,
};
