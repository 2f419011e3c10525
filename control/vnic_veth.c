// SPDX-License-Identifier: MIT
/*
 * The software-VF backend: per VNIC a veth pair in the daemon's network
 * namespace (one end on the bridge, the other the VF), a copy of the filter
 * programs (XDP on the VF, tc ingress on the bridge side), a UMEM on a
 * memfd and an AF_XDP socket bound to the VF's queue 0.
 *
 * Every link the daemon makes is named "akHHHHvN" (the VF) or "akHHHHbN"
 * (its bridge port), HHHH from a hash of the state directory, and carries
 * the alias "arrakisd <state dir>". On start, links of this namespace with
 * this instance's names or alias are deleted, which also detaches and frees
 * the programs and maps a crashed instance left (they live only as long as
 * their attachments: nothing is pinned).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "control/bpf/filter.skel.h"
#include "control/netlink.h"
#include "control/vnic.h"
#include "lib/core/log.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define HUGE_PAGE (2u << 20)

struct veth_state {
	struct ak_nl *nl;
	int ioctl_fd;
	char alias[256];
	char prefix[8]; /* "ak" and 4 hex digits of the state dir's hash */
};

struct veth_vnic {
	struct ak_filter *skel;
	int vf_ifindex;
	int port_ifindex;
	int xsk_fd;
};

static struct veth_state *state(struct ak_daemon *d)
{
	return d->vnic_backend_state;
}

__attribute__((format(printf, 2, 0))) static int
libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[512];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	ak_log_ratelimited(AK_LOG_WARN, "vnic: libbpf: %s", msg);
	return 0;
}

/* FNV-1a folded to 16 bits: names this instance's links apart. */
static unsigned int hash16(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return (h ^ (h >> 16)) & 0xffff;
}

static int veth_start(struct ak_daemon *d)
{
	struct veth_state *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	libbpf_set_print(libbpf_log);
	snprintf(s->alias, sizeof(s->alias), "arrakisd %s", d->cfg.state_dir);
	snprintf(s->prefix, sizeof(s->prefix), "ak%04x",
		 hash16(d->cfg.state_dir));
	s->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ret = s->ioctl_fd < 0 ? -errno : ak_nl_open(&s->nl);
	if (ret)
		goto err_free;

	ret = ak_nl_del_leftovers(s->nl, s->alias, s->prefix);
	if (ret < 0) {
		ak_err("vnic: cannot remove leftovers: %s", strerror(-ret));
		goto err_nl;
	}
	if (ret > 0)
		ak_info("vnic: removed %d links left by a previous instance",
			ret);
	if (!if_nametoindex(d->cfg.bridge))
		ak_warn("vnic: bridge %s does not exist (yet)", d->cfg.bridge);
	d->vnic_backend_state = s;
	return 0;

err_nl:
	ak_nl_close(s->nl);
err_free:
	if (s->ioctl_fd >= 0)
		close(s->ioctl_fd);
	free(s);
	return ret;
}

static void veth_stop(struct ak_daemon *d)
{
	struct veth_state *s = state(d);

	if (!s)
		return;
	ak_nl_close(s->nl);
	close(s->ioctl_fd);
	free(s);
	d->vnic_backend_state = NULL;
}

/*
 * Turns off checksum and segmentation offloads, so that what crosses the
 * VF looks like what a wire carries (finished checksums, MTU-sized frames).
 */
static void offloads_off(struct veth_state *s, const char *ifname)
{
	static const uint32_t cmds[] = {ETHTOOL_SRXCSUM, ETHTOOL_STXCSUM,
					ETHTOOL_STSO, ETHTOOL_SGSO,
					ETHTOOL_SGRO};
	struct ethtool_value ev;
	struct ifreq ifr;
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ev = (struct ethtool_value){.cmd = cmds[i], .data = 0};
		ifr.ifr_data = (void *)&ev;
		if (ioctl(s->ioctl_fd, SIOCETHTOOL, &ifr))
			ak_log_ratelimited(AK_LOG_WARN,
					   "vnic: %s: ethtool 0x%x: %s", ifname,
					   cmds[i], strerror(errno));
	}
}

