// SPDX-License-Identifier: MIT
/*
 * Many short connections between two engines over a wire with 2% loss,
 * reordering and duplication: 100,000 connections (500 at a time), each
 * echoing 100 bytes and closed by the server first, so TIME-WAIT 4-tuples
 * are reused. After TIME-WAIT and the longest retransmission timeout both
 * engines hold no connection and no frame, and the heap is back to what
 * the first 10,000 left (no per-connection leak). Then a flood of 100,000
 * spoofed SYNs: half-open state stays within the backlog and real clients
 * still connect during the flood.
 */
#include <malloc.h>
#include <arpa/inet.h>
#include <stdio.h>

#include "tests/check.h"
#include "tests/unit/tcp/harness.h"

#define A_ADDR	 0x640012c6u
#define B_ADDR	 0x020012c6u
#define PARALLEL 500
#define MSG	 100

static struct {
	struct h_env ea, eb;
	struct ak_tcp *a, *b;
	struct ak_tcp_listener *l;
	struct h_wire *w;
	uint64_t opened, done, failed;
} g;

struct cl {
	struct ak_tcp_conn *c;
	uint32_t got;
};

static void client_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	struct cl *cl = ctx;
	uint8_t buf[MSG];

	if (ev & AK_TCP_EV_ERROR) {
		g.failed++;
		ak_tcp_close(c);
		free(cl);
		return;
	}
	if (ev & AK_TCP_EV_CONNECTED)
		CHECK_EQ(ak_tcp_send(c,
				     "0123456789abcdefghij0123456789abcdefghij"
				     "0123456789abcdefghij0123456789abcdefghij"
				     "0123456789abcdefghij",
				     MSG),
			 MSG);
	cl->got += (uint32_t)ak_tcp_recv(c, buf, sizeof(buf));
	if (ak_tcp_peer_closed(c)) {
		CHECK_EQ(cl->got, MSG);
		g.done++;
		ak_tcp_close(c);
		free(cl);
	}
}

static void server_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	struct ak_tcp_conn_info ci;
	uint8_t buf[MSG];
	size_t n;

	(void)ctx;
	if (ev & AK_TCP_EV_ERROR) {
		ak_tcp_close(c);
		return;
	}
	n = ak_tcp_recv(c, buf, sizeof(buf));
	if (n)
		CHECK_EQ(ak_tcp_send(c, buf, n), (long)n);
	ak_tcp_conn_info(c, &ci);
	if (ci.bytes_in == MSG && !ci.readable)
		ak_tcp_close(c); /* the server closes first */
}

static void on_accept(void *ctx, struct ak_tcp_listener *l)
{
	struct ak_tcp_conn *c;

	(void)ctx;
	while (ak_tcp_accept(l, &c) == 0) {
		ak_tcp_set_callback(c, server_event, NULL);
		server_event(NULL, c, AK_TCP_EV_READABLE);
	}
}

static void open_one(void)
{
	struct cl *cl = calloc(1, sizeof(*cl));

	CHECK(cl);
	CHECK_OK(ak_tcp_engine_connect(g.a, B_ADDR, 80, client_event, cl,
				       &cl->c));
	g.opened++;
}

static void run_connections(uint64_t total)
{
	uint64_t target = g.opened + total;

	while (g.done + g.failed < target) {
		while (g.opened < target &&
		       g.opened - g.done - g.failed < PARALLEL)
			open_one();
		CHECK(h_wire_step(g.w));
	}
}

static void settle(void)
{
	struct ak_tcp_stats sa, sb;

	while (h_wire_step(g.w))
		;
	ak_tcp_engine_stats(g.a, &sa);
	ak_tcp_engine_stats(g.b, &sb);
	CHECK_EQ(sa.conns, 0);
	CHECK_EQ(sb.conns, 0);
	CHECK_EQ(sb.half_open, 0);
	CHECK_EQ(sa.rx_frames_held + sb.rx_frames_held, 0);
	CHECK_EQ(h_live_frames, 0);
}

static void test_churn(void)
{
	struct h_wire_cfg wc = {
		.seed = 11,
		.loss = 0.02,
		.dup = 0.005,
		.reorder = 0.01,
		.delay_ns = 200 * AK_NSEC_PER_USEC,
		.jitter_ns = AK_NSEC_PER_MSEC,
	};
	struct ak_tcp_stats sb;
	size_t base, after;

	h_env_init(&g.ea, A_ADDR);
	h_env_init(&g.eb, B_ADDR);
	g.a = h_engine(&g.ea, NULL);
	g.b = h_engine(&g.eb, NULL);
	CHECK_OK(ak_tcp_engine_listen(g.b, 80, 1024, on_accept, NULL, &g.l));
	g.w = h_wire_new(&wc, &g.ea, g.a, &g.eb, g.b);

	run_connections(10000);
	settle();
	base = mallinfo2().uordblks;
	run_connections(90000);
	settle();
	after = mallinfo2().uordblks;
	ak_tcp_engine_stats(g.b, &sb);
	printf("churn: %llu done, %llu failed, server: %llu passive opens, "
	       "%llu TIME-WAIT reused, %llu retransmits; heap %zu -> %zu\n",
	       (unsigned long long)g.done, (unsigned long long)g.failed,
	       (unsigned long long)sb.passive_opens,
	       (unsigned long long)sb.timewait_reused,
	       (unsigned long long)sb.retransmits, base, after);
	CHECK_EQ(g.done + g.failed, 100000);
	CHECK_LE(g.failed, 100); /* only connections the loss timed out */
	CHECK_LE(after, base + 64 * 1024);
}

/* 100,000 spoofed SYNs with real clients connecting in between. */
static void test_syn_flood(void)
{
	struct ak_tcp_stats sb;
	uint64_t done0 = g.done, max_half = 0, max_conns = 0;
	uint64_t rng = 99;

	g.eb.blackhole_10 = true; /* spoofed sources never answer */
	for (int i = 0; i < 100000; i++) {
		uint64_t r = h_rand(&rng);
		struct h_spec s = {
			.saddr = htonl(0x0a000000u | (uint32_t)(r & 0xffffff)),
			.daddr = B_ADDR,
			.sport = (uint16_t)(r >> 32),
			.dport = 80,
			.seq = (uint32_t)(r >> 16),
			.flags = TCP_SYN,
			.wnd = 1000,
		};
		h_send(&g.eb, g.b, &s);
		if (i % 1000 == 0)
			open_one();
		if (i % 10 == 0)
			h_wire_step(g.w);
		ak_tcp_engine_stats(g.b, &sb);
		if (sb.half_open > max_half)
			max_half = sb.half_open;
		if (sb.conns > max_conns)
			max_conns = sb.conns;
	}
	while (g.done + g.failed < g.opened)
		CHECK(h_wire_step(g.w));
	printf("syn flood: max half-open %llu, max connections %llu, "
	       "%llu real clients served\n",
	       (unsigned long long)max_half, (unsigned long long)max_conns,
	       (unsigned long long)(g.done - done0));
	CHECK_LE(max_half, 1024);
	CHECK_LE(max_conns, 1024 + PARALLEL);
	CHECK_GE(g.done - done0, 95);
	settle();
	ak_tcp_listener_close(g.l);
	h_wire_free(g.w);
	ak_tcp_destroy(g.a);
	ak_tcp_destroy(g.b);
}

int main(void)
{
	check_timeout(300);
	test_churn();
	test_syn_flood();
	CHECK_EQ(h_live_frames, 0);
	return 0;
}
