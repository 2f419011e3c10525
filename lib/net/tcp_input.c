// SPDX-License-Identifier: MIT
/*
 * Segment arrival, RFC 9293 section 3.10.7, split into its phases: parse
 * and validate, demultiplex, then per state the sequence check, RST, SYN,
 * ACK, segment text and FIN steps, with the RFC 5961 hardening of the RST,
 * SYN and ACK checks.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/core/clock.h"
#include "lib/net/checksum.h"
#include "lib/net/tcp_impl.h"

#define TCP_OOO_MAX	 64  /* reorder-queue frames per connection */
#define TCP_COALESCE_MAX 512 /* payloads up to this are copied, not held */
#define TCP_MIN_PEER_MSS 64  /* below this a peer's MSS is not believed */

/* One parsed segment. */
struct tcp_in {
	struct ak_pkt *pkt;
	const struct ak_tcp_hdr *th;
	uint32_t saddr, daddr;
	uint32_t seq, ack, wnd;
	uint32_t len; /* payload bytes */
	uint8_t flags;
	struct tcp_opts opt;
	bool kept;   /* the frame now belongs to a queue */
	unsigned ev; /* events for the application */
};

static uint32_t seg_len(const struct tcp_in *in)
{
	return in->len + !!(in->flags & TCP_SYN) + !!(in->flags & TCP_FIN);
}

static int tcp_parse(struct ak_tcp *tcp, struct ak_pkt *pkt, struct tcp_in *in)
{
	const uint8_t *ip = ak_pkt_l3(pkt);
	unsigned l4_len, hlen;

	if (pkt->end < pkt->l4_off ||
	    pkt->end - pkt->l4_off < (int)sizeof(struct ak_tcp_hdr) ||
	    pkt->l4_off < pkt->l3_off + 20)
		goto malformed;
	l4_len = pkt->end - pkt->l4_off;
	in->pkt = pkt;
	in->th = (const struct ak_tcp_hdr *)ak_pkt_l4(pkt);
	hlen = (in->th->doff >> 4) * 4u;
	if (hlen < sizeof(struct ak_tcp_hdr) || hlen > l4_len)
		goto malformed;
	memcpy(&in->saddr, ip + 12, 4);
	memcpy(&in->daddr, ip + 16, 4);
	if (ak_csum_l4(in->saddr, in->daddr, IPPROTO_TCP, in->th,
		       (uint16_t)l4_len)) {
		tcp->st.csum_errors++;
		return -EBADMSG;
	}
	if (tcp_parse_options(ak_pkt_l4(pkt), hlen, &in->opt))
		goto malformed;
	in->seq = ntohl(in->th->seq);
	in->ack = ntohl(in->th->ack);
	in->wnd = ntohs(in->th->wnd);
	in->flags = in->th->flags;
	pkt->data_off = (uint16_t)(pkt->l4_off + hlen);
	in->len = l4_len - hlen;
	return 0;

malformed:
	tcp->st.malformed++;
	return -EINVAL;
}

/* ---- Option negotiation on SYN and SYN-ACK ---- */

/*
 * RFC 9293 3.7.1 (MSS, 536 when absent; options subtracted from the
 * effective MSS), RFC 7323 sections 2.2-2.3 (scaling only when both sides
 * sent the option; shifts above 14 are taken as 14) and 3.2 (timestamps
 * only when both sides sent them).
 */
static void negotiate(struct ak_tcp_conn *c, const struct tcp_in *in)
{
	struct ak_tcp *tcp = c->tcp;
	uint16_t mss = in->opt.has_mss ? in->opt.mss : TCP_DEFAULT_MSS;
	uint16_t ours = (uint16_t)(tcp->env.mtu - 40);

	if (mss < TCP_MIN_PEER_MSS)
		mss = TCP_MIN_PEER_MSS;
	c->peer_mss = mss;
	c->ws_ok = tcp->cfg.window_scale && in->opt.has_wscale;
	c->snd_wscale =
		c->ws_ok ? (in->opt.wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE
							    : in->opt.wscale)
			 : 0;
	c->rcv_wscale = c->ws_ok ? tcp_our_wscale(tcp) : 0;
	c->ts_ok = tcp->cfg.timestamps && in->opt.has_ts;
	c->sack_ok = tcp->cfg.sack && in->opt.sack_perm;
	if (c->ts_ok)
		c->ts_recent = in->opt.tsval;
	c->mss = (mss < ours ? mss : ours) - (c->ts_ok ? TCP_TS_LEN : 0);
	/* RFC 5681 section 3.1, equation 1: the initial window. */
	c->cwnd = c->mss > 2190 ? 2u * c->mss
				: (c->mss > 1095 ? 3u * c->mss : 4u * c->mss);
	c->ssthresh = UINT32_MAX / 2;
}

/* ---- SYN cookies, RFC 4987 section 3.6 ---- */

#define COOKIE_SLOT_NS (64 * AK_NSEC_PER_SEC)

