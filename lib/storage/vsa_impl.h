/* SPDX-License-Identifier: MIT */
/*
 * Inside a VSA: the generic layer (vsa.c) checks requests, maps them onto
 * the extents and splits them into pieces; a backend behind an ops table
 * moves the pieces: io_uring on the extents' block devices (vsa_uring.c),
 * or a simulated disk with a volatile write cache that can produce every
 * state a power cut could leave (vsa_crash.c), for tests.
 */
#ifndef AK_STORAGE_VSA_IMPL_H
#define AK_STORAGE_VSA_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <arrakis/vsa.h>

#include "lib/core/loop.h"

#define AK_VSA_MAX_EXTENTS 16u

struct vsa_req {
	ak_vsa_cb cb;
	void *ctx;
	int result;
	unsigned pending; /* pieces not yet completed */
	struct vsa_req *next_free;
};

/* One backend operation: a read or write inside one extent, or a flush. */
struct vsa_piece {
	struct vsa_req *req;
	uint32_t len; /* bytes expected; 0 for a flush */
	struct vsa_piece *next_free;
};

struct ak_vsa_ops {
	const char *name;
	/*
	 * Queue a piece; the backend may submit it now or at submit(). With
	 * link, the next piece queued starts only after this one succeeded
	 * (a write and the flush that must cover it, in one submission).
	 */
	int (*rw)(struct ak_vsa *vsa, struct vsa_piece *piece, bool write,
		  unsigned ext, uint64_t off, void *buf, bool link);
	int (*flush)(struct ak_vsa *vsa, struct vsa_piece *piece, unsigned ext,
		     bool link);
	/* Hands the queued pieces to the device. */
	int (*submit)(struct ak_vsa *vsa);
	/*
	 * Completes the pieces that are done through ak_vsa_piece_done();
	 * with wait, blocks until at least one is. Returns pieces completed.
	 */
	int (*reap)(struct ak_vsa *vsa, bool wait);
	/* Pollable fd that signals completions, or -1. */
	int (*doorbell)(struct ak_vsa *vsa);
	/* Replaces the extents after a grow (the generic layer has drained). */
	int (*set_extents)(struct ak_vsa *vsa, const int *fds,
			   const uint64_t *sizes, unsigned n);
	void (*destroy)(struct ak_vsa *vsa);
};

struct ak_vsa {
	const struct ak_vsa_ops *ops;
	void *backend;

	unsigned n_ext;
	uint64_t ext_size[AK_VSA_MAX_EXTENTS];
	uint64_t size;

	uint32_t depth; /* pieces in flight at most */
	uint32_t pieces_inflight;
	unsigned reqs_inflight;
	struct vsa_req *reqs;
	struct vsa_req *free_reqs;
	struct vsa_piece *pieces;
	struct vsa_piece *free_pieces;

	void *buf_area;
	size_t buf_len;

	/* Set for a VSA opened through the control plane. */
	struct ak_ctl *ctl;
	char name[AK_VSA_NAME_MAX];
	int (*ctl_grow)(struct ak_vsa *vsa, uint64_t new_size);
	void (*ctl_release)(struct ak_vsa *vsa);

	struct ak_loop *loop;
	struct ak_poller poller;
	void (*loop_detach)(struct ak_vsa *vsa);
};

/*
 * Builds the generic part around a backend: extents of the given sizes,
 * depth pieces in flight, a buffer area of buf_len bytes (0: none).
 */
int ak_vsa_init(struct ak_vsa **out, const struct ak_vsa_ops *ops,
		void *backend, const uint64_t *sizes, unsigned n,
		uint32_t depth, size_t buf_len);

/* Frees what ak_vsa_init() built (not the backend). */
void ak_vsa_free_shell(struct ak_vsa *vsa);

/* Called by backends: a piece ended with res (bytes, or -errno). */
void ak_vsa_piece_done(struct ak_vsa *vsa, struct vsa_piece *piece, int res);

/* Sets the extent sizes after a grow. */
void ak_vsa_set_sizes(struct ak_vsa *vsa, const uint64_t *sizes, unsigned n);

/* The io_uring backend over fds (duplicated), buffers in vsa->buf_area. */
int ak_vsa_uring_open(const int *fds, const uint64_t *sizes, unsigned n,
		      const struct ak_vsa_opts *opts, struct ak_vsa **out);

#endif
