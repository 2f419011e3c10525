// SPDX-License-Identifier: MIT
/*
 * The generic half of a VSA: request checks, the mapping of the logical
 * address space onto extents, splitting and completion counting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/storage/vsa_impl.h"

static bool aligned(uint64_t v)
{
	return v % AK_VSA_BLOCK_SIZE == 0;
}

void ak_vsa_set_sizes(struct ak_vsa *vsa, const uint64_t *sizes, unsigned n)
{
	vsa->n_ext = n;
	vsa->size = 0;
	for (unsigned i = 0; i < n; i++) {
		vsa->ext_size[i] = sizes[i];
		vsa->size += sizes[i];
	}
}

static int alloc_pools(struct ak_vsa *vsa, uint32_t depth)
{
	vsa->reqs = calloc(depth, sizeof(*vsa->reqs));
	vsa->pieces = calloc(depth, sizeof(*vsa->pieces));
	if (!vsa->reqs || !vsa->pieces)
		return -ENOMEM;

	for (uint32_t i = 0; i < depth; i++) {
		vsa->reqs[i].next_free =
			i + 1 < depth ? &vsa->reqs[i + 1] : NULL;
		vsa->pieces[i].next_free =
			i + 1 < depth ? &vsa->pieces[i + 1] : NULL;
	}
	vsa->free_reqs = vsa->reqs;
	vsa->free_pieces = vsa->pieces;
	vsa->depth = depth;
	return 0;
}

int ak_vsa_init(struct ak_vsa **out, const struct ak_vsa_ops *ops,
		void *backend, const uint64_t *sizes, unsigned n,
		uint32_t depth, size_t buf_len)
{
	struct ak_vsa *vsa;
	int ret;

	if (n == 0 || n > AK_VSA_MAX_EXTENTS || depth == 0)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!aligned(sizes[i]) || sizes[i] == 0)
			return -EINVAL;

	vsa = calloc(1, sizeof(*vsa));
	if (!vsa)
		return -ENOMEM;
	vsa->ops = ops;
	vsa->backend = backend;
	ak_vsa_set_sizes(vsa, sizes, n);

	ret = alloc_pools(vsa, depth);
	if (ret)
		goto err_free;

	if (buf_len) {
		buf_len = (buf_len + AK_VSA_BLOCK_SIZE - 1) /
			  AK_VSA_BLOCK_SIZE * AK_VSA_BLOCK_SIZE;
		vsa->buf_area = mmap(NULL, buf_len, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (vsa->buf_area == MAP_FAILED) {
			vsa->buf_area = NULL;
			ret = -ENOMEM;
			goto err_free;
		}
		vsa->buf_len = buf_len;
	}
	*out = vsa;
	return 0;

err_free:
	free(vsa->reqs);
	free(vsa->pieces);
	free(vsa);
	return ret;
}

static struct vsa_req *req_get(struct ak_vsa *vsa, ak_vsa_cb cb, void *ctx)
{
	struct vsa_req *req = vsa->free_reqs;

	vsa->free_reqs = req->next_free;
	req->cb = cb;
	req->ctx = ctx;
	req->result = 0;
	req->pending = 0;
	vsa->reqs_inflight++;
	return req;
}

static struct vsa_piece *piece_get(struct ak_vsa *vsa, struct vsa_req *req,
				   uint32_t len)
{
	struct vsa_piece *piece = vsa->free_pieces;

	vsa->free_pieces = piece->next_free;
	piece->req = req;
	piece->len = len;
	req->pending++;
	vsa->pieces_inflight++;
	return piece;
}

static void piece_put(struct ak_vsa *vsa, struct vsa_piece *piece)
{
	piece->next_free = vsa->free_pieces;
	vsa->free_pieces = piece;
	vsa->pieces_inflight--;
}

static void req_release_hold(struct ak_vsa *vsa, struct vsa_req *req);

void ak_vsa_piece_done(struct ak_vsa *vsa, struct vsa_piece *piece, int res)
{
	struct vsa_req *req = piece->req;

	if (res >= 0 && (uint32_t)res != piece->len)
		res = -EIO; /* a short transfer inside the bounds */
	if (res < 0 && req->result == 0)
		req->result = res;
	piece_put(vsa, piece);
	req_release_hold(vsa, req);
}

/* Drops one reference; the last completes the request. */
static void req_release_hold(struct ak_vsa *vsa, struct vsa_req *req)
{
	ak_vsa_cb cb;
	void *ctx;
	int result;

	if (--req->pending)
		return;

	/* Recycle first: the callback may submit the next request. */
	cb = req->cb;
	ctx = req->ctx;
	result = req->result;
	req->next_free = vsa->free_reqs;
	vsa->free_reqs = req;
	vsa->reqs_inflight--;
	if (cb)
		cb(ctx, result);
}

/* How many extents [offset, offset+len) touches. */
static unsigned pieces_needed(const struct ak_vsa *vsa, uint64_t offset,
			      uint64_t len)
{
	uint64_t start = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < vsa->n_ext && len; i++) {
		uint64_t end = start + vsa->ext_size[i];

		if (offset < end && offset + len > start)
			n++;
		start = end;
	}
	return n;
}

static int rw_check(const struct ak_vsa *vsa, uint64_t offset, const void *buf,
		    size_t len)
{
	if (len == 0 || !aligned(offset) || !aligned(len) ||
	    !aligned((uintptr_t)buf) || len > UINT32_MAX)
		return -EINVAL;
	if (offset > vsa->size || len > vsa->size - offset)
		return -ERANGE;
	return 0;
}

