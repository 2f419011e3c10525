// SPDX-License-Identifier: MIT
/*
 * Two engines over a simulated wire with a seeded RNG: 100 MB in each
 * direction at once, byte-exact, at 0%, 1% and 5% loss with reordering,
 * duplication and delay, with no stall (bounded simulated time); then both
 * sides close and every frame and connection is returned.
 *
 * Usage: tcp-wire-test [MB] (default 100).
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "tests/check.h"
#include "tests/unit/tcp/harness.h"

#define A_ADDR 0x640012c6u /* 198.18.0.100 */
#define B_ADDR 0x020012c6u /* 198.18.0.2 */

/* The byte at stream offset i of direction d: a keyed pattern. */
static uint8_t pattern(int d, uint64_t i)
{
	uint64_t x = (i / 8) * 0x9e3779b97f4a7c15ull + (uint64_t)d * 77;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return (uint8_t)(x >> (8 * (i % 8)));
}

struct end {
	struct ak_tcp_conn *c;
	int dir; /* the direction this end sends */
	uint64_t total, sent, rcvd;
	bool fin_seen, shut;
	unsigned errors;
};

static void pump(struct end *e)
{
	uint8_t buf[16384];

	while (e->sent < e->total) {
		size_t n = e->total - e->sent;
		long r;

		if (n > sizeof(buf))
			n = sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(e->dir, e->sent + i);
		r = ak_tcp_send(e->c, buf, n);
		if (r <= 0)
			return;
		e->sent += (uint64_t)r;
	}
	if (!e->shut) {
		e->shut = true;
		CHECK_EQ(ak_tcp_shutdown(e->c), 0);
	}
}

static void drain(struct end *e)
{
	const uint8_t *p;
	size_t n;

	while ((n = ak_tcp_peek(e->c, &p))) {
		for (size_t i = 0; i < n; i++)
			if (p[i] != pattern(!e->dir, e->rcvd + i))
				check_fail("byte %llu differs",
					   (unsigned long long)(e->rcvd + i));
		e->rcvd += n;
		ak_tcp_consume(e->c, n);
	}
	if (ak_tcp_peer_closed(e->c))
		e->fin_seen = true;
}

static void on_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	struct end *e = ctx;

	e->c = c;
	if (ev & AK_TCP_EV_ERROR)
		e->errors++;
	if (ev & AK_TCP_EV_READABLE || ev & AK_TCP_EV_PEER_FIN)
		drain(e);
	if (ev & (AK_TCP_EV_WRITABLE | AK_TCP_EV_CONNECTED))
		pump(e);
}

static struct end server;
static void on_accept(void *ctx, struct ak_tcp_listener *l)
{
	struct ak_tcp_conn *c;

	(void)ctx;
	CHECK_EQ(ak_tcp_accept(l, &c), 0);
	server.c = c;
	ak_tcp_set_callback(c, on_event, &server);
	pump(&server);
}

static bool finished(const struct ak_tcp_conn *c)
{
	return ak_tcp_state(c) == AK_TCP_TIME_WAIT ||
	       ak_tcp_state(c) == AK_TCP_CLOSED;
}

