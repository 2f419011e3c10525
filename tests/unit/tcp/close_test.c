// SPDX-License-Identifier: MIT
/*
 * Closing against a scripted peer: FIN retransmitted until acknowledged;
 * simultaneous close through CLOSING to TIME-WAIT; TIME-WAIT lasting 2 MSL
 * and re-ACKing a retransmitted FIN; a new SYN reusing the 4-tuple of a
 * TIME-WAIT connection; close with data queued (all data, then FIN); close
 * with unread data (RST); an orphan's FIN-WAIT-2 timing out; data arriving
 * after close answered by RST.
 */
#include "tests/check.h"
#include "tests/unit/tcp/harness.h"

static uint8_t data[100000];

static uint64_t run_timer(struct h_fixture *f)
{
	uint64_t next = ak_tcp_poll(f->tcp, h_now);

	CHECK(next != UINT64_MAX);
	h_now = next;
	ak_tcp_poll(f->tcp, h_now);
	return next;
}

static void test_fin_retransmit(void)
{
	struct h_fixture f;
	struct h_seg s;
	uint32_t fin_seq;

	h_fixture_open(&f, NULL, NULL, 0, 100);
	CHECK_OK(ak_tcp_shutdown(f.c));
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.flags, TCP_FIN | TCP_ACK);
	fin_seq = s.seq;
	for (int i = 0; i < 3; i++) {
		run_timer(&f);
		CHECK(h_pop(&f.e, &s));
		CHECK_EQ(s.flags, TCP_FIN | TCP_ACK);
		CHECK_UEQ(s.seq, fin_seq);
	}
	f.p.rcv_nxt = fin_seq + 1;
	h_peer_send(&f.p, TCP_ACK, NULL, 0);
	CHECK_EQ(ak_tcp_state(f.c), AK_TCP_FIN_WAIT_2);
	CHECK(!h_pop(&f.e, &s));
	h_fixture_close(&f);
}

/* RFC 9293 3.6 figure 13: both FINs cross. */
static void test_simultaneous_close(void)
{
	struct h_fixture f;
	struct h_seg s;
	uint64_t t0;

	h_fixture_open(&f, NULL, NULL, 0, 100);
	CHECK_OK(ak_tcp_shutdown(f.c));
	CHECK(h_pop(&f.e, &s)); /* our FIN, not yet seen by the peer */
	h_peer_send(&f.p, TCP_FIN | TCP_ACK, NULL, 0);
	CHECK_EQ(ak_tcp_state(f.c), AK_TCP_CLOSING);
	CHECK(f.events & AK_TCP_EV_PEER_FIN);
	CHECK(h_pop(&f.e, &s));
	CHECK_UEQ(s.ack, f.p.snd_nxt);
	f.p.rcv_nxt = s.seq; /* the ACK carries SND.NXT, past our FIN */
	h_peer_send(&f.p, TCP_ACK, NULL, 0);
	CHECK_EQ(ak_tcp_state(f.c), AK_TCP_TIME_WAIT);

	/* TIME-WAIT: a retransmitted FIN is ACKed; 2 MSL = 60 s. */
	t0 = h_now;
	f.p.snd_nxt--;
	h_peer_send(&f.p, TCP_FIN | TCP_ACK, NULL, 0);
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.flags, TCP_ACK);
	CHECK_UEQ(s.ack, f.p.snd_nxt);
	ak_tcp_close(f.c);
	f.c = NULL;
	CHECK_UEQ(run_timer(&f), t0 + 60 * AK_NSEC_PER_SEC);
	struct ak_tcp_stats st;
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.conns, 0);
	CHECK_EQ(st.timewait, 0);
	h_fixture_close(&f);
}

/* RFC 6191: a SYN above the old sequence space reuses the 4-tuple. */
static void test_timewait_reuse(void)
{
	struct h_fixture f;
	struct h_seg sa;
	struct ak_tcp_conn *c2;
	struct ak_tcp_stats st;
	uint32_t old;

	h_fixture_open(&f, NULL, NULL, 0, 100);
	h_fixture_to_state(&f, AK_TCP_TIME_WAIT);
	ak_tcp_close(f.c);
	f.c = NULL;
	/* An old-sequence SYN is not a new incarnation: just an ACK. */
	old = f.p.snd_nxt;
	f.p.snd_nxt = old - 50;
	h_peer_send(&f.p, TCP_SYN, NULL, 0);
	CHECK(h_pop(&f.e, &sa));
	CHECK_EQ(sa.flags, TCP_ACK);
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.timewait, 1);
	/* A higher one is. */
	f.p.snd_nxt = old + 100000;
	h_peer_connect(&f.p, NULL, 0, &sa);
	CHECK_OK(ak_tcp_accept(f.l, &c2));
	CHECK_EQ(ak_tcp_state(c2), AK_TCP_ESTABLISHED);
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.timewait, 0);
	CHECK_EQ(st.timewait_reused, 1);
	CHECK_EQ(st.conns, 1);
	f.c = c2;
	h_fixture_close(&f);
}

