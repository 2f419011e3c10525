// SPDX-License-Identifier: MIT
/*
 * The RESP2 parser: requests split at every byte give the same replies as
 * whole ones, many requests in one segment are all answered in order,
 * inline commands split like Redis splits them, and every limit (bulk
 * length, argument count, header and inline size, query buffer) gives
 * Redis's error and a disconnect without allocating what a header claims.
 */
#include "tests/unit/kv/kv_harness.h"

static const char pipeline[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
			       "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
			       "PING\r\n"
			       "*1\r\n$4\r\nPING\r\n"
			       "\r\n"
			       "*0\r\n"
			       "ECHO \"a b\\x41\\n\"\n"
			       "  ECHO   'it\\'s'  \r\n"
			       "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"
			       "*3\r\n$4\r\nINCR\r\n$1\r\nx\r\n$1\r\ny\r\n"
			       "*2\r\n$4\r\nINCR\r\n$1\r\nx\r\n";

static const char pipeline_replies[] =
	"+OK\r\n$5\r\nvalue\r\n+PONG\r\n+PONG\r\n"
	"$5\r\na bA\n\r\n$4\r\nit's\r\n$0\r\n\r\n"
	"-ERR wrong number of arguments for 'incr' command\r\n:1\r\n";

static void test_whole_pipeline(void)
{
	struct kv_server *srv = test_server();
	struct tconn t;

	tconn_open(&t, srv);
	CHECK_REPLY(&t, pipeline, pipeline_replies);
	CHECK(!kv_conn_should_close(t.c));
	tconn_close(&t);
	kv_server_destroy(srv);
}

/* Every way of cutting the pipeline in two, and byte by byte. */
static void test_split_everywhere(void)
{
	size_t len = strlen(pipeline), cut, i;

	for (cut = 0; cut <= len; cut++) {
		struct kv_server *srv = test_server();
		struct tconn t;

		tconn_open(&t, srv);
		CHECK_OK(tconn_send(&t, pipeline, cut));
		CHECK_OK(tconn_send(&t, pipeline + cut, len - cut));
		if (strcmp(t.out ? t.out : "", pipeline_replies))
			check_fail("cut at %zu: got \"%s\"", cut, t.out);
		tconn_close(&t);
		kv_server_destroy(srv);
	}

	struct kv_server *srv = test_server();
	struct tconn t;

	tconn_open(&t, srv);
	for (i = 0; i < len; i++)
		CHECK_OK(tconn_send(&t, pipeline + i, 1));
	CHECK_STREQ(t.out, pipeline_replies);
	tconn_close(&t);
	kv_server_destroy(srv);
}

/* A binary-safe bulk holding CR, LF, NUL and '*' round-trips. */
static void test_binary_values(void)
{
	struct kv_server *srv = test_server();
	static const char req[] = "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$6\r\n"
				  "\r\n\0*$\n\r\n"
				  "*2\r\n$3\r\nGET\r\n$1\r\nb\r\n";
	static const char want[] = "+OK\r\n$6\r\n\r\n\0*$\n\r\n";
	struct tconn t;

	tconn_open(&t, srv);
	CHECK_OK(tconn_send(&t, req, sizeof(req) - 1));
	CHECK_EQ(t.len, sizeof(want) - 1);
	CHECK_MEMEQ(t.out, want, sizeof(want) - 1);
	tconn_close(&t);
	kv_server_destroy(srv);
}

struct bad_case {
	const char *req;
	const char *reply;
};

static const struct bad_case bad_cases[] = {
	{"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
	{"*1\r\n$536870913\r\n",
	 "-ERR Protocol error: invalid bulk length\r\n"},
	{"*1\r\n$1073741824\r\n",
	 "-ERR Protocol error: invalid bulk length\r\n"},
	{"*1\r\n$99999999999999999999999\r\n",
	 "-ERR Protocol error: invalid bulk length\r\n"},
	{"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
	{"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
	{"*2000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
	{"*1\r\n:5\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"},
	{"*1\r\n\r\n\r\n", "-ERR Protocol error: expected '$', got ' '\r\n"},
	{"ECHO \"unterminated\r\n",
	 "-ERR Protocol error: unbalanced quotes in request\r\n"},
	{"ECHO \"a\"b\r\n",
	 "-ERR Protocol error: unbalanced quotes in request\r\n"},
};

static void test_protocol_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct kv_server *srv = test_server();
		struct tconn t;

		tconn_open(&t, srv);
		/* A valid request first: it is answered before the error. */
		tconn_send(&t, "PING\r\n", 6);
		tconn_send(&t, bad_cases[i].req, strlen(bad_cases[i].req));
		tconn_send(&t, "PING\r\n", 6); /* ignored after the error */
		if (strncmp(t.out, "+PONG\r\n", 7) ||
		    strcmp(t.out + 7, bad_cases[i].reply))
			check_fail("case %zu: got \"%s\"", i, t.out);
		CHECK(kv_conn_should_close(t.c));
		tconn_close(&t);
		kv_server_destroy(srv);
	}
}

/* Headers and inline lines without an end are cut off at 64 KB. */
static void test_unterminated(void)
{
	static const char *prefixes[] = {"*", "*1\r\n$", "GET "};
	static const char *replies[] = {
		"-ERR Protocol error: too big mbulk count string\r\n",
		"-ERR Protocol error: too big bulk count string\r\n",
		"-ERR Protocol error: too big inline request\r\n",
	};
	char *junk = malloc(70000);
	size_t i;

	CHECK(junk);
	memset(junk, '7', 70000);
	for (i = 0; i < 3; i++) {
		struct kv_server *srv = test_server();
		struct tconn t;

		tconn_open(&t, srv);
		tconn_send(&t, prefixes[i], strlen(prefixes[i]));
		tconn_send(&t, junk, 60000);
		CHECK_EQ(t.len, 0);
		CHECK(!kv_conn_should_close(t.c));
		tconn_send(&t, junk, 10000);
		CHECK_STREQ(t.out, replies[i]);
		CHECK(kv_conn_should_close(t.c));
		tconn_close(&t);
		kv_server_destroy(srv);
	}
	free(junk);
}

/* A claimed 500 MB bulk that never comes costs only what arrived. */
static void test_claims_do_not_allocate(void)
{
	struct kv_server *srv = test_server();
	uint64_t before = kv_server_used_memory(srv);
	struct tconn t;
	int i;

	tconn_open(&t, srv);
	tconn_send(&t, "*2\r\n$3\r\nGET\r\n$524288000\r\nabc", 29);
	for (i = 0; i < 100; i++)
		tconn_send(&t, "0123456789", 10);
	CHECK_EQ(t.len, 0);
	CHECK_LT(kv_server_used_memory(srv) - before, 64 * 1024);
	tconn_close(&t);
	kv_server_destroy(srv);
}

/* Past the query buffer limit the client is closed without a reply. */
static void test_query_buffer_limit(void)
{
	struct kv_config cfg;
	struct kv_server *srv;
	struct tconn t;
	char chunk[4096];
	int i, err = 0;

	kv_config_defaults(&cfg);
	cfg.max_query = 64 * 1024;
	CHECK_OK(kv_server_create(&cfg, &srv));
	tconn_open(&t, srv);
	memset(chunk, 'x', sizeof(chunk));
	tconn_send(&t, "*2\r\n$3\r\nGET\r\n$100000\r\n", 22);
	for (i = 0; i < 20 && !err; i++)
		err = tconn_send(&t, chunk, sizeof(chunk));
	CHECK_EQ(err, -E2BIG);
	CHECK_EQ(t.len, 0);
	CHECK(kv_conn_should_close(t.c));
	tconn_close(&t);
	kv_server_destroy(srv);
}

/* 10,000 pipelined requests in one write get 10,000 replies in order. */
static void test_ten_thousand_pipelined(void)
{
	struct kv_server *srv = test_server();
	size_t cap = 10000 * 64, len = 0, i;
	char *req = malloc(cap), *want = malloc(cap);
	size_t wlen = 0;
	struct tconn t;

	CHECK(req && want);
	for (i = 0; i < 10000; i++) {
		len += (size_t)snprintf(req + len, cap - len,
					"*2\r\n$4\r\nINCR\r\n$3\r\nctr\r\n");
		wlen += (size_t)snprintf(want + wlen, cap - wlen, ":%zu\r\n",
					 i + 1);
	}
	tconn_open(&t, srv);
	CHECK_OK(tconn_send(&t, req, len));
	CHECK_EQ(t.len, wlen);
	CHECK_MEMEQ(t.out, want, wlen);
	tconn_close(&t);
	kv_server_destroy(srv);
	free(req);
	free(want);
}

static void test_parse_ll(void)
{
	long long v;

	CHECK_OK(resp_parse_ll("0", 1, &v));
	CHECK_EQ(v, 0);
	CHECK_OK(resp_parse_ll("-9223372036854775808", 20, &v));
	CHECK(v == (-9223372036854775807ll - 1));
	CHECK_OK(resp_parse_ll("9223372036854775807", 19, &v));
	CHECK_EQ(resp_parse_ll("9223372036854775808", 19, &v), -EINVAL);
	CHECK_EQ(resp_parse_ll("-0", 2, &v), -EINVAL);
	CHECK_EQ(resp_parse_ll("01", 2, &v), -EINVAL);
	CHECK_EQ(resp_parse_ll("+1", 2, &v), -EINVAL);
	CHECK_EQ(resp_parse_ll(" 1", 2, &v), -EINVAL);
	CHECK_EQ(resp_parse_ll("", 0, &v), -EINVAL);
	CHECK_EQ(resp_parse_ll("-", 1, &v), -EINVAL);
}

int main(void)
{
	check_timeout(60);
	test_parse_ll();
	test_whole_pipeline();
	test_split_everywhere();
	test_binary_values();
	test_protocol_errors();
	test_unterminated();
	test_claims_do_not_allocate();
	test_query_buffer_limit();
	test_ten_thousand_pipelined();
	return 0;
}
