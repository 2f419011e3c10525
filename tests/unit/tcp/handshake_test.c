// SPDX-License-Identifier: MIT
/*
 * Opening handshakes against a scripted peer: the exact SYN-ACK with MSS,
 * window scale and timestamps; a peer MSS of 536 and an absent MSS; window
 * scale negotiation (the SYN's window is never scaled, later ones are); SYN
 * retransmission with backoff when the SYN-ACK is lost; simultaneous open;
 * the bounded SYN backlog and its half-open state freed on RST and timeout,
 * with SYN cookies answering once it is full.
 */
#include <arpa/inet.h>

#include "tests/check.h"
#include "tests/unit/tcp/harness.h"

#define LOCAL  0x640012c6u /* 198.18.0.100 in network order */
#define REMOTE 0x020012c6u /* 198.18.0.2 */

static const uint8_t opt_full[] = {
	2, 4, 0x05, 0xb4,			  /* MSS 1460 */
	1, 3, 3,    7,				  /* NOP, wscale 7 */
	1, 1, 8,    10,	  0, 0, 0, 9, 0, 0, 0, 0, /* timestamps */
};
static const uint8_t opt_mss536[] = {2, 4, 0x02, 0x18};

static int accepted;
static void on_accept(void *ctx, struct ak_tcp_listener *l)
{
	(void)ctx;
	(void)l;
	accepted++;
}

static struct h_peer peer(struct h_env *e, struct ak_tcp *tcp, uint16_t port)
{
	struct h_peer p = {
		.e = e,
		.tcp = tcp,
		.addr = REMOTE,
		.our_addr = LOCAL,
		.port = port,
		.our_port = 80,
		.snd_nxt = 1000,
		.wnd = 1000,
		.tsval = 9,
	};
	return p;
}

static void test_synack_options(void)
{
	struct h_env e;
	struct ak_tcp *tcp;
	struct ak_tcp_listener *l;
	struct ak_tcp_conn *c;
	struct ak_tcp_conn_info ci;
	struct h_peer p;
	struct h_seg sa, s;
	uint8_t buf[3000] = {0};

	h_env_init(&e, LOCAL);
	tcp = h_engine(&e, NULL);
	CHECK_EQ(ak_tcp_engine_listen(tcp, 80, 8, on_accept, NULL, &l), 0);
	CHECK_EQ(e.ngranted, 1);
	CHECK_EQ(e.granted[0], 80);
	p = peer(&e, tcp, 40000);
	h_peer_connect(&p, opt_full, sizeof(opt_full), &sa);

	/* RFC 7323 2.2: the SYN-ACK's window is unscaled (min(buf, 65535)). */
	CHECK_EQ(sa.wnd, 65535);
	CHECK(sa.opt.has_mss);
	CHECK_EQ(sa.opt.mss, 1460);
	CHECK(sa.opt.has_wscale);
	CHECK_EQ(sa.opt.wscale, 3); /* 256 KiB buffer >> 3 fits 16 bits */
	CHECK(sa.opt.has_ts);
	CHECK_UEQ(sa.opt.tsecr, 9);
	CHECK_EQ(accepted, 1);
	CHECK_EQ(ak_tcp_accept(l, &c), 0);
	CHECK_EQ(ak_tcp_accept(l, &c), -EAGAIN);
	ak_tcp_conn_info(c, &ci);
	CHECK_EQ(ci.state, AK_TCP_ESTABLISHED);
	CHECK_EQ(ci.snd_wscale, 7);
	CHECK_EQ(ci.mss, 1460 - 12);
	/* The peer's window after the SYN is scaled by 2^7. */
	CHECK_UEQ(ci.snd_wnd, 1000u << 7);

	/* Later segments scale our window by 2^3 and carry timestamps. */
	CHECK_EQ(ak_tcp_send(c, buf, sizeof(buf)), (long)sizeof(buf));
	CHECK(h_pop(&e, &s));
	CHECK_EQ(s.len, 1448);
	CHECK(s.opt.has_ts);
	CHECK_EQ(s.wnd, (256 * 1024) >> 3);
	CHECK(h_pop(&e, &s));
	CHECK_EQ(s.len, 1448);
	CHECK(h_pop(&e, &s));
	CHECK_EQ(s.len, 3000 - 2 * 1448);
	CHECK(s.flags & TCP_PSH);
	ak_tcp_abort(c);
	h_drain(&e);
	ak_tcp_listener_close(l);
	CHECK_EQ(e.ngranted, 0);
	ak_tcp_destroy(tcp);
}

