// SPDX-License-Identifier: MIT
/*
 * RESP2 replies into a connection's output buffer, and the small helpers
 * the commands share.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "apps/kv/kv.h"

void reply_raw(struct kv_conn *c, const char *s, size_t len)
{
	size_t before = c->out.cap;

	if (c->close_now)
		return;
	if (kv_buf_append(&c->out, s, len)) {
		c->close_now = true;
		return;
	}
	c->srv->conn_mem += c->out.cap - before;
}

void reply_ok(struct kv_conn *c)
{
	reply_raw(c, "+OK\r\n", 5);
}

void reply_status(struct kv_conn *c, const char *s)
{
	reply_raw(c, "+", 1);
	reply_raw(c, s, strlen(s));
	reply_raw(c, "\r\n", 2);
}

/* Keeps an error on one line, as Redis does, whatever it quotes. */
void reply_error(struct kv_conn *c, const char *msg)
{
	size_t i, len = strlen(msg);

	c->srv->stats.error_replies++;
	reply_raw(c, "-", 1);
	for (i = 0; i < len; i++) {
		char ch = msg[i] == '\r' || msg[i] == '\n' ? ' ' : msg[i];

		reply_raw(c, &ch, 1);
	}
	reply_raw(c, "\r\n", 2);
}

void reply_errorf(struct kv_conn *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reply_error(c, msg);
}

void reply_int(struct kv_conn *c, long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), ":%lld\r\n", v);

	reply_raw(c, tmp, (size_t)n);
}

void reply_bulk(struct kv_conn *c, const char *s, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "$%zu\r\n", len);

	reply_raw(c, tmp, (size_t)n);
	reply_raw(c, s, len);
	reply_raw(c, "\r\n", 2);
}

void reply_cstr(struct kv_conn *c, const char *s)
{
	reply_bulk(c, s, strlen(s));
}

void reply_null(struct kv_conn *c)
{
	reply_raw(c, "$-1\r\n", 5);
}

void reply_array(struct kv_conn *c, long long n)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "*%lld\r\n", n);

	reply_raw(c, tmp, (size_t)len);
}

void reply_syntax_error(struct kv_conn *c)
{
	reply_error(c, "ERR syntax error");
}

void reply_not_integer(struct kv_conn *c)
{
	reply_error(c, "ERR value is not an integer or out of range");
}

void reply_arity(struct kv_conn *c, const char *cmd)
{
	reply_errorf(c, "ERR wrong number of arguments for '%s' command", cmd);
}

void reply_subcommand(struct kv_conn *c, const char *cmd,
		      const struct kv_str *sub)
{
	int len = sub->len > 128 ? 128 : (int)sub->len;

	reply_errorf(c, "ERR unknown subcommand '%.*s'. Try %s HELP.", len,
		     sub->p, cmd);
}

bool kv_str_eq(const struct kv_str *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->len == n && strncasecmp(s->p, lit, n) == 0;
}

int kv_str_ll(const struct kv_str *s, long long *out)
{
	return resp_parse_ll(s->p, s->len, out);
}

static char fold(char ch, bool nocase)
{
	return nocase ? (char)tolower((unsigned char)ch) : ch;
}

/* One [...] class at pat[*pi] (just past '['); advances *pi past ']'. */
static bool class_match(const char *pat, size_t plen, size_t *pi, char ch,
			bool nocase)
{
	size_t i = *pi;
	bool neg = false, match = false;

	if (i < plen && pat[i] == '^') {
		neg = true;
		i++;
	}
	for (; i < plen && pat[i] != ']'; i++) {
		if (pat[i] == '\\' && i + 1 < plen) {
			i++;
			match |= fold(pat[i], nocase) == fold(ch, nocase);
		} else if (i + 2 < plen && pat[i + 1] == '-' &&
			   pat[i + 2] != ']') {
			char lo = fold(pat[i], nocase),
			     hi = fold(pat[i + 2], nocase);
			char f = fold(ch, nocase);

			if (lo > hi) {
				char t = lo;

				lo = hi;
				hi = t;
			}
			match |= f >= lo && f <= hi;
			i += 2;
		} else {
			match |= fold(pat[i], nocase) == fold(ch, nocase);
		}
	}
	*pi = i < plen ? i + 1 : i;
	return neg ? !match : match;
}

/*
 * Glob matching with *, ?, [class], [^class], ranges and \ escapes; a '*'
 * backtracks to the latest star only, which keeps the match linear in
 * practice and never recursive.
 */
bool kv_glob_match(const char *pat, size_t plen, const char *s, size_t slen,
		   bool nocase)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

	while (si < slen) {
		if (pi < plen && pat[pi] == '*') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < plen && pat[pi] == '?') {
			pi++;
			si++;
			continue;
		}
		if (pi < plen && pat[pi] == '[') {
			size_t next = pi + 1;

			if (class_match(pat, plen, &next, s[si], nocase)) {
				pi = next;
				si++;
				continue;
			}
		} else if (pi < plen) {
			size_t at =
				pat[pi] == '\\' && pi + 1 < plen ? pi + 1 : pi;

			if (fold(pat[at], nocase) == fold(s[si], nocase)) {
				pi = at + 1;
				si++;
				continue;
			}
		}
		if (star_p == SIZE_MAX)
			return false;
		pi = star_p;
		si = ++star_s;
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}
