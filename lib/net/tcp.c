// SPDX-License-Identifier: MIT
/*
 * The TCP engine's frame: creation, the connection table, listeners,
 * initial sequence numbers and the lifetime of connection blocks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "lib/core/clock.h"
#include "lib/net/checksum.h"
#include "lib/net/tcp_impl.h"

#define TCP_TABLE_MIN	1024
#define TCP_SEG_CHUNK	256
#define TCP_DEFAULT_BUF (256u * 1024)

void ak_tcp_config_default(struct ak_tcp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sndbuf = TCP_DEFAULT_BUF;
	cfg->rcvbuf = TCP_DEFAULT_BUF;
	cfg->max_conns = 0;
	cfg->max_half_open = 4096;
	cfg->timestamps = true;
	cfg->sack = true;
	cfg->window_scale = true;
	cfg->nodelay = true;
	/*
	 * RFC 6298 section 2.4 asks for a 1 s minimum; like most stacks we
	 * use 200 ms, which suits data-centre round trips (section 2.4 lets
	 * the minimum be lower when justified).
	 */
	cfg->rto_min_ns = 200 * AK_NSEC_PER_MSEC;
	cfg->rto_max_ns = 60 * AK_NSEC_PER_SEC;
	cfg->rto_initial_ns = AK_NSEC_PER_SEC; /* RFC 6298 section 2.1 */
	cfg->syn_retries = 6;
	cfg->data_retries = 15;
	cfg->delack_ns = 40 * AK_NSEC_PER_MSEC; /* < 500 ms: RFC 9293 3.8.6.3 */
	cfg->msl_ns = 30 * AK_NSEC_PER_SEC;
	cfg->fin_wait2_ns = 60 * AK_NSEC_PER_SEC;
	cfg->keepalive_idle_ns = 0;
	cfg->keepalive_intvl_ns = 75 * AK_NSEC_PER_SEC; /* RFC 1122 4.2.3.6 */
	cfg->keepalive_probes = 9;
	cfg->challenge_ack_limit = 1000;
}

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* SipHash-2-4 of 16 bytes: the keyed function F() of RFC 6528 section 3. */
static uint64_t siphash16(const uint8_t key[16], const uint8_t msg[16])
{
	uint64_t k0, k1, m[2];
	uint64_t v0, v1, v2, v3;

	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	memcpy(m, msg, 16);
	v0 = k0 ^ 0x736f6d6570736575ull;
	v1 = k1 ^ 0x646f72616e646f6dull;
	v2 = k0 ^ 0x6c7967656e657261ull;
	v3 = k1 ^ 0x7465646279746573ull;
#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = rotl(v1, 13) ^ v0;                                        \
		v0 = rotl(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = rotl(v3, 16) ^ v2;                                        \
		v0 += v3;                                                      \
		v3 = rotl(v3, 21) ^ v0;                                        \
		v2 += v1;                                                      \
		v1 = rotl(v1, 17) ^ v2;                                        \
		v2 = rotl(v2, 32);                                             \
	} while (0)
	for (int i = 0; i < 3; i++) {
		uint64_t w = i < 2 ? m[i] : 16ull << 56;

		v3 ^= w;
		SIPROUND;
		SIPROUND;
		v0 ^= w;
	}
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
#undef SIPROUND
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * RFC 6528 section 3: ISN = M + F(4-tuple, secret), M a timer ticking every
 * 4 microseconds, so a new incarnation of a 4-tuple starts above the old
 * one's sequence space while an off-path attacker cannot guess it.
 */
uint32_t tcp_isn(struct ak_tcp *tcp, uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport)
{
	uint8_t msg[16] = {0};

	memcpy(msg, &laddr, 4);
	memcpy(msg + 4, &raddr, 4);
	memcpy(msg + 8, &lport, 2);
	memcpy(msg + 10, &rport, 2);
	return (uint32_t)(tcp->now / 4000) +
	       (uint32_t)siphash16(tcp->cfg.isn_secret, msg);
}

/* splitmix64: ephemeral ports and other non-secret choices. */
uint64_t tcp_rand(struct ak_tcp *tcp)
{
	uint64_t z = (tcp->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t tcp_clock(struct ak_tcp *tcp)
{
	return tcp->cfg.clock ? tcp->cfg.clock(tcp->cfg.clock_ctx)
			      : ak_now_ns();
}

uint8_t tcp_our_wscale(const struct ak_tcp *tcp)
{
	uint8_t s = 0;

	while (s < TCP_MAX_WSCALE && (tcp->cfg.rcvbuf >> s) > 65535)
		s++;
	return s;
}

static uint32_t round_pow2(uint32_t v)
{
	uint32_t p = 4096;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

static int tcp_draw_secrets(struct ak_tcp *tcp)
{
	static const uint8_t zero[16];

	if (!memcmp(tcp->cfg.isn_secret, zero, sizeof(zero)) &&
	    getrandom(tcp->cfg.isn_secret, 16, 0) != 16)
		return -EIO;
	if (!tcp->cfg.seed && getrandom(&tcp->cfg.seed, 8, 0) != 8)
		return -EIO;
	tcp->rng = tcp->cfg.seed;
	return 0;
}

int ak_tcp_create_cfg(const struct ak_l4_env *env,
		      const struct ak_tcp_config *cfg, struct ak_tcp **out)
{
	struct ak_tcp *tcp;
	int err;

	if (!env || !env->ops || env->ephemeral_first > env->ephemeral_last)
		return -EINVAL;
	tcp = calloc(1, sizeof(*tcp));
	if (!tcp)
		return -ENOMEM;
	tcp->env = *env;
	tcp->cfg = *cfg;
	tcp->cfg.sndbuf = round_pow2(cfg->sndbuf);
	if (tcp->cfg.rcvbuf < 4096)
		tcp->cfg.rcvbuf = 4096;
	err = tcp_draw_secrets(tcp);
	if (err)
		goto free_tcp;

	tcp->table = calloc(TCP_TABLE_MIN, sizeof(*tcp->table));
	if (!tcp->table) {
		err = -ENOMEM;
		goto free_tcp;
	}
	tcp->table_mask = TCP_TABLE_MIN - 1;
	tcp->now = tcp_clock(tcp);
	tcp->next_port = env->ephemeral_first;
	*out = tcp;
	return 0;

free_tcp:
	free(tcp);
	return err;
}

int ak_tcp_create(const struct ak_l4_env *env, struct ak_tcp **out)
{
	struct ak_tcp_config cfg;

	ak_tcp_config_default(&cfg);
	return ak_tcp_create_cfg(env, &cfg, out);
}

static void tcp_conn_free(struct ak_tcp_conn *c)
{
	tcp_queues_free(c);
	free(c->sb);
	free(c);
}

void ak_tcp_destroy(struct ak_tcp *tcp)
{
	struct ak_tcp_listener *l, *lnext;

	if (!tcp)
		return;
	for (uint32_t i = 0; i <= tcp->table_mask; i++) {
		struct ak_tcp_conn *c = tcp->table[i], *next;

		for (; c; c = next) {
			next = c->hnext;
			tcp_conn_free(c);
		}
	}
	while (tcp->reap) {
		struct ak_tcp_conn *c = tcp->reap;

		tcp->reap = c->qnext;
		tcp_conn_free(c);
	}
	for (l = tcp->listeners; l; l = lnext) {
		lnext = l->next;
		tcp->env.ops->port_release(tcp->env.ctx, IPPROTO_TCP,
					   ntohs(l->port));
		free(l);
	}
	for (uint32_t i = 0; i < tcp->n_eph; i++)
		tcp->env.ops->port_release(tcp->env.ctx, IPPROTO_TCP,
					   tcp->eph[i]);
	free(tcp->eph);
	for (uint32_t i = 0; i < tcp->seg_nchunks; i++)
		free(tcp->seg_chunks[i]);
	free(tcp->seg_chunks);
	free(tcp->heap);
	free(tcp->table);
	free(tcp);
}

/* Engine entry points nest (callbacks call back in); frees wait for 0. */
void tcp_enter(struct ak_tcp *tcp)
{
	if (tcp->depth++ == 0)
		tcp->now = tcp_clock(tcp);
}

void tcp_cork(struct ak_tcp_conn *c)
{
	if (c->corked)
		return;
	c->corked = true;
	c->corknext = c->tcp->corked;
	c->tcp->corked = c;
}

void tcp_leave(struct ak_tcp *tcp)
{
	if (tcp->depth == 1) {
		while (tcp->corked) {
			struct ak_tcp_conn *c = tcp->corked;

			tcp->corked = c->corknext;
			c->corked = false;
			if (c->state != AK_TCP_CLOSED)
				tcp_output(c);
		}
	}
	if (--tcp->depth)
		return;
	while (tcp->reap) {
		struct ak_tcp_conn *c = tcp->reap;

		tcp->reap = c->qnext;
		tcp_conn_free(c);
	}
}

void ak_tcp_engine_stats(const struct ak_tcp *tcp, struct ak_tcp_stats *out)
{
	*out = tcp->st;
}

/* ---- Connection table ---- */

static uint32_t tuple_hash(const struct ak_tcp *tcp, uint32_t laddr,
			   uint16_t lport, uint32_t raddr, uint16_t rport)
{
	uint64_t h = ((uint64_t)raddr << 32 | (uint32_t)rport << 16 | lport) ^
		     ((uint64_t)laddr * 0x9e3779b97f4a7c15ull) ^ tcp->cfg.seed;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static struct ak_tcp_conn **bucket(struct ak_tcp *tcp, uint32_t laddr,
				   uint16_t lport, uint32_t raddr,
				   uint16_t rport)
{
	return &tcp->table[tuple_hash(tcp, laddr, lport, raddr, rport) &
			   tcp->table_mask];
}

struct ak_tcp_conn *tcp_lookup(struct ak_tcp *tcp, uint32_t laddr,
			       uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct ak_tcp_conn *c = *bucket(tcp, laddr, lport, raddr, rport);

	for (; c; c = c->hnext)
		if (c->rport == rport && c->raddr == raddr &&
		    c->lport == lport && c->laddr == laddr)
			return c;
	return NULL;
}

/* Doubles the table when it holds more connections than buckets. */
static void table_grow(struct ak_tcp *tcp)
{
	uint32_t size = (tcp->table_mask + 1) * 2;
	struct ak_tcp_conn **old = tcp->table, **nt;
	uint32_t old_size = tcp->table_mask + 1;

	nt = calloc(size, sizeof(*nt));
	if (!nt)
		return; /* longer chains, still correct */
	tcp->table = nt;
	tcp->table_mask = size - 1;
	for (uint32_t i = 0; i < old_size; i++) {
		struct ak_tcp_conn *c = old[i], *next;

		for (; c; c = next) {
			struct ak_tcp_conn **b;

			next = c->hnext;
			b = bucket(tcp, c->laddr, c->lport, c->raddr, c->rport);
			c->hnext = *b;
			*b = c;
		}
	}
	free(old);
}

static void table_unlink(struct ak_tcp_conn *c)
{
	struct ak_tcp *tcp = c->tcp;
	struct ak_tcp_conn **p =
		bucket(tcp, c->laddr, c->lport, c->raddr, c->rport);

	for (; *p; p = &(*p)->hnext) {
		if (*p == c) {
			*p = c->hnext;
			c->hnext = NULL;
			c->hashed = false;
			tcp->nconns--;
			tcp->st.conns = tcp->nconns;
			return;
		}
	}
}

struct ak_tcp_conn *tcp_conn_new(struct ak_tcp *tcp, uint32_t laddr,
				 uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct ak_tcp_conn *c, **b;

	if (tcp->cfg.max_conns && tcp->nconns >= tcp->cfg.max_conns)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->tcp = tcp;
	c->laddr = laddr;
	c->lport = lport;
	c->raddr = raddr;
	c->rport = rport;
	c->nodelay = tcp->cfg.nodelay;
	c->rto_ns = tcp->cfg.rto_initial_ns;
	c->ka_idle_ns = tcp->cfg.keepalive_idle_ns;
	c->peer_mss = TCP_DEFAULT_MSS;
	c->mss = TCP_DEFAULT_MSS;
	c->sb_size = tcp->cfg.sndbuf;
	c->last_rx_ns = tcp->now;
	tcp_init_template(c);

	if (tcp->nconns >= tcp->table_mask + 1)
		table_grow(tcp);
	b = bucket(tcp, laddr, lport, raddr, rport);
	c->hnext = *b;
	*b = c;
	c->hashed = true;
	tcp->nconns++;
	tcp->st.conns = tcp->nconns;
	return c;
}

int tcp_sb_alloc(struct ak_tcp_conn *c)
{
	if (c->sb)
		return 0;
	c->sb = malloc(c->sb_size);
	return c->sb ? 0 : -ENOMEM;
}

/* ---- Received-segment pool: no allocation per segment once warm ---- */

struct tcp_rxseg *tcp_seg_get(struct ak_tcp *tcp)
{
	struct tcp_rxseg *s = tcp->seg_free, *chunk, **chunks;

	if (s) {
		tcp->seg_free = s->next;
		return s;
	}
	chunks = realloc(tcp->seg_chunks,
			 (tcp->seg_nchunks + 1) * sizeof(*chunks));
	if (!chunks)
		return NULL;
	tcp->seg_chunks = chunks;
	chunk = calloc(TCP_SEG_CHUNK, sizeof(*chunk));
	if (!chunk)
		return NULL;
	chunks[tcp->seg_nchunks++] = chunk;
	for (int i = 1; i < TCP_SEG_CHUNK; i++) {
		chunk[i].next = tcp->seg_free;
		tcp->seg_free = &chunk[i];
	}
	return &chunk[0];
}

void tcp_seg_put(struct ak_tcp *tcp, struct tcp_rxseg *s)
{
	tcp->env.ops->rx_release(tcp->env.ctx, &s->pkt);
	tcp->st.rx_frames_held--;
	s->next = tcp->seg_free;
	tcp->seg_free = s;
}

static void seg_list_free(struct ak_tcp *tcp, struct tcp_rxseg *s)
{
	while (s) {
		struct tcp_rxseg *next = s->next;

		tcp_seg_put(tcp, s);
		s = next;
	}
}

void tcp_queues_free(struct ak_tcp_conn *c)
{
	seg_list_free(c->tcp, c->rxq);
	seg_list_free(c->tcp, c->ooo);
	c->rxq = c->rxq_tail = c->ooo = NULL;
	c->rx_bytes = 0;
	c->ooo_count = 0;
}

/* ---- Listener queues ---- */

static void ring_init(struct ak_tcp_conn *head)
{
	head->qnext = head->qprev = head;
}

static void ring_add_tail(struct ak_tcp_conn *head, struct ak_tcp_conn *c)
{
	c->qprev = head->qprev;
	c->qnext = head;
	head->qprev->qnext = c;
	head->qprev = c;
}

static void ring_del(struct ak_tcp_conn *c)
{
	c->qprev->qnext = c->qnext;
	c->qnext->qprev = c->qprev;
	c->qnext = c->qprev = NULL;
}

void tcp_lsn_unlink(struct ak_tcp_conn *c)
{
	struct ak_tcp_listener *l = c->lsn;

	if (!l)
		return;
	ring_del(c);
	if (c->half_open) {
		c->half_open = false;
		l->half_open--;
		c->tcp->st.half_open--;
	} else {
		l->ready--;
	}
	c->lsn = NULL;
}

/* A passive open completed: move from half-open to the accept queue. */
void tcp_lsn_ready(struct ak_tcp_conn *c)
{
	struct ak_tcp_listener *l = c->lsn;

	ring_del(c);
	c->half_open = false;
	l->half_open--;
	c->tcp->st.half_open--;
	l->ready++;
	ring_add_tail(&l->ready_head, c);
	c->app_owned = true; /* held for the application until accepted */
	if (l->fn)
		l->fn(l->ctx, l);
}

void tcp_lsn_add_half_open(struct ak_tcp_listener *l, struct ak_tcp_conn *c)
{
	c->lsn = l;
	c->half_open = true;
	l->half_open++;
	c->tcp->st.half_open++;
	ring_add_tail(&l->half_head, c);
}

/*
 * A full SYN backlog evicts its oldest half-open entry (RFC 4987 section
 * 3.4, "SYN cache" style random early drop): under a flood of spoofed SYNs
 * real clients, whose SYNs arrive later, still get a slot.
 */
int tcp_lsn_make_room(struct ak_tcp_listener *l)
{
	struct ak_tcp *tcp = l->tcp;

	if (l->ready >= l->backlog) {
		tcp->st.syn_backlog_drops++;
		return TCP_SYN_DROP;
	}
	if (l->half_open < l->backlog &&
	    tcp->st.half_open < tcp->cfg.max_half_open)
		return TCP_SYN_KEEP;
	return TCP_SYN_COOKIE;
}

/* A connection completed through a SYN cookie joins the accept queue. */
void tcp_lsn_add_ready(struct ak_tcp_listener *l, struct ak_tcp_conn *c)
{
	c->lsn = l;
	l->ready++;
	ring_add_tail(&l->ready_head, c);
	c->app_owned = true;
	if (l->fn)
		l->fn(l->ctx, l);
}

/*
 * The keyed hash of a SYN cookie (RFC 4987 section 3.6): the 4-tuple, the
 * peer's ISN and the time slot under a key apart from the ISN's.
 */
uint32_t tcp_cookie_hash(struct ak_tcp *tcp, uint32_t laddr, uint16_t lport,
			 uint32_t raddr, uint16_t rport, uint32_t extra)
{
	uint8_t key[16], msg[16];

	memcpy(key, tcp->cfg.isn_secret, 16);
	key[0] ^= 0x5c;
	memcpy(msg, &laddr, 4);
	memcpy(msg + 4, &raddr, 4);
	memcpy(msg + 8, &lport, 2);
	memcpy(msg + 10, &rport, 2);
	memcpy(msg + 12, &extra, 4);
	return (uint32_t)siphash16(key, msg);
}

struct ak_tcp_listener *tcp_find_listener(struct ak_tcp *tcp, uint16_t port)
{
	struct ak_tcp_listener *l;

	for (l = tcp->listeners; l; l = l->next)
		if (l->port == port)
			return l;
	return NULL;
}

int ak_tcp_engine_listen(struct ak_tcp *tcp, uint16_t port, uint32_t backlog,
			 ak_tcp_accept_fn fn, void *ctx,
			 struct ak_tcp_listener **out)
{
	struct ak_tcp_listener *l;
	int err;

	if (!port || !backlog)
		return -EINVAL;
	if (tcp_find_listener(tcp, htons(port)))
		return -EADDRINUSE;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	err = tcp->env.ops->port_grant(tcp->env.ctx, IPPROTO_TCP, port);
	if (err) {
		free(l);
		return err;
	}
	l->tcp = tcp;
	l->port = htons(port);
	l->backlog = backlog;
	l->fn = fn;
	l->ctx = ctx;
	ring_init(&l->half_head);
	ring_init(&l->ready_head);
	l->next = tcp->listeners;
	tcp->listeners = l;
	*out = l;
	return 0;
}

void ak_tcp_listener_close(struct ak_tcp_listener *l)
{
	struct ak_tcp *tcp = l->tcp;
	struct ak_tcp_listener **p;

	tcp_enter(tcp);
	while (l->half_head.qnext != &l->half_head)
		tcp_set_state(l->half_head.qnext, AK_TCP_CLOSED);
	while (l->ready_head.qnext != &l->ready_head) {
		struct ak_tcp_conn *c = l->ready_head.qnext;

		tcp_lsn_unlink(c);
		ak_tcp_abort(c);
	}
	for (p = &tcp->listeners; *p; p = &(*p)->next) {
		if (*p == l) {
			*p = l->next;
			break;
		}
	}
	tcp->env.ops->port_release(tcp->env.ctx, IPPROTO_TCP, ntohs(l->port));
	free(l);
	tcp_leave(tcp);
}

int ak_tcp_accept(struct ak_tcp_listener *l, struct ak_tcp_conn **out)
{
	struct ak_tcp_conn *c = l->ready_head.qnext;

	if (c == &l->ready_head)
		return -EAGAIN;
	tcp_lsn_unlink(c);
	*out = c;
	return 0;
}

/* ---- State and lifetime ---- */

void tcp_set_state(struct ak_tcp_conn *c, enum ak_tcp_state state)
{
	struct ak_tcp *tcp = c->tcp;
	enum ak_tcp_state old = c->state;

	if (old == AK_TCP_TIME_WAIT)
		tcp->st.timewait--;
	if (state == AK_TCP_TIME_WAIT)
		tcp->st.timewait++;
	c->state = state;
	if (c->half_open && state != AK_TCP_SYN_RECEIVED &&
	    state != AK_TCP_CLOSED)
		tcp_lsn_ready(c);
	if (state == AK_TCP_CLOSED)
		tcp_conn_release(c);
}

/*
 * A connection reached CLOSED: its 4-tuple, timers and buffers go now; the
 * block itself waits for the application to give the handle back.
 */
void tcp_conn_release(struct ak_tcp_conn *c)
{
	struct ak_tcp *tcp = c->tcp;

	if (c->lsn) {
		/* Half-open or unaccepted: the application never had it. */
		tcp_lsn_unlink(c);
		c->app_owned = false;
	}
	if (c->hashed)
		table_unlink(c);
	tcp_timer_remove_all(c);
	if (c->tx_blocked) {
		struct ak_tcp_conn **p = &tcp->tx_retry;

		while (*p && *p != c)
			p = &(*p)->txnext;
		if (*p)
			*p = c->txnext;
		c->tx_blocked = false;
	}
	if (!c->app_owned && !c->reaped) {
		c->reaped = true;
		c->qnext = tcp->reap;
		tcp->reap = c;
	}
}

void tcp_notify(struct ak_tcp_conn *c, unsigned events)
{
	if (!c->app_owned)
		return;
	if (!c->cb || c->lsn) {
		c->pending_ev |= events;
		return;
	}
	c->cb(c->cb_ctx, c, events);
}

/* The connection failed (RST, timeout): RFC 9293 3.10.7.4 and 3.8.3. */
void tcp_fail(struct ak_tcp_conn *c, int err)
{
	c->error = err;
	tcp_queues_free(c);
	c->sb_len = 0;
	tcp_set_state(c, AK_TCP_CLOSED);
	tcp_notify(c, AK_TCP_EV_ERROR);
}

/* RFC 5961 section 7: a global budget of challenge ACKs per second. */
bool tcp_challenge_ack_allowed(struct ak_tcp *tcp)
{
	if (tcp->now - tcp->ack_window_start >= AK_NSEC_PER_SEC) {
		tcp->ack_window_start = tcp->now;
		tcp->acks_in_window = 0;
	}
	if (tcp->acks_in_window >= tcp->cfg.challenge_ack_limit) {
		tcp->st.challenge_acks_limited++;
		return false;
	}
	tcp->acks_in_window++;
	tcp->st.challenge_acks++;
	return true;
}
