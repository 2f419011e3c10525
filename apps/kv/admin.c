// SPDX-License-Identifier: MIT
/*
 * The server commands of arrakis-kv: INFO, CONFIG GET, COMMAND, CLIENT and
 * HELLO, with what redis-cli and redis-benchmark ask of them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/kv/kv.h"

static void infof(struct kv_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void infof(struct kv_buf *b, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		kv_buf_append(b, line,
			      (size_t)n < sizeof(line) ? (size_t)n
						       : sizeof(line) - 1);
}

static void info_server(struct kv_server *srv, struct kv_buf *b)
{
	int64_t up = (srv->now_ms - srv->start_ms) / 1000;

	infof(b, "# Server\r\nredis_version:%s\r\n", KV_REDIS_VERSION);
	infof(b, "arrakis_kv_version:%s\r\nredis_mode:standalone\r\n",
	      KV_VERSION);
	infof(b, "os:Arrakis libOS on Linux\r\narch_bits:64\r\n");
	infof(b, "multiplexing_api:arrakis\r\nprocess_id:%ld\r\n",
	      (long)getpid());
	infof(b, "tcp_port:%u\r\nserver_time_usec:%lld\r\n",
	      (unsigned)srv->cfg.port, (long long)srv->now_ms * 1000);
	infof(b, "uptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\n",
	      (long long)up, (long long)up / 86400);
}

static void info_clients(struct kv_server *srv, struct kv_buf *b)
{
	infof(b, "# Clients\r\nconnected_clients:%llu\r\n",
	      (unsigned long long)srv->nconns);
	infof(b, "maxclients:%u\r\nblocked_clients:0\r\n",
	      (unsigned)srv->cfg.maxclients);
}

static void human(char *out, size_t n, uint64_t bytes)
{
	if (bytes < 1024)
		snprintf(out, n, "%lluB", (unsigned long long)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(out, n, "%.2fK", (double)bytes / 1024);
	else if (bytes < 1024ull * 1024 * 1024)
		snprintf(out, n, "%.2fM", (double)bytes / (1024 * 1024));
	else
		snprintf(out, n, "%.2fG",
			 (double)bytes / (1024.0 * 1024 * 1024));
}

static void info_memory(struct kv_server *srv, struct kv_buf *b)
{
	uint64_t used = kv_server_used_memory(srv);
	char h[32];

	human(h, sizeof(h), used);
	infof(b, "# Memory\r\nused_memory:%llu\r\nused_memory_human:%s\r\n",
	      (unsigned long long)used, h);
	infof(b, "used_memory_dataset:%llu\r\n",
	      (unsigned long long)srv->ks.mem);
	human(h, sizeof(h), srv->cfg.maxmemory);
	infof(b, "maxmemory:%llu\r\nmaxmemory_human:%s\r\n",
	      (unsigned long long)srv->cfg.maxmemory, h);
	infof(b, "maxmemory_policy:noeviction\r\n");
}

static void info_persistence(struct kv_server *srv, struct kv_buf *b)
{
	infof(b, "# Persistence\r\nloading:0\r\n");
	infof(b, "aof_enabled:%d\r\naof_rewrite_in_progress:%d\r\n",
	      srv->log != NULL, srv->rw.running);
	infof(b, "aof_rewrites:%llu\r\naof_last_write_status:%s\r\n",
	      (unsigned long long)srv->stats.rewrites,
	      srv->log_error ? "err" : "ok");
	infof(b, "log_records:%llu\r\nlog_bytes:%llu\r\n",
	      (unsigned long long)srv->stats.log_records,
	      (unsigned long long)srv->log_bytes);
	infof(b, "log_last_lsn:%llu\r\nlog_durable_lsn:%llu\r\n",
	      (unsigned long long)srv->last_lsn,
	      (unsigned long long)srv->durable_lsn);
	if (srv->log && srv->log->info) {
		char extra[512] = "";

		srv->log->info(srv->log_ctx, extra, sizeof(extra));
		kv_buf_append(b, extra, strlen(extra));
	}
}

static void info_stats(struct kv_server *srv, struct kv_buf *b)
{
	const struct kv_stats *s = &srv->stats;

	infof(b, "# Stats\r\ntotal_connections_received:%llu\r\n",
	      (unsigned long long)s->connections);
	infof(b, "total_commands_processed:%llu\r\n",
	      (unsigned long long)s->commands);
	infof(b, "total_net_input_bytes:%llu\r\n",
	      (unsigned long long)s->net_input);
	infof(b, "total_net_output_bytes:%llu\r\n",
	      (unsigned long long)s->net_output);
	infof(b, "rejected_connections:%llu\r\nexpired_keys:%llu\r\n",
	      (unsigned long long)s->rejected_connections,
	      (unsigned long long)s->expired_keys);
	infof(b, "evicted_keys:0\r\nkeyspace_hits:%llu\r\n",
	      (unsigned long long)s->hits);
	infof(b, "keyspace_misses:%llu\r\ntotal_error_replies:%llu\r\n",
	      (unsigned long long)s->misses,
	      (unsigned long long)s->error_replies);
	infof(b, "protocol_errors:%llu\r\nquery_buffer_limit_closes:%llu\r\n",
	      (unsigned long long)s->protocol_errors,
	      (unsigned long long)s->input_limit_closes);
}

static void info_keyspace(struct kv_server *srv, struct kv_buf *b)
{
	infof(b, "# Keyspace\r\n");
	if (kv_keyspace_size(&srv->ks))
		infof(b, "db0:keys=%llu,expires=%llu,avg_ttl=0\r\n",
		      (unsigned long long)kv_keyspace_size(&srv->ks),
		      (unsigned long long)srv->ks.expires);
}

static const struct {
	const char *name;
	void (*fn)(struct kv_server *srv, struct kv_buf *b);
} info_sections[] = {
	{"server", info_server}, {"clients", info_clients},
	{"memory", info_memory}, {"persistence", info_persistence},
	{"stats", info_stats},	 {"keyspace", info_keyspace},
};

static bool section_wanted(int argc, struct kv_str *argv, const char *name)
{
	int i;

	if (argc == 1)
		return true;
	for (i = 1; i < argc; i++)
		if (kv_str_eq(&argv[i], name) || kv_str_eq(&argv[i], "all") ||
		    kv_str_eq(&argv[i], "default") ||
		    kv_str_eq(&argv[i], "everything"))
			return true;
	return false;
}

void kv_cmd_info(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct kv_buf b = {0};
	size_t i, shown = 0;

	for (i = 0; i < sizeof(info_sections) / sizeof(info_sections[0]); i++) {
		if (!section_wanted(argc, argv, info_sections[i].name))
			continue;
		if (shown++)
			kv_buf_append(&b, "\r\n", 2);
		info_sections[i].fn(c->srv, &b);
	}
	reply_bulk(c, b.data ? b.data : "", b.len);
	kv_buf_free(&b);
}

static void config_value(struct kv_server *srv, const char *name, char *out,
			 size_t n)
{
	const struct kv_config *cfg = &srv->cfg;

	if (!strcmp(name, "appendonly"))
		snprintf(out, n, "%s", srv->log ? "yes" : "no");
	else if (!strcmp(name, "appendfsync"))
		snprintf(out, n, "%s", srv->log ? "always" : "no");
	else if (!strcmp(name, "maxmemory"))
		snprintf(out, n, "%llu", (unsigned long long)cfg->maxmemory);
	else if (!strcmp(name, "maxmemory-policy"))
		snprintf(out, n, "noeviction");
	else if (!strcmp(name, "databases"))
		snprintf(out, n, "1");
	else if (!strcmp(name, "port"))
		snprintf(out, n, "%u", (unsigned)cfg->port);
	else if (!strcmp(name, "maxclients"))
		snprintf(out, n, "%u", (unsigned)cfg->maxclients);
	else if (!strcmp(name, "proto-max-bulk-len"))
		snprintf(out, n, "%llu",
			 (unsigned long long)cfg->limits.max_bulk);
	else if (!strcmp(name, "client-query-buffer-limit"))
		snprintf(out, n, "%llu", (unsigned long long)cfg->max_query);
	else
		snprintf(out, n, "%s", ""); /* save, timeout: none */
	if (!strcmp(name, "timeout"))
		snprintf(out, n, "0");
}

