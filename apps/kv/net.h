/* SPDX-License-Identifier: MIT */
/*
 * arrakis-kv on the native Arrakis TCP API: accepts clients on a port of
 * the application's VNIC, feeds what they send to the server core straight
 * from the received frames, and sends the replies the core releases.
 */
#ifndef AK_KV_NET_H
#define AK_KV_NET_H

#include <stdint.h>

#include <arrakis/arrakis.h>

#include "apps/kv/server.h"

struct kv_net;

/*
 * Listens on port and serves srv's clients, at most maxclients at once
 * (the rest get Redis's "max number of clients reached" and are closed),
 * and runs the server's housekeeping on a timer of the app's loop.
 * -ENOMEM, or ak_tcp_listen()'s errors.
 */
int kv_net_start(struct ak_app *app, struct kv_server *srv, uint16_t port,
		 uint32_t maxclients, struct kv_net **out);

/* Closes every client and the listener. */
void kv_net_stop(struct kv_net *net);

uint32_t kv_net_clients(const struct kv_net *net);

#endif
