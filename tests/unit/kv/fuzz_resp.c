// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the RESP parser and command dispatch: the input is
 * cut into segments (sizes taken from its first bytes) and fed to one
 * connection of a server with a log attached, durability reported now and
 * then, and small limits so that the limit paths are reached too. Checks:
 * no crash, no leak, replies only ever grow in whole RESP values.
 */
#include <stddef.h>
#include <stdint.h>

#include "tests/unit/kv/kv_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(struct kv_conn *c)
{
	const void *out;
	size_t n;

	while ((n = kv_conn_output(c, &out))) {
		const char *p = out;

		/* Every reply starts with a RESP2 type byte. */
		if (p[0] != '+' && p[0] != '-' && p[0] != ':' && p[0] != '$' &&
		    p[0] != '*')
			__builtin_trap();
		kv_conn_output_done(c, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_log log = {0};
	struct kv_config cfg;
	struct kv_server *srv;
	struct kv_conn *c;
	size_t pos = 0, cut = 1;

	kv_config_defaults(&cfg);
	cfg.max_query = 1 << 16;
	cfg.max_output = 1 << 14;
	cfg.limits.max_bulk = 1 << 12;
	cfg.limits.max_args = 64;
	cfg.limits.max_inline = 1 << 10;
	cfg.maxmemory = 1 << 20;
	cfg.rewrite_min_bytes = 1 << 10;
	if (kv_server_create(&cfg, &srv))
		return 0;
	kv_server_set_time(srv, T0_MS);
	kv_server_set_log(srv, &mem_log_ops, &log);
	c = kv_conn_open(srv, NULL);

	if (size)
		cut = 1 + data[0] % 64;
	while (pos < size && !kv_conn_should_close(c)) {
		size_t n = size - pos < cut ? size - pos : cut;

		kv_conn_feed(c, data + pos, n);
		pos += n;
		if (pos % 3 == 0)
			kv_server_log_durable(srv, log.next_lsn);
		kv_server_set_time(srv, T0_MS + (int64_t)pos * 7);
		kv_server_cron(srv);
		drain(c);
	}
	kv_server_log_durable(srv, log.next_lsn);
	drain(c);
	kv_conn_close(c);
	kv_server_destroy(srv);
	mem_log_free(&log);
	return 0;
}
