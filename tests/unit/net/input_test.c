// SPDX-License-Identifier: MIT
/*
 * The receive path against hand-built frames on the loopback VNIC: ARP
 * requests for our address are answered, ping is answered, an unbound port
 * gets ICMP port unreachable, non-zero Ethernet padding is ignored (the IP
 * total length rules), and malformed frames (bad IP or UDP checksum,
 * truncated headers, total length beyond the frame, bad version) are
 * dropped and counted by reason with nothing sent back.
 */
#include <errno.h>

#include <arrakis/udp.h>

#include "frames.h"
#include "lib/core/app.h"
#include "tests/check.h"

#define PORT 9000

struct env {
	struct ak_vnic *peer, *vnic;
	struct ak_app *app;
	struct ak_net *net;
	const struct ak_net_stats *st;
	int udp_received;
	size_t udp_len;
};

static int on_udp(void *arg, struct ak_udp *sock, struct ak_udp_msg *msg)
{
	struct env *e = arg;

	e->udp_received++;
	e->udp_len = msg->len;
	return 0;
}

/* Injects a frame, runs the stack, and returns how many frames came out
 * (the first copied into out). */
static int exchange(struct env *e, const uint8_t *f, size_t len, uint8_t *out,
		    uint16_t *out_len)
{
	struct ak_pkt pkts[64];
	int n, i;

	CHECK_OK(ak_vnic_loopback_inject(e->vnic, f, (uint16_t)len));
	while (ak_run_once(e->app, 0) > 0)
		;
	n = e->peer->ops->rx_burst(e->peer, pkts, 64);
	for (i = 0; i < n; i++) {
		if (i == 0 && out) {
			memcpy(out, pkts[i].frame, pkts[i].cap);
			*out_len = pkts[i].cap;
		}
		e->peer->ops->rx_release(e->peer, &pkts[i]);
	}
	return n;
}

static void expect_drop(struct env *e, const uint8_t *f, size_t len,
			enum ak_net_drop reason)
{
	uint64_t before = e->st->drops[reason];
	int before_udp = e->udp_received;

	CHECK_EQ(exchange(e, f, len, NULL, NULL), 0);
	if (e->st->drops[reason] != before + 1)
		check_fail("drop %s: %llu, expected %llu",
			   ak_net_drop_name(reason),
			   (unsigned long long)e->st->drops[reason],
			   (unsigned long long)before + 1);
	CHECK_EQ(e->udp_received, before_udp);
}

static void test_arp(struct env *e)
{
	uint8_t f[128], out[2048];
	uint16_t n;
	uint32_t us = inet_addr(STACK_IP);

	CHECK_EQ(exchange(e, f, frame_arp_request(f, STACK_IP), out, &n), 1);
	CHECK_EQ(n, 60);
	CHECK_MEMEQ(out, peer_mac, 6);
	CHECK_MEMEQ(out + 6, stack_mac, 6);
	CHECK_EQ(out[12], 0x08);
	CHECK_EQ(out[13], 0x06);
	CHECK_EQ(out[21], 2); /* reply */
	CHECK_MEMEQ(out + 22, stack_mac, 6);
	CHECK_MEMEQ(out + 28, &us, 4);
	CHECK_MEMEQ(out + 32, peer_mac, 6);

	/* A request for someone else is not answered. */
	expect_drop(e, f, frame_arp_request(f, "198.18.0.77"),
		    AK_DROP_ARP_NOT_US);
}

static void test_ping(struct env *e)
{
	uint8_t f[2048], out[2048];
	const char payload[] = "abcdefghijklmnopqrstuvwabcdefghi";
	uint16_t n, len = sizeof(payload) - 1;

	CHECK_EQ(exchange(e, f, frame_icmp_echo(f, payload, len), out, &n), 1);
	CHECK_EQ(n, AK_L4_HEADROOM + 8 + len);
	CHECK_EQ(ak_csum_ipv4_header(out + AK_ETH_HLEN, AK_IP_HLEN), 0);
	CHECK_EQ(out[AK_L4_HEADROOM], 0); /* echo reply */
	CHECK_EQ(ak_csum_fold(
			 ak_csum_partial(out + AK_L4_HEADROOM, 8u + len, 0)),
		 0);
	CHECK_MEMEQ(out + AK_L4_HEADROOM + 4, f + AK_L4_HEADROOM + 4, 4);
	CHECK_MEMEQ(out + AK_L4_HEADROOM + 8, payload, len);
	CHECK_EQ(e->st->icmp_echo_replies, 1);

	/* A corrupted echo request is counted, not answered. */
	frame_icmp_echo(f, payload, len);
	f[AK_L4_HEADROOM + 9] ^= 1;
	expect_drop(e, f, AK_L4_HEADROOM + 8 + len, AK_DROP_ICMP_CSUM);
}

