// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <time.h>

#include "control/daemon.h"

uint64_t ak_daemon_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ak_container_add_resource(struct ak_container *c, struct ak_resource *res)
{
	struct ak_resource *head = &c->resources;

	res->prev = head;
	res->next = head->next;
	head->next->prev = res;
	head->next = res;
}

void ak_container_del_resource(struct ak_resource *res)
{
	res->prev->next = res->next;
	res->next->prev = res->prev;
	res->next = res->prev = res;
}

void ak_container_release_all(struct ak_daemon *d, struct ak_container *c)
{
	struct ak_resource *head = &c->resources;

	while (head->next != head) {
		struct ak_resource *res = head->next;

		ak_container_del_resource(res);
		res->release(d, res);
	}
}

struct ak_container *ak_container_find(struct ak_daemon *d, uint32_t id)
{
	struct ak_container *c;

	for (c = d->containers.next; c != &d->containers; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

void ak_container_note_error(struct ak_container *c, uint16_t type, int status,
			     const char *reason)
{
	c->last_error = status;
	c->last_error_type = type;
	snprintf(c->last_error_reason, sizeof(c->last_error_reason), "%s",
		 reason);
}
