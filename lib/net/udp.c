// SPDX-License-Identifier: MIT
/*
 * UDP (RFC 768) and the native UDP socket API of include/arrakis/udp.h.
 * Received payload is handed to the socket's callback where the VNIC wrote
 * it; sends write the payload once into transmit frames.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arrakis/udp.h>

#include "lib/core/app.h"
#include "lib/net/checksum.h"
#include "lib/net/net.h"

#define UDP_MAX_PAYLOAD (AK_IP_MAX_LEN - AK_IP_HLEN - AK_UDP_HLEN)

_Static_assert(sizeof(struct ak_pkt) <= sizeof(((struct ak_udp_msg *)0)->priv),
	       "a packet fits a message's private area");
_Static_assert(sizeof(struct ak_pkt) <= sizeof(((struct ak_udp_buf *)0)->priv),
	       "a packet fits a send buffer's private area");

struct ak_udp {
	struct ak_net *net;
	uint16_t port;
	ak_udp_recv_fn fn;
	void *arg;
};

struct ak_udp_table {
	struct ak_udp *by_port[65536];
};

static uint16_t udp_checksum(uint32_t saddr, uint32_t daddr,
			     const struct ak_udp_hdr *h, const void *data,
			     size_t len)
{
	uint32_t sum = ak_csum_pseudo(saddr, daddr, IPPROTO_UDP,
				      (uint16_t)(AK_UDP_HLEN + len));
	uint16_t csum;

	sum = ak_csum_partial(h, AK_UDP_HLEN, sum);
	sum = ak_csum_partial(data, len, sum);
	csum = ak_csum_fold(sum);
	/* RFC 768: a computed zero is sent as all ones. */
	return htons(csum ? csum : 0xffff);
}

/* Validates the UDP header; trims end to the UDP length. */
static int udp_validate(struct ak_pkt *pkt)
{
	const struct ak_ipv4_hdr *ip = (const void *)ak_pkt_l3(pkt);
	const struct ak_udp_hdr *h = (const void *)ak_pkt_l4(pkt);
	uint32_t len = (uint32_t)(pkt->end - pkt->l4_off), ulen;

	if (len < AK_UDP_HLEN)
		return AK_DROP_UDP_SHORT;
	ulen = ntohs(h->len);
	if (ulen < AK_UDP_HLEN || ulen > len)
		return AK_DROP_UDP_SHORT;
	pkt->end = (uint16_t)(pkt->l4_off + ulen);
	/* RFC 768: a zero checksum means the sender computed none. */
	if (h->csum && ak_csum_l4(ip->saddr, ip->daddr, IPPROTO_UDP, h,
				  (uint16_t)ulen) != 0)
		return AK_DROP_UDP_CSUM;
	pkt->data_off = (uint16_t)(pkt->l4_off + AK_UDP_HLEN);
	return -1;
}

static int udp_input(void *ctx, struct ak_pkt *pkt)
{
	struct ak_net *net = ctx;
	const struct ak_ipv4_hdr *ip = (const void *)ak_pkt_l3(pkt);
	const struct ak_udp_hdr *h = (const void *)ak_pkt_l4(pkt);
	struct ak_udp_msg msg;
	struct ak_udp *sock;
	int reason;

	reason = udp_validate(pkt);
	if (reason >= 0) {
		net_drop(net, reason);
		return 0;
	}
	sock = net->udp->by_port[ntohs(h->dport)];
	if (!sock) {
		net_drop(net, AK_DROP_UDP_PORT);
		/* RFC 1122 3.2.2.1 and 4.1.3.1: port unreachable, but
		 * never for a broadcast. */
		if (ip->daddr == net->addr)
			icmp_send_unreach(net, pkt, 3);
		return 0;
	}
	net->stats.udp_rx++;
	msg.data = ak_pkt_data(pkt);
	msg.len = ak_pkt_data_len(pkt);
	msg.src_addr = ip->saddr;
	msg.src_port = ntohs(h->sport);
	msg.dst_port = ntohs(h->dport);
	memcpy(msg.priv, pkt, sizeof(*pkt));
	return sock->fn(sock->arg, sock, &msg) == 1 ? 1 : 0;
}

int udp_layer_create(struct ak_net *net)
{
	net->udp = calloc(1, sizeof(*net->udp));
	if (!net->udp)
		return -ENOMEM;
	return ak_net_set_l4_handler(net, IPPROTO_UDP, udp_input, net);
}

void udp_layer_destroy(struct ak_net *net)
{
	free(net->udp);
	net->udp = NULL;
}

static int udp_claim(struct ak_net *net, struct ak_udp *sock, uint16_t port)
{
	int err;

	if (net->udp->by_port[port])
		return -EADDRINUSE;
	err = net->env.ops->port_grant(net, IPPROTO_UDP, port);
	if (err == -EEXIST)
		err = -EADDRINUSE;
	if (err)
		return err;
	sock->port = port;
	net->udp->by_port[port] = sock;
	return 0;
}

