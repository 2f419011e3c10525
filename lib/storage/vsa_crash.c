// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/storage/vsa_crash.h"
#include "lib/storage/vsa_impl.h"

#define NEVER UINT64_MAX

struct crash_write {
	uint64_t off;
	uint32_t len;
	uint8_t *data;
	uint64_t submitted; /* event index */
	uint64_t completed; /* event index, NEVER until then */
};

struct crash_flush {
	uint64_t submitted;
	uint64_t completed;
};

/* A queued operation, completed at the next poll. */
struct crash_op {
	struct vsa_piece *piece;
	bool write;   /* else: a read already served, or a flush */
	size_t index; /* into writes or flushes */
	bool is_flush;
};

struct crash_disk {
	uint8_t *base;	  /* content before the first recorded write */
	uint8_t *current; /* what reads see: every submitted write applied */
	uint64_t base_size;
	uint64_t size;
	uint64_t events;

	struct crash_write *writes;
	size_t n_writes, cap_writes;
	struct crash_flush *flushes;
	size_t n_flushes, cap_flushes;

	struct crash_op *queue;
	size_t n_queue, cap_queue;
	bool link_open; /* the last op queued is linked to the next */

	/*
	 * The image of writes[0, cache_n) applied to base, all durable at
	 * cache_cut: lets a test walking cuts in order build each state from
	 * the previous one instead of replaying every write.
	 */
	uint8_t *cache;
	uint64_t cache_cut;
	size_t cache_n;
};

