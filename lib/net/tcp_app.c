// SPDX-License-Identifier: MIT
/*
 * TCP on an application: one engine per app, created on first use, fed by
 * the stack's IPPROTO_TCP handler and driven by a loop poller that runs its
 * timers; before the loop sleeps a loop timer is armed at the engine's next
 * deadline so the sleep ends in time.
 */
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>

#include "lib/core/app.h"
#include "lib/core/clock.h"
#include "lib/core/loop.h"
#include "lib/net/stack.h"
#include "lib/net/tcp_impl.h"

struct ak_tcp_app {
	struct ak_tcp *tcp;
	struct ak_net *net;
	struct ak_loop *loop;
	struct ak_poller poller;
	struct ak_timer wake;
};

static int tcp_app_input(void *ctx, struct ak_pkt *pkt)
{
	struct ak_tcp_app *ta = ctx;

	return ak_tcp_input(ta->tcp, pkt);
}

static int tcp_app_poll(void *ctx, uint64_t now_ns)
{
	struct ak_tcp_app *ta = ctx;
	struct ak_tcp *tcp = ta->tcp;

	if (!tcp->tx_retry &&
	    (!tcp->heap_len || tcp->heap[1]->deadline > now_ns))
		return 0;
	ak_tcp_poll(tcp, now_ns);
	ak_net_flush(ta->net);
	return 1;
}

static void tcp_app_wake(struct ak_timer *timer, uint64_t now_ns)
{
	(void)timer;
	(void)now_ns; /* the poller runs the engine's timers */
}

static bool tcp_app_prepare_sleep(void *ctx)
{
	struct ak_tcp_app *ta = ctx;
	struct ak_tcp *tcp = ta->tcp;

	if (tcp->tx_retry)
		return false;
	if (tcp->heap_len)
		ak_timer_arm(ta->loop, &ta->wake, tcp->heap[1]->deadline);
	else
		ak_timer_cancel(ta->loop, &ta->wake);
	return true;
}

static struct ak_tcp *tcp_app_get(struct ak_app *app)
{
	struct ak_tcp_app *ta = app->tcp;
	int err;

	if (ta)
		return ta->tcp;
	ta = calloc(1, sizeof(*ta));
	if (!ta)
		return NULL;
	ta->net = ak_app_net(app);
	ta->loop = ak_app_loop(app);
	if (ak_tcp_create(ak_net_l4_env(ta->net), &ta->tcp))
		goto free_ta;
	err = ak_net_set_l4_handler(ta->net, IPPROTO_TCP, tcp_app_input, ta);
	if (err)
		goto destroy_tcp;
	ta->poller.poll = tcp_app_poll;
	ta->poller.prepare_sleep = tcp_app_prepare_sleep;
	ta->poller.fd = -1;
	ta->poller.ctx = ta;
	ak_loop_add_poller(ta->loop, &ta->poller);
	ta->wake.fire = tcp_app_wake;
	ta->wake.ctx = ta;
	app->tcp = ta;
	return ta->tcp;

destroy_tcp:
	ak_tcp_destroy(ta->tcp);
free_ta:
	free(ta);
	return NULL;
}

void ak_tcp_app_release(struct ak_app *app)
{
	struct ak_tcp_app *ta = app->tcp;

	if (!ta)
		return;
	ak_timer_cancel(ta->loop, &ta->wake);
	ak_loop_del_poller(ta->loop, &ta->poller);
	ak_net_set_l4_handler(ta->net, IPPROTO_TCP, NULL, NULL);
	ak_tcp_destroy(ta->tcp);
	free(ta);
	app->tcp = NULL;
}

int ak_tcp_listen(struct ak_app *app, uint16_t port, uint32_t backlog,
		  ak_tcp_accept_fn fn, void *ctx, struct ak_tcp_listener **out)
{
	struct ak_tcp *tcp = tcp_app_get(app);
	int err;

	if (!tcp)
		return -ENOMEM;
	err = ak_tcp_engine_listen(tcp, port, backlog, fn, ctx, out);
	return err == -EEXIST ? -EADDRINUSE : err;
}

int ak_tcp_connect(struct ak_app *app, uint32_t addr, uint16_t port,
		   ak_tcp_event_fn fn, void *ctx, struct ak_tcp_conn **out)
{
	struct ak_tcp *tcp = tcp_app_get(app);
	int err;

	if (!tcp)
		return -ENOMEM;
	err = ak_tcp_engine_connect(tcp, addr, port, fn, ctx, out);
	ak_net_flush(ak_app_net(app));
	return err;
}

void ak_tcp_stats(struct ak_app *app, struct ak_tcp_stats *out)
{
	struct ak_tcp_app *ta = app->tcp;

	if (!ta) {
		*out = (struct ak_tcp_stats){0};
		return;
	}
	ak_tcp_engine_stats(ta->tcp, out);
}
