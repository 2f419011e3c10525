// SPDX-License-Identifier: MIT
/*
 * RST and SYN validation against a scripted peer (RFC 9293 3.10.7, RFC
 * 5961): in every synchronized state an RST at exactly RCV.NXT resets, one
 * elsewhere in the window draws a challenge ACK and changes nothing, one
 * outside the window is dropped silently; a SYN on an established
 * connection draws a challenge ACK; challenge ACKs are rate-limited;
 * SYN-SENT accepts only an RST that acknowledges its SYN; a segment for no
 * connection is answered with the RST of RFC 9293 3.10.7.1.
 */
#include "tests/check.h"
#include "tests/unit/tcp/harness.h"

static const enum ak_tcp_state states[] = {
	AK_TCP_ESTABLISHED, AK_TCP_CLOSE_WAIT, AK_TCP_LAST_ACK,
	AK_TCP_FIN_WAIT_1,  AK_TCP_FIN_WAIT_2, AK_TCP_CLOSING,
	AK_TCP_TIME_WAIT,
};

static void send_rst(struct h_fixture *f, uint32_t seq)
{
	uint32_t saved = f->p.snd_nxt;

	f->p.snd_nxt = seq;
	h_peer_send(&f->p, TCP_RST, NULL, 0);
	f->p.snd_nxt = saved;
}

static void rst_in_state(enum ak_tcp_state state)
{
	struct h_fixture f;
	struct ak_tcp_stats st;
	struct h_seg s;

	h_fixture_open(&f, NULL, NULL, 0, 5000);
	h_fixture_to_state(&f, state);

	/* Out of window: dropped, no answer, nothing changes. */
	send_rst(&f, f.p.snd_nxt + 10000000);
	CHECK(!h_pop(&f.e, &s));
	CHECK_EQ(ak_tcp_state(f.c), state);

	/* In window but not exact: one challenge ACK, nothing changes. */
	send_rst(&f, f.p.snd_nxt + 100);
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.flags, TCP_ACK);
	CHECK_UEQ(s.ack, f.p.snd_nxt);
	CHECK(!h_pop(&f.e, &s));
	CHECK_EQ(ak_tcp_state(f.c), state);
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.challenge_acks, 1);

	/* Exact: the connection is gone, the application told. */
	f.events = 0;
	send_rst(&f, f.p.snd_nxt);
	CHECK(!h_pop(&f.e, &s));
	CHECK_EQ(ak_tcp_state(f.c), AK_TCP_CLOSED);
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.conns, 0);
	if (state == AK_TCP_ESTABLISHED || state == AK_TCP_CLOSE_WAIT ||
	    state == AK_TCP_FIN_WAIT_1 || state == AK_TCP_FIN_WAIT_2) {
		CHECK(f.events & AK_TCP_EV_ERROR);
		CHECK_EQ(ak_tcp_error(f.c), ECONNRESET);
	}
	ak_tcp_close(f.c);
	f.c = NULL;
	h_fixture_close(&f);
}

/* RFC 5961 section 4.2: a SYN in a synchronized state. */
static void test_syn_on_established(void)
{
	struct h_fixture f;
	struct h_seg s;
	uint32_t saved;

	h_fixture_open(&f, NULL, NULL, 0, 5000);
	saved = f.p.snd_nxt;
	f.p.snd_nxt = 123456;
	h_peer_send(&f.p, TCP_SYN, NULL, 0);
	f.p.snd_nxt = saved;
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.flags, TCP_ACK);
	CHECK_UEQ(s.ack, saved);
	CHECK(!h_pop(&f.e, &s));
	CHECK_EQ(ak_tcp_state(f.c), AK_TCP_ESTABLISHED);

	/* An in-window SYN too: challenge, no reset. */
	h_peer_send(&f.p, TCP_SYN, NULL, 0);
	f.p.snd_nxt = saved;
	CHECK(h_pop(&f.e, &s));
	CHECK_EQ(s.flags, TCP_ACK);
	CHECK_EQ(ak_tcp_state(f.c), AK_TCP_ESTABLISHED);
	h_fixture_close(&f);
}

