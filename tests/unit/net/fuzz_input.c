// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the receive path: Ethernet, ARP, IPv4 with
 * reassembly, ICMP and UDP over the loopback VNIC. The first input byte
 * steers: bit 0 repairs the IPv4 header checksum and bit 1 the UDP or ICMP
 * checksum, so the fuzzer reaches past them; the rest is the frame, sent to
 * our MAC. After each input every frame must be back where it belongs.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <arrakis/udp.h>

#include "lib/core/app.h"
#include "lib/core/clock.h"
#include "lib/net/checksum.h"
#include "lib/net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ak_vnic *peer, *vnic;
static struct ak_app *app;
static uint64_t fake_time;

static int keep_some(void *arg, struct ak_udp *sock, struct ak_udp_msg *msg)
{
	if (msg->len && msg->data[0] == 'e')
		ak_udp_sendto(sock, msg->data, msg->len, msg->src_addr,
			      msg->src_port);
	return 0;
}

static void setup(void)
{
	struct ak_loopback_cfg cfg = {
		.frames = 128,
		.frame_size = 2048,
		.mtu = 1500,
		.mac = {{0x02, 0, 0, 0, 0, 0x0a}, {0x02, 0, 0, 0, 0, 0x0b}},
		.prefix_len = 24,
	};
	struct ak_udp *sock;

	cfg.ipv4[0] = inet_addr("198.18.0.1");
	cfg.ipv4[1] = inet_addr("198.18.0.2");
	if (ak_vnic_loopback_pair(&cfg, &peer, &vnic) ||
	    ak_app_create_on_vnic(vnic, NULL, 0, &app) ||
	    ak_udp_bind(app, 7, keep_some, NULL, &sock))
		abort();
}

static void repair(uint8_t *f, size_t len, uint8_t how)
{
	uint8_t *ip = f + AK_ETH_HLEN;
	size_t hlen, tot;
	uint16_t c;

	if (len < AK_L4_HEADROOM)
		return;
	hlen = (ip[0] & 0x0f) * 4u;
	if (hlen < 20 || AK_ETH_HLEN + hlen > len)
		return;
	tot = (size_t)ip[2] << 8 | ip[3];
	if ((how & 2) && tot >= hlen + 8 && AK_ETH_HLEN + tot <= len) {
		uint8_t *l4 = ip + hlen;
		uint16_t l4len = (uint16_t)(tot - hlen);
		uint32_t sa, da;

		memcpy(&sa, ip + 12, 4);
		memcpy(&da, ip + 16, 4);
		if (ip[9] == IPPROTO_UDP) {
			memset(l4 + 6, 0, 2);
			c = ak_csum_l4(sa, da, IPPROTO_UDP, l4, l4len);
			memcpy(l4 + 6, &c, 2);
		} else if (ip[9] == IPPROTO_ICMP) {
			memset(l4 + 2, 0, 2);
			c = htons(ak_csum_fold(ak_csum_partial(l4, l4len, 0)));
			memcpy(l4 + 2, &c, 2);
		}
	}
	if (how & 1) {
		memset(ip + 10, 0, 2);
		c = ak_csum_ipv4_header(ip, hlen);
		memcpy(ip + 10, &c, 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t us[6] = {0x02, 0, 0, 0, 0, 0x0b};
	uint8_t frame[2048];
	struct ak_pkt pkts[64];
	struct ak_vnic_accounting acct;
	int n, i;

	if (!app)
		setup();
	if (size < 1 || size - 1 > sizeof(frame))
		return 0;
	memcpy(frame, data + 1, size - 1);
	if (size - 1 >= 6)
		memcpy(frame, us, 6);
	repair(frame, size - 1, data[0]);
	ak_vnic_loopback_inject(vnic, frame, (uint16_t)(size - 1));
	while (ak_run_once(app, 0) > 0)
		;
	do {
		n = peer->ops->rx_burst(peer, pkts, 64);
		for (i = 0; i < n; i++)
			peer->ops->rx_release(peer, &pkts[i]);
	} while (n > 0);

	/* Now and then, let the timers expire what is pending. */
	fake_time += AK_NSEC_PER_SEC;
	if ((fake_time / AK_NSEC_PER_SEC) % 64 == 0) {
		arp_housekeeping(ak_app_net(app), ak_now_ns() + fake_time);
		reasm_housekeeping(ak_app_net(app), ak_now_ns() + fake_time);
		ak_net_flush(ak_app_net(app));
		do {
			n = peer->ops->rx_burst(peer, pkts, 64);
			for (i = 0; i < n; i++)
				peer->ops->rx_release(peer, &pkts[i]);
		} while (n > 0);
	}
	if (!ak_vnic_accounting_ok(vnic, &acct) || acct.rx != 0)
		abort();
	return 0;
}
