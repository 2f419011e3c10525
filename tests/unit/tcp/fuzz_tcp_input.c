// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the TCP input path. Each input is a list of records
 * [control, length, bytes...]: the bytes are a TCP header with options and
 * payload; the control byte aims them at the established connection, the
 * listener or a closed port, rebases their sequence and acknowledgment
 * numbers near the live ones (so deep states are reached), keeps or fixes
 * the checksum, advances the clock and runs application calls. The engine
 * is built and torn down per input, so AddressSanitizer sees every leak.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/net/checksum.h"
#include "tests/unit/tcp/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

static void feed(struct h_fixture *f, uint8_t ctl, const uint8_t *b,
		 uint8_t len)
{
	struct ak_pkt pkt = {0};
	uint8_t *ip, *th;
	uint16_t v;
	uint32_t w;

	pkt.frame = calloc(1, H_FRAME_CAP);
	h_live_frames++;
	pkt.cap = H_FRAME_CAP;
	pkt.l3_off = 14;
	pkt.l4_off = 34;
	pkt.end = (uint16_t)(34 + len);
	ip = pkt.frame + 14;
	ip[0] = 0x45;
	ip[9] = 6;
	memcpy(ip + 12, &f->p.addr, 4);
	memcpy(ip + 16, &f->p.our_addr, 4);
	th = pkt.frame + 34;
	memcpy(th, b, len);
	if (len >= 20) {
		if ((ctl & 3) != 3) {
			v = htons((ctl & 3) == 2 ? 40001 : f->p.port);
			memcpy(th, &v, 2);
			v = htons(80);
			memcpy(th + 2, &v, 2);
		}
		if (ctl & 4) {
			memcpy(&w, th + 4, 4);
			w = htonl(f->p.snd_nxt + (ntohl(w) % 4096) - 2048);
			memcpy(th + 4, &w, 4);
		}
		if (ctl & 8) {
			memcpy(&w, th + 8, 4);
			w = htonl(f->p.rcv_nxt + (ntohl(w) % 4096) - 2048);
			memcpy(th + 8, &w, 4);
		}
		if (!(ctl & 16)) {
			memset(th + 16, 0, 2);
			v = ak_csum_l4(f->p.addr, f->p.our_addr, 6, th, len);
			memcpy(th + 16, &v, 2);
		}
	}
	if (!ak_tcp_input(f->tcp, &pkt))
		h_frame_free(&f->e, &pkt);
}

static void app_step(struct h_fixture *f, uint8_t ctl)
{
	static uint8_t buf[4096];

	h_now += (uint64_t)(ctl >> 5) * 50 * AK_NSEC_PER_MSEC;
	ak_tcp_poll(f->tcp, h_now);
	if (!f->c)
		return;
	switch (ctl >> 5) {
	case 1:
		ak_tcp_send(f->c, buf, sizeof(buf));
		break;
	case 2:
		ak_tcp_recv(f->c, buf, sizeof(buf));
		break;
	case 3:
		ak_tcp_shutdown(f->c);
		break;
	case 7:
		ak_tcp_close(f->c);
		f->c = NULL;
		break;
	default:
		break;
	}
	h_peer_absorb(&f->p, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static const uint8_t opt[] = {2, 4,  5, 0xb4, 1, 3, 3, 7, 1, 1,
				      8, 10, 0, 0,    0, 1, 0, 0, 0, 0};
	struct h_fixture f;
	size_t i = 0;

	h_fixture_open(&f, NULL, opt, sizeof(opt), 1000);
	while (i + 2 <= size) {
		uint8_t ctl = in[i], len = in[i + 1];

		i += 2;
		if (len > size - i)
			len = (uint8_t)(size - i);
		feed(&f, ctl, in + i, len);
		i += len;
		app_step(&f, ctl);
	}
	h_fixture_close(&f);
	return 0;
}