/* RFC 9293 3.7.1: 536 when absent; the peer's value is respected. */
static void test_peer_mss(const uint8_t *opt, unsigned optlen, uint16_t expect)
{
	struct h_env e;
	struct ak_tcp *tcp;
	struct ak_tcp_listener *l;
	struct ak_tcp_conn *c;
	struct h_peer p;
	struct h_seg sa, s;
	static uint8_t buf[4000];

	h_env_init(&e, LOCAL);
	tcp = h_engine(&e, NULL);
	CHECK_EQ(ak_tcp_engine_listen(tcp, 80, 8, NULL, NULL, &l), 0);
	p = peer(&e, tcp, 40001);
	p.wnd = 60000;
	h_peer_connect(&p, opt, optlen, &sa);
	/* Without a wscale option from the peer none is sent back. */
	CHECK(!sa.opt.has_wscale);
	CHECK(!sa.opt.has_ts);
	CHECK_EQ(ak_tcp_accept(l, &c), 0);
	CHECK_EQ(ak_tcp_send(c, buf, sizeof(buf)), (long)sizeof(buf));
	CHECK(h_pop(&e, &s));
	CHECK_EQ(s.len, expect);
	while (h_pop(&e, &s))
		CHECK_LE(s.len, expect);
	ak_tcp_abort(c);
	ak_tcp_listener_close(l);
	h_drain(&e);
	ak_tcp_destroy(tcp);
}

/* Active open: the SYN-ACK is lost twice; SYNs repeat with backoff. */
static unsigned connect_events;
static void on_conn_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	(void)ctx;
	(void)c;
	connect_events |= ev;
}

static void test_syn_retransmit(void)
{
	struct h_env e;
	struct ak_tcp *tcp;
	struct ak_tcp_conn *c;
	struct h_seg syn, s;
	uint64_t t0 = h_now, next;
	uint8_t opt[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 2};

	h_env_init(&e, LOCAL);
	tcp = h_engine(&e, NULL);
	CHECK_EQ(ak_tcp_engine_connect(tcp, REMOTE, 5001, on_conn_event, NULL,
				       &c),
		 0);
	CHECK(h_pop(&e, &syn));
	CHECK_EQ(syn.flags, TCP_SYN);
	CHECK_EQ(syn.dport, 5001);
	CHECK_GE(syn.sport, 49152);
	CHECK_EQ(syn.wnd, 65535); /* never scaled in a SYN */
	CHECK(syn.opt.has_wscale);

	/* First retransmission after the initial RTO of 1 s, then 2 s. */
	next = ak_tcp_poll(tcp, t0 + 999 * AK_NSEC_PER_MSEC);
	CHECK(!h_pop(&e, &s));
	CHECK_UEQ(next, t0 + AK_NSEC_PER_SEC);
	h_now = t0 + AK_NSEC_PER_SEC;
	next = ak_tcp_poll(tcp, h_now);
	CHECK(h_pop(&e, &s));
	CHECK_EQ(s.flags, TCP_SYN);
	CHECK_UEQ(s.seq, syn.seq);
	CHECK_UEQ(next, h_now + 2 * AK_NSEC_PER_SEC);
	h_now = next;
	ak_tcp_poll(tcp, h_now);
	CHECK(h_pop(&e, &s));
	CHECK_EQ(s.flags, TCP_SYN);

	/* The SYN-ACK finally arrives: scaled windows from now on. */
	struct h_spec sa = {
		.saddr = REMOTE,
		.daddr = LOCAL,
		.sport = 5001,
		.dport = syn.sport,
		.seq = 7777,
		.ack = syn.seq + 1,
		.flags = TCP_SYN | TCP_ACK,
		.wnd = 500,
		.opt = opt,
		.optlen = sizeof(opt),
	};
	h_send(&e, tcp, &sa);
	CHECK_EQ(ak_tcp_state(c), AK_TCP_ESTABLISHED);
	CHECK(connect_events & AK_TCP_EV_CONNECTED);
	CHECK(h_pop(&e, &s));
	CHECK_EQ(s.flags, TCP_ACK);
	CHECK_UEQ(s.ack, 7778);
	CHECK_EQ(s.wnd, (256 * 1024) >> 3);
	struct ak_tcp_conn_info ci;
	ak_tcp_conn_info(c, &ci);
	CHECK_UEQ(ci.snd_wnd, 500); /* the SYN-ACK's window is unscaled */
	CHECK_EQ(ci.mss, 1460);
	ak_tcp_abort(c);
	h_drain(&e);
	ak_tcp_destroy(tcp);
}

