// SPDX-License-Identifier: MIT
/*
 * The io_uring backend: one ring per VSA, the extents' fds registered as
 * fixed files and the buffer area as one registered buffer, so a request
 * whose buffer lies in the area costs no page pinning per I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/core/log.h"
#include "lib/storage/vsa_impl.h"

#define URING_DEFAULT_DEPTH 256u
#define URING_DEFAULT_BUF   (1u << 20)

struct uring_backend {
	struct io_uring ring;
	int fds[AK_VSA_MAX_EXTENTS];
	unsigned n_fds;
	bool buffers_registered;
	unsigned queued; /* SQEs prepared but not submitted */
};

static struct io_uring_sqe *uring_sqe(struct uring_backend *ub)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ub->ring);

	if (!sqe) {
		/* The SQ is full of prepared entries: hand them over. */
		io_uring_submit(&ub->ring);
		ub->queued = 0;
		sqe = io_uring_get_sqe(&ub->ring);
	}
	return sqe;
}

static bool in_buffer_area(const struct ak_vsa *vsa, const void *buf,
			   size_t len)
{
	const uint8_t *b = buf, *area = vsa->buf_area;

	return area && b >= area && b + len <= area + vsa->buf_len;
}

static int uring_rw(struct ak_vsa *vsa, struct vsa_piece *piece, bool write,
		    unsigned ext, uint64_t off, void *buf, bool link)
{
	struct uring_backend *ub = vsa->backend;
	struct io_uring_sqe *sqe = uring_sqe(ub);
	bool fixed_buf =
		ub->buffers_registered && in_buffer_area(vsa, buf, piece->len);

	if (!sqe)
		return -EAGAIN;
	if (fixed_buf && write)
		io_uring_prep_write_fixed(sqe, (int)ext, buf, piece->len, off,
					  0);
	else if (fixed_buf)
		io_uring_prep_read_fixed(sqe, (int)ext, buf, piece->len, off,
					 0);
	else if (write)
		io_uring_prep_write(sqe, (int)ext, buf, piece->len, off);
	else
		io_uring_prep_read(sqe, (int)ext, buf, piece->len, off);
	sqe->flags |= IOSQE_FIXED_FILE | (link ? IOSQE_IO_LINK : 0);
	io_uring_sqe_set_data(sqe, piece);
	ub->queued++;
	return 0;
}

static int uring_flush(struct ak_vsa *vsa, struct vsa_piece *piece,
		       unsigned ext, bool link)
{
	struct uring_backend *ub = vsa->backend;
	struct io_uring_sqe *sqe = uring_sqe(ub);

	if (!sqe)
		return -EAGAIN;
	/* On a block device fdatasync also sends the cache flush. */
	io_uring_prep_fsync(sqe, (int)ext, IORING_FSYNC_DATASYNC);
	sqe->flags |= IOSQE_FIXED_FILE | (link ? IOSQE_IO_LINK : 0);
	io_uring_sqe_set_data(sqe, piece);
	ub->queued++;
	return 0;
}

static int uring_submit(struct ak_vsa *vsa)
{
	struct uring_backend *ub = vsa->backend;
	int ret;

	if (!ub->queued)
		return 0;
	ret = io_uring_submit(&ub->ring);
	if (ret >= 0)
		ub->queued = 0;
	return ret < 0 ? ret : 0;
}

static int uring_reap(struct ak_vsa *vsa, bool wait)
{
	struct uring_backend *ub = vsa->backend;
	struct io_uring_cqe *cqe;
	int done = 0;

	if (wait && vsa->pieces_inflight) {
		int ret = io_uring_submit_and_wait(&ub->ring, 1);

		if (ret < 0)
			return ret;
		ub->queued = 0;
	}
	/* Completions may wait as task work until we enter the kernel; the
	 * ring fd already polls readable then, so fetch them. */
	if (!wait && vsa->pieces_inflight && !io_uring_cq_ready(&ub->ring))
		io_uring_get_events(&ub->ring);
	while (io_uring_peek_cqe(&ub->ring, &cqe) == 0) {
		struct vsa_piece *piece = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&ub->ring, cqe);
		ak_vsa_piece_done(vsa, piece, res);
		done++;
	}
	return done;
}