/* No router or neighbour solicitations: the VF sees only what tests send. */
static void ipv6_off(const char *ifname)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return; /* IPv6 not in this kernel */
	if (write(fd, "1", 1) != 1)
		ak_log_ratelimited(AK_LOG_WARN, "vnic: %s: disable_ipv6: %s",
				   ifname, strerror(errno));
	close(fd);
}

static int make_links(struct ak_daemon *d, struct ak_vnic *v,
		      struct veth_vnic *p)
{
	struct veth_state *s = state(d);
	struct ak_veth_spec spec = {
		.port_name = v->port_ifname,
		.vf_name = v->vf_ifname,
		.vf_mac = v->mac,
		.mtu = d->cfg.mtu,
	};
	int ret;

	spec.bridge_ifindex = (int)if_nametoindex(d->cfg.bridge);
	if (!spec.bridge_ifindex)
		return -ENODEV;
	ret = ak_nl_veth_create(s->nl, &spec);
	if (ret)
		return ret;
	p->port_ifindex = (int)if_nametoindex(v->port_ifname);
	p->vf_ifindex = (int)if_nametoindex(v->vf_ifname);
	if (!p->port_ifindex || !p->vf_ifindex)
		return -ENODEV;
	offloads_off(s, v->port_ifname);
	offloads_off(s, v->vf_ifname);
	ipv6_off(v->port_ifname);
	ipv6_off(v->vf_ifname);
	ret = ak_nl_link_up(s->nl, p->vf_ifindex, s->alias);
	if (!ret)
		ret = ak_nl_link_up(s->nl, p->port_ifindex, s->alias);
	return ret;
}

static int load_filters(struct ak_daemon *d, struct ak_vnic *v,
			struct veth_vnic *p)
{
	struct ak_filter *skel;
	uint32_t ipv4 = htonl(v->ipv4);
	int ret;

	skel = ak_filter__open();
	if (!skel)
		return -errno ? -errno : -ENOMEM;
	memcpy((void *)skel->rodata->vf_mac, v->mac, 6);
	memcpy((void *)&skel->rodata->vf_ipv4, &ipv4, 4);
	skel->rodata->ephemeral_first = d->cfg.ephemeral_first;
	skel->rodata->ephemeral_last = d->cfg.ephemeral_last;
	ret = bpf_map__set_max_entries(skel->maps.grants,
				       d->cfg.max_filters_per_vnic);
	if (!ret)
		ret = ak_filter__load(skel);
	if (ret) {
		ak_filter__destroy(skel);
		return ret;
	}
	p->skel = skel;
	return 0;
}

static int attach_filters(struct veth_vnic *p)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = p->port_ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	int ret;

	ret = bpf_xdp_attach(p->vf_ifindex,
			     bpf_program__fd(p->skel->progs.ak_rx_filter),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (ret)
		return ret;
	ret = bpf_tc_hook_create(&hook);
	if (ret && ret != -EEXIST)
		return ret;
	opts.prog_fd = bpf_program__fd(p->skel->progs.ak_tx_filter);
	return bpf_tc_attach(&hook, &opts);
}

/* Hugepages when the machine has them reserved, 4 KiB pages otherwise. */
static int umem_memfd(uint64_t *size)
{
	uint64_t huge = (*size + HUGE_PAGE - 1) & ~(uint64_t)(HUGE_PAGE - 1);
	unsigned int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	void *probe;
	int fd;

	fd = memfd_create("arrakis-umem",
			  MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB);
	if (fd >= 0 && ftruncate(fd, (off_t)huge) == 0) {
		/* hugetlbfs reserves at mmap: fails when none are free */
		probe = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			     0);
		if (probe != MAP_FAILED) {
			munmap(probe, huge);
			*size = huge;
			fcntl(fd, F_ADD_SEALS, seals);
			return fd;
		}
	}
	if (fd >= 0)
		close(fd);
	fd = memfd_create("arrakis-umem", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)*size)) {
		close(fd);
		return -errno;
	}
	fcntl(fd, F_ADD_SEALS, seals);
	return fd;
}

