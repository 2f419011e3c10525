/* SPDX-License-Identifier: MIT */
/*
 * The rtnetlink requests arrakisd makes (through libmnl): create a veth
 * pair on the bridge, tag, raise and delete links, and find the links a
 * previous instance tagged. All act in the daemon's network namespace.
 */
#ifndef AK_CONTROL_NETLINK_H
#define AK_CONTROL_NETLINK_H

#include <stdint.h>

struct ak_nl;

int ak_nl_open(struct ak_nl **out);
void ak_nl_close(struct ak_nl *nl);

struct ak_veth_spec {
	const char *port_name; /* the bridge side */
	const char *vf_name;
	const uint8_t *vf_mac;
	uint32_t mtu;
	int bridge_ifindex;
};

/* Creates the pair, port on the bridge, both down: 0 or -errno. */
int ak_nl_veth_create(struct ak_nl *nl, const struct ak_veth_spec *spec);

/* Sets the link's alias (IFLA_IFALIAS) and raises it. */
int ak_nl_link_up(struct ak_nl *nl, int ifindex, const char *alias);

/* Deletes a link (a veth takes its peer along): 0, -ENODEV or -errno. */
int ak_nl_link_del(struct ak_nl *nl, int ifindex);

/*
 * Deletes every link whose alias is exactly alias or whose name is prefix
 * followed by 'v' or 'b' and digits; returns how many, or a negative errno.
 */
int ak_nl_del_leftovers(struct ak_nl *nl, const char *alias,
			const char *prefix);

#endif
