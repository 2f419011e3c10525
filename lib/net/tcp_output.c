// SPDX-License-Identifier: MIT
/*
 * Segment output: every segment of a connection starts from its header
 * template, gets sequence, acknowledgment, window and options filled in,
 * the payload copied once from the send ring into the transmit frame, and
 * the checksum computed over the frame.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/core/clock.h"
#include "lib/net/checksum.h"
#include "lib/net/tcp_impl.h"

void tcp_init_template(struct ak_tcp_conn *c)
{
	memset(&c->tmpl, 0, sizeof(c->tmpl));
	c->tmpl.sport = c->lport;
	c->tmpl.dport = c->rport;
	c->tmpl.doff = 5 << 4;
	c->pseudo_sum = ak_csum_pseudo(c->laddr, c->raddr, IPPROTO_TCP, 0);
}

/* RFC 7323 section 5.4: a millisecond clock, offset per connection. */
uint32_t tcp_ts_now(const struct ak_tcp_conn *c)
{
	return (uint32_t)(c->tcp->now / AK_NSEC_PER_MSEC) + c->ts_offset;
}

uint32_t tcp_flight(const struct ak_tcp_conn *c)
{
	return c->snd_nxt - c->snd_una;
}

/*
 * The window to advertise. RFC 9293 section 3.8.6.2.2: the right edge only
 * moves when it can move by min(half the buffer, one MSS), and it never
 * moves left (section 3.8.6, "shrinking the window" is discouraged).
 */
uint32_t tcp_rcv_wnd(const struct ak_tcp_conn *c)
{
	uint32_t rcvbuf = c->tcp->cfg.rcvbuf;
	uint32_t space = rcvbuf > c->rx_bytes ? rcvbuf - c->rx_bytes : 0;
	uint32_t cur =
		seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t step = rcvbuf / 2 < c->mss ? rcvbuf / 2 : c->mss;

	if (space > cur && space - cur >= step)
		return space;
	return cur;
}

/* Fills in the window field and remembers the advertised right edge. */
static void put_window(struct ak_tcp_conn *c, struct ak_tcp_hdr *th, bool syn)
{
	uint32_t wnd = tcp_rcv_wnd(c);
	uint32_t field;

	if (syn) {
		/* RFC 7323 section 2.2: the window in a SYN is never scaled. */
		field = wnd > 65535 ? 65535 : wnd;
		c->rcv_adv = c->rcv_nxt + field;
	} else {
		field = wnd >> c->rcv_wscale;
		if (field > 65535)
			field = 65535;
		if (seq_gt(c->rcv_nxt + (field << c->rcv_wscale), c->rcv_adv))
			c->rcv_adv = c->rcv_nxt + (field << c->rcv_wscale);
	}
	th->wnd = htons((uint16_t)field);
}

static uint8_t *put_ts(const struct ak_tcp_conn *c, uint8_t *p)
{
	uint32_t tsval = htonl(tcp_ts_now(c)), tsecr = htonl(c->ts_recent);

	*p++ = TCP_OPT_NOP;
	*p++ = TCP_OPT_NOP;
	*p++ = TCP_OPT_TS;
	*p++ = 10;
	memcpy(p, &tsval, 4);
	memcpy(p + 4, &tsecr, 4);
	return p + 8;
}

/*
 * SYN options (RFC 9293 3.7.1 MSS, RFC 7323 wscale and timestamps). On a
 * SYN-ACK only what the peer offered is echoed (RFC 7323 sections 1.3,
 * 2.2, 3.2).
 */
static uint8_t *put_syn_opts(struct ak_tcp_conn *c, uint8_t *p, bool ack)
{
	const struct ak_l4_env *env = &c->tcp->env;
	uint16_t mss = htons((uint16_t)(env->mtu - 40));
	bool ws = ack ? c->ws_ok : c->tcp->cfg.window_scale;
	bool ts = ack ? c->ts_ok : c->tcp->cfg.timestamps;
	bool sack = ack ? c->sack_ok : c->tcp->cfg.sack;

	*p++ = TCP_OPT_MSS;
	*p++ = 4;
	memcpy(p, &mss, 2);
	p += 2;
	if (sack) {
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_SACK_PERM;
		*p++ = 2;
	}
	if (ws) {
		*p++ = TCP_OPT_NOP;
		*p++ = TCP_OPT_WSCALE;
		*p++ = 3;
		*p++ = c->rcv_wscale;
	}
	if (ts)
		p = put_ts(c, p);
	return p;
}