static const uint16_t cookie_mss[4] = {536, 1220, 1440, 1460};

static void conn_input(struct ak_tcp_conn *c, struct tcp_in *in);

/* 5 bits of time slot, 2 of MSS class, 25 of keyed hash. */
static uint32_t cookie_make(struct ak_tcp *tcp, const struct tcp_in *in,
			    uint32_t slot, unsigned m)
{
	uint32_t h = tcp_cookie_hash(tcp, in->daddr, in->th->dport, in->saddr,
				     in->th->sport, in->seq + slot);

	return (slot & 31) << 27 | (uint32_t)m << 25 | (h & 0x1ffffff);
}

/* Half-open state is full: answer with a cookie instead of keeping any. */
static void cookie_send(struct ak_tcp *tcp, const struct tcp_in *in)
{
	uint16_t peer = in->opt.has_mss ? in->opt.mss : TCP_DEFAULT_MSS;
	uint32_t slot = (uint32_t)(tcp->now / COOKIE_SLOT_NS);
	unsigned m = 0;

	while (m < 3 && cookie_mss[m + 1] <= peer &&
	       cookie_mss[m + 1] <= tcp->env.mtu - 40)
		m++;
	tcp->last_cookie_ns = tcp->now;
	tcp_send_cookie_synack(tcp, in->pkt, in->th,
			       cookie_make(tcp, in, slot, m), cookie_mss[m]);
}

/* The ACK of a cookie SYN-ACK: its acknowledgment minus one is ours. */
static bool cookie_valid(struct ak_tcp *tcp, struct tcp_in *in, unsigned *m)
{
	uint32_t cookie = in->ack - 1,
		 now = (uint32_t)(tcp->now / COOKIE_SLOT_NS);
	struct tcp_in syn = *in;

	syn.seq = in->seq - 1; /* the peer's ISN */
	for (uint32_t slot = now; slot + 2 > now; slot--) {
		*m = (cookie >> 25) & 3;
		if ((slot & 31) == cookie >> 27 &&
		    cookie_make(tcp, &syn, slot, *m) == cookie)
			return true;
		if (!slot)
			break;
	}
	return false;
}

/* A valid cookie ACK creates the connection ESTABLISHED at once. */
static bool cookie_accept(struct ak_tcp *tcp, struct ak_tcp_listener *l,
			  struct tcp_in *in)
{
	struct ak_tcp_conn *c;
	unsigned m;

	if (!tcp->last_cookie_ns ||
	    tcp->now - tcp->last_cookie_ns > 2 * COOKIE_SLOT_NS ||
	    !cookie_valid(tcp, in, &m))
		return false;
	if (l->ready >= l->backlog) {
		tcp->st.syn_backlog_drops++;
		return true; /* the peer retransmits; no RST */
	}
	c = tcp_conn_new(tcp, in->daddr, in->th->dport, in->saddr,
			 in->th->sport);
	if (!c)
		return true;
	c->state = AK_TCP_ESTABLISHED;
	c->irs = in->seq - 1;
	c->rcv_nxt = in->seq;
	c->rcv_adv = c->rcv_nxt +
		     (tcp->cfg.rcvbuf > 65535 ? 65535 : tcp->cfg.rcvbuf);
	c->iss = in->ack - 1;
	c->snd_una = c->snd_nxt = c->snd_max = in->ack;
	c->snd_wnd = c->max_snd_wnd = in->wnd;
	c->snd_wl1 = in->seq;
	c->snd_wl2 = in->ack;
	c->peer_mss = cookie_mss[m];
	c->mss = cookie_mss[m];
	c->cwnd = c->mss > 1095 ? 3u * c->mss : 4u * c->mss;
	c->ssthresh = UINT32_MAX / 2;
	tcp->st.passive_opens++;
	tcp->st.syn_cookies_ok++;
	tcp_lsn_add_ready(l, c);
	tcp_keepalive_rearm(c);
	conn_input(c, in);
	return true;
}

/* ---- LISTEN, RFC 9293 section 3.10.7.2 ---- */

static void listen_input(struct ak_tcp *tcp, struct ak_tcp_listener *l,
			 struct tcp_in *in)
{
	struct ak_tcp_conn *c;

