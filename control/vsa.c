// SPDX-License-Identifier: MIT
/*
 * arrakisd's virtual storage areas: the [storage] config section, the VSA
 * messages (common/vsa_proto.h), and grants. A grant is one container's
 * open of one VSA: a loop device per extent, bounded by the extent's offset
 * and length, whose fds go to the container. Grants hang on the container's
 * resource list, so they are released when it disconnects.
 *
 *   [storage]
 *   backing = /var/lib/arrakis/vsa.img  ; a file (created) or block device
 *   size = 4294967296                   ; bytes, when creating the file
 *
 * Policy: any container may create a VSA, which its uid then owns; only
 * the owner or root may open, resize or delete it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vsa_proto.h"
#include "control/dispatch.h"
#include "control/store.h"
#include "control/store_loopdev.h"
#include "control/vsa.h"
#include "lib/core/log.h"

#define VSA_DEFAULT_SIZE (4ull << 30)

struct vsa_grant {
	struct ak_resource res;
	struct vsa_grant *next; /* every grant, for open counts */
	struct ak_container *owner;
	char name[AK_STORE_NAME_MAX];
	unsigned n;
	struct ak_loopdev dev[AK_STORE_MAX_EXTENTS];
};

struct ak_vsa_state {
	char backing[4096];
	uint64_t create_size;
	struct ak_store *store;
	struct vsa_grant *grants;
};

/*
 * The [storage] settings, read before the module starts. One daemon runs
 * per process, so they live here rather than in an allocation that a
 * config parse without a start would leak.
 */
static struct {
	char backing[4096];
	uint64_t create_size;
} vsa_cfg;