/* Copies len bytes of the send ring starting off bytes past snd_una. */
static void copy_from_ring(const struct ak_tcp_conn *c, uint8_t *dst,
			   uint32_t off, uint32_t len)
{
	uint32_t mask = c->sb_size - 1;
	uint32_t start = (c->sb_head + off) & mask;
	uint32_t first = c->sb_size - start;

	if (first > len)
		first = len;
	memcpy(dst, c->sb + start, first);
	memcpy(dst + first, c->sb, len - first);
}

/*
 * RFC 2018 section 4: SACK blocks for the reorder queue, the block with
 * the latest arrival first, as many as the option space left allows.
 */
static uint8_t *put_sack(const struct ak_tcp_conn *c, uint8_t *p, unsigned room)
{
	uint32_t r[16][2], v;
	unsigned n = 0, max, first = 0;
	const struct tcp_rxseg *s;

	for (s = c->ooo; s; s = s->next) {
		uint32_t end = s->seq + ak_pkt_data_len(&s->pkt);

		if (n && r[n - 1][1] == s->seq) {
			r[n - 1][1] = end;
			continue;
		}
		if (n == 16)
			break;
		r[n][0] = s->seq;
		r[n][1] = end;
		n++;
	}
	max = room >= 4 ? (room - 4) / 8 : 0;
	if (max > 4)
		max = 4;
	if (!n || !max)
		return p;
	for (unsigned i = 0; i < n; i++)
		if (seq_le(r[i][0], c->ooo_recent) &&
		    seq_lt(c->ooo_recent, r[i][1]))
			first = i;
	if (n > max)
		n = max;
	*p++ = TCP_OPT_NOP;
	*p++ = TCP_OPT_NOP;
	*p++ = TCP_OPT_SACK;
	*p++ = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < n; i++) {
		unsigned k = i == 0 ? first : (i <= first ? i - 1 : i);

		v = htonl(r[k][0]);
		memcpy(p, &v, 4);
		v = htonl(r[k][1]);
		memcpy(p + 4, &v, 4);
		p += 8;
	}
	return p;
}

struct seg {
	uint32_t seq;
	uint32_t len; /* payload bytes from the send ring */
	uint8_t flags;
};

/* Builds and sends one segment; -ENOBUFS when no frame is free. */
static int tcp_xmit(struct ak_tcp_conn *c, const struct seg *s)
{
	struct ak_tcp *tcp = c->tcp;
	struct ak_pkt pkt;
	struct ak_tcp_hdr *th;
	uint8_t *opt;
	uint16_t l4_len;
	int err;

	err = tcp->env.ops->tx_alloc(tcp->env.ctx, &pkt);
	if (err) {
		tcp->st.tx_nobufs++;
		return err;
	}
	th = (struct ak_tcp_hdr *)ak_pkt_l4(&pkt);
	*th = c->tmpl;
	th->seq = htonl(s->seq);
	th->flags = s->flags;
	th->ack = (s->flags & TCP_ACK) ? htonl(c->rcv_nxt) : 0;
	opt = (uint8_t *)(th + 1);
	if (s->flags & TCP_SYN)
		opt = put_syn_opts(c, opt, s->flags & TCP_ACK);
	else if (c->ts_ok && !(s->flags & TCP_RST))
		opt = put_ts(c, opt);
	if (c->sack_ok && c->ooo && !(s->flags & (TCP_SYN | TCP_RST))) {
		unsigned used = (unsigned)(opt - (uint8_t *)(th + 1));
		unsigned room = tcp->env.mtu - 40u - used - s->len;

		opt = put_sack(c, opt, room < 40 - used ? room : 40 - used);
	}
	th->doff = (uint8_t)(((opt - (uint8_t *)th) / 4) << 4);
	put_window(c, th, s->flags & TCP_SYN);
	if (s->len)
		copy_from_ring(c, opt, s->seq - c->snd_una, s->len);

	l4_len = (uint16_t)(opt - (uint8_t *)th + s->len);
	pkt.data_off = (uint16_t)(opt - pkt.frame);
	pkt.end = (uint16_t)(pkt.l4_off + l4_len);
	th->csum = htons(ak_csum_fold(
		ak_csum_partial(th, l4_len, c->pseudo_sum + l4_len)));

	if (s->flags & TCP_ACK) {
		c->want_ack = false;
		c->unacked_segs = 0;
		tcp_timer_clear(c, TCP_T_DELACK);
	}
	c->segs_out++;
	c->bytes_out += s->len;
	tcp->st.segs_out++;
	tcp->st.bytes_out += s->len;
	tcp->env.ops->ipv4_send(tcp->env.ctx, &pkt, c->raddr, IPPROTO_TCP);
	return 0;
}