	if (in->flags & TCP_RST)
		return;
	if (in->flags & TCP_ACK) {
		if (!(in->flags & TCP_SYN) && cookie_accept(tcp, l, in))
			return;
		tcp->st.no_conn_rst++;
		tcp_send_rst_reply(tcp, in->pkt, in->th, seg_len(in));
		return;
	}
	if (!(in->flags & TCP_SYN) || (in->flags & TCP_FIN))
		return;
	tcp->st.syn_in++;
	switch (tcp_lsn_make_room(l)) {
	case TCP_SYN_DROP:
		return;
	case TCP_SYN_COOKIE:
		cookie_send(tcp, in);
		return;
	default:
		break;
	}
	c = tcp_conn_new(tcp, in->daddr, in->th->dport, in->saddr,
			 in->th->sport);
	if (!c) {
		tcp->st.syn_backlog_drops++;
		return;
	}
	tcp_lsn_add_half_open(l, c);
	c->state = AK_TCP_SYN_RECEIVED;
	c->irs = in->seq;
	c->rcv_nxt = in->seq + 1;
	negotiate(c, in);
	c->ts_offset = (uint32_t)tcp_rand(tcp);
	c->iss = tcp_isn(tcp, c->laddr, c->lport, c->raddr, c->rport);
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->snd_max = c->snd_nxt;
	c->snd_wnd = in->wnd; /* never scaled in a SYN */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = in->seq;
	c->rtt_start_ns = tcp->now;
	tcp->st.passive_opens++;
	tcp_send_syn(c);
	tcp_rto_arm(c);
}

/* ---- SYN-SENT, RFC 9293 section 3.10.7.3 ---- */

static void synsent_input(struct ak_tcp_conn *c, struct tcp_in *in)
{
	struct ak_tcp *tcp = c->tcp;
	bool ack_ok = seq_gt(in->ack, c->iss) && seq_le(in->ack, c->snd_nxt);

	if ((in->flags & TCP_ACK) && !ack_ok) {
		if (!(in->flags & TCP_RST))
			tcp_send_rst_reply(tcp, in->pkt, in->th, seg_len(in));
		return;
	}
	if (in->flags & TCP_RST) {
		/* RFC 5961 3.2: only an RST that acknowledges our SYN. */
		if (in->flags & TCP_ACK) {
			tcp->st.rst_in++;
			tcp_fail(c, ECONNREFUSED);
		}
		return;
	}
	if (!(in->flags & TCP_SYN))
		return;

	c->irs = in->seq;
	c->rcv_nxt = in->seq + 1;
	negotiate(c, in);
	/* Our SYN's window was unscaled (RFC 7323 section 2.2). */
	c->rcv_adv = c->rcv_nxt +
		     (c->tcp->cfg.rcvbuf > 65535 ? 65535 : c->tcp->cfg.rcvbuf);
	c->snd_wnd = in->wnd;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = in->seq;
	c->snd_wl2 = in->ack;
	if (!(in->flags & TCP_ACK)) {
		/* Simultaneous open: answer with SYN-ACK (section 3.5). */
		c->state = AK_TCP_SYN_RECEIVED;
		tcp_send_syn(c);
		tcp_rto_arm(c);
		return;
	}
	c->snd_una = in->ack;
	if (!c->retries)
		tcp_rtt_sample(c, (tcp->now - c->rtt_start_ns) / 1000);
	c->retries = 0;
	tcp_timer_clear(c, TCP_T_RTX);
	tcp_set_state(c, AK_TCP_ESTABLISHED);
	tcp_keepalive_rearm(c);
	c->want_ack = true;
	in->ev |= AK_TCP_EV_CONNECTED;
}

/* ---- Synchronized states ---- */

/* RFC 9293 3.10.7.4, first check: the four acceptance cases. */
static bool seq_acceptable(const struct ak_tcp_conn *c, const struct tcp_in *in)
{
	uint32_t wnd =
		seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t len = seg_len(in);

	if (!len && !wnd)
		return in->seq == c->rcv_nxt;
	if (!len)
		return seq_ge(in->seq, c->rcv_nxt) &&
		       seq_lt(in->seq, c->rcv_nxt + wnd);
	if (!wnd)
		return false;
	return (seq_ge(in->seq, c->rcv_nxt) &&
		seq_lt(in->seq, c->rcv_nxt + wnd)) ||
	       (seq_ge(in->seq + len - 1, c->rcv_nxt) &&
		seq_lt(in->seq + len - 1, c->rcv_nxt + wnd));
}

static void challenge_ack(struct ak_tcp_conn *c)
{
	if (tcp_challenge_ack_allowed(c->tcp))
		tcp_send_ack(c);
}

/* RFC 7323 section 5.3: PAWS rejects segments with an old timestamp. */
static bool paws_reject(struct ak_tcp_conn *c, const struct tcp_in *in)
{
	if (!c->ts_ok || !in->opt.has_ts || (in->flags & TCP_RST))
		return false;
	if (seq_ge(in->opt.tsval, c->ts_recent))
		return false;
	c->tcp->st.paws_drops++;
	return true;
}

/* RFC 5961 section 3.2 and RFC 9293 3.10.7.4, second check. */
static void rst_input(struct ak_tcp_conn *c, struct tcp_in *in)
{
	struct ak_tcp *tcp = c->tcp;

	if (in->seq != c->rcv_nxt) {
		challenge_ack(c); /* in window but not exact */
		return;
	}
	tcp->st.rst_in++;
	switch (c->state) {
	case AK_TCP_SYN_RECEIVED:
		if (c->lsn) {
			/* Half-open state goes; the listener stays. */
			tcp_set_state(c, AK_TCP_CLOSED);
			return;
		}
		tcp_fail(c, ECONNREFUSED);
		return;
	case AK_TCP_CLOSING:
	case AK_TCP_LAST_ACK:
	case AK_TCP_TIME_WAIT:
		tcp_set_state(c, AK_TCP_CLOSED);
		return;
	default:
		tcp_fail(c, ECONNRESET);
		return;
	}
}

