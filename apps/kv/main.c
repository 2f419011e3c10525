// SPDX-License-Identifier: MIT
/*
 * arrakis-kv: a Redis-protocol server on the native Arrakis API. Clients
 * reach it over the VNIC's TCP; with --durability always every write is in
 * the VSA's log before it is acknowledged, and the log is replayed at start.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arrakis/arrakis.h>

#include "apps/kv/serve.h"
#include "lib/core/app.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: arrakis-kv [--socket PATH] [--port 6379] [--vsa NAME]\n"
		"                  [--vsa-size SIZE] [--durability "
		"always|none]\n"
		"                  [--maxmemory BYTES] [--maxclients N] "
		"[--name NAME]\n"
		"  --socket PATH        arrakisd's control socket\n"
		"  --port PORT          TCP port on the VNIC (default 6379)\n"
		"  --vsa NAME           virtual storage area of the log "
		"(default arrakis-kv)\n"
		"  --vsa-size SIZE      its size when created (default 1g)\n"
		"  --durability MODE    always: acknowledge writes once "
		"durable (default);\n"
		"                       none: memory only\n"
		"  --maxmemory BYTES    refuse writes past this (0: no "
		"limit)\n"
		"  --maxclients N       at most N clients (default 10000)\n"
		"  --name NAME          container name (default arrakis-kv)\n"
		"SIZE and BYTES take k, m, g suffixes (powers of 1024).\n");
}

struct options {
	struct ak_app_config app;
	struct kv_config kv;
	const char *vsa;
	uint64_t vsa_size;
	bool durable;
};

/* "64", "512k", "1g" (also "kb", "mb", "gb"), as redis.conf reads them. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (!strcasecmp(end, "k") || !strcasecmp(end, "kb"))
		mult = 1024;
	else if (!strcasecmp(end, "m") || !strcasecmp(end, "mb"))
		mult = 1024 * 1024;
	else if (!strcasecmp(end, "g") || !strcasecmp(end, "gb"))
		mult = 1024ull * 1024 * 1024;
	else if (*end)
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

static int parse_opt(int c, const char *arg, struct options *o)
{
	unsigned long v;
	char *end;

	switch (c) {
	case 's':
		o->app.socket_path = arg;
		return 0;
	case 'p':
		v = strtoul(arg, &end, 10);
		if (*end || v == 0 || v > 65535)
			return -EINVAL;
		o->kv.port = (uint16_t)v;
		return 0;
	case 'v':
		o->vsa = arg;
		return 0;
	case 'S':
		return parse_size(arg, &o->vsa_size);
	case 'd':
		if (strcmp(arg, "always") && strcmp(arg, "none"))
			return -EINVAL;
		o->durable = !strcmp(arg, "always");
		return 0;
	case 'm':
		return parse_size(arg, &o->kv.maxmemory);
	case 'c':
		v = strtoul(arg, &end, 10);
		if (*end || v == 0 || v > 1000000)
			return -EINVAL;
		o->kv.maxclients = (uint32_t)v;
		return 0;
	case 'n':
		o->app.name = arg;
		return 0;
	}
	return -EINVAL;
}

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"port", required_argument, NULL, 'p'},
		{"vsa", required_argument, NULL, 'v'},
		{"vsa-size", required_argument, NULL, 'S'},
		{"durability", required_argument, NULL, 'd'},
		{"maxmemory", required_argument, NULL, 'm'},
		{"maxclients", required_argument, NULL, 'c'},
		{"name", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	kv_config_defaults(&o->kv);
	o->app.name = "arrakis-kv";
	o->vsa = "arrakis-kv";
	o->vsa_size = 1024ull * 1024 * 1024;
	o->durable = true;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?' || parse_opt(c, optarg, o)) {
			if (c != '?')
				fprintf(stderr, "arrakis-kv: bad value '%s'\n",
					optarg);
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* Opens the VSA, creating it when it does not exist yet. */
static int open_vsa(struct ak_app *app, const struct options *o,
		    struct ak_vsa **vsa)
{
	struct ak_ctl *ctl = ak_app_ctl(app);
	int err = ak_vsa_open(ctl, o->vsa, NULL, vsa);

	if (err == -ENOENT) {
		err = ak_vsa_create(ctl, o->vsa, o->vsa_size);
		if (err && err != -EEXIST)
			return err;
		err = ak_vsa_open(ctl, o->vsa, NULL, vsa);
	}
	if (err)
		return err;
	err = ak_vsa_attach_loop(*vsa, ak_app_loop(app));
	if (err)
		ak_vsa_close(*vsa);
	return err;
}

static int run(const struct options *o, struct ak_app *app,
	       struct kv_server *srv)
{
	struct ak_vsa *vsa = NULL;
	int err;

	if (o->durable) {
		err = open_vsa(app, o, &vsa);
		if (err) {
			fprintf(stderr, "arrakis-kv: VSA %s: %s\n", o->vsa,
				strerror(-err));
			return err;
		}
	}
	err = kv_serve(app, srv, vsa, o->kv.port, o->kv.maxclients);
	if (vsa)
		ak_vsa_close(vsa);
	return err;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct kv_server *srv;
	struct ak_app *app;
	int err;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	err = ak_init(&o.app, &app);
	if (err) {
		fprintf(stderr,
			"arrakis-kv: cannot start through arrakisd at %s: %s "
			"(is arrakisd running there?)\n",
			o.app.socket_path ? o.app.socket_path
					  : "its default socket",
			strerror(-err));
		return 1;
	}
	err = kv_server_create(&o.kv, &srv);
	if (err) {
		ak_fini(app);
		return 1;
	}
	err = run(&o, app, srv);
	kv_server_destroy(srv);
	ak_fini(app);
	return err ? 1 : 0;
}
