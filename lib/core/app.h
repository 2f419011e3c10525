/* SPDX-License-Identifier: MIT */
/*
 * Inside view of struct ak_app (include/arrakis/arrakis.h): the parts of
 * libarrakis built on an application (TCP, UDP, storage) reach its event
 * loop, network stack and control connection through these accessors.
 */
#ifndef AK_CORE_APP_H
#define AK_CORE_APP_H

#include <arrakis/arrakis.h>

#include <signal.h>
#include <stdint.h>

struct ak_net;
struct ak_net_grants;
struct ak_loop;
struct ak_ctl;
struct ak_vnic;
struct ak_tcp_app;

/* Frees the app's TCP (lib/net/tcp_app.c); ak_fini() calls it first. */
void ak_tcp_app_release(struct ak_app *app);

struct ak_app {
	struct ak_loop *loop;
	struct ak_vnic *vnic;
	struct ak_net *net;
	struct ak_ctl *ctl;
	/* Releases what ak_init() acquired beyond the VNIC driver. */
	void (*release)(struct ak_app *app);
	void *release_ctx;
	volatile sig_atomic_t stopping;
	int error; /* why the app cannot go on (see ak_app_error()) */
	struct ak_tcp_app *tcp; /* created by the first TCP call */
};

struct ak_net *ak_app_net(struct ak_app *app);
struct ak_loop *ak_app_loop(struct ak_app *app);
/* NULL for an application built on a loopback VNIC (unit tests). */
struct ak_ctl *ak_app_ctl(struct ak_app *app);

/*
 * An application over a VNIC the caller made (the loopback pair in unit
 * tests); the app takes ownership of vnic. grants may be NULL (every port
 * grant succeeds). -ENOMEM, -EINVAL (see ak_net_create()).
 */
int ak_app_create_on_vnic(struct ak_vnic *vnic,
			  const struct ak_net_grants *grants,
			  uint64_t busy_poll_ns, struct ak_app **out);

#endif