/* The SYN times out entirely: ETIMEDOUT after syn_retries. */
static void test_syn_timeout(void)
{
	struct h_env e;
	struct ak_tcp_config cfg;
	struct ak_tcp *tcp;
	struct ak_tcp_conn *c;
	unsigned syns = 0;

	h_env_init(&e, LOCAL);
	h_config(&cfg);
	cfg.syn_retries = 3;
	tcp = h_engine(&e, &cfg);
	connect_events = 0;
	CHECK_EQ(ak_tcp_engine_connect(tcp, REMOTE, 5001, on_conn_event, NULL,
				       &c),
		 0);
	for (int i = 0; i < 10; i++) {
		uint64_t next = ak_tcp_poll(tcp, h_now);

		syns += h_drain(&e);
		if (next == UINT64_MAX)
			break;
		h_now = next;
	}
	CHECK_EQ(syns, 4);
	CHECK(connect_events & AK_TCP_EV_ERROR);
	CHECK_EQ(ak_tcp_error(c), ETIMEDOUT);
	CHECK_EQ(ak_tcp_state(c), AK_TCP_CLOSED);
	ak_tcp_close(c);
	ak_tcp_destroy(tcp);
}

/* RFC 9293 3.5 figure 7: both sides send SYN at once. */
static void test_simultaneous_open(void)
{
	struct h_env e;
	struct ak_tcp *tcp;
	struct ak_tcp_conn *c;
	struct h_seg syn, s;

	h_env_init(&e, LOCAL);
	tcp = h_engine(&e, NULL);
	connect_events = 0;
	CHECK_EQ(ak_tcp_engine_connect(tcp, REMOTE, 6000, on_conn_event, NULL,
				       &c),
		 0);
	CHECK(h_pop(&e, &syn));
	struct h_spec ps = {
		.saddr = REMOTE,
		.daddr = LOCAL,
		.sport = 6000,
		.dport = syn.sport,
		.seq = 300,
		.flags = TCP_SYN,
		.wnd = 8000,
	};
	h_send(&e, tcp, &ps);
	CHECK_EQ(ak_tcp_state(c), AK_TCP_SYN_RECEIVED);
	CHECK(h_pop(&e, &s));
	CHECK_EQ(s.flags, TCP_SYN | TCP_ACK);
	CHECK_UEQ(s.seq, syn.seq);
	CHECK_UEQ(s.ack, 301);
	/* The peer's SYN-ACK completes it. */
	ps.seq = 300;
	ps.ack = syn.seq + 1;
	ps.flags = TCP_SYN | TCP_ACK;
	h_send(&e, tcp, &ps);
	CHECK_EQ(ak_tcp_state(c), AK_TCP_ESTABLISHED);
	CHECK(connect_events & AK_TCP_EV_CONNECTED);
	ak_tcp_abort(c);
	h_drain(&e);
	ak_tcp_destroy(tcp);
}

/*
 * The SYN backlog is bounded: a flood of SYNs from spoofed sources keeps
 * at most `backlog` half-open entries, RST and timeouts free them, and a
 * real client still completes its handshake afterwards.
 */