static const char *const config_names[] = {
	"save",
	"appendonly",
	"appendfsync",
	"maxmemory",
	"maxmemory-policy",
	"databases",
	"port",
	"maxclients",
	"proto-max-bulk-len",
	"client-query-buffer-limit",
	"timeout",
};

#define NCONFIG (sizeof(config_names) / sizeof(config_names[0]))

static void config_get(struct kv_conn *c, int argc, struct kv_str *argv)
{
	bool hit[NCONFIG] = {false};
	size_t i, n = 0;
	char val[32];
	int j;

	for (j = 2; j < argc; j++) {
		for (i = 0; i < NCONFIG; i++) {
			const char *name = config_names[i];

			if (!hit[i] &&
			    kv_glob_match(argv[j].p, argv[j].len, name,
					  strlen(name), true)) {
				hit[i] = true;
				n++;
			}
		}
	}
	reply_array(c, (long long)n * 2);
	for (i = 0; i < NCONFIG; i++) {
		if (!hit[i])
			continue;
		config_value(c->srv, config_names[i], val, sizeof(val));
		reply_cstr(c, config_names[i]);
		reply_cstr(c, val);
	}
}

void kv_cmd_config(struct kv_conn *c, int argc, struct kv_str *argv)
{
	if (!kv_str_eq(&argv[1], "get")) {
		reply_subcommand(c, "CONFIG", &argv[1]);
		return;
	}
	if (argc < 3) {
		reply_arity(c, "config|get");
		return;
	}
	config_get(c, argc, argv);
}

