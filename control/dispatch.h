/* SPDX-License-Identifier: MIT */
/*
 * How the daemon is extended. A module (containers and VNICs here, virtual
 * storage areas elsewhere) is one struct ak_module: the config section it
 * claims, start/stop hooks, and a table of message handlers. modules.c lists
 * every module in one array; adding a module means adding one line there.
 *
 * The server reads a message, checks its header (common/proto.h), finds the
 * handler by type, checks the payload length, the HELLO state and whether
 * fds may come with it, and only then calls the handler with a copy of the
 * message. The handler fills the reply (payload, fds to pass, a reason on
 * error) and returns its status: 0 or a negative errno.
 */
#ifndef AK_CONTROL_DISPATCH_H
#define AK_CONTROL_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/proto.h"
#include "control/daemon.h"

struct ak_request {
	struct ak_msg_hdr hdr;
	const void
		*payload; /* hdr.length - sizeof(hdr) bytes, a private copy */
	size_t len;
	int *fds; /* received fds; a handler that keeps one sets it to -1 */
	int nfds;
};

struct ak_reply {
	void *payload; /* cap bytes to fill */
	size_t cap;
	size_t len;
	int fds[AK_MSG_MAX_FDS]; /* passed with the reply, then closed here */
	int nfds;
	char reason[AK_REASON_MAX]; /* sent as the payload of an error reply */
};

enum ak_handler_flags {
	AK_HANDLER_BEFORE_HELLO = 1 << 0, /* allowed before HELLO */
	AK_HANDLER_TAKES_FDS = 1 << 1,	  /* the request may carry fds */
};

typedef int (*ak_handler_fn)(struct ak_daemon *d, struct ak_container *c,
			     struct ak_request *req, struct ak_reply *rep);

struct ak_handler {
	uint16_t type;
	uint16_t flags;
	uint32_t min_len; /* payload bytes */
	uint32_t max_len;
	ak_handler_fn handle;
};

struct ak_module {
	const char *name;

	/* The INI section this module reads ("[storage]"), or NULL. */
	const char *config_section;
	int (*config_set)(struct ak_daemon *d, const char *key,
			  const char *value);

	/* After the config is read and before serving; undone by stop(). */
	int (*start)(struct ak_daemon *d);
	void (*stop)(struct ak_daemon *d);

	const struct ak_handler *handlers;
	size_t nhandlers;
};

/* Every module, in start order (modules.c). */
extern const struct ak_module *const ak_modules[];
extern const size_t ak_nmodules;

/* The handler for type, or NULL. */
const struct ak_handler *ak_dispatch_find(uint16_t type);

/*
 * Handles one received message (buf, len) with the fds that came with it
 * (truncated: the kernel had to drop some). Fills hdr and rep with the reply
 * to send and returns its status. Never fails: a bad message gets an error
 * status; *disconnect says whether to drop the connection after replying.
 */
int ak_dispatch_message(struct ak_daemon *d, struct ak_container *c,
			const void *buf, size_t len, int *fds, int nfds,
			bool truncated, struct ak_msg_hdr *hdr,
			struct ak_reply *rep, bool *disconnect);

#define AK_REPLY_REASON(rep, ...)                                              \
	snprintf((rep)->reason, sizeof((rep)->reason), __VA_ARGS__)

#endif
