// SPDX-License-Identifier: MIT
/*
 * VSAs through the control plane: the client side of common/vsa_proto.h.
 * Opening collects one fd per extent (several replies when a VSA has more
 * extents than one message carries fds) and hands them to the io_uring
 * backend; growing resizes at the daemon and reopens to map the new blocks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arrakis/vsa.h>

#include "common/vsa_proto.h"
#include "lib/ctl/ctl_call.h"
#include "lib/storage/vsa_impl.h"

struct vsa_extents {
	unsigned n;
	int fds[AK_VSA_MAX_EXTENTS];
	uint64_t sizes[AK_VSA_MAX_EXTENTS];
};

static void extents_close(struct vsa_extents *x)
{
	for (unsigned i = 0; i < x->n; i++)
		close(x->fds[i]);
	x->n = 0;
}

static int name_copy(char *dst, const char *name)
{
	size_t len = strnlen(name, AK_VSA_WIRE_NAME);

	if (len == 0 || len >= AK_VSA_WIRE_NAME)
		return -EINVAL;
	memset(dst, 0, AK_VSA_WIRE_NAME);
	memcpy(dst, name, len);
	return 0;
}

/* One page of VSA_OPEN: extents first.. into x. */
static int open_page(struct ak_ctl *ctl, const char *name, unsigned first,
		     struct vsa_extents *x, unsigned *total)
{
	struct ak_vsa_open_req req = {.first_extent = first};
	struct ak_vsa_open_rep rep;
	int fds[AK_MSG_MAX_FDS], nfds = 0, ret;
	size_t len = 0;

	ret = name_copy(req.name, name);
	if (ret)
		return ret;
	ret = ak_ctl_call(ctl, AK_MSG_VSA_OPEN, &req, sizeof(req), &rep,
			  sizeof(rep), &len, fds, AK_MSG_MAX_FDS, &nfds);
	if (ret == 0 &&
	    (len != sizeof(rep) || rep.count != (uint32_t)nfds ||
	     rep.first_extent != first || rep.n_extents > AK_VSA_MAX_EXTENTS ||
	     first + rep.count > rep.n_extents || rep.count == 0))
		ret = -EPROTO;
	for (int i = 0; i < nfds; i++) {
		if (ret == 0) {
			x->fds[x->n] = fds[i];
			x->sizes[x->n++] = rep.ext_size[i];
		} else {
			close(fds[i]);
		}
	}
	if (ret == 0)
		*total = rep.n_extents;
	return ret;
}

static int open_extents(struct ak_ctl *ctl, const char *name,
			struct vsa_extents *x)
{
	unsigned total = 1;
	int ret;

	x->n = 0;
	while (x->n < total) {
		ret = open_page(ctl, name, x->n, x, &total);
		if (ret) {
			extents_close(x);
			return ret;
		}
	}
	return 0;
}

/* A request naming one VSA (and a size); CREATE and RESIZE reply its info. */
static int name_call(struct ak_ctl *ctl, uint16_t type, const char *name,
		     uint64_t size)
{
	struct ak_vsa_req req = {.size = size};
	struct ak_vsa_info_wire info;
	size_t len = 0;
	int ret = name_copy(req.name, name);

	if (ret)
		return ret;
	return ak_ctl_call(ctl, type, &req, sizeof(req), &info, sizeof(info),
			   &len, NULL, 0, NULL);
}

static int vsa_ctl_grow(struct ak_vsa *vsa, uint64_t new_size)
{
	struct vsa_extents x;
	int ret;

	ret = name_call(vsa->ctl, AK_MSG_VSA_RESIZE, vsa->name, new_size);
	if (ret)
		return ret;
	ret = open_extents(vsa->ctl, vsa->name, &x);
	if (ret)
		return ret;
	ret = vsa->ops->set_extents(vsa, x.fds, x.sizes, x.n);
	extents_close(&x);
	return ret;
}

static void vsa_ctl_release(struct ak_vsa *vsa)
{
	struct ak_vsa_req req = {0};

	if (name_copy(req.name, vsa->name) == 0)
		ak_ctl_call(vsa->ctl, AK_MSG_VSA_CLOSE, &req, sizeof(req), NULL,
			    0, NULL, NULL, 0, NULL);
}

int ak_vsa_open(struct ak_ctl *ctl, const char *name,
		const struct ak_vsa_opts *opts, struct ak_vsa **out)
{
	struct vsa_extents x;
	struct ak_vsa *vsa;
	int ret;

	ret = open_extents(ctl, name, &x);
	if (ret)
		return ret;
	ret = ak_vsa_uring_open(x.fds, x.sizes, x.n, opts, &vsa);
	extents_close(&x); /* the backend holds duplicates */
	if (ret) {
		name_call(ctl, AK_MSG_VSA_CLOSE, name, 0);
		return ret;
	}
	vsa->ctl = ctl;
	strcpy(vsa->name, name);
	vsa->ctl_grow = vsa_ctl_grow;
	vsa->ctl_release = vsa_ctl_release;
	*out = vsa;
	return 0;
}

int ak_vsa_create(struct ak_ctl *ctl, const char *name, uint64_t size)
{
	return name_call(ctl, AK_MSG_VSA_CREATE, name, size);
}

int ak_vsa_resize(struct ak_ctl *ctl, const char *name, uint64_t new_size)
{
	return name_call(ctl, AK_MSG_VSA_RESIZE, name, new_size);
}

int ak_vsa_delete(struct ak_ctl *ctl, const char *name)
{
	return name_call(ctl, AK_MSG_VSA_DELETE, name, 0);
}

/* One page of VSA_LIST into out[]; returns the total. */
static int list_page(struct ak_ctl *ctl, uint32_t start, uint8_t *buf,
		     size_t cap, struct ak_vsa_info *out, unsigned out_cap,
		     unsigned *got)
{
	struct ak_list_req req = {.start = start};
	struct ak_list_rep hdr;
	size_t len = 0;
	int ret;

	ret = ak_ctl_call(ctl, AK_MSG_VSA_LIST, &req, sizeof(req), buf, cap,
			  &len, NULL, 0, NULL);
	if (ret)
		return ret;
	if (len < sizeof(hdr))
		return -EPROTO;
	memcpy(&hdr, buf, sizeof(hdr));
	if (len != sizeof(hdr) + hdr.count * sizeof(struct ak_vsa_info_wire))
		return -EPROTO;
	for (uint32_t i = 0; i < hdr.count; i++) {
		struct ak_vsa_info_wire w;

		memcpy(&w, buf + sizeof(hdr) + i * sizeof(w), sizeof(w));
		if (start + i < out_cap) {
			struct ak_vsa_info *o = &out[start + i];

			memcpy(o->name, w.name, sizeof(o->name));
			o->name[sizeof(o->name) - 1] = 0;
			o->owner_uid = w.owner_uid;
			o->n_extents = w.n_extents;
			o->size = w.size;
			o->open_count = w.open_count;
		}
	}
	*got = hdr.count;
	return (int)hdr.total;
}

int ak_vsa_list(struct ak_ctl *ctl, struct ak_vsa_info *out, unsigned cap)
{
	size_t bufcap = AK_MSG_MAX;
	uint8_t *buf = malloc(bufcap);
	uint32_t start = 0;
	int total = 0;

	if (!buf)
		return -ENOMEM;
	do {
		unsigned got = 0;

		total = list_page(ctl, start, buf, bufcap, out, cap, &got);
		if (total < 0 || got == 0)
			break;
		start += got;
	} while (start < (uint32_t)total && start < cap);
	free(buf);
	return total;
}
