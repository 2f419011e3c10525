// SPDX-License-Identifier: MIT
/*
 * The core module: the [daemon] and [policy] config sections, HELLO (which
 * makes a connection a container) and the container list.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/config.h"
#include "control/dispatch.h"
#include "lib/core/log.h"

static int daemon_config_set(struct ak_daemon *d, const char *key,
			     const char *value)
{
	struct ak_config *cfg = &d->cfg;

	if (!strcmp(key, "socket"))
		return ak_config_copy(cfg->socket_path,
				      sizeof(cfg->socket_path), value);
	if (!strcmp(key, "state_dir"))
		return ak_config_copy(cfg->state_dir, sizeof(cfg->state_dir),
				      value);
	if (!strcmp(key, "max_connections"))
		return ak_config_parse_u32(value, 1, 65536,
					   &cfg->max_connections);
	if (!strcmp(key, "max_unnamed"))
		return ak_config_parse_u32(value, 1, 65536, &cfg->max_unnamed);
	if (!strcmp(key, "hello_timeout_ms"))
		return ak_config_parse_u32(value, 10, 600000,
					   &cfg->hello_timeout_ms);
	return -ENOENT;
}

static int policy_config_set(struct ak_daemon *d, const char *key,
			     const char *value)
{
	return ak_policy_set(&d->cfg.policy, key, value);
}

static int handle_hello(struct ak_daemon *d, struct ak_container *c,
			struct ak_request *req, struct ak_reply *rep)
{
	struct ak_hello_req in;
	struct ak_hello_rep out = {0};

	memcpy(&in, req->payload, sizeof(in));
	if (c->id) {
		AK_REPLY_REASON(rep, "already registered as container %u",
				c->id);
		return -EALREADY;
	}
	if (ak_name_check(in.name, sizeof(in.name)) || in.flags) {
		AK_REPLY_REASON(rep, "bad container name or flags");
		return -EINVAL;
	}

	memcpy(c->name, in.name, sizeof(c->name));
	c->id = ++d->next_container_id;
	d->unnamed--;
	d->named++;
	ak_info("ctl: container %u '%s' (pid %d uid %u) connected", c->id,
		c->name, (int)c->cred.pid, c->cred.uid);

	out.container_id = c->id;
	memcpy(rep->payload, &out, sizeof(out));
	rep->len = sizeof(out);
	return 0;
}

static void container_info(const struct ak_container *c,
			   struct ak_container_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->container_id = c->id;
	ci->uid = c->cred.uid;
	ci->gid = c->cred.gid;
	ci->pid = (uint32_t)c->cred.pid;
	memcpy(ci->name, c->name, sizeof(ci->name));
	ci->vnics = c->vnics;
	ci->filters = c->filters;
	ci->requests = c->requests;
	ci->errors = c->errors;
	ci->last_error = c->last_error;
	ci->last_error_type = c->last_error_type;
	memcpy(ci->last_error_reason, c->last_error_reason,
	       sizeof(ci->last_error_reason));
}

static int handle_list_containers(struct ak_daemon *d, struct ak_container *c,
				  struct ak_request *req, struct ak_reply *rep)
{
	struct ak_list_req in;
	struct ak_list_rep out = {0};
	struct ak_container_info ci;
	size_t room = (rep->cap - sizeof(out)) / sizeof(ci);
	uint8_t *p = (uint8_t *)rep->payload + sizeof(out);
	struct ak_container *it;
	uint32_t index = 0;

	memcpy(&in, req->payload, sizeof(in));
	for (it = d->containers.next; it != &d->containers; it = it->next) {
		if (!it->id)
			continue;
		if (index++ < in.start || out.count == room)
			continue;
		container_info(it, &ci);
		memcpy(p, &ci, sizeof(ci));
		p += sizeof(ci);
		out.count++;
	}
	out.total = index;
	memcpy(rep->payload, &out, sizeof(out));
	rep->len = sizeof(out) + out.count * sizeof(ci);
	return 0;
}

static const struct ak_handler core_handlers[] = {
	{AK_MSG_HELLO, AK_HANDLER_BEFORE_HELLO, sizeof(struct ak_hello_req),
	 sizeof(struct ak_hello_req), handle_hello},
	{AK_MSG_LIST_CONTAINERS, 0, sizeof(struct ak_list_req),
	 sizeof(struct ak_list_req), handle_list_containers},
};

const struct ak_module ak_core_module = {
	.name = "core",
	.config_section = "daemon",
	.config_set = daemon_config_set,
	.handlers = core_handlers,
	.nhandlers = sizeof(core_handlers) / sizeof(core_handlers[0]),
};

const struct ak_module ak_policy_module = {
	.name = "policy",
	.config_section = "policy",
	.config_set = policy_config_set,
};
