/* SPDX-License-Identifier: MIT */
/*
 * Inside the TCP engine: the wire header, the connection block and the
 * functions the engine's files share. Not for use outside lib/net/tcp*.c
 * (tests and the fuzz target include it to reach the option parser).
 */
#ifndef AK_NET_TCP_IMPL_H
#define AK_NET_TCP_IMPL_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/net/tcp.h"

/* RFC 9293 section 3.1. */
struct ak_tcp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t doff; /* data offset in the high nibble */
	uint8_t flags;
	uint16_t wnd;
	uint16_t csum;
	uint16_t urp;
} __attribute__((packed));
static_assert(sizeof(struct ak_tcp_hdr) == 20, "TCP header is 20 bytes");

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

#define TCP_OPT_EOL	  0
#define TCP_OPT_NOP	  1
#define TCP_OPT_MSS	  2
#define TCP_OPT_WSCALE	  3
#define TCP_OPT_SACK_PERM 4
#define TCP_OPT_SACK	  5
#define TCP_OPT_TS	  8

#define TCP_MAX_WSCALE	14  /* RFC 7323 section 2.3 */
#define TCP_DEFAULT_MSS 536 /* RFC 9293 section 3.7.1 */
#define TCP_TS_LEN	12  /* NOP NOP kind len TSval TSecr */
#define TCP_MAX_OPT_LEN 40

/* Options as parsed from one segment. */
struct tcp_opts {
	bool has_mss, has_wscale, has_ts, sack_perm;
	uint8_t nsack; /* SACK blocks, RFC 2018 section 3 */
	uint32_t sack[4][2];
	uint16_t mss;
	uint8_t wscale;
	uint32_t tsval, tsecr;
};

/*
 * Parses the options of a header whose total length is hdr_len (20..60).
 * Returns 0, or -EINVAL for a malformed list (a length below 2 or past the
 * header's end): such a segment is dropped. Never reads past hdr_len.
 */
int tcp_parse_options(const uint8_t *hdr, unsigned hdr_len,
		      struct tcp_opts *out);

/* Serial number arithmetic, RFC 1982 as RFC 9293 section 3.4 uses it. */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}
static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
	return seq_gt(a, b) ? a : b;
}

/* A received frame held in a connection's receive or reorder queue. */
struct tcp_rxseg {
	struct ak_pkt pkt; /* data_off..end is the payload still held */
	uint32_t seq;	   /* sequence number of the byte at data_off */
	struct tcp_rxseg *next;
};

enum tcp_timer {
	TCP_T_RTX,    /* retransmission, SYN, persist (zero window) */
	TCP_T_DELACK, /* delayed ACK */
	TCP_T_KEEP,   /* keep-alive */
	TCP_T_STATE,  /* SYN-RECEIVED, FIN-WAIT-2 and TIME-WAIT lifetimes */
	TCP_T_COUNT,
};

struct ak_tcp_conn {
	struct ak_tcp *tcp;
	struct ak_tcp_conn *hnext;	   /* connection table chain */
	struct ak_tcp_listener *lsn;	   /* half-open or waiting for accept */
	struct ak_tcp_conn *qprev, *qnext; /* listener queue, reap, tx lists */
	struct ak_tcp_conn *txnext;	   /* waiting for transmit frames */
	struct ak_tcp_conn *corknext;	   /* written to inside a callback */
	bool corked;

	/* Timers: a min-heap of connections keyed by the earliest. */
	uint64_t timer[TCP_T_COUNT]; /* 0: not armed */
	uint64_t deadline;
	uint32_t heap_idx; /* 0: not in the heap */

	uint32_t laddr, raddr; /* network order */
	uint16_t lport, rport; /* network order */
	enum ak_tcp_state state;

