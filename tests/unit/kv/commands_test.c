// SPDX-License-Identifier: MIT
/*
 * Commands whose behaviour the Redis comparison cannot pin down: expiry
 * driven by a test clock (lazy on access and active in cron), maxmemory,
 * SCAN and KEYS over many keys, glob patterns, the server commands' shapes
 * (INFO, CONFIG GET, COMMAND, HELLO 2 / 3, CLIENT) and QUIT.
 */
#include "apps/kv/kv.h"
#include "tests/unit/kv/kv_harness.h"

static void test_lazy_expiry(void)
{
	struct kv_server *srv = test_server();
	struct tconn t;

	tconn_open(&t, srv);
	CHECK_REPLY(&t, "SET a 1 PX 100\r\n", "+OK\r\n");
	CHECK_REPLY(&t, "SET b 1 EX 10\r\n", "+OK\r\n");
	CHECK_REPLY(&t, "PTTL a\r\n", ":100\r\n");
	CHECK_REPLY(&t, "TTL b\r\n", ":10\r\n");
	kv_server_set_time(srv, T0_MS + 99);
	CHECK_REPLY(&t, "GET a\r\n", "$1\r\n1\r\n");
	kv_server_set_time(srv, T0_MS + 100);
	CHECK_REPLY(&t, "GET a\r\n", "$-1\r\n");
	CHECK_REPLY(&t, "EXISTS a\r\n", ":0\r\n");
	CHECK_REPLY(&t, "SET a 2 NX\r\n", "+OK\r\n");
	CHECK_REPLY(&t, "TTL a\r\n", ":-1\r\n");
	kv_server_set_time(srv, T0_MS + 4600);
	CHECK_REPLY(&t, "TTL b\r\n", ":5\r\n");
	CHECK_REPLY(&t, "INCR b\r\n", ":2\r\n");
	CHECK_REPLY(&t, "TTL b\r\n", ":5\r\n");
	CHECK_REPLY(&t, "DBSIZE\r\n", ":2\r\n");
	tconn_close(&t);
	kv_server_destroy(srv);
}

static void test_active_expiry(void)
{
	struct kv_server *srv = test_server();
	struct tconn t;
	char req[64];
	int i;

	tconn_open(&t, srv);
	for (i = 0; i < 5000; i++) {
		snprintf(req, sizeof(req), "SET k%d v PX %d\r\n", i,
			 i % 2 ? 50 : 1000000);
		CHECK_REPLY(&t, req, "+OK\r\n");
	}
	CHECK_UEQ(kv_server_dbsize(srv), 5000);
	kv_server_set_time(srv, T0_MS + 50);
	/* No key is touched: only cron can find the expired half. */
	for (i = 0; i < 1000 && kv_server_dbsize(srv) > 2500; i++)
		kv_server_cron(srv);
	CHECK_UEQ(kv_server_dbsize(srv), 2500);
	CHECK(strstr(tconn_req(&t, "INFO stats\r\n"), "expired_keys:2500\r\n"));
	tconn_close(&t);
	kv_server_destroy(srv);
}

static void test_maxmemory(void)
{
	struct kv_config cfg;
	struct kv_server *srv;
	struct tconn t;
	char req[64];
	int i;

	kv_config_defaults(&cfg);
	cfg.maxmemory = 256 * 1024;
	CHECK_OK(kv_server_create(&cfg, &srv));
	tconn_open(&t, srv);
	for (i = 0; i < 100000; i++) {
		snprintf(req, sizeof(req), "SET key%d 0123456789abcdef\r\n", i);
		if (strcmp(tconn_req(&t, req), "+OK\r\n"))
			break;
	}
	CHECK_STREQ(t.out, "-OOM command not allowed when used memory > "
			   "'maxmemory'.\r\n");
	CHECK_LT(i, 100000);
	CHECK_LE(kv_server_used_memory(srv), 256 * 1024 + 4096);
	/* Reads and deletes still work; deleting frees room for writes. */
	CHECK_REPLY(&t, "GET key0\r\n", "$16\r\n0123456789abcdef\r\n");
	CHECK_REPLY(&t, "FLUSHALL\r\n", "+OK\r\n");
	CHECK_REPLY(&t, "SET again 1\r\n", "+OK\r\n");
	tconn_close(&t);
	kv_server_destroy(srv);
}

static void test_scan_and_keys(void)
{
	struct kv_server *srv = test_server();
	unsigned char seen[3000] = {0};
	unsigned long long cursor = 0;
	struct tconn t;
	char req[96];
	const char *r;
	int i, total = 0;

	tconn_open(&t, srv);
	for (i = 0; i < 3000; i++) {
		snprintf(req, sizeof(req), "SET %s:%d x\r\n",
			 i % 3 ? "user" : "item", i);
		CHECK_REPLY(&t, req, "+OK\r\n");
	}
	do {
		const char *p;

		snprintf(req, sizeof(req),
			 "SCAN %llu MATCH user:* COUNT 50\r\n", cursor);
		r = tconn_req(&t, req);
		CHECK(!strncmp(r, "*2\r\n$", 5));
		p = strchr(r + 5, '\n') + 1;
		cursor = strtoull(p, NULL, 10);
		while ((p = strstr(p, "user:"))) {
			int k = atoi(p + 5);

			CHECK(k % 3 != 0);
			total += !seen[k];
			seen[k] = 1;
			p += 5;
		}
	} while (cursor);
	CHECK_EQ(total, 2000);
	CHECK(!strncmp(tconn_req(&t, "KEYS item:*\r\n"), "*1000\r\n", 7));
	CHECK(!strncmp(tconn_req(&t, "KEYS *\r\n"), "*3000\r\n", 7));
	CHECK_REPLY(&t, "KEYS i?em:1[2]\r\n", "*1\r\n$7\r\nitem:12\r\n");
	r = tconn_req(&t, "SCAN 0 TYPE list COUNT 100\r\n");
	CHECK(!strcmp(r + strlen(r) - 4, "*0\r\n"));
	tconn_close(&t);
	kv_server_destroy(srv);
}