static int vsa_config_set(struct ak_daemon *d, const char *key,
			  const char *value)
{
	typeof(vsa_cfg) *s = &vsa_cfg;
	char *end;

	if (!strcmp(key, "backing")) {
		if (strlen(value) >= sizeof(s->backing) || !*value)
			return -EINVAL;
		strcpy(s->backing, value);
		return 0;
	}
	if (!strcmp(key, "size")) {
		/* strtoull() would take "-5" as a huge size. */
		if (!isdigit((unsigned char)value[0]))
			return -EINVAL;
		errno = 0;
		s->create_size = strtoull(value, &end, 10);
		if (errno || *end || s->create_size < 2 * AK_STORE_SLOT)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static int vsa_start(struct ak_daemon *d)
{
	struct ak_vsa_state *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	memcpy(s->backing, vsa_cfg.backing, sizeof(s->backing));
	s->create_size = vsa_cfg.create_size;
	if (!s->backing[0] &&
	    snprintf(s->backing, sizeof(s->backing), "%s/vsa.img",
		     d->cfg.state_dir) >= (int)sizeof(s->backing)) {
		free(s);
		return -ENAMETOOLONG;
	}
	if (!s->create_size)
		s->create_size = VSA_DEFAULT_SIZE;

	ret = ak_store_open(s->backing, s->create_size, &s->store);
	if (ret) {
		ak_err("vsa: cannot open the backing store %s: %s", s->backing,
		       strerror(-ret));
		free(s);
		return ret;
	}
	d->vsa = s;
	ak_info("vsa: backing store %s: %u VSAs, %llu of %llu bytes free",
		s->backing, ak_store_count(s->store),
		(unsigned long long)ak_store_free_bytes(s->store),
		(unsigned long long)ak_store_data_bytes(s->store));
	return 0;
}

/* Containers are gone by now, and with them every grant. */
static void vsa_stop(struct ak_daemon *d)
{
	if (!d->vsa)
		return;
	ak_store_close(d->vsa->store);
	free(d->vsa);
	d->vsa = NULL;
}

/* ---- grants ---- */

static unsigned open_count(const struct ak_vsa_state *s, const char *name)
{
	unsigned n = 0;

	for (const struct vsa_grant *g = s->grants; g; g = g->next)
		n += !strcmp(g->name, name);
	return n;
}

static struct vsa_grant *find_grant(struct ak_vsa_state *s,
				    const struct ak_container *c,
				    const char *name)
{
	for (struct vsa_grant *g = s->grants; g; g = g->next)
		if (g->owner == c && !strcmp(g->name, name))
			return g;
	return NULL;
}

static void grant_release(struct ak_daemon *d, struct ak_resource *res)
{
	struct vsa_grant *g = (struct vsa_grant *)res;
	struct vsa_grant **pp;

	for (unsigned i = 0; i < g->n; i++)
		ak_loopdev_release(&g->dev[i]);
	if (d->vsa)
		for (pp = &d->vsa->grants; *pp; pp = &(*pp)->next)
			if (*pp == g) {
				*pp = g->next;
				break;
			}
	free(g);
}

static void grant_drop(struct ak_daemon *d, struct vsa_grant *g)
{
	ak_container_del_resource(&g->res);
	grant_release(d, &g->res);
}

static int grant_new(struct ak_daemon *d, struct ak_container *c,
		     const struct ak_store_vsa *v, struct ak_reply *rep,
		     struct vsa_grant **out)
{
	struct vsa_grant *g = calloc(1, sizeof(*g));
	int ret;

	if (!g)
		return -ENOMEM;
	g->res.kind = "vsa";
	g->res.release = grant_release;
	g->owner = c;
	strcpy(g->name, v->name);

	for (g->n = 0; g->n < v->n_extents; g->n++) {
		ret = ak_loopdev_attach(ak_store_fd(d->vsa->store),
					v->ext[g->n].offset,
					v->ext[g->n].length, &g->dev[g->n]);
		if (ret) {
			AK_REPLY_REASON(rep, "cannot bind a loop device: %s",
					strerror(-ret));
			grant_release(d, &g->res);
			return ret;
		}
	}
	g->next = d->vsa->grants;
	d->vsa->grants = g;
	ak_container_add_resource(c, &g->res);
	*out = g;
	return 0;
}

/* ---- requests ---- */

/* Copies the request's name out and checks it. */
static int req_name(const char *wire, char *name, struct ak_reply *rep)
{
	memcpy(name, wire, AK_VSA_WIRE_NAME);
	name[AK_VSA_WIRE_NAME - 1] = 0;
	if (memchr(wire, 0, AK_VSA_WIRE_NAME) && ak_store_name_valid(name))
		return 0;
	AK_REPLY_REASON(rep, "bad VSA name");
	return -EINVAL;
}

/* The VSA the caller may use, or NULL with the status in *err. */
static const struct ak_store_vsa *lookup_owned(struct ak_daemon *d,
					       struct ak_container *c,
					       const char *name,
					       struct ak_reply *rep, int *err)
{
	const struct ak_store_vsa *v;

	if (!d->vsa || !d->vsa->store) {
		AK_REPLY_REASON(rep, "storage is not configured");
		*err = -ENODEV;
		return NULL;
	}
	v = ak_store_find(d->vsa->store, name);
	if (!v) {
		AK_REPLY_REASON(rep, "no VSA '%s'", name);
		*err = -ENOENT;
		return NULL;
	}
	if (c->cred.uid != 0 && c->cred.uid != v->owner_uid) {
		AK_REPLY_REASON(rep, "VSA '%s' belongs to uid %u", name,
				v->owner_uid);
		*err = -EACCES;
		return NULL;
	}
	return v;
}

static void info_fill(const struct ak_vsa_state *s,
		      const struct ak_store_vsa *v,
		      struct ak_vsa_info_wire *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, v->name, sizeof(out->name));
	out->owner_uid = v->owner_uid;
	out->n_extents = v->n_extents;
	out->size = v->size;
	out->open_count = open_count(s, v->name);
	for (unsigned i = 0; i < v->n_extents; i++) {
		out->ext[i].offset = v->ext[i].offset;
		out->ext[i].length = v->ext[i].length;
	}
}

static int reply_info(struct ak_daemon *d, const char *name,
		      struct ak_reply *rep)
{
	struct ak_vsa_info_wire info;

	info_fill(d->vsa, ak_store_find(d->vsa->store, name), &info);
	memcpy(rep->payload, &info, sizeof(info));
	rep->len = sizeof(info);
	return 0;
}

static const char *store_error(int err)
{
	switch (err) {
	case -EEXIST:
		return "a VSA of that name exists";
	case -ENOSPC:
		return "not enough free space in the backing store";
	case -E2BIG:
		return "free space too fragmented for the extent table";
	case -EINVAL:
		return "bad name or size";
	default:
		return strerror(-err);
	}
}

/* Copies a request naming a VSA out of the message and checks the name. */
static int name_req(struct ak_request *req, struct ak_reply *rep,
		    struct ak_vsa_req *in, char *name)
{
	memcpy(in, req->payload, sizeof(*in));
	return req_name(in->name, name, rep);
}

static int handle_create(struct ak_daemon *d, struct ak_container *c,
			 struct ak_request *req, struct ak_reply *rep)
{
	char name[AK_VSA_WIRE_NAME];
	struct ak_vsa_req in;
	int ret;

	ret = name_req(req, rep, &in, name);
	if (ret)
		return ret;
	if (!d->vsa || !d->vsa->store)
		return -ENODEV;
	ret = ak_store_create(d->vsa->store, name, c->cred.uid, in.size);
	if (ret) {
		AK_REPLY_REASON(rep, "%s", store_error(ret));
		return ret;
	}
	ak_info("vsa: '%s' created, %llu bytes, owner uid %u (container %u)",
		name,
		(unsigned long long)ak_store_find(d->vsa->store, name)->size,
		c->cred.uid, c->id);
	return reply_info(d, name, rep);
}

static int handle_open(struct ak_daemon *d, struct ak_container *c,
		       struct ak_request *req, struct ak_reply *rep)
{
	struct ak_vsa_open_rep out = {0};
	const struct ak_store_vsa *v;
	char name[AK_VSA_WIRE_NAME];
	struct ak_vsa_open_req in;
	struct vsa_grant *g;
	int ret;

	memcpy(&in, req->payload, sizeof(in));
	ret = req_name(in.name, name, rep);
	if (ret)
		return ret;
	v = lookup_owned(d, c, name, rep, &ret);
	if (!v)
		return ret;

	g = find_grant(d->vsa, c, name);
	if (in.first_extent == 0) {
		/*
		 * One writer per VSA: two containers appending to the same
		 * blocks would overwrite each other's acknowledged records.
		 */
		if (open_count(d->vsa, name) > (g ? 1u : 0u)) {
			AK_REPLY_REASON(rep,
					"VSA '%s' is open in another "
					"container",
					name);
			return -EBUSY;
		}
		/* A new grant replaces this container's old one. */
		if (g)
			grant_drop(d, g);
		ret = grant_new(d, c, v, rep, &g);
		if (ret)
			return ret;
	} else if (!g || in.first_extent >= g->n) {
		AK_REPLY_REASON(rep, "no open grant with extent %u",
				in.first_extent);
		return -EINVAL;
	}

	out.size = v->size;
	out.n_extents = g->n;
	out.first_extent = in.first_extent;
	while (out.count < AK_MSG_MAX_FDS &&
	       in.first_extent + out.count < g->n) {
		unsigned e = in.first_extent + out.count;

		/* The server closes what it sends: pass a duplicate. */
		rep->fds[out.count] = fcntl(g->dev[e].fd, F_DUPFD_CLOEXEC, 0);
		if (rep->fds[out.count] < 0) {
			ret = -errno;
			rep->nfds = (int)out.count;
			return ret;
		}
		out.ext_size[out.count] = v->ext[e].length;
		out.count++;
	}
	rep->nfds = (int)out.count;
	memcpy(rep->payload, &out, sizeof(out));
	rep->len = sizeof(out);
	return 0;
}

static int handle_close(struct ak_daemon *d, struct ak_container *c,
			struct ak_request *req, struct ak_reply *rep)
{
	char name[AK_VSA_WIRE_NAME];
	struct ak_vsa_req in;
	struct vsa_grant *g;
	int ret;

	ret = name_req(req, rep, &in, name);
	if (ret)
		return ret;
	g = d->vsa ? find_grant(d->vsa, c, name) : NULL;
	if (!g) {
		AK_REPLY_REASON(rep, "VSA '%s' is not open here", name);
		return -ENOENT;
	}
	grant_drop(d, g);
	return 0;
}

/*
 * Shrinking or deleting under an open grant would leave a loop device over
 * blocks the store hands to someone else: refuse while any is open.
 */
static int check_not_open(struct ak_daemon *d, const char *name,
			  struct ak_reply *rep)
{
	unsigned n = open_count(d->vsa, name);

	if (!n)
		return 0;
	AK_REPLY_REASON(rep, "VSA '%s' is open in %u container(s)", name, n);
	return -EBUSY;
}

static int handle_resize(struct ak_daemon *d, struct ak_container *c,
			 struct ak_request *req, struct ak_reply *rep)
{
	const struct ak_store_vsa *v;
	char name[AK_VSA_WIRE_NAME];
	struct ak_vsa_req in;
	uint64_t old;
	int ret;

	ret = name_req(req, rep, &in, name);
	if (ret)
		return ret;
	v = lookup_owned(d, c, name, rep, &ret);
	if (!v)
		return ret;
	old = v->size;
	if (in.size < old) {
		ret = check_not_open(d, name, rep);
		if (ret)
			return ret;
	}
	ret = ak_store_resize(d->vsa->store, name, in.size);
	if (ret) {
		AK_REPLY_REASON(rep, "%s", store_error(ret));
		return ret;
	}
	ak_info("vsa: '%s' resized from %llu to %llu bytes", name,
		(unsigned long long)old,
		(unsigned long long)ak_store_find(d->vsa->store, name)->size);
	return reply_info(d, name, rep);
}

static int handle_delete(struct ak_daemon *d, struct ak_container *c,
			 struct ak_request *req, struct ak_reply *rep)
{
	char name[AK_VSA_WIRE_NAME];
	struct ak_vsa_req in;
	int ret;

	ret = name_req(req, rep, &in, name);
	if (ret)
		return ret;
	if (!lookup_owned(d, c, name, rep, &ret))
		return ret;
	ret = check_not_open(d, name, rep);
	if (ret)
		return ret;
	ret = ak_store_delete(d->vsa->store, name);
	if (ret) {
		AK_REPLY_REASON(rep, "%s", store_error(ret));
		return ret;
	}
	ak_info("vsa: '%s' deleted by container %u", name, c->id);
	return 0;
}

static int handle_list(struct ak_daemon *d, struct ak_container *c,
		       struct ak_request *req, struct ak_reply *rep)
{
	struct ak_vsa_info_wire info;
	struct ak_list_rep hdr = {0};
	struct ak_list_req in;
	uint8_t *p = (uint8_t *)rep->payload + sizeof(hdr);
	size_t room = (rep->cap - sizeof(hdr)) / sizeof(info);

	memcpy(&in, req->payload, sizeof(in));
	if (d->vsa && d->vsa->store) {
		hdr.total = ak_store_count(d->vsa->store);
		for (uint32_t i = in.start; i < hdr.total && hdr.count < room;
		     i++) {
			info_fill(d->vsa, ak_store_at(d->vsa->store, i), &info);
			memcpy(p, &info, sizeof(info));
			p += sizeof(info);
			hdr.count++;
		}
	}
	memcpy(rep->payload, &hdr, sizeof(hdr));
	rep->len = (size_t)(p - (uint8_t *)rep->payload);
	return 0;
}

#define FIXED(type, msg, fn)                                                   \
	{                                                                      \
		msg, 0, sizeof(type), sizeof(type), fn                         \
	}

static const struct ak_handler vsa_handlers[] = {
	FIXED(struct ak_vsa_req, AK_MSG_VSA_CREATE, handle_create),
	FIXED(struct ak_vsa_open_req, AK_MSG_VSA_OPEN, handle_open),
	FIXED(struct ak_vsa_req, AK_MSG_VSA_CLOSE, handle_close),
	FIXED(struct ak_vsa_req, AK_MSG_VSA_RESIZE, handle_resize),
	FIXED(struct ak_vsa_req, AK_MSG_VSA_DELETE, handle_delete),
	FIXED(struct ak_list_req, AK_MSG_VSA_LIST, handle_list),
};

const struct ak_module ak_vsa_module = {
	.name = "vsa",
	.config_section = "storage",
	.config_set = vsa_config_set,
	.start = vsa_start,
	.stop = vsa_stop,
	.handlers = vsa_handlers,
	.nhandlers = sizeof(vsa_handlers) / sizeof(vsa_handlers[0]),
};