static void fin_acked(struct ak_tcp_conn *c)
{
	struct ak_tcp *tcp = c->tcp;

	switch (c->state) {
	case AK_TCP_FIN_WAIT_1:
		tcp_set_state(c, AK_TCP_FIN_WAIT_2);
		if (!c->app_owned)
			tcp_timer_set(c, TCP_T_STATE,
				      tcp->now + tcp->cfg.fin_wait2_ns);
		break;
	case AK_TCP_CLOSING:
		tcp_set_state(c, AK_TCP_TIME_WAIT);
		tcp_timer_clear(c, TCP_T_KEEP);
		tcp_timer_set(c, TCP_T_STATE, tcp->now + 2 * tcp->cfg.msl_ns);
		break;
	case AK_TCP_LAST_ACK:
		tcp_set_state(c, AK_TCP_CLOSED);
		break;
	default:
		break;
	}
}

/* ---- SACK scoreboard (RFC 2018 section 5, RFC 6675 section 4) ---- */

/* Forgets what snd_una passed; clips a range it cut. */
static void sack_trim(struct ak_tcp_conn *c)
{
	unsigned k = 0;

	for (unsigned i = 0; i < c->nsacked; i++) {
		if (seq_le(c->sacked[i][1], c->snd_una))
			continue;
		c->sacked[k][0] = seq_max(c->sacked[i][0], c->snd_una);
		c->sacked[k][1] = c->sacked[i][1];
		k++;
	}
	c->nsacked = (uint8_t)k;
}

/* Adds [l, r) to the sorted, disjoint ranges, merging neighbours. */
static void sack_add(struct ak_tcp_conn *c, uint32_t l, uint32_t r)
{
	uint32_t(*s)[2] = c->sacked;
	unsigned i = 0, j;

	while (i < c->nsacked && seq_lt(s[i][1], l))
		i++;
	j = i;
	while (j < c->nsacked && seq_le(s[j][0], r)) {
		if (seq_lt(s[j][0], l))
			l = s[j][0];
		if (seq_gt(s[j][1], r))
			r = s[j][1];
		j++;
	}
	if (j == i && c->nsacked == 8)
		return; /* a full scoreboard only misses a hint */
	memmove(&s[i + 1], &s[j], (c->nsacked - j) * sizeof(s[0]));
	c->nsacked = (uint8_t)(c->nsacked - (j - i) + 1);
	s[i][0] = l;
	s[i][1] = r;
}

/* RFC 2018 section 5: blocks must lie in (snd_una, snd_max]. */
static void sack_update(struct ak_tcp_conn *c, const struct tcp_in *in)
{
	for (unsigned i = 0; i < in->opt.nsack; i++) {
		uint32_t l = in->opt.sack[i][0], r = in->opt.sack[i][1];

		if (!seq_lt(l, r) || !seq_lt(c->snd_una, r) ||
		    seq_gt(r, c->snd_max))
			continue;
		sack_add(c, seq_max(l, c->snd_una), r);
	}
}

/*
 * RFC 6675 section 5 (simplified): during recovery each ACK may repair
 * the next hole below the highest SACKed byte that this recovery has not
 * yet retransmitted, so several losses in a window heal in one round trip.
 */
static void sack_retransmit(struct ak_tcp_conn *c)
{
	uint32_t h, limit;

	if (!c->sack_ok || !c->nsacked)
		return;
	h = seq_max(c->rtx_next, c->snd_una);
	for (unsigned i = 0; i < c->nsacked; i++)
		if (seq_le(c->sacked[i][0], h) && seq_lt(h, c->sacked[i][1]))
			h = c->sacked[i][1];
	if (!seq_lt(h, c->sacked[c->nsacked - 1][1]))
		return;
	limit = c->sacked[c->nsacked - 1][1];
	for (unsigned i = 0; i < c->nsacked; i++)
		if (seq_gt(c->sacked[i][0], h)) {
			limit = c->sacked[i][0];
			break;
		}
	if (tcp_retransmit_at(c, h, limit - h) == 0)
		c->rtx_next = h + (limit - h < c->mss ? limit - h : c->mss);
}

