// SPDX-License-Identifier: MIT
/*
 * The echo service: each datagram is written once into a transmit frame
 * (the received payload is read in place from the receive frame) and sent
 * back to its source.
 */
#include <arpa/inet.h>
#include <string.h>

#include "apps/echo/echo.h"

bool echo_reply_due(enum echo_mode mode, const uint8_t *payload, size_t len)
{
	struct sockperf_hdr h;

	if (mode == ECHO_PLAIN)
		return true;
	if (len < sizeof(h))
		return false;
	memcpy(&h, payload, sizeof(h));
	return (ntohs(h.flags) & (SOCKPERF_CLIENT | SOCKPERF_PONG)) ==
	       (SOCKPERF_CLIENT | SOCKPERF_PONG);
}

/* Clears the client mark of a sockperf message being answered. */
static void mark_as_server(uint8_t *msg)
{
	uint16_t flags;

	memcpy(&flags, msg + offsetof(struct sockperf_hdr, flags), 2);
	flags = htons((uint16_t)(ntohs(flags) & ~SOCKPERF_CLIENT));
	memcpy(msg + offsetof(struct sockperf_hdr, flags), &flags, 2);
}

static int echo_large(struct echo *e, struct ak_udp_msg *msg)
{
	/* Above one frame the stack fragments from the received buffer;
	 * the sockperf mark is flipped in place and restored. */
	uint8_t *data = (uint8_t *)msg->data;
	uint8_t saved[2];
	int err;

	memcpy(saved, data + offsetof(struct sockperf_hdr, flags), 2);
	if (e->mode == ECHO_SOCKPERF)
		mark_as_server(data);
	err = ak_udp_sendto(e->sock, data, msg->len, msg->src_addr,
			    msg->src_port);
	memcpy(data + offsetof(struct sockperf_hdr, flags), saved, 2);
	return err;
}

static int echo_recv(void *arg, struct ak_udp *sock, struct ak_udp_msg *msg)
{
	struct echo *e = arg;
	struct ak_udp_buf buf;
	int err;

	e->stats.received++;
	if (!echo_reply_due(e->mode, msg->data, msg->len)) {
		e->stats.ignored++;
		return 0;
	}
	err = ak_udp_send_alloc(sock, &buf);
	if (err == 0 && msg->len > buf.cap) {
		ak_udp_send_abort(sock, &buf);
		err = echo_large(e, msg);
	} else if (err == 0) {
		memcpy(buf.data, msg->data, msg->len);
		if (e->mode == ECHO_SOCKPERF)
			mark_as_server(buf.data);
		err = ak_udp_send_commit(sock, &buf, msg->len, msg->src_addr,
					 msg->src_port);
	}
	if (err)
		e->stats.send_failed++;
	else
		e->stats.echoed++;
	return 0;
}

int echo_start(struct echo *e, struct ak_app *app, uint16_t port,
	       enum echo_mode mode)
{
	memset(e, 0, sizeof(*e));
	e->mode = mode;
	return ak_udp_bind(app, port, echo_recv, e, &e->sock);
}

void echo_stop(struct echo *e)
{
	ak_udp_close(e->sock);
	e->sock = NULL;
}
