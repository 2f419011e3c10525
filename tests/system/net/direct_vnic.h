/* SPDX-License-Identifier: MIT */
/*
 * An Arrakis application on an AF_XDP socket the process opens itself on a
 * given interface (root), instead of a VNIC granted by arrakisd: the test
 * tools use it to run the real driver and stack on a real veth
 * independently of the control plane.
 */
#ifndef AK_TESTS_SYSTEM_DIRECT_VNIC_H
#define AK_TESTS_SYSTEM_DIRECT_VNIC_H

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <arrakis/ctl.h>

#include "lib/core/app.h"
#include "lib/vnic/vnic.h"

#define FRAME_SIZE 4096
#define RING	   2048

static inline int dev_mac(const char *dev, uint8_t mac[6])
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
	return err;
}

/* The UMEM of the one direct VNIC of a process. */
static struct xsk_umem *direct_umem;

static inline int open_grant(const char *dev, uint32_t frames,
			     struct ak_vnic_grant *g, struct xsk_socket **xsk)
{
	struct xsk_umem_config ucfg = {
		.fill_size = RING,
		.comp_size = RING,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = RING,
		.tx_size = RING,
		.xdp_flags = XDP_FLAGS_DRV_MODE,
		.bind_flags = XDP_USE_NEED_WAKEUP,
	};
	int err;

	g->umem_size = (uint64_t)frames * FRAME_SIZE;
	g->umem = mmap(NULL, g->umem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->umem == MAP_FAILED)
		return -errno;
	err = xsk_umem__create(&direct_umem, g->umem, g->umem_size, &g->fill,
			       &g->comp, &ucfg);
	if (err)
		return err;
	err = xsk_socket__create(xsk, dev, 0, direct_umem, &g->rx, &g->tx,
				 &scfg);
	if (err)
		return err;
	g->xsk_fd = xsk_socket__fd(*xsk);
	g->umem_fd = -1;
	g->frame_size = FRAME_SIZE;
	g->frame_count = frames;
	g->mtu = 1500;
	g->ephemeral_first = 32768;
	g->ephemeral_last = 60999;
	return dev_mac(dev, g->mac);
}

/*
 * Opens dev with address addr_prefix ("198.18.0.101/24") and a UMEM of
 * frames 4 KiB frames, and builds an application on it; *xsk is deleted by
 * the caller after ak_fini().
 */
static inline int direct_app_open(const char *dev, const char *addr_prefix,
				  uint32_t frames, struct ak_app **app,
				  struct xsk_socket **xsk)
{
	static struct ak_vnic_grant g;
	struct ak_vnic *vnic;
	char addr[64], *slash;
	int err;

	snprintf(addr, sizeof(addr), "%s", addr_prefix);
	slash = strchr(addr, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	g.ipv4 = inet_addr(addr);
	g.prefix_len = (uint8_t)atoi(slash + 1);
	err = open_grant(dev, frames, &g, xsk);
	if (!err)
		err = ak_vnic_afxdp_create(&g, &vnic);
	if (!err)
		err = ak_app_create_on_vnic(vnic, NULL, 0, app);
	return err;
}

/* ak_fini(), then the socket and the UMEM. */
static inline void direct_app_close(struct ak_app *app, struct xsk_socket *xsk)
{
	ak_fini(app);
	xsk_socket__delete(xsk);
	xsk_umem__delete(direct_umem);
	direct_umem = NULL;
}

#endif
