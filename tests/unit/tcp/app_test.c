// SPDX-License-Identifier: MIT
/*
 * TCP through the whole data plane: two applications on the loopback VNIC
 * pair, one listening through the public API, the other connecting; 4 MB
 * echo byte-exact through ARP, IPv4, the stack's TCP handler and the loop
 * poller; then both close and every VNIC frame comes back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arrakis/tcp.h>

#include "lib/core/clock.h"
#include "tests/unit/net/pair.h"

#define PORT  7001
#define TOTAL (4u << 20)

static uint8_t byte_at(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 9));
}

struct server {
	struct ak_tcp_conn *c;
	uint8_t pending[1 << 16];
	size_t npending;
	bool fin;
};

struct client {
	struct ak_tcp_conn *c;
	uint64_t sent, rcvd;
	bool connected, fin;
};

/* Echo what arrived, keeping what the send buffer did not take. */
static void server_pump(struct server *s)
{
	const uint8_t *p;
	size_t n;

	if (s->npending) {
		long r = ak_tcp_send(s->c, s->pending, s->npending);

		if (r <= 0)
			return;
		memmove(s->pending, s->pending + r, s->npending - (size_t)r);
		s->npending -= (size_t)r;
		if (s->npending)
			return;
	}
	while ((n = ak_tcp_peek(s->c, &p))) {
		long r = ak_tcp_send(s->c, p, n);

		if (r < (long)n) {
			size_t kept = r > 0 ? n - (size_t)r : n;

			CHECK_LE(kept, sizeof(s->pending));
			memcpy(s->pending, p + (r > 0 ? r : 0), kept);
			s->npending = kept;
			ak_tcp_consume(s->c, n);
			return;
		}
		ak_tcp_consume(s->c, n);
	}
	if (ak_tcp_peer_closed(s->c) && !s->fin) {
		s->fin = true;
		CHECK_OK(ak_tcp_shutdown(s->c));
	}
}

static void server_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	CHECK(!(ev & AK_TCP_EV_ERROR));
	server_pump(ctx);
}

static void on_accept(void *ctx, struct ak_tcp_listener *l)
{
	struct server *s = ctx;

	CHECK_OK(ak_tcp_accept(l, &s->c));
	ak_tcp_set_callback(s->c, server_event, s);
}

static void client_send(struct client *cl)
{
	uint8_t buf[8192];

	while (cl->sent < TOTAL) {
		size_t n = TOTAL - cl->sent < sizeof(buf) ? TOTAL - cl->sent
							  : sizeof(buf);
		long r;

		for (size_t i = 0; i < n; i++)
			buf[i] = byte_at(cl->sent + i);
		r = ak_tcp_send(cl->c, buf, n);
		if (r <= 0)
			return;
		cl->sent += (uint64_t)r;
	}
}

static void client_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	struct client *cl = ctx;
	const uint8_t *p;
	size_t n;

	CHECK(!(ev & AK_TCP_EV_ERROR));
	if (ev & AK_TCP_EV_CONNECTED)
		cl->connected = true;
	while ((n = ak_tcp_peek(c, &p))) {
		for (size_t i = 0; i < n; i++)
			if (p[i] != byte_at(cl->rcvd + i))
				check_fail("echo byte %llu differs",
					   (unsigned long long)(cl->rcvd + i));
		cl->rcvd += n;
		ak_tcp_consume(c, n);
	}
	if (ak_tcp_peer_closed(c))
		cl->fin = true;
	client_send(cl);
}

int main(void)
{
	struct pair p;
	struct server s = {0};
	struct client cl = {0};
	struct ak_tcp_listener *l;
	struct ak_tcp_stats st;
	uint64_t deadline;

	check_timeout(30);
	pair_open(&p, 1024, 1500);
	CHECK_OK(ak_tcp_listen(p.b, PORT, 16, on_accept, &s, &l));
	CHECK_EQ(ak_tcp_listen(p.b, PORT, 16, on_accept, &s, &l), -EADDRINUSE);
	CHECK_OK(ak_tcp_connect(p.a, ak_app_ipv4(p.b), PORT, client_event, &cl,
				&cl.c));
	deadline = ak_now_ns() + 20 * AK_NSEC_PER_SEC;
	while (cl.rcvd < TOTAL && ak_now_ns() < deadline) {
		ak_run_once(p.a, 0);
		ak_run_once(p.b, 0);
		if (cl.connected && cl.sent == TOTAL && !cl.fin &&
		    ak_tcp_state(cl.c) == AK_TCP_ESTABLISHED)
			CHECK_OK(ak_tcp_shutdown(cl.c));
	}
	CHECK(cl.connected);
	CHECK_UEQ(cl.rcvd, TOTAL);
	while (!cl.fin && ak_now_ns() < deadline) {
		ak_run_once(p.a, 0);
		ak_run_once(p.b, 0);
	}
	CHECK(cl.fin);
	ak_tcp_stats(p.a, &st);
	CHECK_UEQ(st.bytes_in, TOTAL);
	CHECK_EQ(st.active_opens, 1);
	ak_tcp_close(cl.c);
	ak_tcp_close(s.c);
	ak_tcp_listener_close(l);
	pair_settle(&p);
	ak_tcp_stats(p.b, &st);
	CHECK_EQ(st.passive_opens, 1);
	CHECK_EQ(st.rx_frames_held, 0);
	pair_check_frames(&p);
	pair_close(&p);
	return 0;
}