	bool app_owned;	 /* the application holds the handle */
	bool fin_queued; /* send FIN after the data */
	bool fin_sent;	 /* FIN went out at fin_seq */
	bool fin_rcvd;	 /* FIN received and rcv_nxt past it */
	bool hashed;	 /* in the connection table */
	bool half_open;	 /* on its listener's SYN-RECEIVED ring */
	bool ts_ok, ws_ok, nodelay, sack_ok;
	bool in_recovery;
	bool rtt_timing;
	bool want_ack;	 /* send an ACK now */
	bool tx_blocked; /* on the engine's transmit-retry list */
	bool reaped;	 /* on the reap list */
	bool writable_wanted;
	bool persist;	/* the RTX timer is a zero-window probe timer */
	bool tlp_armed; /* the RTX timer is a tail loss probe timer */
	bool tlp_out;	/* a tail loss probe is unanswered */
	uint8_t retries;
	uint8_t ka_sent;
	uint8_t dupacks;
	uint8_t limited_tx; /* segments allowed past cwnd, RFC 3042 */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t unacked_segs; /* full segments received since our last ACK */
	int error;

	/* Send side, RFC 9293 section 3.3.1. */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, max_snd_wnd;
	uint32_t snd_wl1, snd_wl2, fin_seq;
	uint32_t cwnd, ssthresh, recover;
	/* RFC 2018/6675 scoreboard: ranges the peer holds above snd_una. */
	uint32_t sacked[8][2];
	uint8_t nsacked;
	uint32_t rtx_next;   /* next hole to retransmit in this recovery */
	uint64_t una_rtx_ns; /* when snd_una was last retransmitted */
	uint32_t ooo_recent; /* sequence of the latest out-of-order arrival */
	uint16_t mss;	     /* payload per segment, options excluded */
	uint16_t peer_mss;   /* as announced (or 536) */
	uint8_t *sb;	     /* send ring; allocated on first use */
	uint32_t sb_size, sb_head, sb_len; /* sb_head: byte at snd_una */

	/* RTT, RFC 6298. */
	uint64_t srtt_us, rttvar_us, rto_ns;
	uint32_t rtt_seq;
	uint64_t rtt_start_ns;
	uint64_t last_rx_ns;
	uint64_t ka_idle_ns;

	/* Receive side. */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: advertised right edge */
	struct tcp_rxseg *rxq, *rxq_tail, *ooo;
	uint32_t rx_bytes, ooo_count;
	uint32_t ts_recent, ts_offset;

	/* The header every segment of this connection starts from. */
	struct ak_tcp_hdr tmpl;
	uint32_t pseudo_sum; /* addresses and protocol of the pseudo-header */

	ak_tcp_event_fn cb;
	void *cb_ctx;
	unsigned pending_ev; /* events to deliver when the callback is set */

	uint64_t segs_in, segs_out, bytes_in, bytes_out, retransmits;
	uint64_t ooo_segs;
};

struct ak_tcp_listener {
	struct ak_tcp *tcp;
	struct ak_tcp_listener *next;
	uint16_t port; /* network order */
	uint32_t backlog;
	uint32_t half_open, ready;
	struct ak_tcp_conn half_head;  /* ring of SYN-RECEIVED, oldest first */
	struct ak_tcp_conn ready_head; /* ring waiting for accept */
	ak_tcp_accept_fn fn;
	void *ctx;
};

struct ak_tcp {
	struct ak_l4_env env;
	struct ak_tcp_config cfg;
	uint64_t now;

	struct ak_tcp_conn **table; /* 4-tuple hash, chained */
	uint32_t table_mask, nconns;
	struct ak_tcp_listener *listeners;

	struct ak_tcp_conn **heap; /* 1-based min-heap of timers */
	uint32_t heap_len, heap_cap;

	struct ak_tcp_conn *tx_retry; /* waiting for a transmit frame */
	struct ak_tcp_conn *reap;     /* to free when the engine unwinds */
	struct ak_tcp_conn *corked;   /* output to run when it unwinds */
	unsigned depth;		      /* nesting of engine entry points */

	struct tcp_rxseg *seg_free; /* pool of queue entries */
	struct tcp_rxseg **seg_chunks;
	uint32_t seg_nchunks;

	/* Ephemeral ports granted so far (kept until the engine goes). */
	uint16_t *eph;
	uint32_t n_eph, eph_cap, eph_cursor;
	uint8_t eph_map[65536 / 8];

	uint64_t last_cookie_ns; /* cookies are checked only for a while */
	uint64_t rng;
	uint64_t ack_window_start;
	uint32_t acks_in_window;
	uint16_t next_port;

	struct ak_tcp_stats st;
};