static void test_glob(void)
{
	static const struct {
		const char *pat, *s;
		bool match;
	} cases[] = {
		{"*", "", true},
		{"*", "abc", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"h[ae]llo", "hello", true},
		{"h[^e]llo", "hello", false},
		{"h[^e]llo", "hallo", true},
		{"h[a-b]llo", "hbllo", true},
		{"h[a-b]llo", "hcllo", false},
		{"h\\*o", "h*o", true},
		{"h\\*o", "hxo", false},
		{"*a*b*c*", "xaybzc", true},
		{"*a*b*c*", "xaybz", false},
		{"[", "x", false},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (kv_glob_match(cases[i].pat, strlen(cases[i].pat),
				  cases[i].s, strlen(cases[i].s),
				  false) != cases[i].match)
			check_fail("glob '%s' on '%s': expected %d",
				   cases[i].pat, cases[i].s, cases[i].match);
	CHECK(kv_glob_match("SAVE", 4, "save", 4, true));
}

static void test_server_commands(void)
{
	struct kv_server *srv = test_server();
	struct mem_log log = {0};
	struct tconn t;
	const char *r;

	kv_server_set_log(srv, &mem_log_ops, &log);
	tconn_open(&t, srv);
	r = tconn_req(&t, "INFO\r\n");
	CHECK(strstr(r, "# Server\r\nredis_version:7.0.15\r\n"));
	CHECK(strstr(r, "# Clients\r\nconnected_clients:1\r\n"));
	CHECK(strstr(r, "# Memory\r\nused_memory:"));
	CHECK(strstr(r, "# Persistence\r\nloading:0\r\naof_enabled:1\r\n"));
	CHECK(strstr(r, "# Stats\r\ntotal_connections_received:1\r\n"));
	r = tconn_req(&t, "INFO memory\r\n");
	CHECK(strstr(r, "used_memory:") && !strstr(r, "# Server"));
	CHECK_REPLY(&t, "INFO nosuchsection\r\n", "$0\r\n\r\n");
	CHECK_REPLY(&t, "CONFIG GET appendonly\r\n",
		    "*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n");
	CHECK_REPLY(&t, "CONFIG GET save appendfsync\r\n",
		    "*4\r\n$4\r\nsave\r\n$0\r\n\r\n$11\r\nappendfsync\r\n"
		    "$6\r\nalways\r\n");
	CHECK(!strncmp(tconn_req(&t, "CONFIG GET *\r\n"), "*22\r\n", 5));
	CHECK_REPLY(&t, "HELLO 3\r\n",
		    "-NOPROTO unsupported protocol version\r\n");
	r = tconn_req(&t, "HELLO 2 SETNAME me\r\n");
	CHECK(!strncmp(r, "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n", 27));
	CHECK(strstr(r, "$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:1\r\n"));
	CHECK_REPLY(&t, "CLIENT GETNAME\r\n", "$2\r\nme\r\n");
	CHECK_REPLY(&t, "CLIENT ID\r\n", ":1\r\n");
	CHECK_REPLY(&t, "COMMAND COUNT\r\n", ":33\r\n");
	CHECK_REPLY(&t, "COMMAND INFO get nosuch\r\n",
		    "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n"
		    "+fast\r\n:1\r\n:1\r\n:1\r\n*0\r\n*0\r\n*0\r\n*0\r\n"
		    "*-1\r\n");
	CHECK(!strncmp(tconn_req(&t, "COMMAND\r\n"), "*33\r\n*10\r\n", 10));
	CHECK_REPLY(&t, "COMMAND DOCS\r\n", "*0\r\n");
	CHECK_REPLY(&t, "QUIT\r\n", "+OK\r\n");
	CHECK(kv_conn_should_close(t.c));
	CHECK_REPLY(&t, "PING\r\n", "");
	tconn_close(&t);
	kv_server_destroy(srv);
	mem_log_free(&log);
}

/* A client that does not read stops being served until it does. */
static void test_output_backpressure(void)
{
	struct kv_config cfg;
	struct kv_server *srv;
	struct kv_conn *c;
	const void *data;
	size_t i, n, total = 0;
	static char req[20000 * 14];

	kv_config_defaults(&cfg);
	cfg.max_output = 4096;
	CHECK_OK(kv_server_create(&cfg, &srv));
	c = kv_conn_open(srv, NULL);
	for (i = 0; i < 20000; i++)
		memcpy(req + i * 14, "ECHO 12345678\n", 14);
	CHECK_OK(kv_conn_feed(c, req, sizeof(req)));
	n = kv_conn_output(c, &data);
	CHECK_LE(n, 4096 + 64);
	CHECK(!kv_conn_wants_input(c));
	while ((n = kv_conn_output(c, &data))) {
		total += n;
		kv_conn_output_done(c, n);
	}
	CHECK_UEQ(total, 20000 * 14);
	CHECK(kv_conn_wants_input(c));
	kv_conn_close(c);
	kv_server_destroy(srv);
}

int main(void)
{
	check_timeout(60);
	test_lazy_expiry();
	test_active_expiry();
	test_maxmemory();
	test_scan_and_keys();
	test_glob();
	test_server_commands();
	test_output_backpressure();
	return 0;
}