static int uring_doorbell(struct ak_vsa *vsa)
{
	struct uring_backend *ub = vsa->backend;

	return ub->ring.ring_fd;
}

static void close_fds(struct uring_backend *ub)
{
	for (unsigned i = 0; i < ub->n_fds; i++)
		close(ub->fds[i]);
	ub->n_fds = 0;
}

static int dup_fds(struct uring_backend *ub, const int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		ub->fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
		if (ub->fds[i] < 0) {
			int ret = -errno;

			ub->n_fds = i;
			close_fds(ub);
			return ret;
		}
	}
	ub->n_fds = n;
	return 0;
}

static int uring_set_extents(struct ak_vsa *vsa, const int *fds,
			     const uint64_t *sizes, unsigned n)
{
	struct uring_backend *ub = vsa->backend;
	int ret;

	io_uring_unregister_files(&ub->ring);
	close_fds(ub);
	ret = dup_fds(ub, fds, n);
	if (ret)
		return ret;
	ret = io_uring_register_files(&ub->ring, ub->fds, n);
	if (ret)
		return ret;
	ak_vsa_set_sizes(vsa, sizes, n);
	return 0;
}

static void uring_destroy(struct ak_vsa *vsa)
{
	struct uring_backend *ub = vsa->backend;

	io_uring_queue_exit(&ub->ring);
	close_fds(ub);
	free(ub);
}

static const struct ak_vsa_ops uring_ops = {
	.name = "io_uring",
	.rw = uring_rw,
	.flush = uring_flush,
	.submit = uring_submit,
	.reap = uring_reap,
	.doorbell = uring_doorbell,
	.set_extents = uring_set_extents,
	.destroy = uring_destroy,
};

static int uring_setup(struct ak_vsa *vsa, struct uring_backend *ub,
		       const int *fds, unsigned n)
{
	struct iovec iov = {vsa->buf_area, vsa->buf_len};
	int ret;

	ret = io_uring_queue_init(vsa->depth, &ub->ring, 0);
	if (ret)
		return ret;
	ret = dup_fds(ub, fds, n);
	if (ret)
		goto err_ring;
	ret = io_uring_register_files(&ub->ring, ub->fds, n);
	if (ret)
		goto err_fds;

	/* Registered buffers only save work: go on without them if the
	 * memlock limit refuses. */
	ub->buffers_registered =
		vsa->buf_area &&
		io_uring_register_buffers(&ub->ring, &iov, 1) == 0;
	if (vsa->buf_area && !ub->buffers_registered)
		ak_warn("vsa: buffer registration refused, copying instead");
	return 0;

err_fds:
	close_fds(ub);
err_ring:
	io_uring_queue_exit(&ub->ring);
	return ret;
}

int ak_vsa_uring_open(const int *fds, const uint64_t *sizes, unsigned n,
		      const struct ak_vsa_opts *opts, struct ak_vsa **out)
{
	uint32_t depth = opts && opts->queue_depth ? opts->queue_depth
						   : URING_DEFAULT_DEPTH;
	size_t buf = opts && opts->buffer_bytes ? opts->buffer_bytes
						: URING_DEFAULT_BUF;
	struct uring_backend *ub = calloc(1, sizeof(*ub));
	struct ak_vsa *vsa;
	int ret;

	if (!ub)
		return -ENOMEM;
	ret = ak_vsa_init(&vsa, &uring_ops, ub, sizes, n, depth, buf);
	if (ret)
		goto err_backend;
	ret = uring_setup(vsa, ub, fds, n);
	if (ret)
		goto err_vsa;
	*out = vsa;
	return 0;

err_vsa:
	ak_vsa_free_shell(vsa);
err_backend:
	free(ub);
	return ret;
}

int ak_vsa_open_fds(const int *fds, const uint64_t *sizes, unsigned n,
		    const struct ak_vsa_opts *opts, struct ak_vsa **out)
{
	return ak_vsa_uring_open(fds, sizes, n, opts, out);
}
