// SPDX-License-Identifier: MIT
/*
 * Connection timers. Each connection has four (retransmission/persist,
 * delayed ACK, keep-alive, state lifetime) and sits in one min-heap keyed
 * by the earliest, so a poll costs O(log n) per expiry whatever the number
 * of connections.
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/core/clock.h"
#include "lib/net/tcp_impl.h"

static void heap_swap(struct ak_tcp *tcp, uint32_t a, uint32_t b)
{
	struct ak_tcp_conn *t = tcp->heap[a];

	tcp->heap[a] = tcp->heap[b];
	tcp->heap[b] = t;
	tcp->heap[a]->heap_idx = a;
	tcp->heap[b]->heap_idx = b;
}

static void heap_up(struct ak_tcp *tcp, uint32_t i)
{
	while (i > 1 && tcp->heap[i / 2]->deadline > tcp->heap[i]->deadline) {
		heap_swap(tcp, i, i / 2);
		i /= 2;
	}
}

static void heap_down(struct ak_tcp *tcp, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i, r = l + 1, m = i;

		if (l <= tcp->heap_len &&
		    tcp->heap[l]->deadline < tcp->heap[m]->deadline)
			m = l;
		if (r <= tcp->heap_len &&
		    tcp->heap[r]->deadline < tcp->heap[m]->deadline)
			m = r;
		if (m == i)
			return;
		heap_swap(tcp, i, m);
		i = m;
	}
}

static void heap_remove(struct ak_tcp *tcp, struct ak_tcp_conn *c)
{
	uint32_t i = c->heap_idx;

	c->heap_idx = 0;
	if (i != tcp->heap_len) {
		tcp->heap[i] = tcp->heap[tcp->heap_len];
		tcp->heap[i]->heap_idx = i;
		tcp->heap_len--;
		heap_up(tcp, i);
		heap_down(tcp, i);
		return;
	}
	tcp->heap_len--;
}

static int heap_insert(struct ak_tcp *tcp, struct ak_tcp_conn *c)
{
	if (tcp->heap_len + 1 >= tcp->heap_cap) {
		uint32_t cap = tcp->heap_cap ? tcp->heap_cap * 2 : 1024;
		struct ak_tcp_conn **h = realloc(tcp->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		tcp->heap = h;
		tcp->heap_cap = cap;
	}
	tcp->heap[++tcp->heap_len] = c;
	c->heap_idx = tcp->heap_len;
	heap_up(tcp, c->heap_idx);
	return 0;
}

static void deadline_update(struct ak_tcp_conn *c)
{
	struct ak_tcp *tcp = c->tcp;
	uint64_t d = 0;

	for (int t = 0; t < TCP_T_COUNT; t++)
		if (c->timer[t] && (!d || c->timer[t] < d))
			d = c->timer[t];
	if (!d) {
		if (c->heap_idx)
			heap_remove(tcp, c);
		return;
	}
	if (d == c->deadline && c->heap_idx)
		return;
	c->deadline = d;
	if (!c->heap_idx) {
		/*
		 * Without memory for the heap the timer cannot run; the
		 * connection then lives until the peer or application acts.
		 */
		heap_insert(tcp, c);
		return;
	}
	heap_up(tcp, c->heap_idx);
	heap_down(tcp, c->heap_idx);
}

void tcp_timer_set(struct ak_tcp_conn *c, enum tcp_timer t, uint64_t when)
{
	c->timer[t] = when ? when : 1;
	deadline_update(c);
}

void tcp_timer_clear(struct ak_tcp_conn *c, enum tcp_timer t)
{
	if (!c->timer[t])
		return;
	c->timer[t] = 0;
	deadline_update(c);
}

void tcp_timer_remove_all(struct ak_tcp_conn *c)
{
	for (int t = 0; t < TCP_T_COUNT; t++)
		c->timer[t] = 0;
	deadline_update(c);
}

/*
 * RFC 8985 section 7: with data in flight a tail loss probe after about
 * two round trips replaces most RTOs: its answer (a SACK or duplicate ACK)
 * starts fast recovery instead. In recovery the probe resends the first
 * hole, whose retransmission was evidently lost too.
 */