/* Queues a flush piece per extent on req; link chains them after. */
static void queue_flushes(struct ak_vsa *vsa, struct vsa_req *req, bool link)
{
	for (unsigned i = 0; i < vsa->n_ext; i++) {
		struct vsa_piece *p = piece_get(vsa, req, 0);
		int ret =
			vsa->ops->flush(vsa, p, i, link && i + 1 < vsa->n_ext);

		if (ret)
			ak_vsa_piece_done(vsa, p, ret);
	}
}

/*
 * A read or write split over the extents; with durable, the write's pieces
 * and then a flush of every extent form one linked chain.
 */
static int vsa_rw(struct ak_vsa *vsa, bool write, uint64_t offset, void *buf,
		  size_t len, ak_vsa_cb cb, void *ctx, bool durable)
{
	uint64_t start = 0;
	struct vsa_req *req;
	unsigned need;
	int ret;

	ret = rw_check(vsa, offset, buf, len);
	if (ret)
		return ret;
	need = pieces_needed(vsa, offset, len) + (durable ? vsa->n_ext : 0);
	if (vsa->pieces_inflight + need > vsa->depth || !vsa->free_reqs)
		return -EAGAIN;

	req = req_get(vsa, cb, ctx);
	/* Hold the request open until every piece is queued. */
	req->pending++;
	for (unsigned i = 0; i < vsa->n_ext && len; i++) {
		uint64_t end = start + vsa->ext_size[i];

		if (offset < end) {
			uint64_t take = end - offset < len ? end - offset : len;
			struct vsa_piece *p =
				piece_get(vsa, req, (uint32_t)take);

			/* Backends queue without failing once space is
			 * reserved; an error here is a device error. */
			ret = vsa->ops->rw(vsa, p, write, i, offset - start,
					   buf, durable);
			if (ret)
				ak_vsa_piece_done(vsa, p, ret);
			buf = (uint8_t *)buf + take;
			offset += take;
			len -= take;
		}
		start = end;
	}
	if (durable)
		queue_flushes(vsa, req, true);
	req_release_hold(vsa, req);
	vsa->ops->submit(vsa);
	return 0;
}

int ak_vsa_read(struct ak_vsa *vsa, uint64_t offset, void *buf, size_t len,
		ak_vsa_cb cb, void *ctx)
{
	return vsa_rw(vsa, false, offset, buf, len, cb, ctx, false);
}

int ak_vsa_write(struct ak_vsa *vsa, uint64_t offset, const void *buf,
		 size_t len, ak_vsa_cb cb, void *ctx)
{
	return vsa_rw(vsa, true, offset, (void *)buf, len, cb, ctx, false);
}

int ak_vsa_write_durable(struct ak_vsa *vsa, uint64_t offset, const void *buf,
			 size_t len, ak_vsa_cb cb, void *ctx)
{
	return vsa_rw(vsa, true, offset, (void *)buf, len, cb, ctx, true);
}

int ak_vsa_flush(struct ak_vsa *vsa, ak_vsa_cb cb, void *ctx)
{
	struct vsa_req *req;
	if (vsa->pieces_inflight + vsa->n_ext > vsa->depth || !vsa->free_reqs)
		return -EAGAIN;

	req = req_get(vsa, cb, ctx);
	req->pending++;
	queue_flushes(vsa, req, false);
	req_release_hold(vsa, req);
	vsa->ops->submit(vsa);
	return 0;
}

int ak_vsa_poll(struct ak_vsa *vsa)
{
	return vsa->ops->reap(vsa, false);
}

int ak_vsa_drain(struct ak_vsa *vsa)
{
	while (vsa->pieces_inflight) {
		int ret = vsa->ops->reap(vsa, true);

		if (ret < 0 && ret != -EINTR && ret != -EAGAIN)
			return ret;
	}
	return 0;
}

unsigned ak_vsa_inflight(const struct ak_vsa *vsa)
{
	return vsa->reqs_inflight;
}

uint64_t ak_vsa_size(const struct ak_vsa *vsa)
{
	return vsa->size;
}

void *ak_vsa_buffer(const struct ak_vsa *vsa, size_t *len)
{
	if (len)
		*len = vsa->buf_len;
	return vsa->buf_area;
}

int ak_vsa_grow(struct ak_vsa *vsa, uint64_t new_size)
{
	int ret;

	if (!vsa->ctl_grow)
		return -EOPNOTSUPP;
	if (new_size <= vsa->size)
		return 0;
	ret = ak_vsa_drain(vsa);
	if (ret)
		return ret;
	return vsa->ctl_grow(vsa, new_size);
}

void ak_vsa_close(struct ak_vsa *vsa)
{
	if (!vsa)
		return;
	ak_vsa_drain(vsa);
	if (vsa->loop)
		vsa->loop_detach(vsa);
	vsa->ops->destroy(vsa);
	if (vsa->ctl_release)
		vsa->ctl_release(vsa);
	ak_vsa_free_shell(vsa);
}

void ak_vsa_free_shell(struct ak_vsa *vsa)
{
	if (vsa->buf_area)
		munmap(vsa->buf_area, vsa->buf_len);
	free(vsa->reqs);
	free(vsa->pieces);
	free(vsa);
}
