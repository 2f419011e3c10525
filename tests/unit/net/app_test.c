// SPDX-License-Identifier: MIT
/*
 * The application API on a loopback VNIC: timers fire once after their
 * delay and not when stopped, ak_stop() ends ak_run(), the stats JSON
 * carries the frame accounting and the drop counters.
 */
#include <string.h>

#include "pair.h"

static int fired;
static struct ak_app *stop_app;

static void on_timer(void *arg)
{
	fired++;
	if (arg)
		ak_stop(arg);
}

int main(void)
{
	struct ak_app_timer *t, *never;
	struct pair p;
	uint64_t t0;
	char json[4096];
	int n;

	check_timeout(10);
	pair_open(&p, 32, 1500);
	stop_app = p.a;

	CHECK_OK(ak_app_timer_create(p.a, on_timer, p.a, &t));
	CHECK_OK(ak_app_timer_create(p.a, on_timer, NULL, &never));
	CHECK_OK(ak_app_timer_start(never, 5 * 1000000ull));
	ak_app_timer_stop(never);
	t0 = ak_clock_ns();
	CHECK_OK(ak_app_timer_start(t, 20 * 1000000ull));
	CHECK_EQ(ak_run(p.a), 0);
	CHECK_EQ(fired, 1);
	CHECK_GE(ak_clock_ns() - t0, 20 * 1000000ull);

	n = ak_app_stats_json(p.a, json, sizeof(json));
	CHECK_GT(n, 0);
	CHECK_LT(n, (int)sizeof(json));
	CHECK(strstr(json, "\"balanced\":true"));
	CHECK(strstr(json, "\"ip_csum\":0"));
	/* A short buffer gets the needed length, like snprintf. */
	CHECK_EQ(ak_app_stats_json(p.a, json, 10), n);
	CHECK_EQ(strlen(json), 9);

	ak_app_timer_destroy(t);
	ak_app_timer_destroy(never);
	pair_close(&p);
	return 0;
}
