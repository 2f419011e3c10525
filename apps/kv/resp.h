/* SPDX-License-Identifier: MIT */
/*
 * Incremental parser of RESP2 requests, one per connection. It scans a
 * connection's unconsumed input, remembers how far it got, and resumes there
 * when more bytes arrive, so a request may be split at any byte. Arguments
 * are offsets into that input (which may move when the buffer grows).
 *
 * Two request forms exist, as in Redis: a multibulk ("*2\r\n$3\r\nGET\r\n
 * $1\r\nk\r\n") and an inline command ("GET k\r\n", split like a shell line
 * with quotes and escapes). The limits below keep a peer from making the
 * server allocate on the strength of a length it merely claims.
 */
#ifndef AK_KV_RESP_H
#define AK_KV_RESP_H

#include <stddef.h>
#include <stdint.h>

struct resp_limits {
	uint64_t max_bulk;   /* longest argument (proto-max-bulk-len) */
	uint64_t max_args;   /* most arguments in one multibulk */
	uint64_t max_inline; /* longest header or inline line */
};

/* Redis's defaults: 512 MB bulk, 64 KB inline; at most 1M arguments. */
#define RESP_MAX_BULK	(512ull * 1024 * 1024)
#define RESP_MAX_ARGS	(1024ull * 1024)
#define RESP_MAX_INLINE (64ull * 1024)

struct resp_arg {
	uint32_t off;
	uint32_t len;
};

enum resp_state {
	RESP_START, /* nothing of the next request seen yet */
	RESP_COUNT, /* inside a multibulk: reading bulk headers */
	RESP_BULK,  /* inside a multibulk: waiting for bulk data */
};

struct resp_parser {
	enum resp_state state;
	size_t pos;	   /* bytes of this request scanned so far */
	int64_t remaining; /* bulks still to come in this multibulk */
	int64_t bulk_len;  /* length of the bulk being waited for */
	struct resp_arg *argv;
	uint32_t argc;
	uint32_t argv_cap;
	const char *error; /* protocol error message after RESP_ERROR */
	char errbuf[48];
};

enum resp_result {
	RESP_ERROR = -1,    /* protocol error: reply p->error and disconnect */
	RESP_NEED_MORE = 0, /* the request is incomplete */
	RESP_REQUEST = 1,   /* p->argv holds a request of p->pos bytes */
	RESP_EMPTY = 2,	    /* an empty request of p->pos bytes: skip it */
	RESP_NOMEM = 3,	    /* could not grow the argument vector */
};

void resp_parser_init(struct resp_parser *p);
void resp_parser_free(struct resp_parser *p);

/*
 * Parses the request at the start of buf (len bytes, the connection's whole
 * unconsumed input). Inline arguments are unescaped in place, hence the
 * mutable buffer. After RESP_REQUEST or RESP_EMPTY the caller consumes
 * p->pos bytes and calls resp_parser_reset().
 */
enum resp_result resp_parse(struct resp_parser *p, char *buf, size_t len,
			    const struct resp_limits *lim);

void resp_parser_reset(struct resp_parser *p);

/* Redis's strict integer syntax: no spaces, no '+', no leading zeros. */
int resp_parse_ll(const char *s, size_t len, long long *out);

#endif