/* RFC 5961 section 7: at most challenge_ack_limit per second. */
static void test_challenge_ack_limit(void)
{
	struct ak_tcp_config cfg;
	struct ak_tcp_stats st;
	struct h_fixture f;

	h_config(&cfg);
	cfg.challenge_ack_limit = 5;
	h_fixture_open(&f, &cfg, NULL, 0, 5000);
	for (int i = 0; i < 20; i++)
		send_rst(&f, f.p.snd_nxt + 1 + (uint32_t)i);
	CHECK_EQ(h_drain(&f.e), 5);
	ak_tcp_engine_stats(f.tcp, &st);
	CHECK_EQ(st.challenge_acks, 5);
	CHECK_EQ(st.challenge_acks_limited, 15);
	h_now += AK_NSEC_PER_SEC;
	send_rst(&f, f.p.snd_nxt + 1);
	CHECK_EQ(h_drain(&f.e), 1);
	CHECK_EQ(ak_tcp_state(f.c), AK_TCP_ESTABLISHED);
	h_fixture_close(&f);
}

/* RFC 9293 3.10.7.3 with RFC 5961 3.2: RSTs in SYN-SENT. */
static void test_rst_syn_sent(void)
{
	struct h_env e;
	struct ak_tcp *tcp;
	struct ak_tcp_conn *c;
	struct h_seg syn;

	h_env_init(&e, H_LOCAL);
	tcp = h_engine(&e, NULL);
	CHECK_OK(ak_tcp_engine_connect(tcp, H_REMOTE, 9, NULL, NULL, &c));
	CHECK(h_pop(&e, &syn));
	struct h_spec r = {
		.saddr = H_REMOTE,
		.daddr = H_LOCAL,
		.sport = 9,
		.dport = syn.sport,
		.seq = 0,
		.flags = TCP_RST,
	};
	h_send(&e, tcp, &r); /* no ACK: ignored */
	CHECK_EQ(ak_tcp_state(c), AK_TCP_SYN_SENT);
	r.flags = TCP_RST | TCP_ACK;
	r.ack = syn.seq + 5; /* does not acknowledge our SYN */
	h_send(&e, tcp, &r);
	CHECK_EQ(ak_tcp_state(c), AK_TCP_SYN_SENT);
	CHECK(!h_pop(&e, &syn)); /* never an RST for an RST */
	r.ack = syn.seq + 1;
	h_send(&e, tcp, &r);
	CHECK_EQ(ak_tcp_state(c), AK_TCP_CLOSED);
	CHECK_EQ(ak_tcp_error(c), ECONNREFUSED);
	ak_tcp_close(c);
	ak_tcp_destroy(tcp);
}

/* RFC 9293 3.10.7.1: the answers of a closed port. */
static void test_no_connection(void)
{
	struct h_env e;
	struct ak_tcp *tcp;
	struct h_seg s;
	uint8_t data[10] = {0};

	h_env_init(&e, H_LOCAL);
	tcp = h_engine(&e, NULL);
	struct h_spec in = {
		.saddr = H_REMOTE,
		.daddr = H_LOCAL,
		.sport = 1234,
		.dport = 4321,
		.seq = 1000,
		.flags = TCP_SYN,
		.data = data,
		.len = sizeof(data),
	};
	h_send(&e, tcp, &in);
	CHECK(h_pop(&e, &s));
	CHECK_EQ(s.flags, TCP_RST | TCP_ACK);
	CHECK_UEQ(s.seq, 0);
	CHECK_UEQ(s.ack, 1000 + 1 + sizeof(data));
	CHECK_EQ(s.sport, 4321);
	CHECK_EQ(s.dport, 1234);
	in.flags = TCP_ACK;
	in.ack = 777;
	h_send(&e, tcp, &in);
	CHECK(h_pop(&e, &s));
	CHECK_EQ(s.flags, TCP_RST);
	CHECK_UEQ(s.seq, 777);
	in.flags = TCP_RST;
	h_send(&e, tcp, &in);
	CHECK(!h_pop(&e, &s));
	ak_tcp_destroy(tcp);
	CHECK_EQ(h_live_frames, 0);
}

int main(void)
{
	check_timeout(30);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		rst_in_state(states[i]);
	test_syn_on_established();
	test_challenge_ack_limit();
	test_rst_syn_sent();
	test_no_connection();
	return 0;
}
