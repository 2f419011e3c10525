// SPDX-License-Identifier: MIT
/*
 * The stack of one VNIC: its poller (receive bursts, then publish
 * transmits), Ethernet input, the housekeeping timer shared by ARP and
 * reassembly, and the struct ak_l4_env that transport protocols use.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/clock.h"
#include "lib/net/net.h"

static const uint8_t eth_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static const char *const drop_names[AK_DROP_COUNT] = {
	[AK_DROP_ETH_SHORT] = "eth_short",
	[AK_DROP_ETH_DST] = "eth_dst",
	[AK_DROP_ETH_TYPE] = "eth_type",
	[AK_DROP_ARP_MALFORMED] = "arp_malformed",
	[AK_DROP_ARP_NOT_US] = "arp_not_us",
	[AK_DROP_IP_SHORT] = "ip_short",
	[AK_DROP_IP_VERSION] = "ip_version",
	[AK_DROP_IP_CSUM] = "ip_csum",
	[AK_DROP_IP_LEN] = "ip_len",
	[AK_DROP_IP_DST] = "ip_dst",
	[AK_DROP_IP_SRC] = "ip_src",
	[AK_DROP_IP_PROTO] = "ip_proto",
	[AK_DROP_FRAG_INVALID] = "frag_invalid",
	[AK_DROP_FRAG_NOMEM] = "frag_nomem",
	[AK_DROP_FRAG_TIMEOUT] = "frag_timeout",
	[AK_DROP_ICMP_SHORT] = "icmp_short",
	[AK_DROP_ICMP_CSUM] = "icmp_csum",
	[AK_DROP_ICMP_TYPE] = "icmp_type",
	[AK_DROP_UDP_SHORT] = "udp_short",
	[AK_DROP_UDP_CSUM] = "udp_csum",
	[AK_DROP_UDP_PORT] = "udp_port",
	[AK_DROP_TX_NOBUF] = "tx_nobuf",
	[AK_DROP_ARP_UNRESOLVED] = "arp_unresolved",
};

const char *ak_net_drop_name(enum ak_net_drop reason)
{
	if ((unsigned)reason >= AK_DROP_COUNT)
		return "unknown";
	return drop_names[reason];
}

void net_rx_release(struct ak_net *net, struct ak_pkt *pkt)
{
	if (pkt->handle == AK_PKT_HEAP) {
		free(pkt->frame);
		pkt->frame = NULL;
		return;
	}
	net->vnic->ops->rx_release(net->vnic, pkt);
}

int net_eth_send(struct ak_net *net, struct ak_pkt *pkt, const uint8_t *dst,
		 uint16_t type)
{
	struct ak_eth_hdr *eth = (struct ak_eth_hdr *)pkt->frame;
	int err;

	memcpy(eth->dst, dst, 6);
	memcpy(eth->src, net->vnic->mac, 6);
	eth->type = htons(type);
	err = net->vnic->ops->tx_submit(net->vnic, pkt);
	if (err)
		return err;
	net->stats.tx_frames++;
	return 0;
}

void ak_net_input(struct ak_net *net, struct ak_pkt *pkt)
{
	const struct ak_eth_hdr *eth = (const struct ak_eth_hdr *)pkt->frame;

	net->stats.rx_frames++;
	pkt->end = pkt->cap;
	if (pkt->cap < AK_ETH_HLEN) {
		net_drop(net, AK_DROP_ETH_SHORT);
		goto release;
	}
	if (memcmp(eth->dst, net->vnic->mac, 6) &&
	    memcmp(eth->dst, eth_broadcast, 6)) {
		net_drop(net, AK_DROP_ETH_DST);
		goto release;
	}
	pkt->l3_off = AK_ETH_HLEN;

	switch (ntohs(eth->type)) {
	case AK_ETH_P_IP:
		ipv4_input(net, pkt);
		return;
	case AK_ETH_P_ARP:
		arp_input(net, pkt);
		return;
	default:
		net_drop(net, AK_DROP_ETH_TYPE);
		break;
	}
release:
	net_rx_release(net, pkt);
}

void ak_net_flush(struct ak_net *net)
{
	net->vnic->ops->tx_flush(net->vnic);
}

static int net_poll(void *ctx, uint64_t now_ns)
{
	struct ak_net *net = ctx;
	struct ak_pkt pkts[AK_RX_BURST];
	int n, i;

	n = net->vnic->ops->rx_burst(net->vnic, pkts, AK_RX_BURST);
	for (i = 0; i < n; i++)
		ak_net_input(net, &pkts[i]);
	/* Completions and wakeups need the flush even with nothing new. */
	net->vnic->ops->tx_flush(net->vnic);
	ak_vnic_check_accounting(net->vnic);
	return n > 0 ? n : 0;
}

static bool net_prepare_sleep(void *ctx)
{
	struct ak_net *net = ctx;

	return net->vnic->ops->prepare_sleep(net->vnic);
}

static void housekeeping_fire(struct ak_timer *timer, uint64_t now_ns)
{
	struct ak_net *net = timer->ctx;
	uint64_t next = UINT64_MAX, t;

	t = arp_housekeeping(net, now_ns);
	if (t < next)
		next = t;
	t = reasm_housekeeping(net, now_ns);
	if (t < next)
		next = t;
	if (next != UINT64_MAX)
		ak_timer_arm(net->loop, &net->housekeeping, next);
	net->vnic->ops->tx_flush(net->vnic);
}