/* Remembers a connection whose output waits for a transmit frame. */
static void tx_blocked(struct ak_tcp_conn *c)
{
	if (c->tx_blocked)
		return;
	c->tx_blocked = true;
	c->txnext = c->tcp->tx_retry;
	c->tcp->tx_retry = c;
}

int tcp_send_syn(struct ak_tcp_conn *c)
{
	struct seg s = {.seq = c->iss, .flags = TCP_SYN};

	if (c->state == AK_TCP_SYN_RECEIVED)
		s.flags |= TCP_ACK;
	return tcp_xmit(c, &s);
}

/*
 * Pure ACKs carry the highest sequence number sent: after a go-back-N
 * retransmission snd_nxt may lie below what the peer already received,
 * and a segment there would be unacceptable to it (RFC 9293 3.10.7.4).
 */
int tcp_send_ack(struct ak_tcp_conn *c)
{
	struct seg s = {.seq = c->snd_max, .flags = TCP_ACK};
	int err = tcp_xmit(c, &s);

	if (err)
		tx_blocked(c);
	return err;
}

/* A zero-window or keep-alive probe at seq (RFC 9293 3.8.6.1, 3.8.4). */
int tcp_send_probe(struct ak_tcp_conn *c, uint32_t seq)
{
	struct seg s = {.seq = seq, .flags = TCP_ACK};

	if (seq == c->snd_nxt && c->sb_len > seq - c->snd_una)
		s.len = 1; /* one byte of new data beyond the window */
	return tcp_xmit(c, &s);
}

int tcp_send_rst_conn(struct ak_tcp_conn *c)
{
	struct seg s = {.seq = c->snd_max, .flags = TCP_RST | TCP_ACK};

	c->tcp->st.rst_out++;
	return tcp_xmit(c, &s);
}

/*
 * A frame for an answer that no connection owns (a RST, a SYN cookie's
 * SYN-ACK): the TCP header zeroed with the ports of the incoming segment
 * swapped, and its addresses as seen from here. NULL when no frame is free.
 */
static struct ak_tcp_hdr *stateless_reply(struct ak_tcp *tcp,
					  const struct ak_pkt *in,
					  const struct ak_tcp_hdr *ith,
					  struct ak_pkt *pkt, uint32_t *saddr,
					  uint32_t *daddr)
{
	const uint8_t *ip = ak_pkt_l3(in);
	struct ak_tcp_hdr *th;

	if (tcp->env.ops->tx_alloc(tcp->env.ctx, pkt)) {
		tcp->st.tx_nobufs++;
		return NULL;
	}
	memcpy(saddr, ip + 12, 4);
	memcpy(daddr, ip + 16, 4);
	th = (struct ak_tcp_hdr *)ak_pkt_l4(pkt);
	memset(th, 0, sizeof(*th));
	th->sport = ith->dport;
	th->dport = ith->sport;
	return th;
}

