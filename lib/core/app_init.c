// SPDX-License-Identifier: MIT
/*
 * ak_init(): an application on a VNIC granted by arrakisd. The control
 * connection is the container; port grants of the stack go through it, and
 * closing it releases everything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arrakis/arrakis.h>
#include <arrakis/ctl.h>

#include "lib/core/app.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/net/stack.h"
#include "lib/vnic/vnic.h"

/* How often the loop checks that arrakisd still holds the connection. */
#define CTL_WATCH_PERIOD_NS (250 * AK_NSEC_PER_MSEC)

struct app_ctl {
	struct ak_ctl *ctl;
	struct ak_vnic_grant grant;
	struct ak_app *app;
	struct ak_timer watch;
};

/*
 * The daemon sends nothing unasked, so a readable control socket means it
 * hung up: the container, and with it the VNIC, no longer exists.
 */
static void ctl_watch(struct ak_timer *timer, uint64_t now_ns)
{
	struct app_ctl *c = timer->ctx;
	char byte;
	ssize_t n;

	n = recv(ak_ctl_fd(c->ctl), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		ak_err("ctl: arrakisd closed the control connection; the "
		       "VNIC and its grants are gone");
		c->app->error = -ECONNRESET;
		return;
	}
	ak_timer_arm(ak_app_loop(c->app), timer, now_ns + CTL_WATCH_PERIOD_NS);
}

static int grant_add(void *ctx, uint8_t proto, uint16_t port)
{
	struct app_ctl *c = ctx;

	return ak_ctl_filter_add(c->ctl, c->grant.vnic_id, proto, port);
}

static void grant_del(void *ctx, uint8_t proto, uint16_t port)
{
	struct app_ctl *c = ctx;
	int err;

	/* Once arrakisd hung up, its grants are gone already. */
	if (c->app && c->app->error)
		return;
	err = ak_ctl_filter_del(c->ctl, c->grant.vnic_id, proto, port);
	if (err)
		ak_warn("vnic: releasing port %u/%u: %s", proto, port,
			strerror(-err));
}

static void app_ctl_release(struct ak_app *app)
{
	struct app_ctl *c = app->release_ctx;

	/* The loop, and with it the watch timer, is gone already. */
	ak_ctl_vnic_close(c->ctl, &c->grant);
	ak_ctl_close(c->ctl);
	free(c);
}

int ak_init(const struct ak_app_config *cfg, struct ak_app **out)
{
	struct ak_net_grants grants = {grant_add, grant_del, NULL};
	struct ak_vnic *vnic;
	struct app_ctl *c;
	struct ak_app *app;
	int err;

	if (!cfg || !out || !cfg->name)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	grants.ctx = c;

	err = ak_ctl_open(cfg->socket_path, cfg->name, &c->ctl);
	if (err)
		goto free_c;
	err = ak_ctl_vnic_open(c->ctl, &c->grant);
	if (err)
		goto close_ctl;
	err = ak_vnic_afxdp_create(&c->grant, &vnic);
	if (err)
		goto close_vnic;
	err = ak_app_create_on_vnic(vnic, &grants, cfg->busy_poll_ns, &app);
	if (err)
		goto destroy_driver;

	app->ctl = c->ctl;
	app->release = app_ctl_release;
	app->release_ctx = c;
	c->app = app;
	c->watch.fire = ctl_watch;
	c->watch.ctx = c;
	ak_timer_arm(app->loop, &c->watch, ak_now_ns() + CTL_WATCH_PERIOD_NS);
	*out = app;
	return 0;

destroy_driver:
	ak_vnic_destroy(vnic);
close_vnic:
	ak_ctl_vnic_close(c->ctl, &c->grant);
close_ctl:
	ak_ctl_close(c->ctl);
free_c:
	free(c);
	return err;
}
