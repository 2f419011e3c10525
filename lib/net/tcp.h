/* SPDX-License-Identifier: MIT */
/*
 * The TCP engine: a sans-IO implementation of RFC 9293 over the L4
 * environment (lib/net/l4.h). Segments come in through ak_tcp_input(), go
 * out through env->ops, and time only advances through the engine's clock
 * and ak_tcp_poll(), so tests drive it segment by segment and tick by tick.
 *
 * Single-threaded, like the loop that runs it. Every function returns 0 (or
 * a count) on success and a negative errno on failure.
 *
 * Lifetime of a connection: the application owns a connection handle from
 * ak_tcp_connect() or ak_tcp_accept() until it calls ak_tcp_close() or
 * ak_tcp_abort(); the engine keeps the state (FIN exchange, TIME-WAIT) as
 * long as the protocol needs it and frees it afterwards. A handle stays
 * valid after the peer reset it or a timer gave up (AK_TCP_EV_ERROR) until
 * the application closes it.
 */
#ifndef AK_NET_TCP_H
#define AK_NET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/net/l4.h"
#include "lib/net/pkt.h"

struct ak_tcp;
struct ak_tcp_conn;
struct ak_tcp_listener;

/* RFC 9293 section 3.3.2. */
enum ak_tcp_state {
	AK_TCP_CLOSED = 0,
	AK_TCP_LISTEN,
	AK_TCP_SYN_SENT,
	AK_TCP_SYN_RECEIVED,
	AK_TCP_ESTABLISHED,
	AK_TCP_FIN_WAIT_1,
	AK_TCP_FIN_WAIT_2,
	AK_TCP_CLOSE_WAIT,
	AK_TCP_CLOSING,
	AK_TCP_LAST_ACK,
	AK_TCP_TIME_WAIT,
};

/* Events delivered to a connection's callback (a bit set). */
enum {
	AK_TCP_EV_CONNECTED = 1u << 0, /* active open completed */
	AK_TCP_EV_READABLE = 1u << 1,  /* new in-order data */
	AK_TCP_EV_WRITABLE = 1u << 2,  /* send space after back-pressure */
	AK_TCP_EV_PEER_FIN = 1u << 3,  /* the peer will send no more */
	AK_TCP_EV_ERROR = 1u << 4,     /* reset or timed out: see error */
	AK_TCP_EV_SENT_ALL = 1u << 5,  /* everything sent was acknowledged */
};

typedef void (*ak_tcp_event_fn)(void *ctx, struct ak_tcp_conn *conn,
				unsigned events);

/* A listener has connections to accept. */
typedef void (*ak_tcp_accept_fn)(void *ctx, struct ak_tcp_listener *lsn);

struct ak_tcp_config {
	uint32_t sndbuf;	/* send buffer per connection, bytes */
	uint32_t rcvbuf;	/* receive window per connection, bytes */
	uint32_t max_conns;	/* all connections incl. TIME-WAIT; 0: no cap */
	uint32_t max_half_open; /* SYN-RECEIVED across listeners */
	bool timestamps;	/* offer RFC 7323 timestamps */
	bool window_scale;	/* offer RFC 7323 window scaling */
	bool nodelay;		/* disable Nagle (RFC 9293 3.7.4) */
	uint64_t rto_min_ns;
	uint64_t rto_max_ns;
	uint64_t rto_initial_ns;
	uint32_t syn_retries;  /* SYN / SYN-ACK retransmissions */
	uint32_t data_retries; /* data retransmissions before giving up */
	uint64_t delack_ns;    /* delayed ACK timeout */
	uint64_t msl_ns;       /* TIME-WAIT lasts 2 * msl */
	uint64_t fin_wait2_ns; /* orphaned FIN-WAIT-2 gives up after this */
	uint64_t keepalive_idle_ns; /* 0: keep-alive off by default */
	uint64_t keepalive_intvl_ns;
	uint32_t keepalive_probes;
	uint32_t challenge_ack_limit; /* per second, RFC 5961 section 7 */
	/* The engine's clock; NULL uses ak_now_ns(). Tests control time. */
	uint64_t (*clock)(void *ctx);
	void *clock_ctx;
	/* RFC 6528 secret; all zero draws one from getrandom(). */
	uint8_t isn_secret[16];
	/* Seeds ephemeral port choice and ISN clock; 0 draws one. */
	uint64_t seed;
};

/* Defaults: 256 KiB buffers, RTO 200 ms..60 s, TIME-WAIT 60 s, ... */
void ak_tcp_config_default(struct ak_tcp_config *cfg);

/* Per-stack counters (monotonic except conns and half_open). */
struct ak_tcp_stats {
	uint64_t segs_in, segs_out, bytes_in, bytes_out;
	uint64_t csum_errors, malformed, no_conn_rst;
	uint64_t retransmits, rto_fired, fast_retransmits, dup_acks;
	uint64_t ooo_segs, ooo_dropped, dup_segs;
	uint64_t rst_in, rst_out, challenge_acks, challenge_acks_limited;
	uint64_t syn_in, syn_backlog_drops, half_open_evicted;
	uint64_t half_open_timeouts, paws_drops, bad_acks;
	uint64_t zero_window_probes, keepalive_probes, keepalive_timeouts;
	uint64_t active_opens, passive_opens, timeouts;
	uint64_t tx_nobufs, delayed_acks, timewait_reused;
	uint64_t conns, half_open, timewait, rx_frames_held;
};

/* Per-connection counters and state. */
struct ak_tcp_conn_info {
	enum ak_tcp_state state;
	uint32_t snd_una, snd_nxt, snd_wnd, rcv_nxt, rcv_wnd;
	uint32_t cwnd, ssthresh, mss;
	uint8_t snd_wscale, rcv_wscale;
	bool timestamps, window_scale;
	uint64_t srtt_us, rto_us;
	uint64_t segs_in, segs_out, bytes_in, bytes_out, retransmits;
	uint64_t ooo_segs;
	uint32_t unsent, unacked, readable;
};