/* RFC 5681 3.1 slow start / congestion avoidance, RFC 6582 partial ACKs. */
static void cc_on_ack(struct ak_tcp_conn *c, uint32_t acked)
{
	if (c->in_recovery) {
		if (seq_ge(c->snd_una, c->recover)) {
			uint32_t fl = tcp_flight(c) + c->mss;

			c->cwnd = c->ssthresh < fl ? c->ssthresh : fl;
			c->in_recovery = false;
			return;
		}
		/* Partial ACK: the next hole is lost too. */
		if (!c->sack_ok || seq_ge(c->snd_una, c->rtx_next)) {
			tcp_retransmit_first(c);
			c->rtx_next = c->snd_una + c->mss;
		}
		sack_retransmit(c);
		c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
		c->cwnd += c->mss;
		tcp_rto_arm(c);
		return;
	}
	if (c->cwnd < c->ssthresh)
		c->cwnd += acked < c->mss ? acked : c->mss;
	else
		c->cwnd += (uint32_t)((uint64_t)c->mss * c->mss / c->cwnd) ?: 1;
}

static uint32_t sacked_bytes(const struct ak_tcp_conn *c)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->nsacked; i++)
		n += c->sacked[i][1] - c->sacked[i][0];
	return n;
}

/*
 * Three duplicate ACKs (RFC 5681 3.2) above the last recovery point (RFC
 * 6582 3.2); with SACK the scoreboard itself proves a new loss, also
 * below that point, and two segments SACKed above a hole suffice when the
 * window is too small for three duplicates (RFC 6675 section 4, RFC 5827).
 */
static bool loss_detected(const struct ak_tcp_conn *c, uint32_t ack)
{
	if (c->dupacks >= 3 && (seq_gt(ack, c->recover) || c->nsacked))
		return true;
	return c->nsacked && sacked_bytes(c) >= 2u * c->mss;
}

/* RFC 5681 section 3.2 with RFC 6582 section 3.2 step 2. */
static void on_dupack(struct ak_tcp_conn *c, uint32_t ack)
{
	struct ak_tcp *tcp = c->tcp;
	uint32_t flight = tcp_flight(c);

	tcp->st.dup_acks++;
	++c->dupacks;
	if (!c->in_recovery && loss_detected(c, ack)) {
		c->ssthresh =
			flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss;
		c->recover = c->snd_max;
		c->in_recovery = true;
		tcp->st.fast_retransmits++;
		tcp_retransmit_first(c);
		c->rtx_next = c->snd_una + c->mss;
		sack_retransmit(c);
		c->cwnd = c->ssthresh + 3u * c->mss;
		c->limited_tx = 0;
		return;
	}
	if (c->dupacks > 3 && c->in_recovery) {
		c->cwnd += c->mss;
		/*
		 * RFC 8985 in spirit: data sent after the retransmission
		 * keeps arriving while the hole stays, so the retransmission
		 * itself was lost; resend it rather than wait for the RTO.
		 */
		if (tcp->now - c->una_rtx_ns >
		    c->srtt_us * 5 / 4 * AK_NSEC_PER_USEC + AK_NSEC_PER_MSEC)
			tcp_retransmit_first(c);
		sack_retransmit(c);
	}
	/*
	 * RFC 3042 limited transmit: the first two duplicate ACKs each
	 * release one new segment, so a small window still reaches three.
	 */
	if (c->dupacks <= 2 && !c->in_recovery)
		c->limited_tx = c->dupacks;
}

static void rtt_from_ack(struct ak_tcp_conn *c, const struct tcp_in *in)
{
	if (c->ts_ok && in->opt.has_ts && in->opt.tsecr) {
		/* RFC 7323 section 4.1: RTT from the echoed timestamp. */
		uint32_t ms = tcp_ts_now(c) - in->opt.tsecr;

		if (ms < 60000)
			tcp_rtt_sample(c, (uint64_t)ms * 1000);
		return;
	}
	if (c->rtt_timing && seq_ge(in->ack, c->rtt_seq)) {
		c->rtt_timing = false;
		tcp_rtt_sample(c, (c->tcp->now - c->rtt_start_ns) / 1000);
	}
}

