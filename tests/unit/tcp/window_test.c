// SPDX-License-Identifier: MIT
/*
 * Flow control and idle connections against a scripted peer: a zero window
 * probed with backoff until it opens, and every probe of ours answered;
 * our own zero window answering the peer's probes and reopening with an
 * update; keep-alive probes after idle, answered or timing out; writes far
 * larger than the send buffer with partial acceptance and WRITABLE.
 */
#include "tests/check.h"
#include "tests/unit/tcp/harness.h"

static uint8_t data[1 << 20];

/* The peer advertises a zero window; we probe with backoff. */
static void test_peer_zero_window(void)
{
	struct h_fixture f;
	struct h_seg s;
	uint64_t t[4];
	uint32_t una;

	h_fixture_open(&f, NULL, NULL, 0, 100);
	f.p.wnd = 0;
	h_peer_send(&f.p, TCP_ACK, NULL, 0);
	CHECK_EQ(ak_tcp_send(f.c, data, 5000), 5000);
	CHECK(!h_pop(&f.e, &s)); /* nothing fits a zero window */
	una = f.p.rcv_nxt;
	for (int i = 0; i < 4; i++) {
		t[i] = ak_tcp_poll(f.tcp, h_now);
		CHECK(t[i] != UINT64_MAX);
		h_now = t[i];
		ak_tcp_poll(f.tcp, h_now);
		CHECK(h_pop(&f.e, &s));
		CHECK_EQ(s.len, 0);
		CHECK_UEQ(s.seq, una - 1); /* always answered (out of window) */
		CHECK(!h_pop(&f.e, &s));
		h_peer_send(&f.p, TCP_ACK, NULL, 0); /* still zero */
	}
	/* Backoff: each interval twice the previous. */
	for (int i = 2; i < 4; i++)
		CHECK_UEQ(t[i] - t[i - 1], 2 * (t[i - 1] - t[i - 2]));
	/* The window opens: the data flows at once. */
	f.p.wnd = 65535;
	h_peer_send(&f.p, TCP_ACK, NULL, 0);
	CHECK_EQ(h_peer_absorb(&f.p, NULL), 4); /* initial window, MSS 536 */
	for (int i = 0; i < 5; i++) {
		h_peer_send(&f.p, TCP_ACK, NULL, 0);
		h_peer_absorb(&f.p, NULL);
	}
	CHECK_UEQ(f.p.rcv_nxt, una + 5000);
	h_fixture_close(&f);
}

/* Our window fills: probes get ACKs with a zero window, then an update. */
static void test_our_zero_window(void)
{
	struct ak_tcp_config cfg;
	struct h_fixture f;
	struct h_seg s;
	uint8_t buf[8192];

	h_config(&cfg);
	cfg.rcvbuf = 4096;
	h_fixture_open(&f, &cfg, NULL, 0, 100);
	CHECK_EQ(f.synack.wnd, 4096);
	h_peer_send(&f.p, TCP_ACK, data, 1400);
	h_peer_send(&f.p, TCP_ACK, data + 1400, 1400);
	h_peer_send(&f.p, TCP_ACK, data + 2800, 1296);
	CHECK(h_pop(&f.e, &s)); /* every second segment is acknowledged */
	CHECK_EQ(s.wnd, 4096 - 2800);
	h_now += 40 * AK_NSEC_PER_MSEC; /* the delayed ACK of the third */
	ak_tcp_poll(f.tcp, h_now);
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.wnd, 0);
	CHECK_UEQ(s.ack, f.p.snd_nxt);
	/* A one-byte probe beyond the window and a keep-alive style one. */
	for (int i = 0; i < 3; i++) {
		h_peer_send(&f.p, TCP_ACK, data, 1);
		f.p.snd_nxt--;
		CHECK(h_pop(&f.e, &s));
		CHECK_EQ(s.wnd, 0);
		CHECK_UEQ(s.ack, f.p.snd_nxt);
	}
	f.p.snd_nxt--;
	h_peer_send(&f.p, TCP_ACK, NULL, 0);
	f.p.snd_nxt++;
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.wnd, 0);
	/* Reading reopens the window with an update. */
	CHECK_EQ(ak_tcp_recv(f.c, buf, sizeof(buf)), 4096);
	CHECK_GE(h_peer_absorb(&f.p, &s), 1);
	CHECK_GE(s.wnd, 4096 / 2); /* at least half open again */
	CHECK_UEQ(s.ack, f.p.snd_nxt);
	h_fixture_close(&f);
}

