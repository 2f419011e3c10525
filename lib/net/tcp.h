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
 * ak_tcp_engine_connect() or ak_tcp_accept() until it calls ak_tcp_close() or
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

#include <arrakis/tcp.h>

#include "lib/net/l4.h"
#include "lib/net/pkt.h"

struct ak_tcp;

struct ak_tcp_config {
	uint32_t sndbuf;	/* send buffer per connection, bytes */
	uint32_t rcvbuf;	/* receive window per connection, bytes */
	uint32_t max_conns;	/* all connections incl. TIME-WAIT; 0: no cap */
	uint32_t max_half_open; /* SYN-RECEIVED across listeners */
	bool timestamps;	/* offer RFC 7323 timestamps */
	bool sack;		/* offer RFC 2018 selective acknowledgments */
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

void ak_tcp_engine_stats(const struct ak_tcp *tcp, struct ak_tcp_stats *out);

/*
 * Opens a listener on port (host order). Grants the port through
 * env->ops->port_grant. backlog bounds both the half-open connections
 * (SYN-RECEIVED) and the established ones waiting in ak_tcp_accept().
 * -EADDRINUSE: a listener holds the port; -EINVAL: port 0 or backlog 0;
 * -ENOMEM; or the grant's error.
 */
int ak_tcp_engine_listen(struct ak_tcp *tcp, uint16_t port, uint32_t backlog,
			 ak_tcp_accept_fn fn, void *ctx,
			 struct ak_tcp_listener **out);

/*
 * Active open to addr:port (network order address, host order port) from
 * an ephemeral port of the env's range. Completion is reported by
 * AK_TCP_EV_CONNECTED, failure by AK_TCP_EV_ERROR (ECONNREFUSED,
 * ETIMEDOUT). -EADDRNOTAVAIL: no free ephemeral port; -ENOMEM; -ENOBUFS:
 * the connection cap was reached.
 */
int ak_tcp_engine_connect(struct ak_tcp *tcp, uint32_t addr, uint16_t port,
			  ak_tcp_event_fn fn, void *ctx,
			  struct ak_tcp_conn **out);

#endif
