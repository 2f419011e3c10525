// SPDX-License-Identifier: MIT
/*
 * Reassembly limits: fragments arriving out of order assemble, an
 * overlapping fragment drops the datagram, an incomplete datagram is
 * dropped by the timer, the memory bound refuses what does not fit, a
 * datagram over 65,535 bytes is refused, and no frame or byte leaks.
 */
#include <arrakis/udp.h>

#include "frames.h"
#include "lib/core/clock.h"
#include "lib/core/app.h"
#include "tests/check.h"

#define PORT 9000

static int received;
static size_t received_len;
static uint8_t received_data[65536];

static int on_udp(void *arg, struct ak_udp *sock, struct ak_udp_msg *msg)
{
	received++;
	received_len = msg->len;
	memcpy(received_data, msg->data, msg->len);
	return 0;
}

static void inject_frag(struct ak_app *app, struct ak_vnic *v, uint16_t id,
			uint32_t off, const uint8_t *l4, uint16_t len,
			bool more)
{
	uint8_t f[2048];
	size_t n;

	n = frame_ipv4(f, IPPROTO_UDP, len, id,
		       (uint16_t)(off / 8) | (more ? AK_IP_MF : 0));
	memcpy(f + AK_L4_HEADROOM, l4 + off, len);
	CHECK_OK(ak_vnic_loopback_inject(v, f, (uint16_t)n));
	while (ak_run_once(app, 0) > 0)
		;
}

/* A UDP datagram of len payload bytes as one contiguous L4 buffer. */
static uint16_t build_udp(uint8_t *l4, uint16_t len)
{
	struct ak_udp_hdr *u = (struct ak_udp_hdr *)l4;
	uint16_t i;

	for (i = 0; i < len; i++)
		l4[AK_UDP_HLEN + i] = (uint8_t)(i ^ (i >> 8));
	u->sport = htons(5555);
	u->dport = htons(PORT);
	u->len = htons((uint16_t)(AK_UDP_HLEN + len));
	u->csum = 0;
	u->csum = ak_csum_l4(inet_addr(PEER_IP), inet_addr(STACK_IP),
			     IPPROTO_UDP, u, (uint16_t)(AK_UDP_HLEN + len));
	return (uint16_t)(AK_UDP_HLEN + len);
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
	static uint8_t l4[65536 + 64];
	struct ak_vnic *peer, *v;
	struct ak_vnic_accounting acct;
	const struct ak_net_stats *st;
	struct ak_udp *sock;
	struct ak_app *app;
	struct ak_net *net;
	uint16_t total;
	int i;

	check_timeout(20);
	cfg.ipv4[0] = inet_addr(PEER_IP);
	cfg.ipv4[1] = inet_addr(STACK_IP);
	CHECK_OK(ak_vnic_loopback_pair(&cfg, &peer, &v));
	CHECK_OK(ak_app_create_on_vnic(v, NULL, 0, &app));
	net = ak_app_net(app);
	st = ak_net_stats(net);
	CHECK_OK(ak_udp_bind(app, PORT, on_udp, NULL, &sock));

	/* Out of order: last, first, middle. */
	total = build_udp(l4, 3000);
	inject_frag(app, v, 10, 2960, l4, total - 2960, false);
	inject_frag(app, v, 10, 0, l4, 1480, true);
	CHECK_EQ(received, 0);
	inject_frag(app, v, 10, 1480, l4, 1480, true);
	CHECK_EQ(received, 1);
	CHECK_EQ(received_len, 3000);
	CHECK_MEMEQ(received_data, l4 + AK_UDP_HLEN, 3000);
	CHECK_EQ(net->reasm_mem, 0);

	/* Overlap drops the datagram; its later pieces start over and
	 * never complete. */
	inject_frag(app, v, 11, 0, l4, 1480, true);
	inject_frag(app, v, 11, 1472, l4, 1480, true);
	CHECK_EQ(st->drops[AK_DROP_FRAG_INVALID], 1);
	inject_frag(app, v, 11, 2960, l4, total - 2960, false);
	CHECK_EQ(received, 1);

	/* A fragment with a length not a multiple of 8 while more follow. */
	inject_frag(app, v, 12, 0, l4, 1001, true);
	CHECK_EQ(st->drops[AK_DROP_FRAG_INVALID], 2);

	/* Beyond 65,535 bytes (the "ping of death"). */
	inject_frag(app, v, 13, 65528, l4, 16, false);
	CHECK_EQ(st->drops[AK_DROP_FRAG_INVALID], 3);

	/* The timer drops what never completed (datagram 11's last piece). */
	reasm_housekeeping(net, ak_now_ns() + 31 * AK_NSEC_PER_SEC);
	CHECK_EQ(st->drops[AK_DROP_FRAG_TIMEOUT], 1);
	CHECK_EQ(net->reasm_mem, 0);

	/* The memory bound: far-reaching fragments of many datagrams. */
	for (i = 0; i < AK_REASM_SLOTS + 4; i++)
		inject_frag(app, v, (uint16_t)(100 + i), 64000, l4, 1000, true);
	CHECK_GT(st->drops[AK_DROP_FRAG_NOMEM], 0);
	CHECK_LE(net->reasm_mem, 1u << 20);
	reasm_housekeeping(net, ak_now_ns() + 31 * AK_NSEC_PER_SEC);
	CHECK_EQ(net->reasm_mem, 0);

	CHECK(ak_vnic_accounting_ok(v, &acct));
	CHECK_EQ(acct.free, acct.frames);
	ak_udp_close(sock);
	ak_fini(app);
	ak_vnic_destroy(peer);
	return 0;
}
