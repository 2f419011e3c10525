// SPDX-License-Identifier: MIT
/*
 * arrakis-kv over the Arrakis TCP stack, on the loopback VNIC pair: clients
 * in application A, the server in application B. Pipelined requests cut
 * into odd-sized writes, many clients at once, a protocol error that closes
 * only its own client, QUIT, and maxclients refusing the one too many.
 */
#include <arrakis/tcp.h>

#include "apps/kv/net.h"
#include "lib/core/clock.h"
#include "tests/unit/kv/kv_harness.h"
#include "tests/unit/net/pair.h"

#define PORT 6379

struct client {
	struct ak_tcp_conn *c;
	char rx[1 << 16];
	size_t len;
	bool connected, fin, error;
};

static void client_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	struct client *cl = ctx;
	const uint8_t *p;
	size_t n;

	if (ev & AK_TCP_EV_ERROR)
		cl->error = true;
	if (ev & AK_TCP_EV_CONNECTED)
		cl->connected = true;
	while ((n = ak_tcp_peek(c, &p))) {
		CHECK_LE(cl->len + n, sizeof(cl->rx) - 1);
		memcpy(cl->rx + cl->len, p, n);
		cl->len += n;
		cl->rx[cl->len] = '\0';
		ak_tcp_consume(c, n);
	}
	if (ak_tcp_peer_closed(c))
		cl->fin = true;
}

static struct pair p;

static void run_until(bool (*done)(void *), void *arg)
{
	uint64_t deadline = ak_now_ns() + 10 * AK_NSEC_PER_SEC;

	while (!done(arg)) {
		if (ak_now_ns() > deadline)
			check_fail("timed out");
		ak_run_once(p.a, 0);
		ak_run_once(p.b, 0);
	}
}

static bool connected(void *arg)
{
	struct client *cl = arg;

	return cl->connected || cl->error;
}

static void client_open(struct client *cl)
{
	memset(cl, 0, sizeof(*cl));
	CHECK_OK(ak_tcp_connect(p.a, ak_app_ipv4(p.b), PORT, client_event, cl,
				&cl->c));
	run_until(connected, cl);
	CHECK(cl->connected);
}

struct wait_len {
	struct client *cl;
	size_t len;
};

static bool got_len(void *arg)
{
	struct wait_len *w = arg;

	return w->cl->len >= w->len || w->cl->fin || w->cl->error;
}

static void send_all(struct client *cl, const char *s, size_t len)
{
	while (len) {
		long r = ak_tcp_send(cl->c, s, len);

		CHECK_GE(r, 0);
		s += r;
		len -= (size_t)r;
		ak_run_once(p.a, 0);
		ak_run_once(p.b, 0);
	}
}

/* Sends req, waits for strlen(want) bytes and compares them. */
static void expect(struct client *cl, const char *req, const char *want)
{
	struct wait_len w = {cl, strlen(want)};

	cl->len = 0;
	send_all(cl, req, strlen(req));
	run_until(got_len, &w);
	CHECK_STREQ(cl->rx, want);
}

static bool got_fin(void *arg)
{
	return ((struct client *)arg)->fin;
}

static void test_pipeline(void)
{
	struct client cl;
	static char req[200000], want[200000];
	size_t rl = 0, wl = 0, i, cut;
	struct wait_len w = {&cl, 0};

	client_open(&cl);
	expect(&cl, "PING\r\n", "+PONG\r\n");
	for (i = 0; i < 2000; i++) {
		rl += (size_t)snprintf(req + rl, sizeof(req) - rl,
				       "*3\r\n$3\r\nSET\r\n$5\r\nk%04zu\r\n"
				       "$5\r\nv%04zu\r\n"
				       "*2\r\n$3\r\nGET\r\n$5\r\nk%04zu\r\n",
				       i, i, i);
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl,
				       "+OK\r\n$5\r\nv%04zu\r\n", i);
	}
	cl.len = 0;
	/* Odd-sized writes: requests split anywhere across segments. */
	for (i = 0; i < rl; i += cut) {
		cut = 1 + (i * 7919) % 1777;
		if (cut > rl - i)
			cut = rl - i;
		send_all(&cl, req + i, cut);
	}
	w.len = wl;
	run_until(got_len, &w);
	CHECK_UEQ(cl.len, wl);
	CHECK_MEMEQ(cl.rx, want, wl);
	expect(&cl, "DBSIZE\r\n", ":2000\r\n");
	expect(&cl, "QUIT\r\n", "+OK\r\n");
	run_until(got_fin, &cl);
	ak_tcp_close(cl.c);
}

static void test_error_closes_one_client(void)
{
	struct client good, bad;

	client_open(&good);
	client_open(&bad);
	expect(&bad, "*1\r\n$1073741824\r\n",
	       "-ERR Protocol error: invalid bulk length\r\n");
	run_until(got_fin, &bad);
	expect(&good, "GET k0001\r\n", "$5\r\nv0001\r\n");
	ak_tcp_close(bad.c);
	ak_tcp_close(good.c);
}

static void test_maxclients(struct kv_net *net)
{
	struct client cl[4];
	int i;

	for (i = 0; i < 3; i++) {
		client_open(&cl[i]);
		expect(&cl[i], "PING\r\n", "+PONG\r\n");
	}
	CHECK_EQ(kv_net_clients(net), 3);
	client_open(&cl[3]);
	run_until(got_fin, &cl[3]);
	CHECK_STREQ(cl[3].rx, "-ERR max number of clients reached\r\n");
	for (i = 0; i < 4; i++)
		ak_tcp_close(cl[i].c);
	pair_settle(&p);
	CHECK_EQ(kv_net_clients(net), 0);
}

int main(void)
{
	struct kv_server *srv = test_server();
	struct kv_net *net;

	check_timeout(60);
	pair_open(&p, 4096, 1500);
	CHECK_OK(kv_net_start(p.b, srv, PORT, 3, &net));
	test_pipeline();
	test_error_closes_one_client();
	pair_settle(&p);
	CHECK_EQ(kv_net_clients(net), 0);
	test_maxclients(net);
	kv_net_stop(net);
	pair_settle(&p);
	pair_check_frames(&p);
	pair_close(&p);
	kv_server_destroy(srv);
	return 0;
}
