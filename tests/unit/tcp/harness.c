// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/net/checksum.h"
#include "tests/check.h"
#include "tests/unit/tcp/harness.h"

uint64_t h_now = 1000 * AK_NSEC_PER_SEC;
long h_live_frames;

static uint64_t h_clock(void *ctx)
{
	(void)ctx;
	return h_now;
}

static int h_tx_alloc(void *ctx, struct ak_pkt *pkt)
{
	struct h_env *e = ctx;

	if (e->tx_budget == 0)
		return -ENOBUFS;
	if (e->tx_budget > 0)
		e->tx_budget--;
	memset(pkt, 0, sizeof(*pkt));
	pkt->frame = calloc(1, H_FRAME_CAP);
	if (!pkt->frame)
		return -ENOBUFS;
	h_live_frames++;
	pkt->cap = H_FRAME_CAP;
	pkt->l3_off = 14;
	pkt->l4_off = AK_L4_HEADROOM;
	return 0;
}

void h_frame_free(struct h_env *e, struct ak_pkt *pkt)
{
	(void)e;
	free(pkt->frame);
	pkt->frame = NULL;
	h_live_frames--;
}

static void h_tx_free(void *ctx, struct ak_pkt *pkt)
{
	h_frame_free(ctx, pkt);
}

static void h_rx_release(void *ctx, struct ak_pkt *pkt)
{
	h_frame_free(ctx, pkt);
}

static int h_ipv4_send(void *ctx, struct ak_pkt *pkt, uint32_t dst,
		       uint8_t proto)
{
	struct h_env *e = ctx;
	uint8_t *ip = pkt->frame + 14;
	uint16_t tot = htons((uint16_t)(pkt->end - 14));
	struct h_frame *f;

	if (e->blackhole_10 && (ntohl(dst) >> 24) == 10) {
		h_frame_free(e, pkt);
		return 0;
	}
	f = calloc(1, sizeof(*f));
	CHECK(f);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	memcpy(ip + 2, &tot, 2);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &e->env.local_addr, 4);
	memcpy(ip + 16, &dst, 4);
	pkt->l3_off = 14;
	f->pkt = *pkt;
	if (e->out_tail)
		e->out_tail->next = f;
	else
		e->out_head = f;
	e->out_tail = f;
	e->nout++;
	return 0;
}

static int h_port_grant(void *ctx, uint8_t proto, uint16_t port)
{
	struct h_env *e = ctx;

	if (proto != IPPROTO_TCP)
		return -EPERM;
	if (port < e->env.ephemeral_first && e->ngranted < 16)
		e->granted[e->ngranted++] = port;
	return 0;
}

static void h_port_release(void *ctx, uint8_t proto, uint16_t port)
{
	struct h_env *e = ctx;

	for (unsigned i = 0; i < e->ngranted; i++)
		if (e->granted[i] == port)
			e->granted[i] = e->granted[--e->ngranted];
}

static const struct ak_l4_ops h_ops = {
	.tx_alloc = h_tx_alloc,
	.ipv4_send = h_ipv4_send,
	.tx_free = h_tx_free,
	.rx_release = h_rx_release,
	.port_grant = h_port_grant,
	.port_release = h_port_release,
};

void h_env_init(struct h_env *e, uint32_t addr)
{
	memset(e, 0, sizeof(*e));
	e->env.ops = &h_ops;
	e->env.ctx = e;
	e->env.local_addr = addr;
	e->env.mtu = 1500;
	e->env.ephemeral_first = 49152;
	e->env.ephemeral_last = 65535;
	e->tx_budget = -1;
}

void h_config(struct ak_tcp_config *cfg)
{
	ak_tcp_config_default(cfg);
	cfg->clock = h_clock;
	memset(cfg->isn_secret, 0x5a, sizeof(cfg->isn_secret));
	cfg->seed = 42;
}

struct ak_tcp *h_engine(struct h_env *e, const struct ak_tcp_config *cfg)
{
	struct ak_tcp_config def;
	struct ak_tcp *tcp;

	if (!cfg) {
		h_config(&def);
		cfg = &def;
	}
	CHECK_EQ(ak_tcp_create_cfg(&e->env, cfg, &tcp), 0);
	return tcp;
}

