// SPDX-License-Identifier: MIT
/*
 * echo-direct: the echo service of arrakis-echo on an AF_XDP socket this
 * process opens itself on a given interface (root), instead of one granted
 * by arrakisd. It exercises the AF_XDP driver and the stack on a real veth
 * independently of the control plane:
 *   echo-direct DEV ADDR/PREFIX PORT [plain] [STATS_FILE]
 */
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

#include "apps/echo/run.h"
#include "lib/core/app.h"
#include "lib/vnic/vnic.h"

#define FRAMES	   4096
#define FRAME_SIZE 4096
#define RING	   2048

static int dev_mac(const char *dev, uint8_t mac[6])
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

static int open_grant(const char *dev, struct ak_vnic_grant *g,
		      struct xsk_socket **xsk)
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
	struct xsk_umem *umem;
	int err;

	g->umem_size = (uint64_t)FRAMES * FRAME_SIZE;
	g->umem = mmap(NULL, g->umem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->umem == MAP_FAILED)
		return -errno;
	err = xsk_umem__create(&umem, g->umem, g->umem_size, &g->fill, &g->comp,
			       &ucfg);
	if (err)
		return err;
	err = xsk_socket__create(xsk, dev, 0, umem, &g->rx, &g->tx, &scfg);
	if (err)
		return err;
	g->xsk_fd = xsk_socket__fd(*xsk);
	g->umem_fd = -1;
	g->frame_size = FRAME_SIZE;
	g->frame_count = FRAMES;
	g->mtu = 1500;
	g->ephemeral_first = 32768;
	g->ephemeral_last = 60999;
	return dev_mac(dev, g->mac);
}

int main(int argc, char **argv)
{
	static struct ak_vnic_grant g;
	struct xsk_socket *xsk;
	struct ak_vnic *vnic;
	struct ak_app *app;
	char addr[64], *slash;
	struct echo e;
	int err;

	if (argc < 4) {
		fprintf(stderr, "usage: echo-direct DEV ADDR/PREFIX PORT "
				"[plain] [STATS_FILE]\n");
		return 2;
	}
	snprintf(addr, sizeof(addr), "%s", argv[2]);
	slash = strchr(addr, '/');
	if (!slash)
		return 2;
	*slash = 0;
	g.ipv4 = inet_addr(addr);
	g.prefix_len = (uint8_t)atoi(slash + 1);
	err = open_grant(argv[1], &g, &xsk);
	if (!err)
		err = ak_vnic_afxdp_create(&g, &vnic);
	if (!err)
		err = ak_app_create_on_vnic(vnic, NULL, 0, &app);
	if (!err)
		err = echo_start(&e, app, (uint16_t)atoi(argv[3]),
				 argc > 4 && !strcmp(argv[4], "plain")
					 ? ECHO_PLAIN
					 : ECHO_SOCKPERF);
	if (err) {
		fprintf(stderr, "echo-direct: %s\n", strerror(-err));
		return 1;
	}
	printf("echo-direct: ready\n");
	fflush(stdout);
	echo_run(app, &e, argc > 5 ? argv[5] : NULL);
	echo_stop(&e);
	ak_fini(app);
	xsk_socket__delete(xsk);
	return 0;
}