static void test_syn_backlog(void)
{
	struct h_env e;
	struct ak_tcp_config cfg;
	struct ak_tcp *tcp;
	struct ak_tcp_listener *l;
	struct ak_tcp_stats st;
	struct ak_tcp_conn *c;
	struct h_seg sa;
	struct h_peer p;

	h_env_init(&e, LOCAL);
	h_config(&cfg);
	cfg.syn_retries = 2;
	tcp = h_engine(&e, &cfg);
	CHECK_EQ(ak_tcp_engine_listen(tcp, 80, 16, NULL, NULL, &l), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		struct h_spec s = {
			.saddr = htonl(0xc6120000u + 1000 + i),
			.daddr = LOCAL,
			.sport = (uint16_t)(1024 + i),
			.dport = 80,
			.seq = i * 7919,
			.flags = TCP_SYN,
			.wnd = 1000,
		};
		h_send(&e, tcp, &s);
	}
	ak_tcp_engine_stats(tcp, &st);
	CHECK_EQ(st.half_open, 16);
	CHECK_EQ(st.conns, 16);
	CHECK_EQ(st.syn_cookies_sent, 1000 - 16);
	CHECK_EQ(h_drain(&e), 1000);

	/*
	 * A real client while the SYN state is full: a SYN cookie (RFC 4987
	 * 3.6) with only an MSS option; its ACK creates the connection.
	 */
	struct ak_tcp_conn *cc;
	struct h_seg cs;
	uint8_t data[100] = {1, 2, 3};
	p = peer(&e, tcp, 41001);
	h_peer_connect(&p, opt_full, sizeof(opt_full), &cs);
	CHECK(cs.opt.has_mss);
	CHECK_EQ(cs.opt.mss, 1460);
	CHECK(!cs.opt.has_wscale && !cs.opt.has_ts && !cs.opt.sack_perm);
	CHECK_EQ(ak_tcp_accept(l, &cc), 0);
	CHECK_EQ(ak_tcp_state(cc), AK_TCP_ESTABLISHED);
	h_peer_send(&p, TCP_ACK, data, sizeof(data));
	CHECK_EQ(ak_tcp_recv(cc, data + 50, 50), 50);
	/* A forged ACK (wrong cookie) is answered with RST, no state. */
	p.rcv_nxt += 12345;
	p.port = 41002;
	h_peer_send(&p, TCP_ACK, NULL, 0);
	CHECK(h_pop(&e, &cs));
	CHECK_EQ(cs.flags, TCP_RST);
	ak_tcp_engine_stats(tcp, &st);
	CHECK_EQ(st.syn_cookies_ok, 1);
	CHECK_EQ(st.conns, 17);

	/* An RST for one half-open entry frees it (RFC 9293 3.10.7.4). */
	uint32_t i = 0;
	struct h_spec rst = {
		.saddr = htonl(0xc6120000u + 1000 + i),
		.daddr = LOCAL,
		.sport = (uint16_t)(1024 + i),
		.dport = 80,
		.seq = i * 7919 + 1,
		.flags = TCP_RST,
		.wnd = 0,
	};
	h_send(&e, tcp, &rst);
	ak_tcp_engine_stats(tcp, &st);
	CHECK_EQ(st.half_open, 15);

	/* A real client completes despite the flood. */
	p = peer(&e, tcp, 41000);
	h_peer_connect(&p, opt_mss536, sizeof(opt_mss536), &sa);
	CHECK_EQ(ak_tcp_accept(l, &c), 0);
	CHECK_EQ(ak_tcp_state(c), AK_TCP_ESTABLISHED);

	/* Timeouts free the rest: SYN-ACK retries, then gone. */
	for (int k = 0; k < 20; k++) {
		uint64_t next = ak_tcp_poll(tcp, h_now);

		h_drain(&e);
		if (next == UINT64_MAX)
			break;
		h_now = next;
	}
	ak_tcp_engine_stats(tcp, &st);
	CHECK_EQ(st.half_open, 0);
	CHECK_EQ(st.conns, 2);
	CHECK_EQ(st.half_open_timeouts, 15);
	ak_tcp_abort(cc);
	ak_tcp_abort(c);
	ak_tcp_listener_close(l);
	h_drain(&e);
	ak_tcp_destroy(tcp);
}

int main(void)
{
	check_timeout(30);
	test_synack_options();
	test_peer_mss(opt_mss536, sizeof(opt_mss536), 536);
	test_peer_mss(NULL, 0, 536);
	test_syn_retransmit();
	test_syn_timeout();
	test_simultaneous_open();
	test_syn_backlog();
	CHECK_EQ(h_live_frames, 0);
	return 0;
}