/* RFC 9293 3.10.4: queued data goes out in full, then FIN. */
static void test_close_with_queued_data(void)
{
	struct h_fixture f;
	struct h_seg s;
	static uint8_t got[sizeof(data)];
	uint32_t n = 0, start;
	bool fin = false;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	h_fixture_open(&f, NULL, NULL, 0, 100);
	start = f.p.rcv_nxt;
	CHECK_EQ(ak_tcp_send(f.c, data, sizeof(data)), (long)sizeof(data));
	ak_tcp_close(f.c);
	f.c = NULL;
	for (int round = 0; round < 500 && !fin; round++) {
		while (h_pop(&f.e, &s)) {
			CHECK(!fin);
			CHECK_UEQ(s.seq, f.p.rcv_nxt);
			memcpy(got + n, s.data, s.len);
			n += s.len;
			f.p.rcv_nxt += s.len;
			if (s.flags & TCP_FIN) {
				fin = true;
				f.p.rcv_nxt++;
			}
		}
		h_peer_send(&f.p, TCP_ACK, NULL, 0);
	}
	CHECK(fin);
	CHECK_EQ(n, sizeof(data));
	CHECK_UEQ(f.p.rcv_nxt, start + sizeof(data) + 1);
	CHECK_MEMEQ(got, data, sizeof(data));
	/* The peer closes too; the orphan finishes through TIME-WAIT. */
	h_peer_send(&f.p, TCP_FIN | TCP_ACK, NULL, 0);
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.flags, TCP_ACK);
	run_timer(&f);
	struct ak_tcp_stats st;
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.conns, 0);
	h_fixture_close(&f);
}

/* RFC 2525 2.17: closing with unread data resets. */
static void test_close_with_unread_data(void)
{
	struct h_fixture f;
	struct h_seg s;

	h_fixture_open(&f, NULL, NULL, 0, 100);
	h_peer_send(&f.p, TCP_ACK | TCP_PSH, data, 100);
	h_drain(&f.e);
	ak_tcp_close(f.c);
	f.c = NULL;
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.flags, TCP_RST | TCP_ACK);
	CHECK_UEQ(s.seq, f.p.rcv_nxt);
	CHECK_UEQ(s.ack, f.p.snd_nxt);
	struct ak_tcp_stats st;
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.conns, 0);
	CHECK_EQ(st.rx_frames_held, 0);
	h_fixture_close(&f);
}

/* An orphan in FIN-WAIT-2 gives up; data after close draws RST. */
static void test_orphan(void)
{
	struct ak_tcp_config cfg;
	struct ak_tcp_stats st;
	struct h_fixture f;
	struct h_seg s;

	h_config(&cfg);
	cfg.fin_wait2_ns = 5 * AK_NSEC_PER_SEC;
	h_fixture_open(&f, &cfg, NULL, 0, 100);
	h_fixture_to_state(&f, AK_TCP_FIN_WAIT_2);
	ak_tcp_close(f.c);
	f.c = NULL;
	run_timer(&f);
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.conns, 0);
	h_fixture_close(&f);

	h_fixture_open(&f, &cfg, NULL, 0, 100);
	ak_tcp_close(f.c);
	f.c = NULL;
	h_peer_absorb(&f.p, NULL);
	h_peer_send(&f.p, TCP_ACK, data, 10);
	CHECK(h_pop(&f.e, &s));
	CHECK(s.flags & TCP_RST);
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.conns, 0);
	h_fixture_close(&f);
}

int main(void)
{
	check_timeout(30);
	test_fin_retransmit();
	test_simultaneous_close();
	test_timewait_reuse();
	test_close_with_queued_data();
	test_close_with_unread_data();
	test_orphan();
	CHECK_EQ(h_live_frames, 0);
	return 0;
}
