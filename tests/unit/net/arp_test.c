// SPDX-License-Identifier: MIT
/*
 * ARP resolution over time (RFC 826, RFC 1122 2.3.2): an unknown address
 * is asked for by broadcast and retried, gives up after three tries (the
 * waiting packet dropped and counted, the address unreachable for a while),
 * a reply resolves it and releases the one waiting packet, a second packet
 * replaces the first, an entry in use near the end of its life is refreshed
 * by a unicast request, and an expired one is asked for again. Time is
 * passed explicitly, so no test waits.
 */
#include <errno.h>

#include "frames.h"
#include "lib/core/app.h"
#include "lib/core/clock.h"
#include "tests/check.h"

struct seen {
	int arp_requests, arp_broadcast, udp;
};

/* What the stack sent to the peer since the last call. */
static struct seen drain(struct ak_vnic *peer)
{
	struct ak_pkt pkts[64];
	struct seen s = {0};
	int n, i;

	while ((n = peer->ops->rx_burst(peer, pkts, 64)) > 0) {
		for (i = 0; i < n; i++) {
			const uint8_t *f = pkts[i].frame;

			if (f[12] == 0x08 && f[13] == 0x06 && f[21] == 1) {
				s.arp_requests++;
				if (f[0] == 0xff)
					s.arp_broadcast++;
			}
			if (f[12] == 0x08 && f[13] == 0x00 && f[23] == 17)
				s.udp++;
			peer->ops->rx_release(peer, &pkts[i]);
		}
	}
	return s;
}

static void send_udp(struct ak_net *net, const char *to)
{
	const struct ak_l4_env *env = ak_net_l4_env(net);
	struct ak_pkt pkt;
	uint8_t *u;

	CHECK_OK(env->ops->tx_alloc(env->ctx, &pkt));
	u = ak_pkt_l4(&pkt);
	memset(u, 0, 8);
	u[5] = 8;
	pkt.end = (uint16_t)(pkt.l4_off + 8);
	env->ops->ipv4_send(env->ctx, &pkt, inet_addr(to), IPPROTO_UDP);
	ak_net_flush(net);
}

static void arp_reply_from_peer(struct ak_app *app, struct ak_vnic *v)
{
	uint8_t f[60];

	frame_arp_request(f, STACK_IP);
	memcpy(f, stack_mac, 6);
	f[21] = 2; /* a reply */
	CHECK_OK(ak_vnic_loopback_inject(v, f, 60));
	while (ak_run_once(app, 0) > 0)
		;
}

int main(void)
{
	struct ak_loopback_cfg cfg = {
		.frames = 64,
		.frame_size = 2048,
		.mtu = 1500,
		.mac = {{0x02, 0, 0, 0, 0, 0x0a}, {0x02, 0, 0, 0, 0, 0x0b}},
		.prefix_len = 24,
	};
	const struct ak_net_stats *st;
	struct ak_vnic *peer, *v;
	struct ak_app *app;
	struct ak_net *net;
	struct seen s;
	uint8_t mac[6];
	uint64_t now;

	check_timeout(10);
	cfg.ipv4[0] = inet_addr(PEER_IP);
	cfg.ipv4[1] = inet_addr(STACK_IP);
	CHECK_OK(ak_vnic_loopback_pair(&cfg, &peer, &v));
	CHECK_OK(ak_app_create_on_vnic(v, NULL, 0, &app));
	net = ak_app_net(app);
	st = ak_net_stats(net);
	s = drain(peer);
	CHECK_EQ(s.arp_broadcast, 1); /* the gratuitous announcement */

	/* An address nobody answers: three broadcasts, then unreachable. */
	send_udp(net, "198.18.0.77");
	s = drain(peer);
	CHECK_EQ(s.arp_broadcast, 1);
	CHECK_EQ(s.udp, 0);
	now = ak_now_ns();
	arp_housekeeping(net, now + 1 * AK_NSEC_PER_SEC + 1);
	arp_housekeeping(net, now + 2 * AK_NSEC_PER_SEC + 2);
	ak_net_flush(net);
	CHECK_EQ(drain(peer).arp_broadcast, 2);
	arp_housekeeping(net, now + 3 * AK_NSEC_PER_SEC + 3);
	CHECK_EQ(st->drops[AK_DROP_ARP_UNRESOLVED], 1);
	CHECK_EQ(arp_lookup(net, inet_addr("198.18.0.77"), mac,
			    now + 4 * AK_NSEC_PER_SEC),
		 -EHOSTUNREACH);
	/* After the hold time it is asked for again. */
	CHECK_EQ(arp_lookup(net, inet_addr("198.18.0.77"), mac,
			    now + 7 * AK_NSEC_PER_SEC),
		 -EAGAIN);
	ak_net_flush(net);
	CHECK_EQ(drain(peer).arp_broadcast, 1);

	/* Two packets wait for the peer: the second replaces the first. */
	send_udp(net, PEER_IP);
	send_udp(net, PEER_IP);
	CHECK_EQ(st->drops[AK_DROP_ARP_UNRESOLVED], 2);
	s = drain(peer);
	CHECK_EQ(s.arp_broadcast, 1);
	CHECK_EQ(s.udp, 0);
	arp_reply_from_peer(app, v);
	s = drain(peer);
	CHECK_EQ(s.udp, 1);

	/* Resolved: sent at once, no ARP. */
	send_udp(net, PEER_IP);
	s = drain(peer);
	CHECK_EQ(s.udp, 1);
	CHECK_EQ(s.arp_requests, 0);

	/* Used late in its life: one unicast refresh, still usable. */
	now = ak_now_ns();
	CHECK_EQ(arp_lookup(net, inet_addr(PEER_IP), mac,
			    now + 50 * AK_NSEC_PER_SEC),
		 0);
	CHECK_MEMEQ(mac, peer_mac, 6);
	CHECK_EQ(arp_lookup(net, inet_addr(PEER_IP), mac,
			    now + 51 * AK_NSEC_PER_SEC),
		 0);
	ak_net_flush(net);
	s = drain(peer);
	CHECK_EQ(s.arp_requests, 1);
	CHECK_EQ(s.arp_broadcast, 0);

	/* Past its lifetime without an answer: asked for again. */
	CHECK_EQ(arp_lookup(net, inet_addr(PEER_IP), mac,
			    now + 61 * AK_NSEC_PER_SEC),
		 -EAGAIN);
	ak_net_flush(net);
	CHECK_EQ(drain(peer).arp_broadcast, 1);

	ak_fini(app);
	ak_vnic_destroy(peer);
	return 0;
}