static int udp_claim_ephemeral(struct ak_net *net, struct ak_udp *sock)
{
	uint32_t p;

	for (p = net->env.ephemeral_first; p && p <= net->env.ephemeral_last;
	     p++)
		if (udp_claim(net, sock, (uint16_t)p) == 0)
			return 0;
	return -EAGAIN;
}

int ak_udp_bind(struct ak_app *app, uint16_t port, ak_udp_recv_fn fn, void *arg,
		struct ak_udp **out)
{
	struct ak_net *net = ak_app_net(app);
	struct ak_udp *sock;
	int err;

	if (!fn || !out)
		return -EINVAL;
	sock = calloc(1, sizeof(*sock));
	if (!sock)
		return -ENOMEM;
	sock->net = net;
	sock->fn = fn;
	sock->arg = arg;
	err = port ? udp_claim(net, sock, port)
		   : udp_claim_ephemeral(net, sock);
	if (err) {
		free(sock);
		return err;
	}
	*out = sock;
	return 0;
}

void ak_udp_close(struct ak_udp *sock)
{
	struct ak_net *net;

	if (!sock)
		return;
	net = sock->net;
	net->udp->by_port[sock->port] = NULL;
	net->env.ops->port_release(net, IPPROTO_UDP, sock->port);
	free(sock);
}

uint16_t ak_udp_port(const struct ak_udp *sock)
{
	return sock->port;
}

void ak_udp_release(struct ak_udp *sock, struct ak_udp_msg *msg)
{
	struct ak_pkt pkt;

	memcpy(&pkt, msg->priv, sizeof(pkt));
	net_rx_release(sock->net, &pkt);
}

int ak_udp_sendto(struct ak_udp *sock, const void *data, size_t len,
		  uint32_t addr, uint16_t port)
{
	struct ak_net *net = sock->net;
	struct ak_udp_hdr h;
	int err;

	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	h.sport = htons(sock->port);
	h.dport = htons(port);
	h.len = htons((uint16_t)(AK_UDP_HLEN + len));
	h.csum = 0;
	h.csum = udp_checksum(net->addr, addr, &h, data, len);
	err = ipv4_send_gather(net, addr, IPPROTO_UDP, &h, AK_UDP_HLEN, data,
			       len);
	if (err == 0)
		net->stats.udp_tx++;
	return err;
}

int ak_udp_send_alloc(struct ak_udp *sock, struct ak_udp_buf *buf)
{
	struct ak_net *net = sock->net;
	struct ak_pkt pkt;
	uint32_t cap;
	int err;

	err = net->vnic->ops->tx_alloc(net->vnic, &pkt);
	if (err)
		return err;
	cap = (uint32_t)pkt.cap - AK_L4_HEADROOM - AK_UDP_HLEN;
	if (cap > (uint32_t)net->mtu - AK_IP_HLEN - AK_UDP_HLEN)
		cap = (uint32_t)net->mtu - AK_IP_HLEN - AK_UDP_HLEN;
	buf->data = pkt.frame + AK_L4_HEADROOM + AK_UDP_HLEN;
	buf->cap = cap;
	memcpy(buf->priv, &pkt, sizeof(pkt));
	return 0;
}

int ak_udp_send_commit(struct ak_udp *sock, struct ak_udp_buf *buf, size_t len,
		       uint32_t addr, uint16_t port)
{
	struct ak_net *net = sock->net;
	struct ak_udp_hdr *h;
	struct ak_pkt pkt;
	int err;

	memcpy(&pkt, buf->priv, sizeof(pkt));
	if (len > buf->cap) {
		net->vnic->ops->tx_free(net->vnic, &pkt);
		return -EMSGSIZE;
	}
	h = (struct ak_udp_hdr *)(pkt.frame + AK_L4_HEADROOM);
	h->sport = htons(sock->port);
	h->dport = htons(port);
	h->len = htons((uint16_t)(AK_UDP_HLEN + len));
	h->csum = 0;
	h->csum = udp_checksum(net->addr, addr, h, buf->data, len);
	pkt.l3_off = AK_ETH_HLEN;
	pkt.l4_off = AK_L4_HEADROOM;
	pkt.data_off = AK_L4_HEADROOM + AK_UDP_HLEN;
	pkt.end = (uint16_t)(pkt.data_off + len);
	err = ipv4_output(net, &pkt, addr, IPPROTO_UDP);
	if (err == 0)
		net->stats.udp_tx++;
	return err;
}

void ak_udp_send_abort(struct ak_udp *sock, struct ak_udp_buf *buf)
{
	struct ak_pkt pkt;

	memcpy(&pkt, buf->priv, sizeof(pkt));
	sock->net->vnic->ops->tx_free(sock->net->vnic, &pkt);
}
