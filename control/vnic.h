/* SPDX-License-Identifier: MIT */
/*
 * VNICs and their (proto, port) grants, as the daemon tracks them. The
 * device work (veth pair, BPF filters, UMEM, AF_XDP socket) is behind an ops
 * table so that the protocol logic runs in tests and under the fuzzer with
 * a backend that touches no device.
 */
#ifndef AK_CONTROL_VNIC_H
#define AK_CONTROL_VNIC_H

#include <stdbool.h>
#include <stdint.h>

#include "control/daemon.h"
#include "control/dispatch.h"

struct ak_grant {
	uint8_t proto;
	uint16_t port;
};

struct ak_vnic {
	struct ak_resource res; /* on the owner's resource list */
	struct ak_vnic *next;	/* all VNICs, oldest first */
	struct ak_vnic *prev;
	struct ak_container *owner;
	uint32_t id;
	uint32_t ipv4; /* host byte order */
	uint8_t mac[6];
	char vf_ifname[AK_IFNAME_MAX];
	char port_ifname[AK_IFNAME_MAX];
	uint32_t ngrants;
	struct ak_grant *grants; /* cfg.max_filters_per_vnic of them */
	void *priv;		 /* the backend's */
};

struct ak_vnic_backend {
	const char *name;
	/* Removes what a previous instance left behind; sets up state. */
	int (*start)(struct ak_daemon *d);
	void (*stop)(struct ak_daemon *d);
	/*
	 * Makes the device for v (id, ipv4, mac filled in), fills the ring
	 * part of rep and returns the fds to pass (AK_VNIC_NFDS of them).
	 */
	int (*create)(struct ak_daemon *d, struct ak_vnic *v,
		      struct ak_vnic_open_rep *rep, int *fds);
	void (*destroy)(struct ak_daemon *d, struct ak_vnic *v);
	int (*grant)(struct ak_daemon *d, struct ak_vnic *v,
		     const struct ak_grant *g, bool add);
	void (*counters)(struct ak_daemon *d, struct ak_vnic *v,
			 struct ak_vnic_info *info);
};

/* Software VFs: veth pairs on the bridge, XDP + tc filters, AF_XDP. */
extern const struct ak_vnic_backend ak_vnic_veth_backend;
/* No device: memfds stand in for the socket; for tests and fuzzing. */
extern const struct ak_vnic_backend ak_vnic_null_backend;

extern const struct ak_module ak_vnic_module;

/* The MAC a VNIC with this address gets: 02:41:4b and the low 24 bits. */
void ak_vnic_mac_for(uint32_t ipv4, uint8_t mac[6]);

#endif
