// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "apps/echo/run.h"

#define STATS_MAX 4096

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stats_requested;

static void on_stop(int sig)
{
	stop_requested = 1;
}

static void on_stats(int sig)
{
	stats_requested = 1;
}

/* Written to a temporary file and renamed, so readers see it whole. */
static void write_stats(struct ak_app *app, const struct echo *e,
			const char *path)
{
	char app_json[STATS_MAX], tmp[4096];
	FILE *f;

	ak_app_stats_json(app, app_json, sizeof(app_json));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f,
		"{\"echo\":{\"received\":%llu,\"echoed\":%llu,"
		"\"ignored\":%llu,\"send_failed\":%llu},\"stack\":%s}\n",
		(unsigned long long)e->stats.received,
		(unsigned long long)e->stats.echoed,
		(unsigned long long)e->stats.ignored,
		(unsigned long long)e->stats.send_failed, app_json);
	if (fclose(f) == 0)
		rename(tmp, path);
}

int echo_run(struct ak_app *app, struct echo *e, const char *stats_path)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_stats;
	sigaction(SIGUSR1, &sa, NULL);

	while (!stop_requested && !ak_app_error(app)) {
		/* A signal interrupts the sleep in poll(2). */
		ak_run_once(app, 1000000000ull);
		if (stats_requested && stats_path) {
			stats_requested = 0;
			write_stats(app, e, stats_path);
		}
	}
	if (stats_path)
		write_stats(app, e, stats_path);
	if (ak_app_error(app)) {
		fprintf(stderr, "arrakis-echo: stopping: %s\n",
			strerror(-ak_app_error(app)));
		return ak_app_error(app);
	}
	return 0;
}