/* tcp.c */
void tcp_enter(struct ak_tcp *tcp);
void tcp_leave(struct ak_tcp *tcp);
void tcp_cork(struct ak_tcp_conn *c);
uint64_t tcp_rand(struct ak_tcp *tcp);
uint8_t tcp_our_wscale(const struct ak_tcp *tcp);
enum { TCP_SYN_DROP, TCP_SYN_KEEP, TCP_SYN_COOKIE };
int tcp_lsn_make_room(struct ak_tcp_listener *l);
void tcp_lsn_add_ready(struct ak_tcp_listener *l, struct ak_tcp_conn *c);
uint32_t tcp_cookie_hash(struct ak_tcp *tcp, uint32_t laddr, uint16_t lport,
			 uint32_t raddr, uint16_t rport, uint32_t extra);
void tcp_lsn_add_half_open(struct ak_tcp_listener *l, struct ak_tcp_conn *c);
uint32_t tcp_isn(struct ak_tcp *tcp, uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport);
struct ak_tcp_conn *tcp_lookup(struct ak_tcp *tcp, uint32_t laddr,
			       uint16_t lport, uint32_t raddr, uint16_t rport);
struct ak_tcp_listener *tcp_find_listener(struct ak_tcp *tcp, uint16_t port);
struct ak_tcp_conn *tcp_conn_new(struct ak_tcp *tcp, uint32_t laddr,
				 uint16_t lport, uint32_t raddr,
				 uint16_t rport);
void tcp_set_state(struct ak_tcp_conn *c, enum ak_tcp_state state);
void tcp_conn_release(struct ak_tcp_conn *c);
void tcp_notify(struct ak_tcp_conn *c, unsigned events);
void tcp_fail(struct ak_tcp_conn *c, int err);
void tcp_lsn_unlink(struct ak_tcp_conn *c);
void tcp_lsn_ready(struct ak_tcp_conn *c);
int tcp_sb_alloc(struct ak_tcp_conn *c);
struct tcp_rxseg *tcp_seg_get(struct ak_tcp *tcp);
void tcp_seg_put(struct ak_tcp *tcp, struct tcp_rxseg *s);
void tcp_queues_free(struct ak_tcp_conn *c);
bool tcp_challenge_ack_allowed(struct ak_tcp *tcp);

/* tcp_output.c */
void tcp_init_template(struct ak_tcp_conn *c);
int tcp_send_syn(struct ak_tcp_conn *c);
int tcp_send_ack(struct ak_tcp_conn *c);
int tcp_send_rst_conn(struct ak_tcp_conn *c);
void tcp_send_rst_reply(struct ak_tcp *tcp, const struct ak_pkt *pkt,
			const struct ak_tcp_hdr *th, uint32_t seglen);
void tcp_send_cookie_synack(struct ak_tcp *tcp, const struct ak_pkt *pkt,
			    const struct ak_tcp_hdr *th, uint32_t cookie,
			    uint16_t mss);
int tcp_send_probe(struct ak_tcp_conn *c, uint32_t seq);
void tcp_output(struct ak_tcp_conn *c);
int tcp_retransmit_first(struct ak_tcp_conn *c);
int tcp_retransmit_at(struct ak_tcp_conn *c, uint32_t seq, uint32_t max);
uint32_t tcp_rcv_wnd(const struct ak_tcp_conn *c);
uint32_t tcp_flight(const struct ak_tcp_conn *c);
uint32_t tcp_ts_now(const struct ak_tcp_conn *c);

/* tcp_timer.c */
void tcp_timer_set(struct ak_tcp_conn *c, enum tcp_timer t, uint64_t when);
void tcp_timer_clear(struct ak_tcp_conn *c, enum tcp_timer t);
void tcp_timer_remove_all(struct ak_tcp_conn *c);
void tcp_rto_arm(struct ak_tcp_conn *c);
void tcp_rtt_sample(struct ak_tcp_conn *c, uint64_t rtt_us);
void tcp_keepalive_rearm(struct ak_tcp_conn *c);
void tcp_run_timers(struct ak_tcp *tcp);

/* tcp_input.c */
void tcp_rcv_deliver_ready(struct ak_tcp_conn *c);

#endif