static int xsk_setopt(int fd, int opt, uint32_t value)
{
	return setsockopt(fd, SOL_XDP, opt, &value, sizeof(value)) ? -errno : 0;
}

/* Registers the UMEM (the kernel pins its pages) and sizes the rings. */
static int xsk_configure(struct ak_daemon *d, int fd, int memfd, uint64_t size)
{
	struct xdp_umem_reg reg = {
		.len = size,
		.chunk_size = d->cfg.frame_size,
	};
	uint32_t ring = d->cfg.ring_size;
	void *umem;
	int ret;

	umem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (umem == MAP_FAILED)
		return -errno;
	reg.addr = (uint64_t)(uintptr_t)umem;
	ret = setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) ? -errno
								       : 0;
	munmap(umem, size);
	if (!ret)
		ret = xsk_setopt(fd, XDP_UMEM_FILL_RING, ring);
	if (!ret)
		ret = xsk_setopt(fd, XDP_UMEM_COMPLETION_RING, ring);
	if (!ret)
		ret = xsk_setopt(fd, XDP_RX_RING, ring);
	if (!ret)
		ret = xsk_setopt(fd, XDP_TX_RING, ring);
	return ret;
}

static void ring_off(struct ak_ring_off *out, const struct xdp_ring_offset *in)
{
	out->producer = in->producer;
	out->consumer = in->consumer;
	out->desc = in->desc;
	out->flags = in->flags;
}

static int xsk_describe(struct ak_daemon *d, int fd, uint64_t size,
			struct ak_vnic_open_rep *rep)
{
	struct xdp_mmap_offsets off;
	socklen_t len = sizeof(off);

	if (getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &len))
		return -errno;
	rep->umem_size = size;
	rep->frame_size = d->cfg.frame_size;
	rep->frame_count = (uint32_t)(size / d->cfg.frame_size);
	rep->fill_size = rep->comp_size = d->cfg.ring_size;
	rep->rx_size = rep->tx_size = d->cfg.ring_size;
	ring_off(&rep->fill, &off.fr);
	ring_off(&rep->comp, &off.cr);
	ring_off(&rep->rx, &off.rx);
	ring_off(&rep->tx, &off.tx);
	return 0;
}

static int make_socket(struct ak_daemon *d, struct veth_vnic *p,
		       struct ak_vnic_open_rep *rep, int *memfd_out)
{
	uint64_t size = (uint64_t)d->cfg.frame_size * d->cfg.frame_count;
	struct sockaddr_xdp sxdp = {
		.sxdp_family = AF_XDP,
		.sxdp_ifindex = (uint32_t)p->vf_ifindex,
		.sxdp_queue_id = 0,
		.sxdp_flags = XDP_USE_NEED_WAKEUP | XDP_COPY,
	};
	int memfd, fd, key = 0, ret;

	memfd = umem_memfd(&size);
	if (memfd < 0)
		return memfd;
	fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto err_memfd;
	}
	ret = xsk_configure(d, fd, memfd, size);
	if (!ret && bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp)))
		ret = -errno;
	if (!ret)
		ret = bpf_map_update_elem(bpf_map__fd(p->skel->maps.xsks), &key,
					  &fd, BPF_ANY);
	if (!ret)
		ret = xsk_describe(d, fd, size, rep);
	if (ret)
		goto err_sock;
	p->xsk_fd = fd;
	*memfd_out = memfd;
	return 0;

err_sock:
	close(fd);
err_memfd:
	close(memfd);
	return ret;
}

static void release_device(struct ak_daemon *d, struct veth_vnic *p)
{
	if (p->port_ifindex)
		ak_nl_link_del(state(d)->nl, p->port_ifindex);
	if (p->xsk_fd >= 0)
		close(p->xsk_fd);
	if (p->skel)
		ak_filter__destroy(p->skel);
	free(p);
}

static int veth_create(struct ak_daemon *d, struct ak_vnic *v,
		       struct ak_vnic_open_rep *rep, int *fds)
{
	struct veth_vnic *p = calloc(1, sizeof(*p));
	int memfd, ret;