/*
 * RST for a segment with no connection, RFC 9293 section 3.10.7.1: if the
 * segment has ACK, <SEQ=SEG.ACK><CTL=RST>, otherwise
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Never in reply to an RST.
 */
void tcp_send_rst_reply(struct ak_tcp *tcp, const struct ak_pkt *in,
			const struct ak_tcp_hdr *ith, uint32_t seglen)
{
	struct ak_tcp_hdr *th;
	uint32_t saddr, daddr;
	struct ak_pkt pkt;

	if (ith->flags & TCP_RST)
		return;
	th = stateless_reply(tcp, in, ith, &pkt, &saddr, &daddr);
	if (!th)
		return;
	th->doff = 5 << 4;
	if (ith->flags & TCP_ACK) {
		th->seq = ith->ack;
		th->flags = TCP_RST;
	} else {
		th->ack = htonl(ntohl(ith->seq) + seglen);
		th->flags = TCP_RST | TCP_ACK;
	}
	pkt.data_off = (uint16_t)(pkt.l4_off + sizeof(*th));
	pkt.end = pkt.data_off;
	th->csum = ak_csum_l4(daddr, saddr, IPPROTO_TCP, th, sizeof(*th));
	tcp->st.rst_out++;
	tcp->st.segs_out++;
	tcp->env.ops->ipv4_send(tcp->env.ctx, &pkt, saddr, IPPROTO_TCP);
}

/*
 * The SYN-ACK of a SYN cookie (RFC 4987 section 3.6): no state is kept,
 * so only an MSS option is sent and the window is not scaled (window
 * scaling, SACK and timestamps are not negotiated on such connections).
 */
void tcp_send_cookie_synack(struct ak_tcp *tcp, const struct ak_pkt *in,
			    const struct ak_tcp_hdr *ith, uint32_t cookie,
			    uint16_t mss)
{
	uint32_t saddr, daddr, rcvbuf = tcp->cfg.rcvbuf;
	struct ak_tcp_hdr *th;
	struct ak_pkt pkt;
	uint8_t *opt;
	uint16_t v = htons(mss);

	th = stateless_reply(tcp, in, ith, &pkt, &saddr, &daddr);
	if (!th)
		return;
	th->seq = htonl(cookie);
	th->ack = htonl(ntohl(ith->seq) + 1);
	th->flags = TCP_SYN | TCP_ACK;
	th->doff = 6 << 4;
	th->wnd = htons((uint16_t)(rcvbuf > 65535 ? 65535 : rcvbuf));
	opt = (uint8_t *)(th + 1);
	opt[0] = TCP_OPT_MSS;
	opt[1] = 4;
	memcpy(opt + 2, &v, 2);
	pkt.data_off = (uint16_t)(pkt.l4_off + 24);
	pkt.end = pkt.data_off;
	th->csum = ak_csum_l4(daddr, saddr, IPPROTO_TCP, th, 24);
	tcp->st.segs_out++;
	tcp->st.syn_cookies_sent++;
	tcp->env.ops->ipv4_send(tcp->env.ctx, &pkt, saddr, IPPROTO_TCP);
}