static void run(double loss, uint64_t bytes, uint64_t seed)
{
	struct h_env ea, eb;
	struct ak_tcp *a, *b;
	struct ak_tcp_listener *l;
	struct end client = {.dir = 0, .total = bytes};
	struct h_wire_cfg wc = {
		.seed = seed,
		.loss = loss,
		.dup = loss > 0 ? 0.01 : 0,
		.reorder = loss > 0 ? 0.02 : 0,
		.delay_ns = 500 * AK_NSEC_PER_USEC,
		.jitter_ns = 2 * AK_NSEC_PER_MSEC,
	};
	struct h_wire *w;
	struct ak_tcp_stats sa, sb;
	uint64_t start = h_now, steps = 0;
	uint64_t progress = 0, last_progress = h_now;

	server = (struct end){.dir = 1, .total = bytes};
	h_env_init(&ea, A_ADDR);
	h_env_init(&eb, B_ADDR);
	a = h_engine(&ea, NULL);
	b = h_engine(&eb, NULL);
	CHECK_EQ(ak_tcp_engine_listen(b, 5001, 16, on_accept, NULL, &l), 0);
	w = h_wire_new(&wc, &ea, a, &eb, b);
	CHECK_EQ(ak_tcp_engine_connect(a, B_ADDR, 5001, on_event, &client,
				       &client.c),
		 0);
	while (!(client.fin_seen && server.fin_seen && finished(client.c) &&
		 finished(server.c))) {
		if (!h_wire_step(w))
			check_fail("stalled: client sent %llu rcvd %llu, "
				   "server sent %llu rcvd %llu",
				   (unsigned long long)client.sent,
				   (unsigned long long)client.rcvd,
				   (unsigned long long)server.sent,
				   (unsigned long long)server.rcvd);
		steps++;
		if (getenv("WIRE_DEBUG") && steps % 200 == 0) {
			struct ak_tcp_conn_info ci;

			ak_tcp_conn_info(client.c, &ci);
			printf("t=%.3f una=%u nxt=%u wnd=%u cwnd=%u ssth=%u "
			       "rto=%llu srtt=%llu unacked=%u rcvd=%llu/%llu\n",
			       (double)(h_now - start) / 1e9, ci.snd_una,
			       ci.snd_nxt, ci.snd_wnd, ci.cwnd, ci.ssthresh,
			       (unsigned long long)ci.rto_us,
			       (unsigned long long)ci.srtt_us, ci.unacked,
			       (unsigned long long)client.rcvd,
			       (unsigned long long)server.rcvd);
			ak_tcp_conn_info(server.c, &ci);
			printf("  server rcv_nxt=%u rcv_wnd=%u readable=%u "
			       "state=%d ooo=%u\n",
			       ci.rcv_nxt, ci.rcv_wnd, ci.readable, ci.state,
			       server.c->ooo_count);
		}
		/* No stall: progress at least every 30 s of simulated time. */
		if (client.rcvd + server.rcvd != progress) {
			progress = client.rcvd + server.rcvd;
			last_progress = h_now;
		}
		if (h_now - last_progress > 30 * AK_NSEC_PER_SEC)
			check_fail("stalled: %llu and %llu of %llu bytes",
				   (unsigned long long)client.rcvd,
				   (unsigned long long)server.rcvd,
				   (unsigned long long)bytes);
	}
	CHECK_UEQ(client.rcvd, bytes);
	CHECK_UEQ(server.rcvd, bytes);
	CHECK_EQ(client.errors + server.errors, 0);

	ak_tcp_engine_stats(a, &sa);
	ak_tcp_engine_stats(b, &sb);
	printf("loss %.0f%%: %llu MB each way in %.1f s simulated, "
	       "%llu steps, dropped %llu, retransmits %llu+%llu, "
	       "fast %llu+%llu, rto %llu+%llu\n",
	       loss * 100, (unsigned long long)(bytes >> 20),
	       (double)(h_now - start) / 1e9, (unsigned long long)steps,
	       (unsigned long long)h_wire_dropped(w),
	       (unsigned long long)sa.retransmits,
	       (unsigned long long)sb.retransmits,
	       (unsigned long long)sa.fast_retransmits,
	       (unsigned long long)sb.fast_retransmits,
	       (unsigned long long)sa.rto_fired,
	       (unsigned long long)sb.rto_fired);
	if (loss > 0)
		CHECK_GT(sa.retransmits + sb.retransmits, 0);

	/* Both close; TIME-WAIT ends after 2 MSL; nothing is left. */
	ak_tcp_close(client.c);
	ak_tcp_close(server.c);
	while (h_wire_step(w))
		;
	ak_tcp_engine_stats(a, &sa);
	ak_tcp_engine_stats(b, &sb);
	CHECK_EQ(sa.conns, 0);
	CHECK_EQ(sb.conns, 0);
	CHECK_EQ(sa.rx_frames_held + sb.rx_frames_held, 0);
	ak_tcp_listener_close(l);
	h_wire_free(w);
	ak_tcp_destroy(a);
	ak_tcp_destroy(b);
	CHECK_EQ(h_live_frames, 0);
}

int main(int argc, char **argv)
{
	uint64_t mb = argc > 1 ? strtoull(argv[1], NULL, 10) : 100;

	check_timeout(240);
	run(0, mb << 20, 1);
	run(0.01, mb << 20, 2);
	run(0.05, mb << 20, 3);
	return 0;
}
