/* SPDX-License-Identifier: MIT */
/*
 * The network stack of one VNIC: Ethernet, ARP, IPv4 (with reassembly and
 * fragmentation), ICMP and UDP, driven by a poller on the event loop.
 * Transport protocols above IPv4 register an input function per IP protocol
 * number and reach the layers below through the struct ak_l4_env.
 */
#ifndef AK_NET_STACK_H
#define AK_NET_STACK_H

#include <stdint.h>

#include "lib/net/l4.h"
#include "lib/net/pkt.h"

struct ak_net;
struct ak_loop;
struct ak_vnic;

/*
 * A transport protocol's input. pkt has l3_off, l4_off and end set (end is
 * the IP total length, Ethernet padding excluded); the IP header is valid.
 * Returns 1 when the protocol kept the frame and will return it through
 * the env's rx_release, 0 when the caller may recycle it at once.
 */
typedef int (*ak_l4_input_fn)(void *ctx, struct ak_pkt *pkt);

/* Why received frames were dropped; every drop is counted by its reason. */
enum ak_net_drop {
	AK_DROP_ETH_SHORT,	/* shorter than an Ethernet header */
	AK_DROP_ETH_DST,	/* not for our MAC nor broadcast */
	AK_DROP_ETH_TYPE,	/* neither IPv4 nor ARP */
	AK_DROP_ARP_MALFORMED,	/* short, or not Ethernet/IPv4 */
	AK_DROP_ARP_NOT_US,	/* a request for another address */
	AK_DROP_IP_SHORT,	/* truncated IPv4 header */
	AK_DROP_IP_VERSION,	/* version is not 4, or IHL < 5 */
	AK_DROP_IP_CSUM,	/* bad header checksum */
	AK_DROP_IP_LEN,		/* total length beyond the frame or < IHL */
	AK_DROP_IP_DST,		/* not addressed to us */
	AK_DROP_IP_SRC,		/* martian source (broadcast, multicast) */
	AK_DROP_IP_PROTO,	/* no handler for the protocol */
	AK_DROP_FRAG_INVALID,	/* overlapping, oversize or odd fragment */
	AK_DROP_FRAG_NOMEM,	/* reassembly memory bound reached */
	AK_DROP_FRAG_TIMEOUT,	/* fragments of an incomplete datagram */
	AK_DROP_ICMP_SHORT,	/* truncated ICMP message */
	AK_DROP_ICMP_CSUM,	/* bad ICMP checksum */
	AK_DROP_ICMP_TYPE,	/* an ICMP type we do not answer */
	AK_DROP_UDP_SHORT,	/* truncated UDP header or bad length */
	AK_DROP_UDP_CSUM,	/* bad UDP checksum */
	AK_DROP_UDP_PORT,	/* no socket bound (port unreachable sent) */
	AK_DROP_TX_NOBUF,	/* a reply found no transmit frame */
	AK_DROP_ARP_UNRESOLVED, /* a queued packet replaced or timed out */
	AK_DROP_COUNT
};

struct ak_net_stats {
	uint64_t rx_frames;
	uint64_t tx_frames;
	uint64_t arp_requests_rx;
	uint64_t arp_replies_tx;
	uint64_t arp_requests_tx;
	uint64_t icmp_echo_replies;
	uint64_t icmp_unreach_tx;
	uint64_t ip_fragments_rx;
	uint64_t ip_reassembled;
	uint64_t ip_fragments_tx;
	uint64_t udp_rx;
	uint64_t udp_tx;
	uint64_t drops[AK_DROP_COUNT];
};

/*
 * How the stack asks for port grants (the application wires this to
 * ak_ctl_filter_add/del on its control connection). add: 0 or -errno.
 */
struct ak_net_grants {
	int (*add)(void *ctx, uint8_t proto, uint16_t port);
	void (*del)(void *ctx, uint8_t proto, uint16_t port);
	void *ctx;
};

/*
 * Creates the stack of vnic and registers its poller on loop. grants may be
 * NULL (tests): port grants then always succeed. Announces our address with
 * a gratuitous ARP. -EINVAL for an MTU below 562 or frames smaller than an
 * MTU-sized frame, -ENOMEM.
 */
int ak_net_create(struct ak_loop *loop, struct ak_vnic *vnic,
		  const struct ak_net_grants *grants, struct ak_net **out);
void ak_net_destroy(struct ak_net *net);

/*
 * Registers the input function of IP protocol proto (e.g. IPPROTO_TCP).
 * -EEXIST when one is registered; fn NULL unregisters.
 */
int ak_net_set_l4_handler(struct ak_net *net, uint8_t proto, ak_l4_input_fn fn,
			  void *ctx);

/* The lower layers as seen by a transport protocol. */
const struct ak_l4_env *ak_net_l4_env(struct ak_net *net);

const struct ak_net_stats *ak_net_stats(const struct ak_net *net);
const char *ak_net_drop_name(enum ak_net_drop reason);

struct ak_vnic *ak_net_vnic(struct ak_net *net);
struct ak_loop *ak_net_loop(struct ak_net *net);

/* Handles one received frame (the poller's per-frame step; fuzz entry). */
void ak_net_input(struct ak_net *net, struct ak_pkt *pkt);

/* Publishes queued transmit frames to the VNIC. */
void ak_net_flush(struct ak_net *net);

#endif
