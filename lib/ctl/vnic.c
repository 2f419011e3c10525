// SPDX-License-Identifier: MIT
/*
 * VNICs on the client side: the daemon passes the AF_XDP socket and the
 * UMEM's memfd; this maps the UMEM and the four rings and fills the
 * xsk_ring_* structs the way libxdp's inline ring helpers expect them.
 */
#include <errno.h>
#include <linux/if_xdp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/core/log.h"
#include "lib/ctl/ctl_call.h"
#include "lib/ctl/ctl_internal.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

enum { MAP_UMEM, MAP_FILL, MAP_COMP, MAP_RX, MAP_TX, NMAPS };

struct vnic_maps {
	void *addr[NMAPS];
	size_t len[NMAPS];
};

static int map_region(int fd, off_t off, size_t len, void **out)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

static void unmap_all(struct vnic_maps *m)
{
	int i;

	for (i = 0; i < NMAPS; i++)
		if (m->addr[i])
			munmap(m->addr[i], m->len[i]);
	memset(m, 0, sizeof(*m));
}

/* Checks the daemon's numbers against what the kernel says about the fd. */
static int check_offsets(int xsk_fd, const struct ak_vnic_open_rep *r)
{
	struct xdp_mmap_offsets off;
	socklen_t len = sizeof(off);

	if (getsockopt(xsk_fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len))
		return -errno;
	if (len != sizeof(off) || off.rx.desc != r->rx.desc ||
	    off.tx.desc != r->tx.desc || off.fr.desc != r->fill.desc ||
	    off.cr.desc != r->comp.desc)
		return -EPROTO;
	return 0;
}

static bool ring_size_ok(uint32_t n)
{
	return n && n <= (1u << 20) && !(n & (n - 1));
}

static int check_reply(const struct ak_vnic_open_rep *r)
{
	if (!ring_size_ok(r->fill_size) || !ring_size_ok(r->comp_size) ||
	    !ring_size_ok(r->rx_size) || !ring_size_ok(r->tx_size))
		return -EPROTO;
	if (!r->frame_size || !r->frame_count ||
	    (uint64_t)r->frame_size * r->frame_count > r->umem_size)
		return -EPROTO;
	return 0;
}

static void ring_setup(void *base, const struct ak_ring_off *off, uint32_t size,
		       bool producer, struct xsk_ring_prod *r)
{
	r->producer = (uint32_t *)((uint8_t *)base + off->producer);
	r->consumer = (uint32_t *)((uint8_t *)base + off->consumer);
	r->flags = (uint32_t *)((uint8_t *)base + off->flags);
	r->ring = (uint8_t *)base + off->desc;
	r->mask = size - 1;
	r->size = size;
	r->cached_prod = *r->producer;
	/* A producer's cached_cons runs one ring ahead (see libxdp's xsk.h). */
	r->cached_cons = *r->consumer + (producer ? size : 0);
}

static int map_rings(int fd, const struct ak_vnic_open_rep *r,
		     struct vnic_maps *m, struct ak_vnic_grant *g)
{
	static const off_t pgoff[NMAPS] = {
		0, XDP_UMEM_PGOFF_FILL_RING, XDP_UMEM_PGOFF_COMPLETION_RING,
		XDP_PGOFF_RX_RING, XDP_PGOFF_TX_RING};
	const struct ak_ring_off *offs[NMAPS] = {NULL, &r->fill, &r->comp,
						 &r->rx, &r->tx};
	const uint32_t sizes[NMAPS] = {0, r->fill_size, r->comp_size,
				       r->rx_size, r->tx_size};
	const size_t elem[NMAPS] = {0, sizeof(uint64_t), sizeof(uint64_t),
				    sizeof(struct xdp_desc),
				    sizeof(struct xdp_desc)};
	int i, ret;

	for (i = MAP_FILL; i < NMAPS; i++) {
		m->len[i] = offs[i]->desc + sizes[i] * elem[i];
		ret = map_region(fd, pgoff[i], m->len[i], &m->addr[i]);
		if (ret)
			return ret;
	}
	ring_setup(m->addr[MAP_FILL], &r->fill, r->fill_size, true, &g->fill);
	ring_setup(m->addr[MAP_COMP], &r->comp, r->comp_size, false,
		   (struct xsk_ring_prod *)&g->comp);
	ring_setup(m->addr[MAP_RX], &r->rx, r->rx_size, false,
		   (struct xsk_ring_prod *)&g->rx);
	ring_setup(m->addr[MAP_TX], &r->tx, r->tx_size, true,
		   (struct xsk_ring_prod *)&g->tx);
	return 0;
}

