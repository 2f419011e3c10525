// SPDX-License-Identifier: MIT
/*
 * RESP2 request parsing. Where the Redis server's behaviour is the only
 * specification (error wording, what ends a line, what an empty multibulk
 * means), this file follows redis-server 7.0, which the comparison test
 * runs side by side.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/kv/resp.h"

void resp_parser_init(struct resp_parser *p)
{
	memset(p, 0, sizeof(*p));
}

void resp_parser_free(struct resp_parser *p)
{
	free(p->argv);
	resp_parser_init(p);
}

void resp_parser_reset(struct resp_parser *p)
{
	p->state = RESP_START;
	p->pos = 0;
	p->remaining = 0;
	p->bulk_len = 0;
	p->argc = 0;
	p->error = NULL;
}

int resp_parse_ll(const char *s, size_t len, long long *out)
{
	unsigned long long v = 0, limit;
	bool neg = false;
	size_t i = 0;

	if (len == 0 || len > 20)
		return -EINVAL;
	if (len == 1 && s[0] == '0') {
		*out = 0;
		return 0;
	}
	if (s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i >= len || s[i] < '1' || s[i] > '9')
		return -EINVAL;

	limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (limit - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = neg ? (long long)(0 - v) : (long long)v;
	return 0;
}

static enum resp_result fail(struct resp_parser *p, const char *msg)
{
	p->error = msg;
	return RESP_ERROR;
}

static int push_arg(struct resp_parser *p, size_t off, size_t len)
{
	if (p->argc == p->argv_cap) {
		uint32_t cap = p->argv_cap ? p->argv_cap * 2 : 8;
		struct resp_arg *v = realloc(p->argv, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->argv = v;
		p->argv_cap = cap;
	}
	p->argv[p->argc].off = (uint32_t)off;
	p->argv[p->argc].len = (uint32_t)len;
	p->argc++;
	return 0;
}

/*
 * Finds the "\r\n" that ends the header line starting at from. Like Redis,
 * only the '\r' is searched and the byte after it is skipped unchecked.
 * Returns the offset of '\r', or -1 when the line is not complete.
 */
static ssize_t find_cr(const char *buf, size_t from, size_t len)
{
	const char *cr = memchr(buf + from, '\r', len - from);

	if (!cr || (size_t)(cr - buf) + 1 >= len)
		return -1;
	return cr - buf;
}

static enum resp_result parse_count(struct resp_parser *p, const char *buf,
				    size_t len, const struct resp_limits *lim)
{
	ssize_t cr = find_cr(buf, 0, len);
	long long n;

	if (cr < 0) {
		if (len > lim->max_inline)
			return fail(p, "Protocol error: too big mbulk count "
				       "string");
		return RESP_NEED_MORE;
	}
	if (resp_parse_ll(buf + 1, (size_t)cr - 1, &n) ||
	    n > (long long)lim->max_args)
		return fail(p, "Protocol error: invalid multibulk length");

	p->pos = (size_t)cr + 2;
	if (n <= 0)
		return RESP_EMPTY;
	p->remaining = n;
	p->state = RESP_COUNT;
	return RESP_NEED_MORE;
}

static enum resp_result bad_bulk_prefix(struct resp_parser *p, char c)
{
	/* Redis keeps replies on one line by mapping CR and LF to spaces. */
	if (c == '\r' || c == '\n')
		c = ' ';
	snprintf(p->errbuf, sizeof(p->errbuf),
		 "Protocol error: expected '$', got '%c'", c);
	return fail(p, p->errbuf);
}

static enum resp_result parse_bulk_header(struct resp_parser *p,
					  const char *buf, size_t len,
					  const struct resp_limits *lim)
{
	ssize_t cr = find_cr(buf, p->pos, len);
	long long n;

	if (cr < 0) {
		if (len - p->pos > lim->max_inline)
			return fail(p, "Protocol error: too big bulk count "
				       "string");
		return RESP_NEED_MORE;
	}
	if (buf[p->pos] != '$')
		return bad_bulk_prefix(p, buf[p->pos]);
	if (resp_parse_ll(buf + p->pos + 1, (size_t)cr - p->pos - 1, &n) ||
	    n < 0 || (unsigned long long)n > lim->max_bulk)
		return fail(p, "Protocol error: invalid bulk length");

	p->pos = (size_t)cr + 2;
	p->bulk_len = n;
	p->state = RESP_BULK;
	return RESP_NEED_MORE;
}

/* Waits for the bulk's data and its two trailing bytes, never checked. */
static enum resp_result parse_bulk_data(struct resp_parser *p, size_t len)
{
	if (len - p->pos < (size_t)p->bulk_len + 2)
		return RESP_NEED_MORE;
	if (push_arg(p, p->pos, (size_t)p->bulk_len))
		return RESP_NOMEM;

