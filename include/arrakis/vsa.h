/* SPDX-License-Identifier: MIT */
/*
 * Virtual storage areas (VSAs): a run of blocks that arrakisd carved out of
 * its backing store and granted to this container as one bounded block
 * device per extent. The library sees them as one logical address space and
 * does its own I/O on them, asynchronously: on io_uring with O_DIRECT,
 * registered buffers and fixed files, completions delivered from
 * ak_vsa_poll() (or the event loop's poller) as callbacks.
 *
 * Offsets and lengths of reads and writes are multiples of
 * AK_VSA_BLOCK_SIZE, and buffers are aligned to it. A buffer inside the
 * VSA's own buffer area (ak_vsa_buffer()) is used without a copy through
 * a registered buffer; any other aligned buffer works too.
 *
 * Errors returned by every call (negative errno, never errno):
 *   -EINVAL  misaligned offset, length or buffer; zero length
 *   -ERANGE  the request reaches past the end of the VSA
 *   -EAGAIN  too many requests in flight (poll, then retry)
 *   -ENOMEM  out of memory
 * A completion callback gets 0 or the request's negative errno (-EIO...).
 */
#ifndef ARRAKIS_VSA_H
#define ARRAKIS_VSA_H

#include <stddef.h>
#include <stdint.h>

#include <arrakis/common.h>

#define AK_VSA_BLOCK_SIZE 4096u
#define AK_VSA_NAME_MAX	  32 /* 1-31 characters of [A-Za-z0-9._-] + NUL */

struct ak_vsa;
struct ak_ctl;
struct ak_loop;

typedef void (*ak_vsa_cb)(void *ctx, int result);

struct ak_vsa_opts {
	uint32_t queue_depth; /* io_uring entries; 0: 256 */
	size_t buffer_bytes;  /* registered buffer area; 0: 1 MiB */
};

/*
 * Opens the VSA `name` through the control plane: the daemon checks that
 * this container's uid owns it (or is root) and passes one bounded block
 * device per extent. A VSA is open in one container at a time.
 * -ENOENT no such VSA, -EACCES not the owner, -EBUSY open in another
 * container.
 */
AK_API int ak_vsa_open(struct ak_ctl *ctl, const char *name,
		       const struct ak_vsa_opts *opts, struct ak_vsa **out);

/*
 * Opens a VSA over already-open fds, in order: block devices or files,
 * opened read-write with O_DIRECT, each sizes[i] bytes (a multiple of
 * AK_VSA_BLOCK_SIZE). The fds are duplicated; the caller keeps its own.
 */
AK_API int ak_vsa_open_fds(const int *fds, const uint64_t *sizes, unsigned n,
			   const struct ak_vsa_opts *opts, struct ak_vsa **out);

/*
 * Waits for the requests in flight (their callbacks run), then closes the
 * VSA. A VSA opened through ak_vsa_open is also released at the daemon.
 */
AK_API void ak_vsa_close(struct ak_vsa *vsa);

AK_API uint64_t ak_vsa_size(const struct ak_vsa *vsa);

/* The registered buffer area: zero-copy for requests whose buffer is in it. */
AK_API void *ak_vsa_buffer(const struct ak_vsa *vsa, size_t *len);

AK_API int ak_vsa_read(struct ak_vsa *vsa, uint64_t offset, void *buf,
		       size_t len, ak_vsa_cb cb, void *ctx);
AK_API int ak_vsa_write(struct ak_vsa *vsa, uint64_t offset, const void *buf,
			size_t len, ak_vsa_cb cb, void *ctx);

/*
 * Makes durable every write whose completion callback has run before this
 * call (writes still in flight are not covered: wait for them first).
 */
AK_API int ak_vsa_flush(struct ak_vsa *vsa, ak_vsa_cb cb, void *ctx);

/*
 * A write followed by a flush, submitted together as one chain (no round
 * trip between them): cb runs once this write, and every write completed
 * before this call, is durable.
 */
AK_API int ak_vsa_write_durable(struct ak_vsa *vsa, uint64_t offset,
				const void *buf, size_t len, ak_vsa_cb cb,
				void *ctx);

/* Delivers the completions that are ready; returns how many requests ended. */
AK_API int ak_vsa_poll(struct ak_vsa *vsa);

/* Waits until every request in flight has completed. */
AK_API int ak_vsa_drain(struct ak_vsa *vsa);

/* Requests submitted and not yet completed. */
AK_API unsigned ak_vsa_inflight(const struct ak_vsa *vsa);

/*
 * Grows the VSA to at least new_size bytes through the control plane and
 * maps the new blocks (drains first). -EOPNOTSUPP for a VSA opened from fds.
 */
AK_API int ak_vsa_grow(struct ak_vsa *vsa, uint64_t new_size);

/*
 * Registers the VSA's completion queue with an event loop (lib/core/loop.h),
 * so completions are delivered by ak_loop_run_once(); undone by close.
 */
AK_API int ak_vsa_attach_loop(struct ak_vsa *vsa, struct ak_loop *loop);
AK_API void ak_vsa_detach_loop(struct ak_vsa *vsa);

/* Control-plane management (any container; policy decides). */
struct ak_vsa_info {
	char name[AK_VSA_NAME_MAX];
	uint32_t owner_uid;
	uint32_t n_extents;
	uint64_t size;
	uint32_t open_count; /* containers that have it open */
};

/* -EEXIST, -ENOSPC, -EINVAL (name or size), -E2BIG (too fragmented). */
AK_API int ak_vsa_create(struct ak_ctl *ctl, const char *name, uint64_t size);
/* -ENOENT, -EACCES, -EBUSY (shrink while open elsewhere), -ENOSPC. */
AK_API int ak_vsa_resize(struct ak_ctl *ctl, const char *name,
			 uint64_t new_size);
/* -ENOENT, -EACCES, -EBUSY (open). The blocks are zeroed before reuse. */
AK_API int ak_vsa_delete(struct ak_ctl *ctl, const char *name);
/* Fills up to cap entries; returns the total count (may exceed cap). */
AK_API int ak_vsa_list(struct ak_ctl *ctl, struct ak_vsa_info *out,
		       unsigned cap);

#endif