static void test_port_unreachable(struct env *e)
{
	uint8_t f[2048], out[2048];
	uint16_t n;

	CHECK_EQ(exchange(e, f, frame_udp(f, 1234, PORT + 1, "x", 1), out, &n),
		 1);
	CHECK_EQ(out[AK_ETH_HLEN + 9], IPPROTO_ICMP);
	CHECK_EQ(out[AK_L4_HEADROOM], 3);     /* destination unreachable */
	CHECK_EQ(out[AK_L4_HEADROOM + 1], 3); /* port */
	/* It quotes the IP header and the first 8 bytes of the datagram. */
	CHECK_EQ(n, AK_L4_HEADROOM + 8 + 20 + 8);
	CHECK_MEMEQ(out + AK_L4_HEADROOM + 8, f + AK_ETH_HLEN, 28);
	CHECK_EQ(e->st->drops[AK_DROP_UDP_PORT], 1);
}

static void test_padding(struct env *e)
{
	uint8_t f[128];
	size_t len = frame_udp(f, 1234, PORT, "y", 1);

	/* The frame is padded to 60 bytes with garbage the IP total length
	 * excludes. */
	CHECK_LT(len, 60);
	memset(f + len, 0xa5, 60 - len);
	e->udp_received = 0;
	CHECK_EQ(exchange(e, f, 60, NULL, NULL), 0);
	CHECK_EQ(e->udp_received, 1);
	CHECK_EQ(e->udp_len, 1);
}

static void test_malformed(struct env *e)
{
	uint8_t f[2048];
	size_t len;

	expect_drop(e, f, 10, AK_DROP_ETH_SHORT);

	len = frame_udp(f, 1, PORT, "hello", 5);
	f[AK_ETH_HLEN + 10] ^= 0x40; /* IP checksum */
	expect_drop(e, f, len, AK_DROP_IP_CSUM);

	len = frame_udp(f, 1, PORT, "hello", 5);
	f[AK_L4_HEADROOM + 8] ^= 1; /* payload under the UDP checksum */
	expect_drop(e, f, len, AK_DROP_UDP_CSUM);

	len = frame_udp(f, 1, PORT, "hello", 5);
	expect_drop(e, f, AK_ETH_HLEN + 12, AK_DROP_IP_SHORT);

	/* The IP total length claims more than the frame holds. */
	len = frame_ipv4(f, IPPROTO_UDP, 200, 3, 0);
	expect_drop(e, f, len - 100, AK_DROP_IP_LEN);

	/* A UDP header cut short by the IP total length. */
	len = frame_ipv4(f, IPPROTO_UDP, 4, 4, 0);
	expect_drop(e, f, len, AK_DROP_UDP_SHORT);

	/* A UDP length beyond the IP payload. */
	len = frame_udp(f, 1, PORT, "hello", 5);
	f[AK_L4_HEADROOM + 5] = 200;
	expect_drop(e, f, len, AK_DROP_UDP_SHORT);

	len = frame_udp(f, 1, PORT, "hello", 5);
	f[AK_ETH_HLEN] = 0x65; /* version 6 */
	expect_drop(e, f, len, AK_DROP_IP_VERSION);

	len = frame_udp(f, 1, PORT, "hello", 5);
	f[0] = 0x04; /* someone else's MAC */
	expect_drop(e, f, len, AK_DROP_ETH_DST);

	len = frame_udp(f, 1, PORT, "hello", 5);
	f[12] = 0x86, f[13] = 0xdd;
	expect_drop(e, f, len, AK_DROP_ETH_TYPE);

	len = frame_ipv4(f, 200, 8, 5, 0);
	CHECK_EQ(exchange(e, f, len, NULL, NULL), 1); /* proto unreachable */
	CHECK_EQ(e->st->drops[AK_DROP_IP_PROTO], 1);
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
	struct ak_vnic_accounting acct;
	struct ak_udp *sock;
	struct env e = {0};

	check_timeout(20);
	cfg.ipv4[0] = inet_addr(PEER_IP);
	cfg.ipv4[1] = inet_addr(STACK_IP);
	CHECK_OK(ak_vnic_loopback_pair(&cfg, &e.peer, &e.vnic));
	CHECK_OK(ak_app_create_on_vnic(e.vnic, NULL, 0, &e.app));
	e.net = ak_app_net(e.app);
	e.st = ak_net_stats(e.net);
	CHECK_OK(ak_udp_bind(e.app, PORT, on_udp, &e, &sock));
	{
		/* Swallow the gratuitous ARP of the start. */
		struct ak_pkt pkts[4];
		int n = e.peer->ops->rx_burst(e.peer, pkts, 4);

		CHECK_EQ(n, 1);
		e.peer->ops->rx_release(e.peer, &pkts[0]);
	}

	test_arp(&e);
	test_ping(&e);
	test_port_unreachable(&e);
	test_padding(&e);
	test_malformed(&e);

	CHECK(ak_vnic_accounting_ok(e.vnic, &acct));
	CHECK_EQ(acct.free, acct.frames);
	ak_udp_close(sock);
	ak_fini(e.app);
	ak_vnic_destroy(e.peer);
	return 0;
}
