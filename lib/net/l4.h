/* SPDX-License-Identifier: MIT */
/*
 * What the transport protocols (UDP, TCP) need from the layers below them:
 * transmit frames, IPv4 output with ARP resolution, the return of received
 * frames, and port grants through the control plane. The IPv4 layer
 * provides one implementation over a VNIC; tests provide others (a scripted
 * peer, a lossy wire between two stacks).
 *
 * Receive direction: the IPv4 layer validates the IP header, sets l3_off,
 * l4_off and end (the true length from the IP header, so Ethernet padding is
 * never seen), and calls the protocol's input function.
 */
#ifndef AK_NET_L4_H
#define AK_NET_L4_H

#include <stdint.h>

#include "lib/net/pkt.h"

/* Ethernet (14) + IPv4 without options (20): where an L4 header starts. */
#define AK_L4_HEADROOM 34

struct ak_l4_ops {
	/*
	 * A free transmit frame, with l4_off = AK_L4_HEADROOM; the caller
	 * writes its header and payload there and sets end. -ENOBUFS when
	 * no frame is free (the caller retries after the TX ring drains).
	 */
	int (*tx_alloc)(void *ctx, struct ak_pkt *pkt);

	/*
	 * Writes the IPv4 and Ethernet headers in front of l4_off (dst and
	 * proto as given, the source address the VNIC's), fragments above
	 * the MTU where the protocol allows it, resolves the next hop by ARP
	 * (keeping one packet per unresolved address) and submits the frame.
	 * Always takes ownership of pkt. dst is in network byte order.
	 * -EHOSTUNREACH when ARP resolution failed before.
	 */
	int (*ipv4_send)(void *ctx, struct ak_pkt *pkt, uint32_t dst,
			 uint8_t proto);

	/* Returns a transmit frame that will not be sent. */
	void (*tx_free)(void *ctx, struct ak_pkt *pkt);

	/* Returns a received frame that its protocol kept. */
	void (*rx_release)(void *ctx, struct ak_pkt *pkt);

	/* Grants (proto, port) to this container; see ak_ctl_filter_add(). */
	int (*port_grant)(void *ctx, uint8_t proto, uint16_t port);
	void (*port_release)(void *ctx, uint8_t proto, uint16_t port);
};

struct ak_l4_env {
	const struct ak_l4_ops *ops;
	void *ctx;
	uint32_t local_addr; /* network byte order */
	uint16_t mtu;	     /* IP MTU */
	uint16_t ephemeral_first;
	uint16_t ephemeral_last;
};

#endif