int ak_tcp_create(const struct ak_l4_env *env, struct ak_tcp **out);
int ak_tcp_create_cfg(const struct ak_l4_env *env,
		      const struct ak_tcp_config *cfg, struct ak_tcp **out);

/* Frees every connection (no segment is sent) and the engine. */
void ak_tcp_destroy(struct ak_tcp *tcp);

/*
 * One received segment: l3_off at the IPv4 header, l4_off at the TCP
 * header, end at the true end from the IP total length. Returns 1 when the
 * engine kept the frame (it calls env->ops->rx_release later), 0 when the
 * caller may recycle it.
 */
int ak_tcp_input(struct ak_tcp *tcp, struct ak_pkt *pkt);

/* Runs due timers and retries blocked output; returns the next deadline. */
uint64_t ak_tcp_poll(struct ak_tcp *tcp, uint64_t now_ns);

void ak_tcp_stats(const struct ak_tcp *tcp, struct ak_tcp_stats *out);

/*
 * Opens a listener on port (host order). Grants the port through
 * env->ops->port_grant. backlog bounds both the half-open connections
 * (SYN-RECEIVED) and the established ones waiting in ak_tcp_accept().
 * -EADDRINUSE: a listener holds the port; -EINVAL: port 0 or backlog 0;
 * -ENOMEM; or the grant's error.
 */
int ak_tcp_listen(struct ak_tcp *tcp, uint16_t port, uint32_t backlog,
		  ak_tcp_accept_fn fn, void *ctx, struct ak_tcp_listener **out);

/* Closes a listener: resets its half-open and unaccepted connections. */
void ak_tcp_listener_close(struct ak_tcp_listener *lsn);

/* -EAGAIN: nothing to accept yet. */
int ak_tcp_accept(struct ak_tcp_listener *lsn, struct ak_tcp_conn **out);

/*
 * Active open to addr:port (network order address, host order port) from
 * an ephemeral port of the env's range. Completion is reported by
 * AK_TCP_EV_CONNECTED, failure by AK_TCP_EV_ERROR (ECONNREFUSED,
 * ETIMEDOUT). -EADDRNOTAVAIL: no free ephemeral port; -ENOMEM; -ENOBUFS:
 * the connection cap was reached.
 */
int ak_tcp_connect(struct ak_tcp *tcp, uint32_t addr, uint16_t port,
		   ak_tcp_event_fn fn, void *ctx, struct ak_tcp_conn **out);

void ak_tcp_set_callback(struct ak_tcp_conn *conn, ak_tcp_event_fn fn,
			 void *ctx);

/* Overrides the stack's Nagle setting for one connection. */
void ak_tcp_set_nodelay(struct ak_tcp_conn *conn, bool nodelay);

/* Sends keep-alive probes after idle_ns without traffic (0: off). */
void ak_tcp_set_keepalive(struct ak_tcp_conn *conn, uint64_t idle_ns);

/*
 * Queues up to len bytes; returns how many were taken (less than len when
 * the send buffer is full: AK_TCP_EV_WRITABLE follows when space frees).
 * -EAGAIN: no space at all; -EPIPE: sending was shut down; -ENOTCONN: not
 * yet connected or the connection failed (see ak_tcp_error()).
 */
long ak_tcp_send(struct ak_tcp_conn *conn, const void *data, size_t len);

/*
 * The next in-order received bytes, in place in the received frame: sets
 * *data and returns their length (0 with *data NULL when nothing is
 * readable; check ak_tcp_peer_closed()). Valid until ak_tcp_consume().
 */
size_t ak_tcp_peek(struct ak_tcp_conn *conn, const uint8_t **data);

/* Releases len bytes returned by peek; opens the receive window. */
void ak_tcp_consume(struct ak_tcp_conn *conn, size_t len);

/* Copies up to len readable bytes; returns how many (0: none). */
size_t ak_tcp_recv(struct ak_tcp_conn *conn, void *buf, size_t len);

/* The peer sent FIN and every byte before it was consumed. */
bool ak_tcp_peer_closed(const struct ak_tcp_conn *conn);

/* Half-close: FIN after the queued data. -ENOTCONN before connecting. */
int ak_tcp_shutdown(struct ak_tcp_conn *conn);

/*
 * Gives the handle back. Queued data is still sent, then FIN (RFC 9293
 * 3.10.4); with unread received data the connection is reset instead
 * (RFC 9293 3.6, RFC 2525 2.17).
 */
void ak_tcp_close(struct ak_tcp_conn *conn);

/* Sends RST and gives the handle back. */
void ak_tcp_abort(struct ak_tcp_conn *conn);

/* 0, or why the connection failed: ECONNRESET, ECONNREFUSED, ETIMEDOUT. */
int ak_tcp_error(const struct ak_tcp_conn *conn);

enum ak_tcp_state ak_tcp_state(const struct ak_tcp_conn *conn);
const char *ak_tcp_state_name(enum ak_tcp_state state);
void ak_tcp_conn_info(const struct ak_tcp_conn *conn,
		      struct ak_tcp_conn_info *out);

/* Bytes that ak_tcp_send() would accept now. */
size_t ak_tcp_send_space(const struct ak_tcp_conn *conn);

void ak_tcp_local(const struct ak_tcp_conn *conn, uint32_t *addr,
		  uint16_t *port);
void ak_tcp_remote(const struct ak_tcp_conn *conn, uint32_t *addr,
		   uint16_t *port);

#endif