	if (!p)
		return -ENOMEM;
	p->xsk_fd = -1;
	/* Interface names have 15 bytes: "ak" + 4 hex + 'v'/'b' + id */
	snprintf(v->vf_ifname, sizeof(v->vf_ifname), "%sv%u", state(d)->prefix,
		 v->id % 100000000);
	snprintf(v->port_ifname, sizeof(v->port_ifname), "%sb%u",
		 state(d)->prefix, v->id % 100000000);

	ret = make_links(d, v, p);
	if (!ret)
		ret = load_filters(d, v, p);
	if (!ret)
		ret = attach_filters(p);
	if (!ret)
		ret = make_socket(d, p, rep, &memfd);
	if (ret)
		goto err_release;

	/* The daemon keeps the socket for its statistics; the client a dup. */
	fds[AK_VNIC_FD_XSK] = fcntl(p->xsk_fd, F_DUPFD_CLOEXEC, 0);
	if (fds[AK_VNIC_FD_XSK] < 0) {
		ret = -errno;
		close(memfd);
		goto err_release;
	}
	fds[AK_VNIC_FD_UMEM] = memfd;
	v->priv = p;
	return 0;

err_release:
	ak_warn("vnic: %s: %s", v->vf_ifname, strerror(-ret));
	release_device(d, p);
	return ret;
}

static void veth_destroy(struct ak_daemon *d, struct ak_vnic *v)
{
	release_device(d, v->priv);
	v->priv = NULL;
}

static int veth_grant(struct ak_daemon *d, struct ak_vnic *v,
		      const struct ak_grant *g, bool add)
{
	struct veth_vnic *p = v->priv;
	struct ak_grant_key key = {.proto = g->proto, .port = g->port};
	int fd = bpf_map__fd(p->skel->maps.grants);
	uint8_t one = 1;

	if (add)
		return bpf_map_update_elem(fd, &key, &one, BPF_NOEXIST);
	return bpf_map_delete_elem(fd, &key);
}

/* Sums a per-CPU counter array into out[n]. */
static void sum_counters(int map_fd, struct ak_counter *out, uint32_t n)
{
	int ncpus = libbpf_num_possible_cpus();
	struct ak_counter *per_cpu;
	uint32_t key;
	int cpu;

	if (ncpus <= 0)
		return;
	per_cpu = calloc((size_t)ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return;
	for (key = 0; key < n; key++) {
		if (bpf_map_lookup_elem(map_fd, &key, per_cpu))
			continue;
		for (cpu = 0; cpu < ncpus; cpu++) {
			out[key].packets += per_cpu[cpu].packets;
			out[key].bytes += per_cpu[cpu].bytes;
		}
	}
	free(per_cpu);
}

static void veth_counters(struct ak_daemon *d, struct ak_vnic *v,
			  struct ak_vnic_info *info)
{
	struct veth_vnic *p = v->priv;
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	sum_counters(bpf_map__fd(p->skel->maps.rx_counters), info->rx,
		     AK_RX_REASONS);
	sum_counters(bpf_map__fd(p->skel->maps.tx_counters), info->tx,
		     AK_TX_REASONS);
	if (getsockopt(p->xsk_fd, SOL_XDP, XDP_STATISTICS, &st, &len))
		return;
	info->xsk.rx_dropped = st.rx_dropped;
	info->xsk.rx_invalid_descs = st.rx_invalid_descs;
	info->xsk.tx_invalid_descs = st.tx_invalid_descs;
	info->xsk.rx_ring_full = st.rx_ring_full;
	info->xsk.rx_fill_ring_empty_descs = st.rx_fill_ring_empty_descs;
	info->xsk.tx_ring_empty_descs = st.tx_ring_empty_descs;
}

const struct ak_vnic_backend ak_vnic_veth_backend = {
	.name = "veth",
	.start = veth_start,
	.stop = veth_stop,
	.create = veth_create,
	.destroy = veth_destroy,
	.grant = veth_grant,
	.counters = veth_counters,
};