void tcp_rto_arm(struct ak_tcp_conn *c)
{
	uint64_t pto = 2 * c->srtt_us * AK_NSEC_PER_USEC;

	if (pto < 10 * AK_NSEC_PER_MSEC)
		pto = 10 * AK_NSEC_PER_MSEC;
	c->tlp_armed = !c->persist && !c->tlp_out && c->srtt_us &&
		       pto < c->rto_ns && tcp_flight(c) &&
		       (c->state == AK_TCP_ESTABLISHED ||
			c->state == AK_TCP_CLOSE_WAIT);
	tcp_timer_set(c, TCP_T_RTX,
		      c->tcp->now + (c->tlp_armed ? pto : c->rto_ns));
}

/* Sends new data if the windows allow, else the last segment again. */
static void tail_loss_probe(struct ak_tcp_conn *c)
{
	uint32_t flight = tcp_flight(c), len;
	uint64_t before = c->segs_out;

	c->tlp_armed = false;
	c->tlp_out = true;
	c->tcp->st.tail_loss_probes++;
	if (c->in_recovery) {
		tcp_retransmit_first(c);
		c->rtx_next = c->snd_una + c->mss;
		tcp_rto_arm(c);
		return;
	}
	tcp_output(c);
	if (c->segs_out == before) {
		len = flight < c->mss ? flight : c->mss;
		if (c->fin_sent && c->snd_nxt == c->fin_seq + 1 && len > 1)
			len--; /* the FIN is resent with the last data */
		tcp_retransmit_at(c, c->snd_nxt - len, len);
	}
	tcp_rto_arm(c);
}

/* RFC 6298 section 2.2 and 2.3 (G, the clock granularity, is 1 ms). */
void tcp_rtt_sample(struct ak_tcp_conn *c, uint64_t r)
{
	const struct ak_tcp_config *cfg = &c->tcp->cfg;
	uint64_t var, rto;

	if (!c->srtt_us) {
		c->srtt_us = r ? r : 1;
		c->rttvar_us = r / 2;
	} else {
		uint64_t diff =
			c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;

		c->rttvar_us = (3 * c->rttvar_us + diff) / 4;
		c->srtt_us = (7 * c->srtt_us + r) / 8;
	}
	var = 4 * c->rttvar_us > 1000 ? 4 * c->rttvar_us : 1000;
	rto = (c->srtt_us + var) * AK_NSEC_PER_USEC;
	if (rto < cfg->rto_min_ns)
		rto = cfg->rto_min_ns;
	if (rto > cfg->rto_max_ns)
		rto = cfg->rto_max_ns;
	c->rto_ns = rto;
}

/* RFC 6298 section 5.5: back off the timer after an expiry. */
static void rto_backoff(struct ak_tcp_conn *c)
{
	c->rto_ns *= 2;
	if (c->rto_ns > c->tcp->cfg.rto_max_ns)
		c->rto_ns = c->tcp->cfg.rto_max_ns;
}

static void syn_timeout(struct ak_tcp_conn *c)
{
	struct ak_tcp *tcp = c->tcp;

	if (++c->retries > tcp->cfg.syn_retries) {
		if (c->state == AK_TCP_SYN_RECEIVED)
			tcp->st.half_open_timeouts++;
		tcp->st.timeouts++;
		tcp_fail(c, ETIMEDOUT);
		return;
	}
	rto_backoff(c);
	tcp->st.retransmits++;
	c->retransmits++;
	tcp_send_syn(c);
	tcp_rto_arm(c);
}

/* RFC 9293 3.8.6.1: probe a zero window, backing off like the RTO. */
static void persist_timeout(struct ak_tcp_conn *c)
{
	if (c->snd_wnd || !c->sb_len) {
		c->persist = false;
		tcp_output(c);
		return;
	}
	c->tcp->st.zero_window_probes++;
	tcp_send_probe(c, c->snd_una - 1);
	rto_backoff(c);
	tcp_rto_arm(c);
}

/*
 * RFC 6298 section 5.4-5.6 and RFC 5681 section 3.1: retransmit from
 * snd_una with a one-segment window, halve ssthresh, back off.
 */
