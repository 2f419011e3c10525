// SPDX-License-Identifier: MIT
/*
 * The TCP services of arrakis-echo. Echo reads the payload in place and
 * consumes only what the send buffer took, so a slow reader closes the
 * window back to the sender instead of growing a queue here.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "apps/echo/echo.h"
#include "apps/echo/tcp_echo.h"

#define HDR_LEN sizeof(struct sockperf_hdr)

struct tcp_echo_conn {
	struct tcp_echo *t;
	struct ak_tcp_conn *c;
	uint64_t src_off;     /* source mode: bytes sent */
	uint8_t hdr[HDR_LEN]; /* sockperf: the header being read */
	unsigned hdr_have;
	unsigned out_off;   /* header bytes already sent back */
	uint32_t body_left; /* sockperf: body bytes of this message */
	bool replying;	    /* sockperf: this message is answered */
};

static void conn_done(struct tcp_echo_conn *ec)
{
	ec->t->closed++;
	ak_tcp_close(ec->c);
	free(ec);
}

/* Sends from data and returns how much was taken (0 when full). */
static size_t send_some(struct tcp_echo_conn *ec, const uint8_t *data,
			size_t len)
{
	long r = ak_tcp_send(ec->c, data, len);

	if (r <= 0)
		return 0;
	ec->t->bytes_out += (uint64_t)r;
	return (size_t)r;
}

static void plain_pump(struct tcp_echo_conn *ec)
{
	const uint8_t *p;
	size_t n, sent;

	while ((n = ak_tcp_peek(ec->c, &p))) {
		sent = ec->t->mode == TCP_ECHO_DISCARD ? n
						       : send_some(ec, p, n);
		ec->t->bytes_in += sent;
		ak_tcp_consume(ec->c, sent);
		if (sent < n)
			return; /* WRITABLE resumes */
	}
}

/* Starts a sockperf message once its header is complete. */
static void sockperf_header(struct tcp_echo_conn *ec)
{
	struct sockperf_hdr h;
	uint32_t len;

	memcpy(&h, ec->hdr, HDR_LEN);
	len = ntohl(h.len);
	ec->body_left = len > HDR_LEN ? len - (uint32_t)HDR_LEN : 0;
	ec->replying = echo_reply_due(ECHO_SOCKPERF, ec->hdr, HDR_LEN);
	if (ec->replying) {
		uint16_t flags =
			htons((uint16_t)(ntohs(h.flags) & ~SOCKPERF_CLIENT));

		memcpy(ec->hdr + offsetof(struct sockperf_hdr, flags), &flags,
		       2);
	}
	ec->out_off = 0;
}

/* One step of the sockperf framing; false when it must wait. */
static bool sockperf_step(struct tcp_echo_conn *ec)
{
	const uint8_t *p;
	size_t n = ak_tcp_peek(ec->c, &p), take;

	if (ec->hdr_have < HDR_LEN) {
		if (!n)
			return false;
		take = HDR_LEN - ec->hdr_have < n ? HDR_LEN - ec->hdr_have : n;
		memcpy(ec->hdr + ec->hdr_have, p, take);
		ec->hdr_have += (unsigned)take;
		ec->t->bytes_in += take;
		ak_tcp_consume(ec->c, take);
		if (ec->hdr_have == HDR_LEN)
			sockperf_header(ec);
		return true;
	}
	if (ec->replying && ec->out_off < HDR_LEN) {
		take = send_some(ec, ec->hdr + ec->out_off,
				 HDR_LEN - ec->out_off);
		ec->out_off += (unsigned)take;
		return take > 0;
	}
	if (!ec->body_left) {
		ec->hdr_have = 0;
		return true;
	}
	if (!n)
		return false;
	take = n < ec->body_left ? n : ec->body_left;
	if (ec->replying)
		take = send_some(ec, p, take);
	ec->body_left -= (uint32_t)take;
	ec->t->bytes_in += take;
	ak_tcp_consume(ec->c, take);
	return take > 0;
}

static void source_pump(struct tcp_echo_conn *ec)
{
	uint8_t buf[16384];

	for (;;) {
		size_t space = ak_tcp_send_space(ec->c), n, sent;

		if (space < sizeof(buf) / 4)
			return;
		n = space < sizeof(buf) ? space : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = tcp_echo_source_byte(ec->src_off + i);
		sent = send_some(ec, buf, n);
		ec->src_off += sent;
		if (sent < n)
			return;
	}
}

static void drop_input(struct tcp_echo_conn *ec)
{
	const uint8_t *p;
	size_t n;

	while ((n = ak_tcp_peek(ec->c, &p))) {
		ec->t->bytes_in += n;
		ak_tcp_consume(ec->c, n);
	}
}

static void on_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	struct tcp_echo_conn *ec = ctx;

	if (ev & AK_TCP_EV_ERROR) {
		conn_done(ec);
		return;
	}
	switch (ec->t->mode) {
	case TCP_ECHO_SOCKPERF:
		while (sockperf_step(ec))
			;
		break;
	case TCP_ECHO_SOURCE:
		drop_input(ec);
		source_pump(ec);
		break;
	default:
		plain_pump(ec);
		break;
	}
	/*
	 * The peer is done and everything it sent was consumed: close,
	 * which still delivers what is queued, then FIN.
	 */
	if (ak_tcp_peer_closed(c))
		conn_done(ec);
}

static void on_accept(void *ctx, struct ak_tcp_listener *l)
{
	struct tcp_echo *t = ctx;
	struct ak_tcp_conn *c;

	while (ak_tcp_accept(l, &c) == 0) {
		struct tcp_echo_conn *ec = calloc(1, sizeof(*ec));

		if (!ec) {
			ak_tcp_abort(c);
			continue;
		}
		ec->t = t;
		ec->c = c;
		t->accepted++;
		ak_tcp_set_nodelay(c, true);
		ak_tcp_set_callback(c, on_event, ec);
		if (t->mode == TCP_ECHO_SOURCE)
			source_pump(ec);
	}
}

int tcp_echo_start(struct tcp_echo *t, struct ak_app *app, uint16_t port,
		   enum tcp_echo_mode mode)
{
	memset(t, 0, sizeof(*t));
	t->mode = mode;
	return ak_tcp_listen(app, port, 1024, on_accept, t, &t->lsn);
}

void tcp_echo_stop(struct tcp_echo *t)
{
	if (t->lsn)
		ak_tcp_listener_close(t->lsn);
	t->lsn = NULL;
}

static const char *const mode_names[] = {"sockperf", "plain", "discard",
					 "source"};

int tcp_echo_mode_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, mode_names[i]))
			return i;
	return -1;
}

const char *tcp_echo_mode_name(enum tcp_echo_mode mode)
{
	return (unsigned)mode < 4 ? mode_names[mode] : "?";
}