static void reply_command_info(struct kv_conn *c, const struct kv_cmd *cmd)
{
	bool keys = cmd->first_key != 0;

	reply_array(c, 10);
	reply_cstr(c, cmd->name);
	reply_int(c, cmd->arity);
	reply_array(c, (cmd->flags & KV_CMD_WRITE ? 1 : keys) +
			       !!(cmd->flags & KV_CMD_DENYOOM) +
			       !!(cmd->flags & KV_CMD_FAST));
	if (cmd->flags & KV_CMD_WRITE)
		reply_status(c, "write");
	else if (keys)
		reply_status(c, "readonly");
	if (cmd->flags & KV_CMD_DENYOOM)
		reply_status(c, "denyoom");
	if (cmd->flags & KV_CMD_FAST)
		reply_status(c, "fast");
	reply_int(c, cmd->first_key);
	reply_int(c, cmd->last_key);
	reply_int(c, cmd->key_step);
	reply_array(c, 0); /* ACL categories */
	reply_array(c, 0); /* tips */
	reply_array(c, 0); /* key specs */
	reply_array(c, 0); /* subcommands */
}

static void command_info(struct kv_conn *c, int argc, struct kv_str *argv)
{
	int i;

	reply_array(c, argc - 2);
	for (i = 2; i < argc; i++) {
		const struct kv_cmd *cmd = kv_cmd_lookup(&argv[i]);

		if (cmd)
			reply_command_info(c, cmd);
		else
			reply_raw(c, "*-1\r\n", 5);
	}
}

void kv_cmd_command(struct kv_conn *c, int argc, struct kv_str *argv)
{
	size_t i;

	if (argc == 1) {
		reply_array(c, (long long)kv_ncommands);
		for (i = 0; i < kv_ncommands; i++)
			reply_command_info(c, &kv_commands[i]);
	} else if (kv_str_eq(&argv[1], "count")) {
		reply_int(c, (long long)kv_ncommands);
	} else if (kv_str_eq(&argv[1], "info")) {
		command_info(c, argc, argv);
	} else if (kv_str_eq(&argv[1], "docs")) {
		/* No documentation: redis-cli falls back to its own. */
		reply_array(c, 0);
	} else {
		reply_subcommand(c, "COMMAND", &argv[1]);
	}
}