static void rtx_timeout(struct ak_tcp_conn *c)
{
	struct ak_tcp *tcp = c->tcp;
	uint32_t flight = tcp_flight(c);

	if (c->persist) {
		persist_timeout(c);
		return;
	}
	if (c->tlp_armed && flight) {
		tail_loss_probe(c);
		return;
	}
	if (c->state == AK_TCP_SYN_SENT || c->state == AK_TCP_SYN_RECEIVED) {
		syn_timeout(c);
		return;
	}
	if (!flight)
		return;
	if (++c->retries > tcp->cfg.data_retries) {
		tcp->st.timeouts++;
		tcp_fail(c, ETIMEDOUT);
		return;
	}
	tcp->st.rto_fired++;
	c->ssthresh = flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss;
	c->cwnd = c->mss;
	c->in_recovery = false;
	c->dupacks = 0;
	c->limited_tx = 0;
	c->nsacked = 0; /* RFC 6675 section 5.1: the receiver may renege */
	c->recover = c->snd_max;
	rto_backoff(c);
	c->snd_nxt = c->snd_una; /* go back N: resend from snd_una */
	c->retransmits++;
	tcp->st.retransmits++;
	c->rtt_timing = false; /* Karn's algorithm, RFC 6298 section 3 */
	tcp_output(c);
	tcp_rto_arm(c);
}

static void delack_timeout(struct ak_tcp_conn *c)
{
	c->tcp->st.delayed_acks++;
	tcp_send_ack(c);
}

/* RFC 9293 3.8.4 (RFC 1122 4.2.3.6): probes after an idle period. */
static void keepalive_timeout(struct ak_tcp_conn *c)
{
	struct ak_tcp *tcp = c->tcp;
	uint64_t idle_end = c->last_rx_ns + c->ka_idle_ns;

	if (!c->ka_idle_ns ||
	    (c->state != AK_TCP_ESTABLISHED && c->state != AK_TCP_CLOSE_WAIT))
		return;
	if (tcp->now < idle_end) {
		c->ka_sent = 0;
		tcp_timer_set(c, TCP_T_KEEP, idle_end);
		return;
	}
	if (c->ka_sent >= tcp->cfg.keepalive_probes) {
		tcp->st.keepalive_timeouts++;
		tcp->st.timeouts++;
		tcp_fail(c, ETIMEDOUT);
		return;
	}
	c->ka_sent++;
	tcp->st.keepalive_probes++;
	tcp_send_probe(c, c->snd_una - 1);
	tcp_timer_set(c, TCP_T_KEEP, tcp->now + tcp->cfg.keepalive_intvl_ns);
}

void tcp_keepalive_rearm(struct ak_tcp_conn *c)
{
	if (c->ka_idle_ns && !c->timer[TCP_T_KEEP])
		tcp_timer_set(c, TCP_T_KEEP, c->last_rx_ns + c->ka_idle_ns);
}

/* TIME-WAIT ends (RFC 9293 3.6) or an orphan's FIN-WAIT-2 gives up. */
static void state_timeout(struct ak_tcp_conn *c)
{
	if (c->state == AK_TCP_TIME_WAIT || c->state == AK_TCP_FIN_WAIT_2) {
		tcp_set_state(c, AK_TCP_CLOSED);
		return;
	}
}

static void fire(struct ak_tcp_conn *c, enum tcp_timer t)
{
	switch (t) {
	case TCP_T_RTX:
		rtx_timeout(c);
		break;
	case TCP_T_DELACK:
		delack_timeout(c);
		break;
	case TCP_T_KEEP:
		keepalive_timeout(c);
		break;
	case TCP_T_STATE:
		state_timeout(c);
		break;
	default:
		break;
	}
}

void tcp_run_timers(struct ak_tcp *tcp)
{
	while (tcp->heap_len && tcp->heap[1]->deadline <= tcp->now) {
		struct ak_tcp_conn *c = tcp->heap[1];
		int due = 0;

		for (int t = 1; t < TCP_T_COUNT; t++)
			if (c->timer[t] &&
			    (!c->timer[due] || c->timer[t] < c->timer[due]))
				due = t;
		tcp_timer_clear(c, due);
		fire(c, due);
	}
}

uint64_t ak_tcp_poll(struct ak_tcp *tcp, uint64_t now_ns)
{
	uint64_t next;

	tcp_enter(tcp);
	tcp->now = now_ns;
	tcp_run_timers(tcp);
	while (tcp->tx_retry) {
		struct ak_tcp_conn *c = tcp->tx_retry;

		tcp->tx_retry = c->txnext;
		c->tx_blocked = false;
		tcp_output(c);
		if (c->tx_blocked)
			break;
	}
	next = tcp->heap_len ? tcp->heap[1]->deadline : UINT64_MAX;
	tcp_leave(tcp);
	return next;
}
