/* SPDX-License-Identifier: MIT */
/*
 * The daemon's event loop: the listening socket, one connection per
 * container, replies that may carry fds, and the limits that keep a
 * misbehaving client from hurting the others: a cap on connections and on
 * connections that never say HELLO (the oldest is dropped), a HELLO
 * timeout, at most one unsent reply per connection (reading pauses until
 * the client takes it), and a bounded number of messages per wakeup.
 */
#ifndef AK_CONTROL_SERVER_H
#define AK_CONTROL_SERVER_H

#include "control/daemon.h"

/*
 * Prepares d (whose cfg is filled) to serve: locks the state directory,
 * starts the modules, opens the listening socket. 0 or a negative errno.
 */
int ak_server_init(struct ak_daemon *d);

/* Serves until SIGINT/SIGTERM or d->stop. */
int ak_server_run(struct ak_daemon *d);

/* Closes every connection (releasing its grants), stops the modules. */
void ak_server_fini(struct ak_daemon *d);

/*
 * The pieces below are also used by tests and the fuzz target, which run a
 * daemon without a listening socket: ak_server_init_core() sets up the
 * container list and epoll only.
 */
int ak_server_init_core(struct ak_daemon *d);
void ak_server_fini_core(struct ak_daemon *d);
struct ak_container *ak_server_adopt(struct ak_daemon *d, int fd);
void ak_server_drop(struct ak_daemon *d, struct ak_container *c);
/* Handles up to budget messages; < 0 when the connection must go. */
int ak_server_read(struct ak_daemon *d, struct ak_container *c, int budget);
/* Handles one message already read (the fuzz target's entry point). */
int ak_server_handle(struct ak_daemon *d, struct ak_container *c,
		     const void *buf, size_t len, int *fds, int nfds,
		     bool truncated);

#endif