static void grant_from_reply(const struct ak_vnic_open_rep *r, int *fds,
			     struct ak_vnic_grant *g)
{
	g->vnic_id = r->vnic_id;
	memcpy(g->mac, r->mac, sizeof(g->mac));
	g->ipv4 = r->ipv4;
	g->prefix_len = r->prefix_len;
	g->mtu = r->mtu;
	g->ephemeral_first = r->ephemeral_first;
	g->ephemeral_last = r->ephemeral_last;
	g->xsk_fd = fds[AK_VNIC_FD_XSK];
	g->umem_fd = fds[AK_VNIC_FD_UMEM];
	g->umem_size = r->umem_size;
	g->frame_size = r->frame_size;
	g->frame_count = r->frame_count;
}

static int remember(struct ak_ctl *ctl, uint32_t vnic_id, struct vnic_maps *m)
{
	struct ak_ctl_mapping *map = calloc(1, sizeof(*map));

	if (!map)
		return -ENOMEM;
	map->vnic_id = vnic_id;
	memcpy(map->maps, &m->addr[MAP_FILL], sizeof(map->maps));
	memcpy(map->lens, &m->len[MAP_FILL], sizeof(map->lens));
	map->next = ctl->mappings;
	ctl->mappings = map;
	return 0;
}

static void ask_close(struct ak_ctl *ctl, uint32_t vnic_id)
{
	struct ak_vnic_id_req req = {.vnic_id = vnic_id};

	ak_ctl_call(ctl, AK_MSG_VNIC_CLOSE, &req, sizeof(req), NULL, 0, NULL,
		    NULL, 0, NULL);
}

static int map_vnic(struct ak_ctl *ctl, const struct ak_vnic_open_rep *r,
		    int *fds, struct ak_vnic_grant *out)
{
	struct vnic_maps m = {0};
	int ret;

	ret = check_reply(r);
	if (ret)
		return ret;
	ret = check_offsets(fds[AK_VNIC_FD_XSK], r);
	if (ret)
		return ret;
	m.len[MAP_UMEM] = r->umem_size;
	ret = map_region(fds[AK_VNIC_FD_UMEM], 0, r->umem_size,
			 &m.addr[MAP_UMEM]);
	if (ret)
		goto err_unmap;
	ret = map_rings(fds[AK_VNIC_FD_XSK], r, &m, out);
	if (ret)
		goto err_unmap;
	ret = remember(ctl, r->vnic_id, &m);
	if (ret)
		goto err_unmap;
	grant_from_reply(r, fds, out);
	out->umem = m.addr[MAP_UMEM];
	return 0;

err_unmap:
	unmap_all(&m);
	return ret;
}

int ak_ctl_vnic_open(struct ak_ctl *ctl, struct ak_vnic_grant *out)
{
	struct ak_vnic_open_req req = {0};
	struct ak_vnic_open_rep rep;
	int fds[AK_VNIC_NFDS];
	size_t len;
	int nfds, ret;

	memset(out, 0, sizeof(*out));
	ret = ak_ctl_call(ctl, AK_MSG_VNIC_OPEN, &req, sizeof(req), &rep,
			  sizeof(rep), &len, fds, AK_VNIC_NFDS, &nfds);
	if (ret)
		return ret;
	if (len != sizeof(rep) || nfds != AK_VNIC_NFDS) {
		ret = -EPROTO;
		goto err_close;
	}
	ret = map_vnic(ctl, &rep, fds, out);
	if (ret) {
		ak_warn("vnic: cannot map VNIC %u: %s", rep.vnic_id,
			strerror(-ret));
		goto err_close;
	}
	return 0;

err_close:
	while (nfds-- > 0)
		close(fds[nfds]);
	if (len == sizeof(rep))
		ask_close(ctl, rep.vnic_id);
	return ret;
}