	p->pos += (size_t)p->bulk_len + 2;
	p->state = RESP_COUNT;
	if (--p->remaining == 0)
		return RESP_REQUEST;
	return RESP_NEED_MORE;
}

static enum resp_result parse_multibulk(struct resp_parser *p, char *buf,
					size_t len,
					const struct resp_limits *lim)
{
	enum resp_result r = RESP_NEED_MORE;

	if (p->state == RESP_START) {
		r = parse_count(p, buf, len, lim);
		if (r != RESP_NEED_MORE || p->state == RESP_START)
			return r;
	}
	for (;;) {
		if (p->state == RESP_COUNT)
			r = parse_bulk_header(p, buf, len, lim);
		if (r != RESP_NEED_MORE || p->state == RESP_COUNT)
			return r;
		r = parse_bulk_data(p, len);
		if (r != RESP_NEED_MORE || p->state == RESP_BULK)
			return r;
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'b':
		return '\b';
	case 'a':
		return '\a';
	default:
		return c;
	}
}

/*
 * The escape at s[r] inside a quoted section: in double quotes \xHH, \n,
 * \r, \t, \b, \a and \<c>; in single quotes only \'. Returns the bytes
 * it spans (0: not an escape) and the byte it stands for in *out.
 */
static size_t quoted_escape(const char *s, size_t r, size_t end, char quote,
			    char *out)
{
	if (s[r] != '\\' || r + 1 >= end)
		return 0;
	if (quote == '\'') {
		*out = '\'';
		return s[r + 1] == '\'' ? 2 : 0;
	}
	if (s[r + 1] == 'x' && r + 3 < end && hex_val(s[r + 2]) >= 0 &&
	    hex_val(s[r + 3]) >= 0) {
		*out = (char)(hex_val(s[r + 2]) * 16 + hex_val(s[r + 3]));
		return 4;
	}
	*out = unescape(s[r + 1]);
	return 2;
}

/*
 * One quoted section starting after the opening quote at *rp. The closing
 * quote must end the argument. Returns -EINVAL on unbalanced quotes.
 */
static int split_quoted(char *s, size_t end, char quote, size_t *rp, size_t *wp)
{
	size_t r = *rp, w = *wp, n;
	char ch;

	for (;;) {
		if (r >= end)
			return -EINVAL;
		n = quoted_escape(s, r, end, quote, &ch);
		if (n) {
			s[w++] = ch;
			r += n;
		} else if (s[r] == quote) {
			r++;
			if (r < end && !is_space(s[r]))
				return -EINVAL;
			break;
		} else {
			s[w++] = s[r++];
		}
	}
	*rp = r;
	*wp = w;
	return 0;
}

/*
 * Splits line [0, end) of s into arguments in place, the way Redis splits
 * an inline command (and redis-cli a typed line).
 */
static int split_inline(struct resp_parser *p, char *s, size_t end)
{
	size_t r = 0, w, start;
	int err;

	for (;;) {
		while (r < end && is_space(s[r]))
			r++;
		if (r >= end)
			return 0;

		start = w = r;
		while (r < end && !is_space(s[r])) {
			if (s[r] == '"' || s[r] == '\'') {
				char quote = s[r++];

				err = split_quoted(s, end, quote, &r, &w);
				if (err)
					return err;
				break;
			}
			s[w++] = s[r++];
		}
		if (push_arg(p, start, w - start))
			return -ENOMEM;
	}
}

static enum resp_result parse_inline(struct resp_parser *p, char *buf,
				     size_t len, const struct resp_limits *lim)
{
	char *nl = memchr(buf, '\n', len);
	size_t end, nul_end;
	int err;

	if (!nl) {
		if (len > lim->max_inline)
			return fail(p,
				    "Protocol error: too big inline request");
		return RESP_NEED_MORE;
	}
	end = (size_t)(nl - buf);
	p->pos = end + 1;
	if (end > 0 && buf[end - 1] == '\r')
		end--;
	/* Redis splits a C string: a NUL byte ends the line. */
	nul_end = strnlen(buf, end);

	err = split_inline(p, buf, nul_end);
	if (err == -ENOMEM)
		return RESP_NOMEM;
	if (err)
		return fail(p, "Protocol error: unbalanced quotes in request");
	return p->argc ? RESP_REQUEST : RESP_EMPTY;
}

enum resp_result resp_parse(struct resp_parser *p, char *buf, size_t len,
			    const struct resp_limits *lim)
{
	if (len == 0)
		return RESP_NEED_MORE;
	if (p->state == RESP_START && buf[0] != '*')
		return parse_inline(p, buf, len, lim);
	return parse_multibulk(p, buf, len, lim);
}
