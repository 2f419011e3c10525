// SPDX-License-Identifier: MIT
/*
 * The engine's user calls (RFC 9293 section 3.10 "user calls"): OPEN as
 * connect, SEND, RECEIVE in place, CLOSE as shutdown/close, ABORT.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/core/clock.h"
#include "lib/net/tcp_impl.h"

/* An already granted ephemeral port free for this 4-tuple. */
static bool reuse_port(struct ak_tcp *tcp, uint32_t addr, uint16_t port,
		       uint16_t *out)
{
	for (uint32_t i = 0; i < tcp->n_eph; i++) {
		uint32_t k = (tcp->eph_cursor + i) % tcp->n_eph;
		uint16_t p = htons(tcp->eph[k]);

		if (!tcp_lookup(tcp, tcp->env.local_addr, p, addr, port)) {
			tcp->eph_cursor = k + 1;
			*out = p;
			return true;
		}
	}
	return false;
}

static int remember_port(struct ak_tcp *tcp, uint16_t p)
{
	if (tcp->n_eph == tcp->eph_cap) {
		uint32_t cap = tcp->eph_cap ? tcp->eph_cap * 2 : 64;
		uint16_t *e = realloc(tcp->eph, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		tcp->eph = e;
		tcp->eph_cap = cap;
	}
	tcp->eph[tcp->n_eph++] = p;
	tcp->eph_map[p / 8] |= (uint8_t)(1u << (p % 8));
	return 0;
}

/*
 * RFC 6056 section 3.3.1 (random start, linear probing). A new port needs
 * a grant from the control plane, so granted ones are reused first (a port
 * serves any number of 4-tuples); at most 64 grants are tried per call.
 */
static int pick_port(struct ak_tcp *tcp, uint32_t addr, uint16_t port,
		     uint16_t *out)
{
	const struct ak_l4_env *env = &tcp->env;
	uint32_t n = (uint32_t)env->ephemeral_last - env->ephemeral_first + 1;
	uint32_t start = (uint32_t)(tcp_rand(tcp) % n);
	unsigned tries = 0;

	if (reuse_port(tcp, addr, port, out))
		return 0;
	for (uint32_t i = 0; i < n && tries < 64; i++) {
		uint16_t p = (uint16_t)(env->ephemeral_first + (start + i) % n);

		if ((tcp->eph_map[p / 8] & (1u << (p % 8))) ||
		    tcp_find_listener(tcp, htons(p)))
			continue;
		tries++;
		if (env->ops->port_grant(env->ctx, IPPROTO_TCP, p))
			continue; /* held elsewhere: try the next */
		if (remember_port(tcp, p)) {
			env->ops->port_release(env->ctx, IPPROTO_TCP, p);
			return -ENOMEM;
		}
		*out = htons(p);
		return 0;
	}
	return -EADDRNOTAVAIL;
}

int ak_tcp_engine_connect(struct ak_tcp *tcp, uint32_t addr, uint16_t port,
			  ak_tcp_event_fn fn, void *ctx,
			  struct ak_tcp_conn **out)
{
	struct ak_tcp_conn *c;
	uint16_t lport;
	int err;

	tcp_enter(tcp);
	err = pick_port(tcp, addr, htons(port), &lport);
	if (err)
		goto out;
	c = tcp_conn_new(tcp, tcp->env.local_addr, lport, addr, htons(port));
	if (!c) {
		err = tcp->cfg.max_conns && tcp->nconns >= tcp->cfg.max_conns
			      ? -ENOBUFS
			      : -ENOMEM;
		goto out;
	}
	c->app_owned = true;
	c->cb = fn;
	c->cb_ctx = ctx;
	c->state = AK_TCP_SYN_SENT;
	c->rcv_wscale = tcp->cfg.window_scale ? tcp_our_wscale(tcp) : 0;
	c->ts_offset = (uint32_t)tcp_rand(tcp);
	c->iss = tcp_isn(tcp, c->laddr, c->lport, c->raddr, c->rport);
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->snd_max = c->snd_nxt;
	c->rtt_start_ns = tcp->now;
	tcp->st.active_opens++;
	tcp_send_syn(c);
	tcp_rto_arm(c);
	*out = c;
out:
	tcp_leave(tcp);
	return err;
}

void ak_tcp_set_callback(struct ak_tcp_conn *c, ak_tcp_event_fn fn, void *ctx)
{
	unsigned ev = c->pending_ev;

	c->cb = fn;
	c->cb_ctx = ctx;
	c->pending_ev = 0;
	if (ev && fn) {
		tcp_enter(c->tcp);
		fn(ctx, c, ev);
		tcp_leave(c->tcp);
	}
}

void ak_tcp_set_nodelay(struct ak_tcp_conn *c, bool nodelay)
{
	c->nodelay = nodelay;
}

void ak_tcp_set_keepalive(struct ak_tcp_conn *c, uint64_t idle_ns)
{
	c->ka_idle_ns = idle_ns;
	tcp_timer_clear(c, TCP_T_KEEP);
	if (c->state == AK_TCP_ESTABLISHED || c->state == AK_TCP_CLOSE_WAIT)
		tcp_keepalive_rearm(c);
}

size_t ak_tcp_send_space(const struct ak_tcp_conn *c)
{
	return c->sb_size - c->sb_len;
}

static int send_allowed(const struct ak_tcp_conn *c)
{
	if (c->fin_queued)
		return -EPIPE;
	switch (c->state) {
	case AK_TCP_SYN_SENT:
	case AK_TCP_SYN_RECEIVED:
	case AK_TCP_ESTABLISHED:
	case AK_TCP_CLOSE_WAIT:
		return 0;
	case AK_TCP_CLOSED:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
}

static void copy_to_ring(struct ak_tcp_conn *c, const uint8_t *src,
			 uint32_t len)
{
	uint32_t mask = c->sb_size - 1;
	uint32_t start = (c->sb_head + c->sb_len) & mask;
	uint32_t first = c->sb_size - start;

	if (first > len)
		first = len;
	memcpy(c->sb + start, src, first);
	memcpy(c->sb, src + first, len - first);
	c->sb_len += len;
}

long ak_tcp_send(struct ak_tcp_conn *c, const void *data, size_t len)
{
	uint32_t space, n;
	int err;

	err = send_allowed(c);
	if (err)
		return err;
	err = tcp_sb_alloc(c);
	if (err)
		return err;
	space = c->sb_size - c->sb_len;
	n = len < space ? (uint32_t)len : space;
	if (n < len)
		c->writable_wanted = true; /* back-pressure */
	if (!n)
		return -EAGAIN;
	copy_to_ring(c, data, n);
	if (c->tcp->depth) {
		/*
		 * Inside a callback: sends are corked until the engine
		 * unwinds, so a reply written in pieces (a header, then its
		 * body) leaves as one segment with the ACK on it.
		 */
		tcp_cork(c);
		return n;
	}
	tcp_enter(c->tcp);
	tcp_output(c);
	tcp_leave(c->tcp);
	return n;
}

size_t ak_tcp_peek(struct ak_tcp_conn *c, const uint8_t **data)
{
	if (!c->rxq) {
		*data = NULL;
		return 0;
	}
	*data = ak_pkt_data(&c->rxq->pkt);
	return ak_pkt_data_len(&c->rxq->pkt);
}

/*
 * A window update after the application read (RFC 9293 3.8.6.2.2): only
 * when the advertised window had shrunk below half its maximum, so a bulk
 * reader does not send one update per read.
 */
static void window_update(struct ak_tcp_conn *c)
{
	uint32_t cur =
		seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t max = 65535u << c->rcv_wscale;

	if (max > c->tcp->cfg.rcvbuf)
		max = c->tcp->cfg.rcvbuf;
	if (c->state == AK_TCP_CLOSED || c->fin_rcvd)
		return;
	if (cur < max / 2 && tcp_rcv_wnd(c) > cur) {
		c->want_ack = true;
		tcp_output(c);
	}
}

void ak_tcp_consume(struct ak_tcp_conn *c, size_t len)
{
	struct ak_tcp *tcp = c->tcp;

	tcp_enter(tcp);
	while (len && c->rxq) {
		struct tcp_rxseg *s = c->rxq;
		uint32_t have = ak_pkt_data_len(&s->pkt);
		uint32_t n = len < have ? (uint32_t)len : have;

		s->pkt.data_off = (uint16_t)(s->pkt.data_off + n);
		c->rx_bytes -= n;
		len -= n;
		if (n == have) {
			c->rxq = s->next;
			if (!c->rxq)
				c->rxq_tail = NULL;
			tcp_seg_put(tcp, s);
		}
	}
	window_update(c);
	tcp_leave(tcp);
}

size_t ak_tcp_recv(struct ak_tcp_conn *c, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		const uint8_t *p;
		size_t n = ak_tcp_peek(c, &p);

		if (!n)
			break;
		if (n > len - done)
			n = len - done;
		memcpy((uint8_t *)buf + done, p, n);
		ak_tcp_consume(c, n);
		done += n;
	}
	return done;
}

bool ak_tcp_peer_closed(const struct ak_tcp_conn *c)
{
	return c->fin_rcvd && !c->rx_bytes;
}

/* RFC 9293 3.10.4: CLOSE queues a FIN behind the data. */
int ak_tcp_shutdown(struct ak_tcp_conn *c)
{
	struct ak_tcp *tcp = c->tcp;

	switch (c->state) {
	case AK_TCP_ESTABLISHED:
		tcp_enter(tcp);
		c->fin_queued = true;
		tcp_set_state(c, AK_TCP_FIN_WAIT_1);
		break;
	case AK_TCP_CLOSE_WAIT:
		tcp_enter(tcp);
		c->fin_queued = true;
		tcp_set_state(c, AK_TCP_LAST_ACK);
		break;
	case AK_TCP_SYN_SENT:
	case AK_TCP_SYN_RECEIVED:
	case AK_TCP_CLOSED:
		return -ENOTCONN;
	default:
		return 0; /* already shut down */
	}
	tcp_output(c);
	tcp_leave(tcp);
	return 0;
}

static void give_back(struct ak_tcp_conn *c)
{
	c->app_owned = false;
	c->cb = NULL;
	c->writable_wanted = false;
	if (c->state == AK_TCP_CLOSED)
		tcp_conn_release(c);
}

void ak_tcp_abort(struct ak_tcp_conn *c)
{
	struct ak_tcp *tcp = c->tcp;

	tcp_enter(tcp);
	switch (c->state) {
	case AK_TCP_SYN_RECEIVED:
	case AK_TCP_ESTABLISHED:
	case AK_TCP_FIN_WAIT_1:
	case AK_TCP_FIN_WAIT_2:
	case AK_TCP_CLOSE_WAIT:
		/* RFC 9293 3.10.5: ABORT sends RST in these states. */
		tcp_send_rst_conn(c);
		break;
	default:
		break;
	}
	give_back(c);
	if (c->state != AK_TCP_CLOSED)
		tcp_set_state(c, AK_TCP_CLOSED);
	tcp_leave(tcp);
}

void ak_tcp_close(struct ak_tcp_conn *c)
{
	struct ak_tcp *tcp = c->tcp;

	if (c->rx_bytes || (c->ooo && c->state != AK_TCP_CLOSED)) {
		/* Unread data would be lost silently: RFC 2525 2.17. */
		ak_tcp_abort(c);
		return;
	}
	tcp_enter(tcp);
	switch (c->state) {
	case AK_TCP_SYN_SENT:
		give_back(c);
		tcp_set_state(c, AK_TCP_CLOSED);
		break;
	case AK_TCP_SYN_RECEIVED:
	case AK_TCP_ESTABLISHED:
	case AK_TCP_CLOSE_WAIT:
		ak_tcp_shutdown(c);
		give_back(c);
		break;
	case AK_TCP_FIN_WAIT_2:
		give_back(c);
		tcp_timer_set(c, TCP_T_STATE, tcp->now + tcp->cfg.fin_wait2_ns);
		break;
	default:
		give_back(c);
		break;
	}
	tcp_leave(tcp);
}

int ak_tcp_error(const struct ak_tcp_conn *c)
{
	return c->error;
}

enum ak_tcp_state ak_tcp_state(const struct ak_tcp_conn *c)
{
	return c->state;
}

const char *ak_tcp_state_name(enum ak_tcp_state s)
{
	static const char *const names[] = {
		"CLOSED",      "LISTEN",     "SYN-SENT",   "SYN-RECEIVED",
		"ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT",
		"CLOSING",     "LAST-ACK",   "TIME-WAIT",
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[s];
}

void ak_tcp_conn_info(const struct ak_tcp_conn *c, struct ak_tcp_conn_info *o)
{
	memset(o, 0, sizeof(*o));
	o->state = c->state;
	o->snd_una = c->snd_una;
	o->snd_nxt = c->snd_nxt;
	o->snd_wnd = c->snd_wnd;
	o->rcv_nxt = c->rcv_nxt;
	o->rcv_wnd =
		seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	o->cwnd = c->cwnd;
	o->ssthresh = c->ssthresh;
	o->mss = c->mss;
	o->snd_wscale = c->snd_wscale;
	o->rcv_wscale = c->rcv_wscale;
	o->timestamps = c->ts_ok;
	o->window_scale = c->ws_ok;
	o->srtt_us = c->srtt_us;
	o->rto_us = c->rto_ns / 1000;
	o->segs_in = c->segs_in;
	o->segs_out = c->segs_out;
	o->bytes_in = c->bytes_in;
	o->bytes_out = c->bytes_out;
	o->retransmits = c->retransmits;
	o->ooo_segs = c->ooo_segs;
	o->unacked = tcp_flight(c);
	o->unsent = c->sb_len > o->unacked ? c->sb_len - o->unacked : 0;
	o->readable = c->rx_bytes;
}

void ak_tcp_local(const struct ak_tcp_conn *c, uint32_t *addr, uint16_t *port)
{
	*addr = c->laddr;
	*port = ntohs(c->lport);
}

void ak_tcp_remote(const struct ak_tcp_conn *c, uint32_t *addr, uint16_t *port)
{
	*addr = c->raddr;
	*port = ntohs(c->rport);
}
