// SPDX-License-Identifier: MIT
/*
 * An application: one event loop, one VNIC and its network stack. The run
 * loop, application timers and the counters of include/arrakis/arrakis.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <arrakis/arrakis.h>

#include "lib/core/app.h"
#include "lib/core/clock.h"
#include "lib/core/loop.h"
#include "lib/net/stack.h"
#include "lib/vnic/vnic.h"

/* The longest the loop sleeps before looking at its timers again. */
#define APP_MAX_SLEEP_NS (1000 * AK_NSEC_PER_MSEC)

struct ak_app_timer {
	struct ak_timer timer;
	struct ak_app *app;
	ak_app_timer_fn fn;
	void *arg;
};

struct ak_net *ak_app_net(struct ak_app *app)
{
	return app->net;
}

struct ak_loop *ak_app_loop(struct ak_app *app)
{
	return app->loop;
}

struct ak_ctl *ak_app_ctl(struct ak_app *app)
{
	return app->ctl;
}

int ak_app_create_on_vnic(struct ak_vnic *vnic,
			  const struct ak_net_grants *grants,
			  uint64_t busy_poll_ns, struct ak_app **out)
{
	struct ak_app *app = calloc(1, sizeof(*app));
	int err;

	if (!app)
		return -ENOMEM;
	err = ak_loop_create(&app->loop);
	if (err)
		goto free_app;
	if (busy_poll_ns)
		ak_loop_set_busy_poll(app->loop, busy_poll_ns);
	err = ak_net_create(app->loop, vnic, grants, &app->net);
	if (err)
		goto destroy_loop;
	app->vnic = vnic;
	*out = app;
	return 0;

destroy_loop:
	ak_loop_destroy(app->loop);
free_app:
	free(app);
	return err;
}

void ak_fini(struct ak_app *app)
{
	if (!app)
		return;
	ak_tcp_app_release(app);
	ak_net_destroy(app->net);
	ak_vnic_destroy(app->vnic);
	ak_loop_destroy(app->loop);
	if (app->release)
		app->release(app);
	free(app);
}

int ak_run_once(struct ak_app *app, uint64_t max_sleep_ns)
{
	return ak_loop_run_once(app->loop, max_sleep_ns);
}

int ak_run(struct ak_app *app)
{
	app->stopping = 0;
	while (!app->stopping && !app->error)
		ak_loop_run_once(app->loop, APP_MAX_SLEEP_NS);
	return app->error;
}

int ak_app_error(const struct ak_app *app)
{
	return app->error;
}

void ak_stop(struct ak_app *app)
{
	app->stopping = 1;
}

uint32_t ak_app_ipv4(const struct ak_app *app)
{
	return app->vnic->ipv4;
}

void ak_app_mac(const struct ak_app *app, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = app->vnic->mac[i];
}

uint64_t ak_clock_ns(void)
{
	return ak_now_ns();
}

static void app_timer_fire(struct ak_timer *timer, uint64_t now_ns)
{
	struct ak_app_timer *t = timer->ctx;

	t->fn(t->arg);
}

int ak_app_timer_create(struct ak_app *app, ak_app_timer_fn fn, void *arg,
			struct ak_app_timer **out)
{
	struct ak_app_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->app = app;
	t->fn = fn;
	t->arg = arg;
	t->timer.fire = app_timer_fire;
	t->timer.ctx = t;
	*out = t;
	return 0;
}

int ak_app_timer_start(struct ak_app_timer *t, uint64_t delay_ns)
{
	return ak_timer_arm(t->app->loop, &t->timer, ak_now_ns() + delay_ns);
}

void ak_app_timer_stop(struct ak_app_timer *t)
{
	ak_timer_cancel(t->app->loop, &t->timer);
}

void ak_app_timer_destroy(struct ak_app_timer *t)
{
	if (!t)
		return;
	ak_app_timer_stop(t);
	free(t);
}

static int json_counters(struct ak_app *app, char *buf, int len)
{
	const struct ak_net_stats *s = ak_net_stats(app->net);
	const struct ak_vnic_stats *v = &app->vnic->stats;
	int n;

	n = snprintf(buf, (size_t)len,
		     "{\"rx_frames\":%llu,\"tx_frames\":%llu,"
		     "\"vnic_rx\":%llu,\"vnic_tx\":%llu,\"tx_no_frame\":%llu,"
		     "\"tx_ring_full\":%llu,\"fill_empty\":%llu,"
		     "\"wakeups\":%llu,\"udp_rx\":%llu,\"udp_tx\":%llu,"
		     "\"icmp_echo_replies\":%llu,\"ip_reassembled\":%llu,"
		     "\"ip_fragments_tx\":%llu,\"arp_replies_tx\":%llu,",
		     (unsigned long long)s->rx_frames,
		     (unsigned long long)s->tx_frames,
		     (unsigned long long)v->rx_frames,
		     (unsigned long long)v->tx_frames,
		     (unsigned long long)v->tx_no_frame,
		     (unsigned long long)v->tx_ring_full,
		     (unsigned long long)v->fill_empty,
		     (unsigned long long)v->wakeups,
		     (unsigned long long)s->udp_rx,
		     (unsigned long long)s->udp_tx,
		     (unsigned long long)s->icmp_echo_replies,
		     (unsigned long long)s->ip_reassembled,
		     (unsigned long long)s->ip_fragments_tx,
		     (unsigned long long)s->arp_replies_tx);
	return n;
}

int ak_app_stats_json(struct ak_app *app, char *buf, int len)
{
	const struct ak_net_stats *s = ak_net_stats(app->net);
	struct ak_vnic_accounting a;
	int n, i, ok;

	n = json_counters(app, buf, len);
	n += snprintf(buf + (n < len ? n : len),
		      (size_t)(n < len ? len - n : 0), "\"drops\":{");
	for (i = 0; i < AK_DROP_COUNT; i++)
		n += snprintf(buf + (n < len ? n : len),
			      (size_t)(n < len ? len - n : 0), "%s\"%s\":%llu",
			      i ? "," : "", ak_net_drop_name(i),
			      (unsigned long long)s->drops[i]);
	ok = ak_vnic_accounting_ok(app->vnic, &a);
	n += snprintf(buf + (n < len ? n : len),
		      (size_t)(n < len ? len - n : 0),
		      "},\"frames\":{\"total\":%u,\"free\":%u,\"fill\":%u,"
		      "\"rx\":%u,\"tx\":%u,\"completion\":%u,"
		      "\"balanced\":%s}}",
		      a.frames, a.free, a.fill, a.rx, a.tx, a.completion,
		      ok ? "true" : "false");
	return n;
}