/* Redis allows printable ASCII without spaces in client names. */
static bool valid_name(const struct kv_str *name)
{
	size_t i;

	for (i = 0; i < name->len; i++)
		if (name->p[i] < '!' || name->p[i] > '~')
			return false;
	return true;
}

static int set_name(struct kv_conn *c, const struct kv_str *name)
{
	char *copy = NULL;

	if (!valid_name(name)) {
		reply_error(c, "ERR Client names cannot contain spaces, "
			       "newlines or special characters.");
		return -1;
	}
	if (name->len) {
		copy = strndup(name->p, name->len);
		if (!copy) {
			reply_error(c, "ERR out of memory");
			return -1;
		}
	}
	free(c->name);
	c->name = copy;
	return 0;
}

void kv_cmd_client(struct kv_conn *c, int argc, struct kv_str *argv)
{
	if (kv_str_eq(&argv[1], "setname")) {
		if (argc != 3)
			reply_arity(c, "client|setname");
		else if (!set_name(c, &argv[2]))
			reply_ok(c);
	} else if (kv_str_eq(&argv[1], "getname")) {
		if (argc != 2)
			reply_arity(c, "client|getname");
		else if (c->name)
			reply_cstr(c, c->name);
		else
			reply_null(c);
	} else if (kv_str_eq(&argv[1], "id")) {
		if (argc != 2)
			reply_arity(c, "client|id");
		else
			reply_int(c, (long long)c->id);
	} else {
		reply_subcommand(c, "CLIENT", &argv[1]);
	}
}

static void hello_reply(struct kv_conn *c)
{
	reply_array(c, 14);
	reply_cstr(c, "server");
	reply_cstr(c, "redis");
	reply_cstr(c, "version");
	reply_cstr(c, KV_REDIS_VERSION);
	reply_cstr(c, "proto");
	reply_int(c, 2);
	reply_cstr(c, "id");
	reply_int(c, (long long)c->id);
	reply_cstr(c, "mode");
	reply_cstr(c, "standalone");
	reply_cstr(c, "role");
	reply_cstr(c, "master");
	reply_cstr(c, "modules");
	reply_array(c, 0);
}

/* HELLO [protover [AUTH user pass] [SETNAME name]]; only RESP2 is spoken. */
void kv_cmd_hello(struct kv_conn *c, int argc, struct kv_str *argv)
{
	struct kv_str *name = NULL, *user = NULL;
	long long ver;
	int j;

	if (argc >= 2) {
		if (kv_str_ll(&argv[1], &ver)) {
			reply_error(c, "ERR Protocol version is not an integer "
				       "or out of range");
			return;
		}
		if (ver != 2) {
			reply_error(c, "NOPROTO unsupported protocol version");
			return;
		}
	}
	for (j = 2; j < argc; j++) {
		int more = argc - 1 - j;

		if (kv_str_eq(&argv[j], "auth") && more >= 2) {
			user = &argv[j + 1];
			j += 2;
		} else if (kv_str_eq(&argv[j], "setname") && more >= 1) {
			name = &argv[++j];
			if (!valid_name(name)) {
				reply_error(c,
					    "ERR Client names cannot contain "
					    "spaces, newlines or special "
					    "characters.");
				return;
			}
		} else {
			reply_errorf(
				c, "ERR Syntax error in HELLO option '%.*s'",
				(int)(argv[j].len > 128 ? 128 : argv[j].len),
				argv[j].p);
			return;
		}
	}
	/* Only the default user exists, and it takes any password. */
	if (user && !kv_str_eq(user, "default")) {
		reply_error(c, "WRONGPASS invalid username-password pair or "
			       "user is disabled.");
		return;
	}
	if (name && set_name(c, name))
		return;
	hello_reply(c);
}