static void unmap_mapping(struct ak_ctl_mapping *map)
{
	int i;

	for (i = 0; i < 4; i++)
		if (map->maps[i])
			munmap(map->maps[i], map->lens[i]);
	free(map);
}

void ak_ctl_unmap_all(struct ak_ctl *ctl)
{
	while (ctl->mappings) {
		struct ak_ctl_mapping *map = ctl->mappings;

		ctl->mappings = map->next;
		unmap_mapping(map);
	}
}

void ak_ctl_vnic_close(struct ak_ctl *ctl, struct ak_vnic_grant *vnic)
{
	struct ak_ctl_mapping **pp;

	for (pp = &ctl->mappings; *pp; pp = &(*pp)->next) {
		if ((*pp)->vnic_id == vnic->vnic_id) {
			struct ak_ctl_mapping *map = *pp;

			*pp = map->next;
			unmap_mapping(map);
			break;
		}
	}
	if (vnic->umem)
		munmap(vnic->umem, vnic->umem_size);
	if (vnic->xsk_fd >= 0)
		close(vnic->xsk_fd);
	if (vnic->umem_fd >= 0)
		close(vnic->umem_fd);
	ask_close(ctl, vnic->vnic_id);
	memset(vnic, 0, sizeof(*vnic));
	vnic->xsk_fd = vnic->umem_fd = -1;
}

static int filter_call(struct ak_ctl *ctl, uint16_t type, uint32_t vnic_id,
		       uint8_t proto, uint16_t port)
{
	struct ak_filter_req req = {
		.vnic_id = vnic_id, .proto = proto, .port = port};

	if ((proto != IPPROTO_UDP && proto != IPPROTO_TCP) || port == 0)
		return -EINVAL;
	return ak_ctl_call(ctl, type, &req, sizeof(req), NULL, 0, NULL, NULL, 0,
			   NULL);
}

int ak_ctl_filter_add(struct ak_ctl *ctl, uint32_t vnic_id, uint8_t proto,
		      uint16_t port)
{
	return filter_call(ctl, AK_MSG_FILTER_ADD, vnic_id, proto, port);
}

int ak_ctl_filter_del(struct ak_ctl *ctl, uint32_t vnic_id, uint8_t proto,
		      uint16_t port)
{
	return filter_call(ctl, AK_MSG_FILTER_DEL, vnic_id, proto, port);
}

static void fold(const struct ak_counter *c, unsigned int n, uint64_t *passed,
		 uint64_t *dropped, uint64_t *drops)
{
	unsigned int i;

	*passed = c[0].packets;
	*dropped = 0;
	for (i = 1; i < n; i++) {
		drops[i] = c[i].packets;
		*dropped += c[i].packets;
	}
}

int ak_ctl_vnic_stats(struct ak_ctl *ctl, uint32_t vnic_id,
		      struct ak_ctl_vnic_stats *out)
{
	struct ak_vnic_id_req req = {.vnic_id = vnic_id};
	struct ak_vnic_info info;
	size_t len;
	int ret;

	ret = ak_ctl_call(ctl, AK_MSG_VNIC_STATS, &req, sizeof(req), &info,
			  sizeof(info), &len, NULL, 0, NULL);
	if (ret)
		return ret;
	if (len != sizeof(info))
		return -EPROTO;
	memset(out, 0, sizeof(*out));
	fold(info.rx, AK_RX_REASONS, &out->rx_passed, &out->rx_dropped,
	     out->rx_drops);
	fold(info.tx, AK_TX_REASONS, &out->tx_passed, &out->tx_dropped,
	     out->tx_drops);
	out->xsk_rx_dropped = info.xsk.rx_dropped;
	out->xsk_rx_ring_full = info.xsk.rx_ring_full;
	out->xsk_fill_empty = info.xsk.rx_fill_ring_empty_descs;
	out->xsk_tx_invalid = info.xsk.tx_invalid_descs;
	return 0;
}

const char *ak_ctl_rx_reason_name(unsigned int reason)
{
	if (reason == 0 || reason >= AK_RX_REASONS)
		return NULL;
	return ak_rx_reason_names[reason];
}

const char *ak_ctl_tx_reason_name(unsigned int reason)
{
	if (reason == 0 || reason >= AK_TX_REASONS)
		return NULL;
	return ak_tx_reason_names[reason];
}