bool h_pop(struct h_env *e, struct h_seg *s)
{
	struct h_frame *f = e->out_head;
	const uint8_t *ip, *th;
	unsigned hlen, l4len;
	uint16_t v;
	uint32_t w;

	if (!f)
		return false;
	e->out_head = f->next;
	if (!e->out_head)
		e->out_tail = NULL;
	e->nout--;
	memset(s, 0, sizeof(*s));
	ip = f->pkt.frame + f->pkt.l3_off;
	th = f->pkt.frame + f->pkt.l4_off;
	l4len = f->pkt.end - f->pkt.l4_off;
	memcpy(&s->saddr, ip + 12, 4);
	memcpy(&s->daddr, ip + 16, 4);
	CHECK_EQ(ak_csum_l4(s->saddr, s->daddr, IPPROTO_TCP, th,
			    (uint16_t)l4len),
		 0);
	memcpy(&v, th, 2);
	s->sport = ntohs(v);
	memcpy(&v, th + 2, 2);
	s->dport = ntohs(v);
	memcpy(&w, th + 4, 4);
	s->seq = ntohl(w);
	memcpy(&w, th + 8, 4);
	s->ack = ntohl(w);
	s->flags = th[13];
	memcpy(&v, th + 14, 2);
	s->wnd = ntohs(v);
	hlen = (th[12] >> 4) * 4u;
	CHECK_EQ(tcp_parse_options(th, hlen, &s->opt), 0);
	s->optlen = hlen - 20;
	memcpy(s->optbytes, th + 20, s->optlen);
	s->len = l4len - hlen;
	memcpy(s->data, th + hlen, s->len);
	h_frame_free(e, &f->pkt);
	free(f);
	return true;
}

unsigned h_drain(struct h_env *e)
{
	struct h_seg s;
	unsigned n = 0;

	while (h_pop(e, &s))
		n++;
	return n;
}

int h_send(struct h_env *e, struct ak_tcp *tcp, const struct h_spec *s)
{
	struct ak_pkt pkt = {0};
	uint8_t *ip, *th;
	unsigned hlen = 20 + ((s->optlen + 3) & ~3u);
	uint16_t v;
	uint32_t w;
	int kept;

	pkt.frame = calloc(1, H_FRAME_CAP);
	CHECK(pkt.frame);
	h_live_frames++;
	pkt.cap = H_FRAME_CAP;
	pkt.l3_off = 14;
	pkt.l4_off = 34;
	pkt.end = (uint16_t)(34 + hlen + s->len);
	CHECK_LE(pkt.end, H_FRAME_CAP);
	ip = pkt.frame + 14;
	ip[0] = 0x45;
	ip[9] = IPPROTO_TCP;
	v = htons((uint16_t)(pkt.end - 14));
	memcpy(ip + 2, &v, 2);
	memcpy(ip + 12, &s->saddr, 4);
	memcpy(ip + 16, &s->daddr, 4);
	th = pkt.frame + 34;
	v = htons(s->sport);
	memcpy(th, &v, 2);
	v = htons(s->dport);
	memcpy(th + 2, &v, 2);
	w = htonl(s->seq);
	memcpy(th + 4, &w, 4);
	w = htonl(s->ack);
	memcpy(th + 8, &w, 4);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = s->flags;
	v = htons(s->wnd);
	memcpy(th + 14, &v, 2);
	if (s->optlen)
		memcpy(th + 20, s->opt, s->optlen);
	if (s->len)
		memcpy(th + hlen, s->data, s->len);
	v = ak_csum_l4(s->saddr, s->daddr, IPPROTO_TCP, th,
		       (uint16_t)(hlen + s->len));
	memcpy(th + 16, &v, 2);
	kept = ak_tcp_input(tcp, &pkt);
	if (!kept)
		h_frame_free(e, &pkt);
	return kept;
}

static unsigned put_peer_ts(struct h_peer *p, uint8_t *o)
{
	uint32_t v = htonl(p->tsval), e = htonl(0);

	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	memcpy(o + 4, &v, 4);
	memcpy(o + 8, &e, 4);
	return 12;
}

int h_peer_send(struct h_peer *p, uint8_t flags, const void *data, uint32_t len)
{
	uint8_t opt[12];
	struct h_spec s = {
		.saddr = p->addr,
		.daddr = p->our_addr,
		.sport = p->port,
		.dport = p->our_port,
		.seq = p->snd_nxt,
		.ack = p->rcv_nxt,
		.flags = flags,
		.wnd = p->wnd,
		.data = data,
		.len = len,
	};

	if (p->ts) {
		s.opt = opt;
		s.optlen = put_peer_ts(p, opt);
		p->tsval++;
	}
	p->snd_nxt += len + !!(flags & TCP_FIN) + !!(flags & TCP_SYN);
	return h_send(p->e, p->tcp, &s);
}

void h_peer_connect(struct h_peer *p, const uint8_t *opt, unsigned optlen,
		    struct h_seg *synack)
{
	struct h_spec s = {
		.saddr = p->addr,
		.daddr = p->our_addr,
		.sport = p->port,
		.dport = p->our_port,
		.seq = p->snd_nxt,
		.flags = TCP_SYN,
		.wnd = p->wnd,
		.opt = opt,
		.optlen = optlen,
	};

