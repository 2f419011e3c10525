/* SPDX-License-Identifier: MIT */
/*
 * arrakisd's state: its configuration, the listening socket, and the
 * containers (one per control connection). Everything a container is granted
 * hangs on its resource list and is released, newest first, when the
 * connection closes for whatever reason.
 *
 * Single-threaded: the event loop in server.c owns all of this.
 */
#ifndef AK_CONTROL_DAEMON_H
#define AK_CONTROL_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "common/proto.h"
#include "control/policy.h"

#define AK_SOCKET_PATH_MAX 108 /* sizeof(sun_path) */
#define AK_BRIDGE_NAME_MAX 16

struct ak_config {
	char socket_path[AK_SOCKET_PATH_MAX];
	char state_dir[PATH_MAX];
	char bridge[AK_BRIDGE_NAME_MAX];

	/* VNIC addresses, host byte order, inclusive */
	uint32_t pool_first;
	uint32_t pool_last;
	uint8_t prefix_len;
	uint16_t mtu;
	uint16_t ephemeral_first;
	uint16_t ephemeral_last;
	uint32_t frame_size;
	uint32_t frame_count;
	uint32_t ring_size;
	uint32_t max_filters_per_vnic;
	uint32_t max_vnics_per_container;

	uint32_t max_connections;
	uint32_t max_unnamed;	   /* connections that have not said HELLO */
	uint32_t hello_timeout_ms; /* before such a connection is closed */

	struct ak_policy policy;
};

struct ak_daemon;

/*
 * Something granted to a container. The module that grants it embeds this
 * struct and puts it on the container's list; release() runs once, when the
 * module removes it or when the connection closes.
 */
struct ak_resource {
	struct ak_resource *next;
	struct ak_resource *prev;
	const char *kind; /* "vnic", "vsa", ... */
	void (*release)(struct ak_daemon *d, struct ak_resource *res);
};

struct ak_container {
	struct ak_container *next;
	struct ak_container *prev;
	int fd;
	uint32_t id; /* 0 until HELLO */
	char name[AK_NAME_MAX];
	struct ucred cred;
	uint64_t connected_ns;

	struct ak_resource resources; /* list head; newest after the head */
	uint32_t vnics;
	uint32_t filters;

	uint64_t requests;
	uint32_t errors;    /* malformed messages so far */
	int32_t last_error; /* the last refused request, for arrakisctl */
	uint16_t last_error_type;
	char last_error_reason[AK_REASON_MAX];

	/* A reply the socket had no room for; reading pauses until it is out. */
	void *pending;
	size_t pending_len;
	int pending_fds[AK_MSG_MAX_FDS];
	int pending_nfds;
	bool closing;
};

struct ak_vnic_state;
struct ak_vsa_state;

struct ak_daemon {
	struct ak_config cfg;
	int epoll_fd;
	int listen_fd;
	int signal_fd;
	int timer_fd;
	int lock_fd;
	bool stop;

	struct ak_container containers; /* list head, oldest first */
	uint32_t connections;
	uint32_t unnamed;
	uint32_t next_container_id;
	uint32_t named;

	/* Module state; a module adds its pointer here. */
	struct ak_vnic_state *vnic;
	struct ak_vsa_state *vsa;
	/* Tests and the fuzz target run without devices. */
	const struct ak_vnic_backend *vnic_backend;
	void *vnic_backend_state;
};

void ak_config_defaults(struct ak_config *cfg);

void ak_container_add_resource(struct ak_container *c, struct ak_resource *res);
/* Unlinks res without releasing it (the caller releases it). */
void ak_container_del_resource(struct ak_resource *res);
/* Releases every resource, newest first. */
void ak_container_release_all(struct ak_daemon *d, struct ak_container *c);

/* The container with this id, or NULL. */
struct ak_container *ak_container_find(struct ak_daemon *d, uint32_t id);

/*
 * Remembers a refused request so that arrakisctl can say why a container
 * was turned down; the reason also goes into the error reply.
 */
void ak_container_note_error(struct ak_container *c, uint16_t type, int status,
			     const char *reason);

uint64_t ak_daemon_now_ns(void);

#endif
