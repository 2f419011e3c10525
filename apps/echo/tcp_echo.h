/* SPDX-License-Identifier: MIT */
/*
 * The TCP services of arrakis-echo on any struct ak_app: an echo that
 * answers `sockperf --tcp` (messages framed by their sockperf header) or
 * returns every byte (nc, socat), a discard sink and an endless source for
 * bulk transfers.
 */
#ifndef AK_APPS_TCP_ECHO_H
#define AK_APPS_TCP_ECHO_H

#include <stdint.h>

#include <arrakis/arrakis.h>
#include <arrakis/tcp.h>

enum tcp_echo_mode {
	TCP_ECHO_SOCKPERF, /* answer as `sockperf server --tcp` does */
	TCP_ECHO_PLAIN,	   /* return every byte */
	TCP_ECHO_DISCARD,  /* read and drop everything */
	TCP_ECHO_SOURCE,   /* send an endless stream, ignore input */
};

struct tcp_echo {
	struct ak_tcp_listener *lsn;
	enum tcp_echo_mode mode;
	uint64_t accepted, closed, bytes_in, bytes_out;
};

/* Listens on port (host order). 0 or a negative errno (ak_tcp_listen). */
int tcp_echo_start(struct tcp_echo *t, struct ak_app *app, uint16_t port,
		   enum tcp_echo_mode mode);
void tcp_echo_stop(struct tcp_echo *t);

/* "sockperf", "plain", "discard", "source" to a mode; -1 if unknown. */
int tcp_echo_mode_parse(const char *name);
const char *tcp_echo_mode_name(enum tcp_echo_mode mode);

/* The byte at offset i of the source stream (for checking it). */
static inline uint8_t tcp_echo_source_byte(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 13));
}

#endif