	h_send(p->e, p->tcp, &s);
	p->snd_nxt++;
	CHECK(h_pop(p->e, synack));
	CHECK_EQ(synack->flags, TCP_SYN | TCP_ACK);
	CHECK_UEQ(synack->ack, p->snd_nxt);
	p->rcv_nxt = synack->seq + 1;
	p->ts = synack->opt.has_ts;
	h_peer_send(p, TCP_ACK, NULL, 0);
}

/* ---- Wire ---- */

uint64_t h_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double h_unit(uint64_t *state)
{
	return (double)(h_rand(state) >> 11) / (double)(1ull << 53);
}

struct h_ev {
	uint64_t at, order;
	int side; /* deliver to this side */
	struct ak_pkt pkt;
};

struct h_wire {
	struct h_wire_cfg cfg;
	struct h_env *env[2];
	struct ak_tcp *tcp[2];
	uint64_t deadline[2];
	struct h_ev *heap; /* 1-based min-heap by (at, order) */
	size_t len, cap;
	uint64_t order, rng, delivered, dropped;
};

static bool ev_less(const struct h_ev *a, const struct h_ev *b)
{
	return a->at < b->at || (a->at == b->at && a->order < b->order);
}

static void ev_push(struct h_wire *w, const struct h_ev *ev)
{
	size_t i;

	if (w->len + 1 >= w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->heap = realloc(w->heap, w->cap * sizeof(*w->heap));
		CHECK(w->heap);
	}
	i = ++w->len;
	w->heap[i] = *ev;
	while (i > 1 && ev_less(&w->heap[i], &w->heap[i / 2])) {
		struct h_ev t = w->heap[i];

		w->heap[i] = w->heap[i / 2];
		w->heap[i / 2] = t;
		i /= 2;
	}
}

static struct h_ev ev_pop(struct h_wire *w)
{
	struct h_ev top = w->heap[1];
	size_t i = 1;

	w->heap[1] = w->heap[w->len--];
	for (;;) {
		size_t l = 2 * i, r = l + 1, m = i;
		struct h_ev t;

		if (l <= w->len && ev_less(&w->heap[l], &w->heap[m]))
			m = l;
		if (r <= w->len && ev_less(&w->heap[r], &w->heap[m]))
			m = r;
		if (m == i)
			break;
		t = w->heap[i];
		w->heap[i] = w->heap[m];
		w->heap[m] = t;
		i = m;
	}
	return top;
}

struct h_wire *h_wire_new(const struct h_wire_cfg *cfg, struct h_env *a,
			  struct ak_tcp *ta, struct h_env *b, struct ak_tcp *tb)
{
	struct h_wire *w = calloc(1, sizeof(*w));

	CHECK(w);
	w->cfg = *cfg;
	w->rng = cfg->seed;
	w->env[0] = a;
	w->env[1] = b;
	w->tcp[0] = ta;
	w->tcp[1] = tb;
	w->deadline[0] = w->deadline[1] = UINT64_MAX;
	return w;
}

static void wire_put(struct h_wire *w, int side, struct ak_pkt *pkt)
{
	struct h_ev ev = {.side = side, .pkt = *pkt};

	ev.at = h_now + w->cfg.delay_ns;
	if (h_unit(&w->rng) < w->cfg.reorder)
		ev.at += 1 + h_rand(&w->rng) % (w->cfg.jitter_ns + 1);
	ev.order = w->order++;
	ev_push(w, &ev);
}

/* Frames leave one side's outbox with loss and duplication applied. */
static void wire_take(struct h_wire *w, int from)
{
	struct h_env *e = w->env[from];

	while (e->out_head) {
		struct h_frame *f = e->out_head;

		e->out_head = f->next;
		e->nout--;
		if (h_unit(&w->rng) < w->cfg.loss) {
			w->dropped++;
			h_frame_free(e, &f->pkt);
			free(f);
			continue;
		}
		if (h_unit(&w->rng) < w->cfg.dup) {
			struct ak_pkt copy = f->pkt;

			copy.frame = malloc(H_FRAME_CAP);
			CHECK(copy.frame);
			h_live_frames++;
			memcpy(copy.frame, f->pkt.frame, H_FRAME_CAP);
			wire_put(w, !from, &copy);
		}
		wire_put(w, !from, &f->pkt);
		free(f);
	}
	e->out_tail = NULL;
}

