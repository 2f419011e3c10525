// SPDX-License-Identifier: MIT
/*
 * The TCP services of arrakis-echo on the loopback pair: sockperf mode
 * answers exactly the messages marked for an answer, with the client mark
 * cleared, whatever way the stream splits them; plain mode returns every
 * byte; discard counts and drops; source streams its pattern.
 */
#include <arpa/inet.h>
#include <string.h>

#include "apps/echo/echo.h"
#include "apps/echo/tcp_echo.h"
#include "lib/core/clock.h"
#include "tests/unit/net/pair.h"

struct client {
	struct ak_tcp_conn *c;
	uint8_t got[1 << 16];
	size_t ngot;
	bool connected;
};

static void client_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	struct client *cl = ctx;

	CHECK(!(ev & AK_TCP_EV_ERROR));
	if (ev & AK_TCP_EV_CONNECTED)
		cl->connected = true;
	cl->ngot +=
		ak_tcp_recv(c, cl->got + cl->ngot, sizeof(cl->got) - cl->ngot);
}

static void run(struct pair *p, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		ak_run_once(p->a, 0);
		ak_run_once(p->b, 0);
	}
}

static size_t message(uint8_t *buf, uint64_t seq, uint16_t flags, uint32_t len)
{
	struct sockperf_hdr h = {
		.seq = seq, .flags = htons(flags), .len = htonl(len)};

	memset(buf, (int)seq, len);
	memcpy(buf, &h, sizeof(h));
	return len;
}

static void connect_to(struct pair *p, struct client *cl, uint16_t port)
{
	memset(cl, 0, sizeof(*cl));
	CHECK_OK(ak_tcp_connect(p->a, ak_app_ipv4(p->b), port, client_event, cl,
				&cl->c));
	for (int i = 0; i < 1000 && !cl->connected; i++)
		run(p, 1);
	CHECK(cl->connected);
}

static void test_sockperf(struct pair *p)
{
	struct tcp_echo t;
	struct client cl;
	uint8_t buf[4096];
	size_t n = 0;

	CHECK_OK(tcp_echo_start(&t, p->b, 7100, TCP_ECHO_SOCKPERF));
	connect_to(p, &cl, 7100);
	n += message(buf + n, 1, SOCKPERF_CLIENT | SOCKPERF_PONG, 64);
	n += message(buf + n, 2, SOCKPERF_CLIENT, 100); /* no answer due */
	n += message(buf + n, 3, SOCKPERF_CLIENT | SOCKPERF_PONG, 300);
	/* Split at awkward places: inside a header, inside a body. */
	CHECK_EQ(ak_tcp_send(cl.c, buf, 5), 5);
	run(p, 50);
	CHECK_EQ(ak_tcp_send(cl.c, buf + 5, 100), 100);
	run(p, 50);
	CHECK_EQ(ak_tcp_send(cl.c, buf + 105, n - 105), (long)(n - 105));
	run(p, 200);
	CHECK_EQ(cl.ngot, 64 + 300);
	struct sockperf_hdr h;
	memcpy(&h, cl.got, sizeof(h));
	CHECK_EQ(h.seq, 1);
	CHECK_EQ(ntohs(h.flags), SOCKPERF_PONG);
	CHECK_MEMEQ(cl.got + sizeof(h), buf + sizeof(h), 64 - sizeof(h));
	memcpy(&h, cl.got + 64, sizeof(h));
	CHECK_EQ(h.seq, 3);
	CHECK_EQ(ntohs(h.flags), SOCKPERF_PONG);
	CHECK_MEMEQ(cl.got + 64 + sizeof(h), buf + 164 + sizeof(h),
		    300 - sizeof(h));
	ak_tcp_close(cl.c);
	run(p, 100);
	CHECK_EQ(t.accepted, 1);
	CHECK_EQ(t.closed, 1);
	tcp_echo_stop(&t);
}

static void test_plain_discard_source(struct pair *p)
{
	struct tcp_echo plain, discard, source;
	struct client cl;
	uint8_t buf[3000];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	CHECK_OK(tcp_echo_start(&plain, p->b, 7101, TCP_ECHO_PLAIN));
	CHECK_OK(tcp_echo_start(&discard, p->b, 7102, TCP_ECHO_DISCARD));
	CHECK_OK(tcp_echo_start(&source, p->b, 7103, TCP_ECHO_SOURCE));

	connect_to(p, &cl, 7101);
	CHECK_EQ(ak_tcp_send(cl.c, buf, sizeof(buf)), (long)sizeof(buf));
	run(p, 200);
	CHECK_EQ(cl.ngot, sizeof(buf));
	CHECK_MEMEQ(cl.got, buf, sizeof(buf));
	ak_tcp_close(cl.c);

	connect_to(p, &cl, 7102);
	CHECK_EQ(ak_tcp_send(cl.c, buf, sizeof(buf)), (long)sizeof(buf));
	run(p, 200);
	CHECK_EQ(cl.ngot, 0);
	CHECK_UEQ(discard.bytes_in, sizeof(buf));
	ak_tcp_close(cl.c);

	connect_to(p, &cl, 7103);
	run(p, 200);
	CHECK_GT(cl.ngot, 10000);
	for (size_t i = 0; i < cl.ngot; i++)
		if (cl.got[i] != tcp_echo_source_byte(i))
			check_fail("source byte %zu differs", i);
	ak_tcp_abort(cl.c);
	run(p, 100);
	tcp_echo_stop(&plain);
	tcp_echo_stop(&discard);
	tcp_echo_stop(&source);
}

int main(void)
{
	struct pair p;

	check_timeout(30);
	pair_open(&p, 1024, 1500);
	test_sockperf(&p);
	test_plain_discard_source(&p);
	pair_close(&p);
	return 0;
}