void net_schedule(struct ak_net *net, uint64_t deadline_ns)
{
	if (net->housekeeping.heap_index &&
	    net->housekeeping.deadline_ns <= deadline_ns)
		return;
	ak_timer_arm(net->loop, &net->housekeeping, deadline_ns);
}

/* struct ak_l4_ops over this stack. */

static int l4_tx_alloc(void *ctx, struct ak_pkt *pkt)
{
	struct ak_net *net = ctx;
	int err;

	err = net->vnic->ops->tx_alloc(net->vnic, pkt);
	if (err)
		return err;
	pkt->l3_off = AK_ETH_HLEN;
	pkt->l4_off = AK_L4_HEADROOM;
	pkt->data_off = AK_L4_HEADROOM;
	pkt->end = AK_L4_HEADROOM;
	return 0;
}

static int l4_ipv4_send(void *ctx, struct ak_pkt *pkt, uint32_t dst,
			uint8_t proto)
{
	return ipv4_output(ctx, pkt, dst, proto);
}

static void l4_tx_free(void *ctx, struct ak_pkt *pkt)
{
	struct ak_net *net = ctx;

	net->vnic->ops->tx_free(net->vnic, pkt);
}

static void l4_rx_release(void *ctx, struct ak_pkt *pkt)
{
	net_rx_release(ctx, pkt);
}

static int l4_port_grant(void *ctx, uint8_t proto, uint16_t port)
{
	struct ak_net *net = ctx;

	if (!net->grants.add)
		return 0;
	return net->grants.add(net->grants.ctx, proto, port);
}

static void l4_port_release(void *ctx, uint8_t proto, uint16_t port)
{
	struct ak_net *net = ctx;

	if (net->grants.del)
		net->grants.del(net->grants.ctx, proto, port);
}

static const struct ak_l4_ops net_l4_ops = {
	.tx_alloc = l4_tx_alloc,
	.ipv4_send = l4_ipv4_send,
	.tx_free = l4_tx_free,
	.rx_release = l4_rx_release,
	.port_grant = l4_port_grant,
	.port_release = l4_port_release,
};

int ak_net_set_l4_handler(struct ak_net *net, uint8_t proto, ak_l4_input_fn fn,
			  void *ctx)
{
	if (fn && net->l4[proto].fn)
		return -EEXIST;
	net->l4[proto].fn = fn;
	net->l4[proto].ctx = fn ? ctx : NULL;
	return 0;
}

const struct ak_l4_env *ak_net_l4_env(struct ak_net *net)
{
	return &net->env;
}

const struct ak_net_stats *ak_net_stats(const struct ak_net *net)
{
	return &net->stats;
}

struct ak_vnic *ak_net_vnic(struct ak_net *net)
{
	return net->vnic;
}

struct ak_loop *ak_net_loop(struct ak_net *net)
{
	return net->loop;
}

static void net_init_fields(struct ak_net *net, struct ak_loop *loop,
			    struct ak_vnic *vnic,
			    const struct ak_net_grants *grants)
{
	net->loop = loop;
	net->vnic = vnic;
	if (grants)
		net->grants = *grants;
	net->addr = vnic->ipv4;
	net->netmask =
		vnic->prefix_len ? htonl(~0u << (32 - vnic->prefix_len)) : 0;
	net->mtu = vnic->mtu;
	net->ip_id = (uint16_t)ak_now_ns();

	net->env.ops = &net_l4_ops;
	net->env.ctx = net;
	net->env.local_addr = vnic->ipv4;
	net->env.mtu = vnic->mtu;
	net->env.ephemeral_first = vnic->ephemeral_first;
	net->env.ephemeral_last = vnic->ephemeral_last;

	net->poller.poll = net_poll;
	net->poller.prepare_sleep = net_prepare_sleep;
	net->poller.fd = vnic->fd;
	net->poller.ctx = net;
	net->housekeeping.fire = housekeeping_fire;
	net->housekeeping.ctx = net;
}

int ak_net_create(struct ak_loop *loop, struct ak_vnic *vnic,
		  const struct ak_net_grants *grants, struct ak_net **out)
{
	struct ak_net *net;
	int err;

	if (vnic->mtu < 576 - AK_ETH_HLEN ||
	    vnic->frame_size < (uint32_t)vnic->mtu + AK_ETH_HLEN)
		return -EINVAL;
	net = calloc(1, sizeof(*net));
	if (!net)
		return -ENOMEM;
	net_init_fields(net, loop, vnic, grants);

	err = ak_net_set_l4_handler(net, IPPROTO_ICMP, icmp_input, net);
	if (err)
		goto free_net;
	err = udp_layer_create(net);
	if (err)
		goto free_net;

	ak_loop_add_poller(loop, &net->poller);
	arp_announce(net);
	ak_net_flush(net);
	*out = net;
	return 0;

free_net:
	free(net);
	return err;
}

void ak_net_destroy(struct ak_net *net)
{
	if (!net)
		return;
	ak_loop_del_poller(net->loop, &net->poller);
	ak_timer_cancel(net->loop, &net->housekeeping);
	arp_flush(net);
	reasm_flush(net);
	udp_layer_destroy(net);
	free(net);
}
