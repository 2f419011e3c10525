/* SPDX-License-Identifier: MIT */
/*
 * TCP connections of the native API. Receive is zero-copy: ak_tcp_peek()
 * hands out the payload where the VNIC wrote it, ak_tcp_consume() returns
 * it. Send copies once into the connection's send buffer, from which every
 * segment is written behind a prebuilt header; when the buffer is full the
 * send is partial and AK_TCP_EV_WRITABLE follows.
 *
 * Lifetime of a connection: the application owns a connection handle from
 * ak_tcp_connect() or ak_tcp_accept() until it calls ak_tcp_close() or
 * ak_tcp_abort(); the library keeps the protocol state (FIN exchange,
 * TIME-WAIT) as long as needed and frees it afterwards. A handle stays
 * valid after the peer reset it or a timer gave up (AK_TCP_EV_ERROR) until
 * the application closes it. Callbacks run on the loop's thread and may
 * call any function here, including ak_tcp_close() on their connection.
 *
 * Functions return 0 (or a count where said) on success and a negative
 * errno on failure.
 */
#ifndef ARRAKIS_TCP_H
#define ARRAKIS_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arrakis/arrakis.h>
#include <arrakis/common.h>

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

/* Per-stack counters (monotonic except conns and half_open). */
struct ak_tcp_stats {
	uint64_t segs_in, segs_out, bytes_in, bytes_out;
	uint64_t csum_errors, malformed, no_conn_rst;
	uint64_t retransmits, rto_fired, fast_retransmits, dup_acks;
	uint64_t ooo_segs, ooo_dropped, dup_segs;
	uint64_t rst_in, rst_out, challenge_acks, challenge_acks_limited;
	uint64_t syn_in, syn_backlog_drops, syn_cookies_sent, syn_cookies_ok;
	uint64_t half_open_timeouts, paws_drops, bad_acks;
	uint64_t zero_window_probes, keepalive_probes, keepalive_timeouts;
	uint64_t active_opens, passive_opens, timeouts;
	uint64_t tx_nobufs, delayed_acks, timewait_reused, tail_loss_probes;
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

/*
 * Opens a listener on port (host order), granted through arrakisd. backlog
 * bounds both the half-open connections (SYN-RECEIVED; when full the
 * oldest is dropped) and the established ones waiting for ak_tcp_accept()
 * (when full new SYNs are dropped). fn is called when connections wait.
 *   -EINVAL      port 0 or backlog 0
 *   -EADDRINUSE  a listener here, or another container, holds the port
 *   -EACCES      policy does not allow this user the port
 *   -ENOMEM      out of memory
 */
AK_API int ak_tcp_listen(struct ak_app *app, uint16_t port, uint32_t backlog,
			 ak_tcp_accept_fn fn, void *ctx,
			 struct ak_tcp_listener **out);

/*
 * Active open to addr:port (network order address, host order port) from
 * an ephemeral port of the container's range (granted through arrakisd on
 * first use, then reused for other 4-tuples). Completion is reported by
 * AK_TCP_EV_CONNECTED, failure by AK_TCP_EV_ERROR with ak_tcp_error()
 * ECONNREFUSED (RST) or ETIMEDOUT (no SYN-ACK after 6 retransmissions).
 *   -EADDRNOTAVAIL  no ephemeral port is free or could be granted
 *   -ENOBUFS        the engine's connection cap is reached
 *   -ENOMEM         out of memory
 */
AK_API int ak_tcp_connect(struct ak_app *app, uint32_t addr, uint16_t port,
			  ak_tcp_event_fn fn, void *ctx,
			  struct ak_tcp_conn **out);

/* Closes a listener: resets its half-open and unaccepted connections. */
AK_API void ak_tcp_listener_close(struct ak_tcp_listener *lsn);

/* -EAGAIN: nothing to accept yet. */
AK_API int ak_tcp_accept(struct ak_tcp_listener *lsn, struct ak_tcp_conn **out);

/*
 * Sets the callback of an accepted connection (connect takes its own).
 * Events that happened before are delivered at once.
 */
AK_API void ak_tcp_set_callback(struct ak_tcp_conn *conn, ak_tcp_event_fn fn,
				void *ctx);

/* Overrides the stack's Nagle setting for one connection. */
AK_API void ak_tcp_set_nodelay(struct ak_tcp_conn *conn, bool nodelay);

/* Sends keep-alive probes after idle_ns without traffic (0: off). */
AK_API void ak_tcp_set_keepalive(struct ak_tcp_conn *conn, uint64_t idle_ns);

/*
 * Copies up to len bytes into the send buffer and returns how many were
 * taken: less than len when it is full, and AK_TCP_EV_WRITABLE follows
 * once a quarter of it is free again. Data queued before the handshake
 * completes goes out after it.
 *   -EAGAIN    the send buffer is full
 *   -EPIPE     sending was shut down (ak_tcp_shutdown, or FIN sent)
 *   -ENOTCONN  the connection failed or ended (see ak_tcp_error())
 *   -ENOMEM    the send buffer could not be allocated
 */
AK_API long ak_tcp_send(struct ak_tcp_conn *conn, const void *data, size_t len);

/*
 * The next in-order received bytes, in place in the received frame: sets
 * *data and returns their length (0 with *data NULL when nothing is
 * readable; check ak_tcp_peer_closed()). Valid until ak_tcp_consume().
 */
AK_API size_t ak_tcp_peek(struct ak_tcp_conn *conn, const uint8_t **data);

/* Releases len bytes returned by peek; opens the receive window. */
AK_API void ak_tcp_consume(struct ak_tcp_conn *conn, size_t len);

/* Copies up to len readable bytes; returns how many (0: none). */
AK_API size_t ak_tcp_recv(struct ak_tcp_conn *conn, void *buf, size_t len);

/* The peer sent FIN and every byte before it was consumed. */
AK_API bool ak_tcp_peer_closed(const struct ak_tcp_conn *conn);

/*
 * Half-close: FIN after the queued data; receiving continues.
 *   -ENOTCONN  the handshake is not complete, or the connection ended
 */
AK_API int ak_tcp_shutdown(struct ak_tcp_conn *conn);

/*
 * Gives the handle back. Queued data is still sent, then FIN (RFC 9293
 * 3.10.4); with unread received data the connection is reset instead
 * (RFC 9293 3.6, RFC 2525 2.17).
 */
AK_API void ak_tcp_close(struct ak_tcp_conn *conn);

/* Sends RST and gives the handle back. */
AK_API void ak_tcp_abort(struct ak_tcp_conn *conn);

/* 0, or why the connection failed: ECONNRESET, ECONNREFUSED, ETIMEDOUT. */
AK_API int ak_tcp_error(const struct ak_tcp_conn *conn);

AK_API enum ak_tcp_state ak_tcp_state(const struct ak_tcp_conn *conn);
AK_API const char *ak_tcp_state_name(enum ak_tcp_state state);
AK_API void ak_tcp_conn_info(const struct ak_tcp_conn *conn,
			     struct ak_tcp_conn_info *out);

/* Bytes that ak_tcp_send() would accept now. */
AK_API size_t ak_tcp_send_space(const struct ak_tcp_conn *conn);

AK_API void ak_tcp_local(const struct ak_tcp_conn *conn, uint32_t *addr,
			 uint16_t *port);
AK_API void ak_tcp_remote(const struct ak_tcp_conn *conn, uint32_t *addr,
			  uint16_t *port);

/* The counters of the application's TCP (all zero before its first use). */
AK_API void ak_tcp_stats(struct ak_app *app, struct ak_tcp_stats *out);

#endif
