/* SPDX-License-Identifier: MIT */
/*
 * Test harness for the TCP engine: a fake L4 environment that captures
 * every emitted segment (with its IPv4 header written, as the IPv4 layer
 * would), a test-controlled clock, a scripted peer that builds exact
 * segments, and a simulated wire between two engines that drops, delays,
 * reorders and duplicates frames from a seeded RNG.
 */
#ifndef AK_TESTS_TCP_HARNESS_H
#define AK_TESTS_TCP_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <errno.h>

#include "lib/core/clock.h"
#include "lib/net/tcp_impl.h"

#define H_FRAME_CAP 2048

/* Test time: every engine created by the harness reads this clock. */
extern uint64_t h_now;
extern long h_live_frames;

struct h_frame {
	struct ak_pkt pkt;
	struct h_frame *next;
};

/* One side's environment. */
struct h_env {
	struct ak_l4_env env;
	struct h_frame *out_head, *out_tail; /* emitted, oldest first */
	unsigned nout;
	long live_frames;  /* allocated and not yet freed */
	int tx_budget;	   /* tx_alloc fails when 0; -1: unlimited */
	bool blackhole_10; /* frames sent to 10.0.0.0/8 vanish */
	uint16_t granted[16];
	unsigned ngranted;
};

void h_env_init(struct h_env *e, uint32_t addr);
void h_config(struct ak_tcp_config *cfg);
struct ak_tcp *h_engine(struct h_env *e, const struct ak_tcp_config *cfg);
void h_frame_free(struct h_env *e, struct ak_pkt *pkt);

/* An emitted segment, parsed. */
struct h_seg {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	struct tcp_opts opt;
	uint8_t data[2048];
	uint32_t len;
	uint8_t optbytes[40];
	unsigned optlen;
};

/* Pops the oldest emitted segment; false when there is none. */
bool h_pop(struct h_env *e, struct h_seg *s);
/* Drops every emitted segment; returns how many. */
unsigned h_drain(struct h_env *e);

/* A segment the scripted peer sends. */
struct h_spec {
	uint32_t saddr, daddr;
	uint16_t sport, dport; /* host order */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	const uint8_t *opt;
	unsigned optlen;
	const void *data;
	uint32_t len;
};

/* Builds the frame and gives it to the engine; returns its answer. */
int h_send(struct h_env *e, struct ak_tcp *tcp, const struct h_spec *s);

/* Peer-side view of a handshake with a listener, for scripted tests. */
struct h_peer {
	struct h_env *e;
	struct ak_tcp *tcp;
	uint32_t addr, our_addr;
	uint16_t port, our_port;
	uint32_t snd_nxt; /* peer's next sequence number */
	uint32_t rcv_nxt; /* what the peer acknowledges */
	uint16_t wnd;
	bool ts;
	uint32_t tsval;
};

/* Sends from the peer with its current seq/ack (and timestamps if on). */
int h_peer_send(struct h_peer *p, uint8_t flags, const void *data,
		uint32_t len);
/* Runs a passive open: SYN with the given options, checks SYN-ACK, ACK. */
void h_peer_connect(struct h_peer *p, const uint8_t *opt, unsigned optlen,
		    struct h_seg *synack);

/* ---- Simulated wire between two engines ---- */

struct h_wire_cfg {
	uint64_t seed;
	double loss, dup, reorder;    /* probabilities per frame */
	uint64_t delay_ns, jitter_ns; /* reordered frames get extra delay */
};

struct h_wire;
struct h_wire *h_wire_new(const struct h_wire_cfg *cfg, struct h_env *a,
			  struct ak_tcp *ta, struct h_env *b,
			  struct ak_tcp *tb);
/* Moves emitted frames onto the wire, delivers due ones, polls timers. */
bool h_wire_step(struct h_wire *w);
void h_wire_free(struct h_wire *w);
uint64_t h_wire_delivered(const struct h_wire *w);
uint64_t h_wire_dropped(const struct h_wire *w);

uint64_t h_rand(uint64_t *state);

#define H_LOCAL	 0x640012c6u /* 198.18.0.100 in network order */
#define H_REMOTE 0x020012c6u /* 198.18.0.2 */

/* A listener on port 80 and one accepted connection from a scripted peer. */
struct h_fixture {
	struct h_env e;
	struct ak_tcp *tcp;
	struct ak_tcp_listener *l;
	struct ak_tcp_conn *c;
	struct h_peer p;
	struct h_seg synack;
	unsigned events; /* accumulated from the connection's callback */
};

/* opt/optlen: the peer's SYN options; cfg NULL for the defaults. */
void h_fixture_open(struct h_fixture *f, const struct ak_tcp_config *cfg,
		    const uint8_t *opt, unsigned optlen, uint32_t peer_isn);
void h_fixture_close(struct h_fixture *f);

/* Pops every emitted segment; the peer acknowledges what they carried. */
unsigned h_peer_absorb(struct h_peer *p, struct h_seg *last);

/* Brings an accepted fixture connection into state (see rst_test.c). */
void h_fixture_to_state(struct h_fixture *f, enum ak_tcp_state state);
#endif