/* RFC 9293 3.8.4: keep-alive probes, answered then unanswered. */
static void test_keepalive(void)
{
	struct ak_tcp_config cfg;
	struct ak_tcp_stats st;
	struct h_fixture f;
	struct h_seg s;
	uint64_t next;

	h_config(&cfg);
	cfg.keepalive_intvl_ns = AK_NSEC_PER_SEC;
	cfg.keepalive_probes = 3;
	h_fixture_open(&f, &cfg, NULL, 0, 100);
	ak_tcp_set_keepalive(f.c, 10 * AK_NSEC_PER_SEC);
	next = ak_tcp_poll(f.tcp, h_now);
	CHECK_UEQ(next, h_now + 10 * AK_NSEC_PER_SEC);
	h_now = next;
	ak_tcp_poll(f.tcp, h_now);
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.len, 0);
	CHECK_UEQ(s.seq, f.p.rcv_nxt - 1);
	/* The peer answers: the connection is idle again for 10 s. */
	h_peer_send(&f.p, TCP_ACK, NULL, 0);
	next = ak_tcp_poll(f.tcp, h_now);
	h_now = next;
	ak_tcp_poll(f.tcp, h_now);
	CHECK(!h_pop(&f.e, &s)); /* the timer re-armed for the idle end */
	next = ak_tcp_poll(f.tcp, h_now);
	h_now = next;
	ak_tcp_poll(f.tcp, h_now);
	CHECK(h_pop(&f.e, &s));
	/* Now silence: two more probes one second apart, then ETIMEDOUT. */
	for (int i = 0; i < 3; i++) {
		next = ak_tcp_poll(f.tcp, h_now);
		h_now = next;
		ak_tcp_poll(f.tcp, h_now);
	}
	CHECK_EQ(h_drain(&f.e), 2);
	CHECK_EQ(ak_tcp_state(f.c), AK_TCP_CLOSED);
	CHECK_EQ(ak_tcp_error(f.c), ETIMEDOUT);
	CHECK(f.events & AK_TCP_EV_ERROR);
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.keepalive_probes, 4);
	CHECK_EQ(st.keepalive_timeouts, 1);
	ak_tcp_close(f.c);
	f.c = NULL;
	h_fixture_close(&f);
}

/* The peer's keep-alive (SEG.SEQ = RCV.NXT - 1) is always answered. */
static void test_answer_keepalive(void)
{
	struct h_fixture f;
	struct h_seg s;

	h_fixture_open(&f, NULL, NULL, 0, 100);
	f.p.snd_nxt--;
	h_peer_send(&f.p, TCP_ACK, NULL, 0);
	f.p.snd_nxt++;
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.flags, TCP_ACK);
	CHECK_UEQ(s.ack, f.p.snd_nxt);
	h_fixture_close(&f);
}

/* 1 MB through a 16 KiB send buffer: partial sends and WRITABLE. */
static void test_large_write(void)
{
	struct ak_tcp_config cfg;
	struct h_fixture f;
	struct h_seg s;
	static uint8_t got[sizeof(data)];
	size_t sent = 0, rcvd = 0;
	unsigned writable = 0;
	long r;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 11));
	h_config(&cfg);
	cfg.sndbuf = 16384;
	h_fixture_open(&f, &cfg, NULL, 0, 100);
	r = ak_tcp_send(f.c, data, sizeof(data));
	CHECK_EQ(r, 16384);
	sent = (size_t)r;
	CHECK_EQ(ak_tcp_send(f.c, data, 1), -EAGAIN);
	while (rcvd < sizeof(data)) {
		f.events = 0;
		while (h_pop(&f.e, &s)) {
			CHECK_UEQ(s.seq, f.p.rcv_nxt);
			memcpy(got + rcvd, s.data, s.len);
			rcvd += s.len;
			f.p.rcv_nxt += s.len;
		}
		h_peer_send(&f.p, TCP_ACK, NULL, 0);
		if (f.events & AK_TCP_EV_WRITABLE) {
			writable++;
			r = ak_tcp_send(f.c, data + sent, sizeof(data) - sent);
			CHECK_GT(r, 0);
			sent += (size_t)r;
		}
		CHECK(writable < 10000);
	}
	CHECK_EQ(sent, sizeof(data));
	CHECK_MEMEQ(got, data, sizeof(data));
	CHECK_GE(writable, sizeof(data) / 16384 - 1);
	h_fixture_close(&f);
}

int main(void)
{
	check_timeout(30);
	test_peer_zero_window();
	test_our_zero_window();
	test_keepalive();
	test_answer_keepalive();
	test_large_write();
	CHECK_EQ(h_live_frames, 0);
	return 0;
}
