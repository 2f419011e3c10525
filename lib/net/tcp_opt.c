// SPDX-License-Identifier: MIT
/*
 * TCP option parsing (RFC 9293 section 3.2). Every step either consumes at
 * least one byte or stops, and every length is checked against the end of
 * the header before a byte of the option is read, so zero, short or
 * overlong lengths can neither loop nor over-read.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "lib/net/tcp_impl.h"

static void opt_take(struct tcp_opts *o, uint8_t kind, const uint8_t *v,
		     uint8_t len)
{
	uint32_t w;
	uint16_t h;

	/*
	 * An option with the wrong length for its kind is ignored, like an
	 * unknown one (RFC 9293 3.2: options may be skipped by length).
	 */
	switch (kind) {
	case TCP_OPT_MSS:
		if (len != 4)
			return;
		memcpy(&h, v, 2);
		o->has_mss = true;
		o->mss = ntohs(h);
		return;
	case TCP_OPT_WSCALE:
		if (len != 3)
			return;
		o->has_wscale = true;
		o->wscale = v[0];
		return;
	case TCP_OPT_SACK_PERM:
		o->sack_perm = len == 2;
		return;
	case TCP_OPT_SACK:
		if (len < 10 || (len - 2) % 8)
			return;
		for (unsigned i = 0; i < (len - 2u) / 8 && i < 4; i++) {
			memcpy(&w, v + 8 * i, 4);
			o->sack[i][0] = ntohl(w);
			memcpy(&w, v + 8 * i + 4, 4);
			o->sack[i][1] = ntohl(w);
			o->nsack = (uint8_t)(i + 1);
		}
		return;
	case TCP_OPT_TS:
		if (len != 10)
			return;
		o->has_ts = true;
		memcpy(&w, v, 4);
		o->tsval = ntohl(w);
		memcpy(&w, v + 4, 4);
		o->tsecr = ntohl(w);
		return;
	default:
		return;
	}
}

int tcp_parse_options(const uint8_t *hdr, unsigned hdr_len,
		      struct tcp_opts *out)
{
	unsigned i = sizeof(struct ak_tcp_hdr);

	memset(out, 0, sizeof(*out));
	while (i < hdr_len) {
		uint8_t kind = hdr[i], len;

		if (kind == TCP_OPT_EOL)
			return 0;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hdr_len)
			return -EINVAL; /* no room for the length byte */
		len = hdr[i + 1];
		if (len < 2 || len > hdr_len - i)
			return -EINVAL; /* would loop or run past the end */
		opt_take(out, kind, hdr + i + 2, len);
		i += len;
	}
	return 0;
}