static bool can_send_data(const struct ak_tcp_conn *c)
{
	switch (c->state) {
	case AK_TCP_ESTABLISHED:
	case AK_TCP_CLOSE_WAIT:
	case AK_TCP_FIN_WAIT_1:
	case AK_TCP_CLOSING:
	case AK_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/*
 * How much of the unsent data to put in the next segment, or 0 to wait:
 * congestion and send windows (RFC 5681 section 3.1), Nagle (RFC 9293
 * 3.7.4) and sender-side silly window avoidance (RFC 9293 3.8.6.2.1).
 */
static uint32_t next_len(const struct ak_tcp_conn *c, uint32_t off)
{
	uint32_t avail = c->sb_len - off;
	uint32_t flight = tcp_flight(c);
	uint32_t cwnd = c->cwnd + c->limited_tx * (uint32_t)c->mss;
	uint32_t wnd = c->snd_wnd < cwnd ? c->snd_wnd : cwnd;
	uint32_t usable = wnd > flight ? wnd - flight : 0;
	uint32_t len = avail < c->mss ? avail : c->mss;

	if (len > usable)
		len = usable;
	if (!len || len == c->mss)
		return len;
	if (!c->nodelay && flight && len == avail)
		return 0; /* Nagle: small segment while data is in flight */
	if (len < avail && len < c->max_snd_wnd / 2 && flight)
		return 0; /* window-limited runt: wait for a bigger window */
	return len;
}

void tcp_output(struct ak_tcp_conn *c)
{
	bool sent = false;

	if (c->tx_blocked)
		return;
	while (can_send_data(c)) {
		uint32_t off = c->snd_nxt - c->snd_una;
		struct seg s = {.seq = c->snd_nxt, .flags = TCP_ACK};

		if (off > c->sb_len ||
		    (c->fin_sent && seq_gt(c->snd_nxt, c->fin_seq)))
			break; /* FIN already sent */
		s.len = next_len(c, off);
		if (c->fin_queued && off + s.len == c->sb_len)
			s.flags |= TCP_FIN;
		if (!s.len && !(s.flags & TCP_FIN))
			break;
		if (s.len && off + s.len == c->sb_len)
			s.flags |= TCP_PSH;
		if (tcp_xmit(c, &s)) {
			tx_blocked(c);
			return;
		}
		sent = true;
		if (!c->rtt_timing && !c->ts_ok) {
			/* Karn: time one segment that is not a retransmit. */
			c->rtt_timing = seq_ge(c->snd_nxt, c->snd_max);
			c->rtt_seq = c->snd_nxt + s.len;
			c->rtt_start_ns = c->tcp->now;
		}
		if (s.flags & TCP_FIN) {
			c->fin_sent = true;
			c->fin_seq = c->snd_nxt + s.len;
		}
		c->snd_nxt += s.len + !!(s.flags & TCP_FIN);
		c->snd_max = seq_max(c->snd_max, c->snd_nxt);
		if (!c->timer[TCP_T_RTX] || c->persist) {
			c->persist = false;
			tcp_rto_arm(c);
		}
	}
	if (!sent && c->want_ack)
		tcp_send_ack(c);
	if (can_send_data(c) && !c->snd_wnd && !tcp_flight(c) &&
	    c->sb_len > 0 && !c->timer[TCP_T_RTX]) {
		/* RFC 9293 3.8.6.1: probe a zero window on a timer. */
		c->persist = true;
		tcp_rto_arm(c);
	}
}

/* Resends up to one MSS at seq (at most max bytes, within the data). */
int tcp_retransmit_at(struct ak_tcp_conn *c, uint32_t seq, uint32_t max)
{
	struct seg s = {.seq = seq, .flags = TCP_ACK};
	uint32_t off = seq - c->snd_una;
	int err;

	if (off > c->sb_len)
		return -EINVAL;
	s.len = c->sb_len - off < c->mss ? c->sb_len - off : c->mss;
	if (s.len > max)
		s.len = max;
	if (c->fin_sent && s.seq + s.len == c->fin_seq)
		s.flags |= TCP_FIN;
	if (!s.len && !(s.flags & TCP_FIN))
		return 0;
	err = tcp_xmit(c, &s);
	if (err)
		return err;
	if (seq == c->snd_una)
		c->una_rtx_ns = c->tcp->now;
	c->retransmits++;
	c->tcp->st.retransmits++;
	c->rtt_timing = false; /* Karn's algorithm, RFC 6298 section 3 */
	return 0;
}

/* Fast retransmit and RTO: resend the first unacknowledged segment. */
int tcp_retransmit_first(struct ak_tcp_conn *c)
{
	if (c->state == AK_TCP_SYN_SENT || c->state == AK_TCP_SYN_RECEIVED)
		return tcp_send_syn(c);
	return tcp_retransmit_at(c, c->snd_una, UINT32_MAX);
}
