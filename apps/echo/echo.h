/* SPDX-License-Identifier: MIT */
/*
 * The UDP echo service of arrakis-echo, on any struct ak_app.
 */
#ifndef AK_APPS_ECHO_H
#define AK_APPS_ECHO_H

#include <stdbool.h>
#include <stdint.h>

#include <arrakis/arrakis.h>
#include <arrakis/udp.h>

/*
 * sockperf's message header (sockperf 3.x, all fields big-endian): a
 * sequence number, flags, and the message length. Its client sets
 * SOCKPERF_CLIENT on every message and SOCKPERF_PONG on those it wants
 * answered; its server answers exactly those, with SOCKPERF_CLIENT cleared,
 * and the client ignores anything still marked as its own.
 */
struct sockperf_hdr {
	uint64_t seq;
	uint16_t flags;
	uint32_t len;
} __attribute__((packed));
_Static_assert(sizeof(struct sockperf_hdr) == 14, "sockperf header");

#define SOCKPERF_CLIENT 0x0001
#define SOCKPERF_PONG	0x0002

enum echo_mode {
	ECHO_SOCKPERF, /* answer as `sockperf server` does */
	ECHO_PLAIN,    /* return every datagram byte for byte */
};

struct echo_stats {
	uint64_t received;
	uint64_t echoed;
	uint64_t ignored;     /* sockperf messages that asked no answer */
	uint64_t send_failed; /* no transmit frame, or ARP failed */
};

struct echo {
	struct ak_udp *sock;
	enum echo_mode mode;
	struct echo_stats stats;
};

/* Binds port on app and echoes what arrives. 0 or a negative errno. */
int echo_start(struct echo *e, struct ak_app *app, uint16_t port,
	       enum echo_mode mode);
void echo_stop(struct echo *e);

/* What a reply to payload should be: false when none is due. */
bool echo_reply_due(enum echo_mode mode, const uint8_t *payload, size_t len);

#endif
