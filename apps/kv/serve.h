/* SPDX-License-Identifier: MIT */
/*
 * The serving part of arrakis-kv, shared by the server binary (VNIC and VSA
 * from arrakisd) and the direct test tool (VNIC and file opened by itself):
 * replays the log, listens, runs the event loop until SIGINT or SIGTERM.
 */
#ifndef AK_KV_SERVE_H
#define AK_KV_SERVE_H

#include <arrakis/arrakis.h>
#include <arrakis/vsa.h>

#include "apps/kv/server.h"

/*
 * Serves srv on the app's VNIC at port. With vsa (attached to the app's
 * loop; the caller keeps it) every write is durable in its log before it
 * is acknowledged; NULL keeps data in memory only. Prints one line
 * "arrakis-kv: listening on ADDR:PORT ..." when ready. Returns 0 after a
 * signal stopped it, or the negative errno that kept it from starting.
 */
int kv_serve(struct ak_app *app, struct kv_server *srv, struct ak_vsa *vsa,
	     uint16_t port, uint32_t maxclients);

#endif