static int grow_array(void **arr, size_t *cap, size_t need, size_t elem)
{
	void *p;
	size_t ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int queue_op(struct crash_disk *d, struct crash_op op)
{
	int ret = grow_array((void **)&d->queue, &d->cap_queue, d->n_queue + 1,
			     sizeof(op));

	if (ret)
		return ret;
	d->queue[d->n_queue++] = op;
	return 0;
}

/*
 * Writes are recorded when queued, even when linked behind another op: the
 * simulation then allows a few more power-cut states than a real chain
 * (the later write without the earlier), never fewer.
 */
static int crash_rw(struct ak_vsa *vsa, struct vsa_piece *piece, bool write,
		    unsigned ext, uint64_t off, void *buf, bool link)
{
	struct crash_disk *d = vsa->backend;
	struct crash_write *w;
	int ret;

	d->link_open = link;
	if (!write) {
		memcpy(buf, d->current + off, piece->len);
		return queue_op(d, (struct crash_op){.piece = piece});
	}

	ret = grow_array((void **)&d->writes, &d->cap_writes, d->n_writes + 1,
			 sizeof(*w));
	if (ret)
		return ret;
	w = &d->writes[d->n_writes];
	w->data = malloc(piece->len);
	if (!w->data)
		return -ENOMEM;
	memcpy(w->data, buf, piece->len);
	memcpy(d->current + off, buf, piece->len);
	w->off = off;
	w->len = piece->len;
	w->submitted = d->events++;
	w->completed = NEVER;
	ret = queue_op(d, (struct crash_op){.piece = piece,
					    .write = true,
					    .index = d->n_writes});
	if (ret) {
		free(w->data);
		return ret;
	}
	d->n_writes++;
	return 0;
}

/*
 * A flush linked behind a write starts only when that write completed, so
 * it is submitted (and covers the write) at completion time.
 */
static int crash_flush(struct ak_vsa *vsa, struct vsa_piece *piece,
		       unsigned ext, bool link)
{
	struct crash_disk *d = vsa->backend;
	bool chained = d->link_open;
	int ret;

	ret = grow_array((void **)&d->flushes, &d->cap_flushes,
			 d->n_flushes + 1, sizeof(*d->flushes));
	if (ret)
		return ret;
	ret = queue_op(d, (struct crash_op){.piece = piece,
					    .is_flush = true,
					    .index = d->n_flushes});
	if (ret)
		return ret;
	d->flushes[d->n_flushes++] = (struct crash_flush){
		.submitted = chained ? NEVER : d->events++, .completed = NEVER};
	d->link_open = link;
	return 0;
}

static int crash_submit(struct ak_vsa *vsa)
{
	return 0;
}

/* Completes everything queued before this call, in order. */
static int crash_reap(struct ak_vsa *vsa, bool wait)
{
	struct crash_disk *d = vsa->backend;
	size_t n = d->n_queue;
	struct crash_op *ops;
	int done = 0;

	if (!n)
		return 0;
	ops = malloc(n * sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	memcpy(ops, d->queue, n * sizeof(*ops));
	d->n_queue = 0;

	for (size_t i = 0; i < n; i++) {
		struct crash_op *op = &ops[i];

		if (op->write)
			d->writes[op->index].completed = d->events++;
		else if (op->is_flush) {
			struct crash_flush *f = &d->flushes[op->index];

			if (f->submitted == NEVER)
				f->submitted = d->events++;
			f->completed = d->events++;
		}
		ak_vsa_piece_done(vsa, op->piece, (int)op->piece->len);
		done++;
	}
	free(ops);
	return done;
}

static void crash_destroy(struct ak_vsa *vsa)
{
	struct crash_disk *d = vsa->backend;

	for (size_t i = 0; i < d->n_writes; i++)
		free(d->writes[i].data);
	free(d->writes);
	free(d->flushes);
	free(d->queue);
	free(d->base);
	free(d->current);
	free(d->cache);
	free(d);
}

static const struct ak_vsa_ops crash_ops = {
	.name = "crash-sim",
	.rw = crash_rw,
	.flush = crash_flush,
	.submit = crash_submit,
	.reap = crash_reap,
	.destroy = crash_destroy,
};

int ak_vsa_crash_open(const void *image, uint64_t size, uint32_t depth,
		      struct ak_vsa **out)
{
	struct crash_disk *d = calloc(1, sizeof(*d));
	int ret = -ENOMEM;

	if (!d)
		return -ENOMEM;
	d->base = calloc(1, size);
	d->current = malloc(size);
	if (!d->base || !d->current)
		goto err_free;
	if (image)
		memcpy(d->base, image, size);
	memcpy(d->current, d->base, size);
	d->base_size = d->size = size;

	ret = ak_vsa_init(out, &crash_ops, d, &size, 1, depth ? depth : 256, 0);
	if (ret)
		goto err_free;
	return 0;

err_free:
	free(d->base);
	free(d->current);
	free(d);
	return ret;
}

int ak_vsa_crash_grow(struct ak_vsa *vsa, uint64_t new_size)
{
	struct crash_disk *d = vsa->backend;
	uint8_t *cur;

	if (new_size <= d->size)
		return 0;
	cur = realloc(d->current, new_size);
	if (!cur)
		return -ENOMEM;
	memset(cur + d->size, 0, new_size - d->size);
	d->current = cur;
	d->size = new_size;
	free(d->cache);
	d->cache = NULL;
	ak_vsa_set_sizes(vsa, &new_size, 1);
	return 0;
}

uint64_t ak_vsa_crash_events(const struct ak_vsa *vsa)
{
	const struct crash_disk *d = vsa->backend;

	return d->events;
}

/*
 * The submission index of the last flush completed before `cut`: writes
 * completed before it are durable.
 */
static uint64_t durable_horizon(const struct crash_disk *d, uint64_t cut)
{
	uint64_t horizon = 0;

	for (size_t i = 0; i < d->n_flushes; i++)
		if (d->flushes[i].completed < cut &&
		    d->flushes[i].submitted > horizon)
			horizon = d->flushes[i].submitted;
	return horizon;
}

static bool write_durable(const struct crash_write *w, uint64_t horizon)
{
	return w->completed < horizon;
}

unsigned ak_vsa_crash_optional(const struct ak_vsa *vsa, uint64_t cut)
{
	const struct crash_disk *d = vsa->backend;
	uint64_t horizon = durable_horizon(d, cut);
	unsigned n = 0;

	for (size_t i = 0; i < d->n_writes && d->writes[i].submitted < cut; i++)
		if (!write_durable(&d->writes[i], horizon))
			n += d->writes[i].len / AK_VSA_BLOCK_SIZE;
	return n;
}

/* Brings the cache to the durable prefix of writes at cut. */
static uint8_t *cache_advance(struct crash_disk *d, uint64_t cut,
			      uint64_t horizon)
{
	if (!d->cache) {
		d->cache = calloc(1, d->size);
		if (!d->cache)
			return NULL;
		d->cache_cut = UINT64_MAX;
	}
	if (cut < d->cache_cut || d->cache_cut == UINT64_MAX) {
		memset(d->cache, 0, d->size);
		memcpy(d->cache, d->base, d->base_size);
		d->cache_n = 0;
	}
	d->cache_cut = cut;

	while (d->cache_n < d->n_writes) {
		const struct crash_write *w = &d->writes[d->cache_n];

		if (w->submitted >= cut || !write_durable(w, horizon))
			break;
		memcpy(d->cache + w->off, w->data, w->len);
		d->cache_n++;
	}
	return d->cache;
}

void ak_vsa_crash_image(const struct ak_vsa *vsa, uint64_t cut,
			ak_vsa_crash_choose choose, void *ctx, uint8_t *out)
{
	struct crash_disk *d = vsa->backend;
	uint64_t horizon = durable_horizon(d, cut);
	const uint8_t *durable = cache_advance(d, cut, horizon);
	size_t first = durable ? d->cache_n : 0;
	unsigned item = 0;

	if (durable) {
		memcpy(out, durable, d->size);
	} else {
		memset(out, 0, d->size);
		memcpy(out, d->base, d->base_size);
	}

	/* Writes land in submission order; a later one to the same block
	 * wins, as in the device's cache. */
	for (size_t i = first; i < d->n_writes && d->writes[i].submitted < cut;
	     i++) {
		const struct crash_write *w = &d->writes[i];

		if (write_durable(w, horizon)) {
			memcpy(out + w->off, w->data, w->len);
			continue;
		}
		for (uint32_t b = 0; b < w->len; b += AK_VSA_BLOCK_SIZE)
			if (choose(ctx, item++))
				memcpy(out + w->off + b, w->data + b,
				       AK_VSA_BLOCK_SIZE);
	}
}