/* New data acknowledged: free send space, advance the window machinery. */
static void ack_advance(struct ak_tcp_conn *c, struct tcp_in *in)
{
	uint32_t acked = in->ack - c->snd_una;
	uint32_t data = acked < c->sb_len ? acked : c->sb_len;
	uint32_t old_len = c->sb_len;

	c->sb_head = (c->sb_head + data) & (c->sb_size - 1);
	c->sb_len -= data;
	c->snd_una = in->ack;
	if (seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	rtt_from_ack(c, in);
	c->retries = 0;
	c->dupacks = 0;
	c->limited_tx = 0;
	c->tlp_out = false;
	cc_on_ack(c, acked);

	if (c->snd_una == c->snd_max)
		tcp_timer_clear(c, TCP_T_RTX);
	else if (!c->in_recovery)
		tcp_rto_arm(c); /* RFC 6298 section 5.3 */
	if (c->writable_wanted && c->sb_size - c->sb_len >= c->sb_size / 4) {
		c->writable_wanted = false;
		in->ev |= AK_TCP_EV_WRITABLE;
	}
	if (old_len && !c->sb_len)
		in->ev |= AK_TCP_EV_SENT_ALL;
	if (c->fin_sent && seq_gt(c->snd_una, c->fin_seq))
		fin_acked(c);
}

/* RFC 9293 3.10.7.4, fifth check, with RFC 5961 section 5.2. */
static bool ack_input(struct ak_tcp_conn *c, struct tcp_in *in)
{
	struct ak_tcp *tcp = c->tcp;
	uint32_t wnd = in->wnd << c->snd_wscale;

	if (c->state == AK_TCP_SYN_RECEIVED) {
		if (!seq_gt(in->ack, c->snd_una) ||
		    seq_gt(in->ack, c->snd_nxt)) {
			tcp_send_rst_reply(tcp, in->pkt, in->th, seg_len(in));
			return false;
		}
		c->snd_una = c->iss + 1; /* our SYN is acknowledged */
		c->snd_wnd = wnd;
		c->max_snd_wnd = wnd;
		c->snd_wl1 = in->seq;
		c->snd_wl2 = in->ack;
		c->retries = 0;
		if (!c->retransmits)
			tcp_rtt_sample(c, (tcp->now - c->rtt_start_ns) / 1000);
		c->rto_ns = c->rto_ns > tcp->cfg.rto_initial_ns
				    ? tcp->cfg.rto_initial_ns
				    : c->rto_ns;
		tcp_timer_clear(c, TCP_T_RTX);
		if (!c->lsn)
			in->ev |= AK_TCP_EV_CONNECTED;
		tcp_set_state(c, AK_TCP_ESTABLISHED);
		tcp_keepalive_rearm(c);
	}
	if (seq_gt(in->ack, c->snd_max) ||
	    seq_lt(in->ack, c->snd_una - c->max_snd_wnd)) {
		tcp->st.bad_acks++;
		challenge_ack(c);
		return false;
	}
	if (c->sack_ok && in->opt.nsack)
		sack_update(c, in);
	if (seq_gt(in->ack, c->snd_una)) {
		ack_advance(c, in);
		sack_trim(c);
	} else if (in->ack == c->snd_una && !in->len &&
		   !(in->flags & (TCP_SYN | TCP_FIN)) && wnd == c->snd_wnd &&
		   tcp_flight(c)) {
		on_dupack(c, in->ack);
	}
	if (seq_lt(c->snd_wl1, in->seq) ||
	    (c->snd_wl1 == in->seq && seq_le(c->snd_wl2, in->ack))) {
		c->snd_wnd = wnd;
		c->snd_wl1 = in->seq;
		c->snd_wl2 = in->ack;
		if (wnd > c->max_snd_wnd)
			c->max_snd_wnd = wnd;
	}
	return c->state != AK_TCP_CLOSED;
}

/* ---- Segment text: in-place queueing with reorder queue ---- */

/* Drops the first n payload bytes of a held segment. */
static void seg_trim_front(struct tcp_rxseg *s, uint32_t n)
{
	s->pkt.data_off = (uint16_t)(s->pkt.data_off + n);
	s->seq += n;
}

static uint32_t rxseg_len(const struct tcp_rxseg *s)
{
	return ak_pkt_data_len(&s->pkt);
}

/* Appends in-order bytes; small ones are copied into the tail frame. */
static void rxq_append(struct ak_tcp_conn *c, struct tcp_rxseg *s)
{
	struct tcp_rxseg *t = c->rxq_tail;
	uint32_t len = rxseg_len(s);

	c->rcv_nxt += len;
	c->rx_bytes += len;
	if (t && len <= TCP_COALESCE_MAX && t->pkt.end + len <= t->pkt.cap) {
		memcpy(t->pkt.frame + t->pkt.end, ak_pkt_data(&s->pkt), len);
		t->pkt.end = (uint16_t)(t->pkt.end + len);
		tcp_seg_put(c->tcp, s);
		return;
	}
	s->next = NULL;
	if (t)
		t->next = s;
	else
		c->rxq = s;
	c->rxq_tail = s;
}

/* Moves reorder-queue segments that became in-order to the queue. */
static void ooo_drain(struct ak_tcp_conn *c)
{
	while (c->ooo && seq_le(c->ooo->seq, c->rcv_nxt)) {
		struct tcp_rxseg *s = c->ooo;
		uint32_t dup = c->rcv_nxt - s->seq;

		c->ooo = s->next;
		c->ooo_count--;
		if (dup >= rxseg_len(s)) {
			tcp_seg_put(c->tcp, s);
			continue;
		}
		seg_trim_front(s, dup);
		rxq_append(c, s);
	}
}

/*
 * Inserts an out-of-order segment, trimming what earlier segments cover
 * and dropping later ones it covers entirely (overlaps are resolved in
 * favour of the data already queued).
 */
static void ooo_insert(struct ak_tcp_conn *c, struct tcp_rxseg *s)
{
	struct tcp_rxseg **p = &c->ooo, *prev = NULL;

	while (*p && seq_le((*p)->seq, s->seq)) {
		prev = *p;
		p = &(*p)->next;
	}
	if (prev) {
		uint32_t pend = prev->seq + rxseg_len(prev);

		if (seq_ge(pend, s->seq + rxseg_len(s))) {
			tcp_seg_put(c->tcp, s); /* entirely duplicate */
			return;
		}
		if (seq_gt(pend, s->seq))
			seg_trim_front(s, pend - s->seq);
	}
	while (*p && seq_le((*p)->seq + rxseg_len(*p), s->seq + rxseg_len(s))) {
		struct tcp_rxseg *gone = *p;

		*p = gone->next;
		c->ooo_count--;
		tcp_seg_put(c->tcp, gone);
	}
	if (*p && seq_gt(s->seq + rxseg_len(s), (*p)->seq))
		s->pkt.end = (uint16_t)(s->pkt.end -
					(s->seq + rxseg_len(s) - (*p)->seq));
	s->next = *p;
	*p = s;
	c->ooo_count++;
}

/* Takes the payload of an acceptable segment into the queues. */
static void data_input(struct ak_tcp_conn *c, struct tcp_in *in)
{
	struct ak_tcp *tcp = c->tcp;
	uint32_t seq = in->seq + !!(in->flags & TCP_SYN);
	uint32_t wnd_end = seq_max(c->rcv_adv, c->rcv_nxt);
	struct tcp_rxseg *s;

	if (!in->len)
		return;
	s = tcp_seg_get(tcp);
	if (!s)
		return; /* the peer retransmits */
	s->pkt = *in->pkt;
	s->seq = seq;
	if (seq_lt(s->seq, c->rcv_nxt))
		seg_trim_front(s, c->rcv_nxt - s->seq);
	if (seq_gt(s->seq + rxseg_len(s), wnd_end)) {
		uint32_t over = s->seq + rxseg_len(s) - wnd_end;

		s->pkt.end =
			(uint16_t)(s->pkt.end -
				   (over > rxseg_len(s) ? rxseg_len(s) : over));
	}
	if (!rxseg_len(s)) {
		s->next = tcp->seg_free;
		tcp->seg_free = s;
		tcp->st.dup_segs++;
		c->want_ack = true;
		return;
	}
	in->kept = true;
	tcp->st.rx_frames_held++;
	c->bytes_in += rxseg_len(s);
	tcp->st.bytes_in += rxseg_len(s);

	if (s->seq == c->rcv_nxt) {
		bool had_ooo = c->ooo != NULL;

		rxq_append(c, s);
		ooo_drain(c);
		in->ev |= AK_TCP_EV_READABLE;
		/* RFC 5681 4.2: ACK at once when a hole is filled. */
		if (had_ooo || ++c->unacked_segs >= 2)
			c->want_ack = true;
		else if (!c->timer[TCP_T_DELACK])
			tcp_timer_set(c, TCP_T_DELACK,
				      tcp->now + tcp->cfg.delack_ns);
		return;
	}
	c->ooo_segs++;
	c->ooo_recent = s->seq;
	tcp->st.ooo_segs++;
	c->want_ack = true; /* RFC 5681 4.2: duplicate ACK for a gap */
	/*
	 * The reorder queue holds up to a window of full segments; a peer
	 * sending tiny out-of-order segments cannot pin more frames.
	 */
	if (c->ooo_count >= tcp->cfg.rcvbuf / TCP_DEFAULT_MSS) {
		tcp->st.ooo_dropped++;
		tcp_seg_put(tcp, s);
		return;
	}
	ooo_insert(c, s);
}

/* RFC 9293 3.10.7.4, eighth check: FIN in sequence. */
static void fin_input(struct ak_tcp_conn *c, struct tcp_in *in)
{
	struct ak_tcp *tcp = c->tcp;

	if (!(in->flags & TCP_FIN) || c->fin_rcvd ||
	    in->seq + seg_len(in) - 1 != c->rcv_nxt)
		return;
	c->rcv_nxt++;
	c->fin_rcvd = true;
	c->want_ack = true;
	in->ev |= AK_TCP_EV_PEER_FIN;
	switch (c->state) {
	case AK_TCP_SYN_RECEIVED:
	case AK_TCP_ESTABLISHED:
		tcp_set_state(c, AK_TCP_CLOSE_WAIT);
		break;
	case AK_TCP_FIN_WAIT_1:
		tcp_set_state(c, AK_TCP_CLOSING);
		break;
	case AK_TCP_FIN_WAIT_2:
		tcp_set_state(c, AK_TCP_TIME_WAIT);
		tcp_timer_clear(c, TCP_T_KEEP);
		tcp_timer_set(c, TCP_T_STATE, tcp->now + 2 * tcp->cfg.msl_ns);
		break;
	case AK_TCP_TIME_WAIT:
		tcp_timer_set(c, TCP_T_STATE, tcp->now + 2 * tcp->cfg.msl_ns);
		break;
	default:
		break;
	}
}

/* RFC 7323 section 4.3: remember the timestamp to echo. */
static void ts_update(struct ak_tcp_conn *c, const struct tcp_in *in)
{
	if (c->ts_ok && in->opt.has_ts && seq_le(in->seq, c->rcv_nxt) &&
	    seq_ge(in->opt.tsval, c->ts_recent))
		c->ts_recent = in->opt.tsval;
}

static bool text_allowed(const struct ak_tcp_conn *c)
{
	return c->state == AK_TCP_ESTABLISHED ||
	       c->state == AK_TCP_FIN_WAIT_1 || c->state == AK_TCP_FIN_WAIT_2;
}

static void sync_input(struct ak_tcp_conn *c, struct tcp_in *in)
{
	if (c->state == AK_TCP_SYN_RECEIVED && in->seq == c->irs &&
	    (in->flags & (TCP_SYN | TCP_ACK | TCP_RST)) ==
		    (TCP_SYN | TCP_ACK)) {
		/*
		 * Simultaneous open (RFC 9293 figure 7, line 6): the
		 * peer's SYN-ACK repeats its SYN; its ACK completes ours.
		 */
		in->flags &= (uint8_t)~TCP_SYN;
		in->seq++;
		in->len = 0;
	}
	if (!seq_acceptable(c, in) || paws_reject(c, in)) {
		/* RFC 9293 3.10.7.4: ACK unacceptable segments, not RSTs. */
		if (!(in->flags & TCP_RST)) {
			c->tcp->st.dup_segs++;
			c->want_ack = true;
		}
		return;
	}
	c->last_rx_ns = c->tcp->now;
	c->ka_sent = 0;
	if (in->flags & TCP_RST) {
		rst_input(c, in);
		return;
	}
	if (in->flags & TCP_SYN) {
		challenge_ack(c); /* RFC 5961 section 4.2 */
		return;
	}
	if (!(in->flags & TCP_ACK) || !ack_input(c, in))
		return;
	ts_update(c, in);
	if (in->len && !text_allowed(c)) {
		if (!c->app_owned && c->state != AK_TCP_CLOSE_WAIT) {
			/* Data for an application that closed: RFC 9293 3.6 */
			tcp_send_rst_conn(c);
			tcp_set_state(c, AK_TCP_CLOSED);
		}
		return;
	}
	if (in->len && !c->app_owned && !c->lsn) {
		tcp_send_rst_conn(c);
		tcp_set_state(c, AK_TCP_CLOSED);
		return;
	}
	data_input(c, in);
	fin_input(c, in);
}

/*
 * RFC 9293 3.10.7.4 (TIME-WAIT) and RFC 6191: a new SYN for a 4-tuple in
 * TIME-WAIT may start a new incarnation when its sequence number (or
 * timestamp) is above the old connection's.
 */
static bool timewait_reuse(struct ak_tcp *tcp, struct ak_tcp_conn *c,
			   const struct tcp_in *in)
{
	bool newer;

	if (c->state != AK_TCP_TIME_WAIT ||
	    (in->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return false;
	if (c->ts_ok && in->opt.has_ts)
		newer = seq_gt(in->opt.tsval, c->ts_recent);
	else
		newer = seq_gt(in->seq, c->rcv_nxt);
	if (!newer || !tcp_find_listener(tcp, c->lport))
		return false;
	tcp->st.timewait_reused++;
	tcp_set_state(c, AK_TCP_CLOSED);
	return true;
}

static void conn_input(struct ak_tcp_conn *c, struct tcp_in *in)
{
	unsigned ev;

	c->segs_in++;
	if (c->state == AK_TCP_SYN_SENT)
		synsent_input(c, in);
	else
		sync_input(c, in);

	ev = in->ev;
	if (ev)
		tcp_notify(c, ev);
	if (c->state != AK_TCP_CLOSED)
		tcp_output(c);
}

int ak_tcp_input(struct ak_tcp *tcp, struct ak_pkt *pkt)
{
	struct tcp_in in = {0};
	struct ak_tcp_conn *c;
	struct ak_tcp_listener *l;

	tcp_enter(tcp);
	tcp->st.segs_in++;
	if (tcp_parse(tcp, pkt, &in))
		goto out;
	c = tcp_lookup(tcp, in.daddr, in.th->dport, in.saddr, in.th->sport);
	if (c && timewait_reuse(tcp, c, &in))
		c = NULL;
	if (c) {
		conn_input(c, &in);
		goto out;
	}
	l = tcp_find_listener(tcp, in.th->dport);
	if (l) {
		listen_input(tcp, l, &in);
		goto out;
	}
	/* RFC 9293 3.10.7.1: CLOSED answers everything but RST with RST. */
	if (!(in.flags & TCP_RST))
		tcp->st.no_conn_rst++;
	tcp_send_rst_reply(tcp, pkt, in.th, seg_len(&in));
out:
	tcp_leave(tcp);
	return in.kept;
}
