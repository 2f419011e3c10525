// SPDX-License-Identifier: MIT
/*
 * The data path against a scripted peer: out-of-order and overlapping
 * segments reassembled byte-exact with immediate duplicate ACKs; sequence
 * numbers across 2^32 in both directions; delayed ACKs (every second
 * segment or after the timer); the payload handed over in place.
 */
#include <arpa/inet.h>

#include "tests/check.h"
#include "tests/unit/tcp/harness.h"

static uint8_t stream[1 << 16];

static void fill_stream(void)
{
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)(i * 7 + (i >> 8));
}

/* The peer sends stream[off, off+len) at its sequence base + off. */
static void send_at(struct h_fixture *f, uint32_t base, uint32_t off,
		    uint32_t len)
{
	uint32_t saved = f->p.snd_nxt;

	f->p.snd_nxt = base + off;
	h_peer_send(&f->p, TCP_ACK, stream + off, len);
	f->p.snd_nxt = saved;
}

static void read_all(struct h_fixture *f, uint8_t *out, size_t *n)
{
	*n += ak_tcp_recv(f->c, out + *n, sizeof(stream) - *n);
}

static void test_out_of_order(uint32_t isn)
{
	struct h_fixture f;
	static uint8_t got[sizeof(stream)];
	size_t n = 0;
	uint32_t base;
	struct h_seg s;

	h_fixture_open(&f, NULL, NULL, 0, isn);
	base = f.p.snd_nxt;

	/* [1000,2000) first: a gap, so an immediate duplicate ACK. */
	send_at(&f, base, 1000, 1000);
	CHECK(h_pop(&f.e, &s));
	CHECK_UEQ(s.ack, base);
	CHECK(!(f.events & AK_TCP_EV_READABLE));
	/* Overlapping pieces inside and around it. */
	send_at(&f, base, 1500, 1000); /* [1500,2500) overlaps the tail */
	send_at(&f, base, 1200, 300);  /* entirely inside */
	send_at(&f, base, 3000, 500);  /* a second gap */
	send_at(&f, base, 2900, 700);  /* covers [3000,3500) entirely */
	CHECK_EQ(h_drain(&f.e), 4);    /* each gets a duplicate ACK */
	CHECK_EQ(ak_tcp_recv(f.c, got, sizeof(got)), 0);

	/* [0,1200) fills the first hole, overlapping queued data. */
	send_at(&f, base, 0, 1200);
	CHECK(h_pop(&f.e, &s));
	CHECK_UEQ(s.ack, base + 2500); /* hole filled: ACK at once */
	CHECK(f.events & AK_TCP_EV_READABLE);
	read_all(&f, got, &n);
	CHECK_EQ(n, 2500);
	/* [2400,2950) bridges to the second queued run. */
	send_at(&f, base, 2400, 550);
	CHECK(h_pop(&f.e, &s));
	CHECK_UEQ(s.ack, base + 3600);
	read_all(&f, got, &n);
	CHECK_EQ(n, 3600);
	CHECK_MEMEQ(got, stream, 3600);

	/* A duplicate of old data is acknowledged, not delivered. */
	send_at(&f, base, 100, 100);
	CHECK(h_pop(&f.e, &s));
	CHECK_UEQ(s.ack, base + 3600);
	CHECK_EQ(ak_tcp_recv(f.c, got, sizeof(got)), 0);
	h_fixture_close(&f);
}

/* Delayed ACK: every second full segment at once, else after 40 ms. */
static void test_delayed_ack(void)
{
	struct h_fixture f;
	struct h_seg s;
	uint8_t buf[2000];
	uint64_t next;

	h_fixture_open(&f, NULL, NULL, 0, 1);
	h_peer_send(&f.p, TCP_ACK, stream, 1000);
	CHECK(!h_pop(&f.e, &s));
	h_peer_send(&f.p, TCP_ACK, stream, 1000);
	CHECK(h_pop(&f.e, &s));
	CHECK_UEQ(s.ack, f.p.snd_nxt);
	h_peer_send(&f.p, TCP_ACK, stream, 1000);
	CHECK(!h_pop(&f.e, &s));
	next = ak_tcp_poll(f.tcp, h_now);
	CHECK_UEQ(next, h_now + 40 * AK_NSEC_PER_MSEC);
	h_now = next;
	ak_tcp_poll(f.tcp, h_now);
	CHECK(h_pop(&f.e, &s));
	CHECK_UEQ(s.ack, f.p.snd_nxt);
	CHECK_EQ(ak_tcp_recv(f.c, buf, sizeof(buf)), 2000);
	h_fixture_close(&f);
}

/* Our sequence numbers cross 2^32: the ISN clock is placed to make it so. */
static void test_send_wrap(void)
{
	struct h_env e;
	struct ak_tcp *tcp;
	struct ak_tcp_listener *l;
	struct ak_tcp_conn *c;
	struct h_peer p;
	struct h_seg sa, s;
	uint32_t isn0, want = 0xffffffffu - 3000;
	uint64_t saved_now = h_now;
	static uint8_t got[20000];
	uint32_t got_len = 0;

	h_env_init(&e, H_LOCAL);
	tcp = h_engine(&e, NULL);
	tcp->now = 0;
	isn0 = tcp_isn(tcp, H_LOCAL, htons(80), H_REMOTE, htons(40000));
	/* RFC 6528: ISN = M + F(); choose M (4 us ticks) for ISN = want. */
	h_now = (uint64_t)(uint32_t)(want - isn0) * 4000;
	CHECK_OK(ak_tcp_engine_listen(tcp, 80, 4, NULL, NULL, &l));
	p = (struct h_peer){.e = &e,
			    .tcp = tcp,
			    .addr = H_REMOTE,
			    .our_addr = H_LOCAL,
			    .port = 40000,
			    .our_port = 80,
			    .snd_nxt = 1,
			    .wnd = 65535};
	h_peer_connect(&p, NULL, 0, &sa);
	CHECK_UEQ(sa.seq, want);
	CHECK_OK(ak_tcp_accept(l, &c));
	CHECK_EQ(ak_tcp_send(c, stream, 20000), 20000);
	for (int round = 0; round < 20 && got_len < 20000; round++) {
		while (h_pop(&e, &s)) {
			CHECK_UEQ(s.seq, p.rcv_nxt);
			memcpy(got + got_len, s.data, s.len);
			got_len += s.len;
			p.rcv_nxt += s.len;
		}
		h_peer_send(&p, TCP_ACK, NULL, 0);
	}
	CHECK_EQ(got_len, 20000);
	CHECK_MEMEQ(got, stream, 20000);
	CHECK(seq_lt(want, p.rcv_nxt) && p.rcv_nxt < want); /* wrapped */
	struct ak_tcp_conn_info ci;
	ak_tcp_conn_info(c, &ci);
	CHECK_EQ(ci.unacked, 0);
	ak_tcp_abort(c);
	ak_tcp_listener_close(l);
	h_drain(&e);
	ak_tcp_destroy(tcp);
	h_now = saved_now + AK_NSEC_PER_SEC;
}

int main(void)
{
	check_timeout(30);
	fill_stream();
	test_out_of_order(5000);
	test_out_of_order(0xffffffffu - 2000); /* receive side across 2^32 */
	test_delayed_ack();
	test_send_wrap();
	CHECK_EQ(h_live_frames, 0);
	return 0;
}