bool h_wire_step(struct h_wire *w)
{
	uint64_t next = UINT64_MAX;

	wire_take(w, 0);
	wire_take(w, 1);
	if (w->len)
		next = w->heap[1].at;
	for (int i = 0; i < 2; i++)
		if (w->deadline[i] < next)
			next = w->deadline[i];
	if (next == UINT64_MAX)
		return false;
	if (next > h_now)
		h_now = next;
	while (w->len && w->heap[1].at <= h_now) {
		struct h_ev ev = ev_pop(w);

		w->delivered++;
		ev.pkt.l3_off = 14;
		ev.pkt.l4_off = 34;
		if (!ak_tcp_input(w->tcp[ev.side], &ev.pkt))
			h_frame_free(w->env[ev.side], &ev.pkt);
	}
	for (int i = 0; i < 2; i++)
		w->deadline[i] = ak_tcp_poll(w->tcp[i], h_now);
	wire_take(w, 0);
	wire_take(w, 1);
	return true;
}

void h_wire_free(struct h_wire *w)
{
	while (w->len) {
		struct h_ev ev = ev_pop(w);

		h_frame_free(w->env[ev.side], &ev.pkt);
	}
	free(w->heap);
	free(w);
}

uint64_t h_wire_delivered(const struct h_wire *w)
{
	return w->delivered;
}

uint64_t h_wire_dropped(const struct h_wire *w)
{
	return w->dropped;
}

static void h_fixture_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	struct h_fixture *f = ctx;

	(void)c;
	f->events |= ev;
}

void h_fixture_open(struct h_fixture *f, const struct ak_tcp_config *cfg,
		    const uint8_t *opt, unsigned optlen, uint32_t peer_isn)
{
	memset(f, 0, sizeof(*f));
	h_env_init(&f->e, H_LOCAL);
	f->tcp = h_engine(&f->e, cfg);
	CHECK_EQ(ak_tcp_engine_listen(f->tcp, 80, 8, NULL, NULL, &f->l), 0);
	f->p = (struct h_peer){
		.e = &f->e,
		.tcp = f->tcp,
		.addr = H_REMOTE,
		.our_addr = H_LOCAL,
		.port = 40000,
		.our_port = 80,
		.snd_nxt = peer_isn,
		.wnd = 65535,
		.tsval = 100,
	};
	h_peer_connect(&f->p, opt, optlen, &f->synack);
	CHECK_EQ(ak_tcp_accept(f->l, &f->c), 0);
	ak_tcp_set_callback(f->c, h_fixture_event, f);
	CHECK_EQ(ak_tcp_state(f->c), AK_TCP_ESTABLISHED);
}

void h_fixture_close(struct h_fixture *f)
{
	if (f->c)
		ak_tcp_abort(f->c);
	ak_tcp_listener_close(f->l);
	h_drain(&f->e);
	ak_tcp_destroy(f->tcp);
	CHECK_EQ(h_live_frames, 0);
}

unsigned h_peer_absorb(struct h_peer *p, struct h_seg *last)
{
	struct h_seg s;
	unsigned n = 0;

	while (h_pop(p->e, &s)) {
		uint32_t end = s.seq + s.len + !!(s.flags & TCP_FIN) +
			       !!(s.flags & TCP_SYN);

		if (!(s.flags & TCP_RST) && seq_gt(end, p->rcv_nxt) &&
		    seq_le(s.seq, p->rcv_nxt))
			p->rcv_nxt = end;
		if (last)
			*last = s;
		n++;
	}
	return n;
}

void h_fixture_to_state(struct h_fixture *f, enum ak_tcp_state state)
{
	struct h_peer *p = &f->p;

	switch (state) {
	case AK_TCP_ESTABLISHED:
		break;
	case AK_TCP_CLOSE_WAIT:
	case AK_TCP_LAST_ACK:
		h_peer_send(p, TCP_FIN | TCP_ACK, NULL, 0);
		h_peer_absorb(p, NULL);
		if (state == AK_TCP_LAST_ACK) {
			CHECK_OK(ak_tcp_shutdown(f->c));
			h_peer_absorb(p, NULL);
		}
		break;
	case AK_TCP_FIN_WAIT_1:
	case AK_TCP_CLOSING:
		CHECK_OK(ak_tcp_shutdown(f->c));
		/* The FIN is not acknowledged: the peer's ack stays. */
		h_drain(p->e);
		if (state == AK_TCP_CLOSING)
			h_peer_send(p, TCP_FIN | TCP_ACK, NULL, 0);
		h_drain(p->e);
		break;
	case AK_TCP_FIN_WAIT_2:
	case AK_TCP_TIME_WAIT:
		CHECK_OK(ak_tcp_shutdown(f->c));
		h_peer_absorb(p, NULL);
		h_peer_send(p, TCP_ACK, NULL, 0);
		if (state == AK_TCP_TIME_WAIT) {
			h_peer_send(p, TCP_FIN | TCP_ACK, NULL, 0);
			h_peer_absorb(p, NULL);
		}
		break;
	default:
		check_fail("no path to state %d", state);
	}
	CHECK_EQ(ak_tcp_state(f->c), state);
}
