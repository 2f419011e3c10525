// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "apps/kv/net.h"
#include "apps/kv/persist_vsa.h"
#include "apps/kv/serve.h"
#include "lib/core/app.h"

static struct ak_app *serving;

static void on_signal(int sig)
{
	if (serving)
		ak_stop(serving);
}

static int open_log(struct ak_app *app, struct kv_server *srv,
		    struct ak_vsa *vsa, struct kv_persist **log)
{
	int err = kv_persist_open_vsa(vsa, ak_app_loop(app), srv, log);

	if (err) {
		fprintf(stderr, "arrakis-kv: log: %s\n", strerror(-err));
		return err;
	}
	printf("arrakis-kv: replayed %llu log records, %llu keys\n",
	       (unsigned long long)kv_persist_replayed(*log),
	       (unsigned long long)kv_server_dbsize(srv));
	return 0;
}

int kv_serve(struct ak_app *app, struct kv_server *srv, struct ak_vsa *vsa,
	     uint16_t port, uint32_t maxclients)
{
	struct kv_persist *log = NULL;
	struct kv_net *net;
	struct in_addr a;
	int err;

	if (vsa) {
		err = open_log(app, srv, vsa, &log);
		if (err)
			return err;
	}
	err = kv_net_start(app, srv, port, maxclients, &net);
	if (err) {
		fprintf(stderr, "arrakis-kv: tcp port %u: %s\n", (unsigned)port,
			strerror(-err));
		kv_persist_close(log);
		return err;
	}
	a.s_addr = ak_app_ipv4(app);
	printf("arrakis-kv: listening on %s:%u, durability %s\n", inet_ntoa(a),
	       (unsigned)port, vsa ? "always" : "none");
	fflush(stdout);

	serving = app;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	err = ak_run(app);
	serving = NULL;
	if (err)
		fprintf(stderr, "arrakis-kv: stopping: %s\n", strerror(-err));

	kv_net_stop(net);
	kv_persist_close(log);
	return err;
}
