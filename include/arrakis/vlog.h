/* SPDX-License-Identifier: MIT */
/*
 * A persistent log on a VSA, for write-ahead logging.
 *
 * Records are appended with a completion callback that runs only once the
 * record is durable (written and flushed). Appends that arrive while a
 * commit is in flight are gathered and committed together: one write and
 * one flush for all of them (group commit). Every record carries a sequence
 * number, the epoch of the session that wrote it and a CRC32C; opening the
 * log recovers it and finds the exact durable end, ignoring a torn record,
 * garbage and stale records left from earlier laps or sessions.
 *
 * The log is circular: trimming the head gives its space back, and when it
 * is full the log asks the control plane to grow the VSA.
 *
 * Single-threaded; completions arrive from ak_vsa_poll() / the event loop.
 * Returns 0 or a negative errno:
 *   -EMSGSIZE  record larger than the log's maximum record size
 *   -ENOSPC    full, and growing was impossible or not allowed
 *   -EIO       a write or flush failed; the log refuses further appends
 *   -EUCLEAN   (open) the log's headers exist but neither is valid
 */
#ifndef ARRAKIS_VLOG_H
#define ARRAKIS_VLOG_H

#include <stddef.h>
#include <stdint.h>

#include <arrakis/common.h>
#include <arrakis/vsa.h>

struct ak_vlog;

/* Where a record is: its byte position in the log and its sequence number. */
struct ak_vlog_cursor {
	uint64_t pos;
	uint64_t seq;
};

/* result is 0 once the record is durable, or the error that lost it. */
typedef void (*ak_vlog_cb)(void *ctx, int result, uint64_t seq);

struct ak_vlog_opts {
	/* Largest record payload; fixed when the log is created. 0: 64 KiB. */
	uint32_t max_record;
	/*
	 * Called when the log is full: must make the VSA at least min_size
	 * bytes. NULL: ak_vsa_grow() (through the control plane).
	 */
	int (*grow)(void *ctx, struct ak_vsa *vsa, uint64_t min_size);
	void *grow_ctx;
	/* Fail with -ENOSPC instead of growing. */
	int no_grow;
};

/*
 * Opens the log on vsa (which the log uses but does not own), creating it
 * when the VSA holds none, else recovering it. Records before the recovered
 * end are readable from ak_vlog_head() on.
 */
AK_API int ak_vlog_open(struct ak_vsa *vsa, const struct ak_vlog_opts *opts,
			struct ak_vlog **out);

/* Waits for the appends in flight (their callbacks run), then frees. */
AK_API void ak_vlog_close(struct ak_vlog *log);

/*
 * Appends a record of len bytes (copied; 0 is allowed). cb runs once it is
 * durable. *where (may be NULL) receives the record's cursor.
 */
AK_API int ak_vlog_append(struct ak_vlog *log, const void *data, size_t len,
			  ak_vlog_cb cb, void *ctx,
			  struct ak_vlog_cursor *where);

/* The first record kept, and the end of the durable records. */
AK_API struct ak_vlog_cursor ak_vlog_head(const struct ak_vlog *log);
AK_API struct ak_vlog_cursor ak_vlog_durable_end(const struct ak_vlog *log);

/*
 * Reads the durable record at *cursor into buf (cap bytes) and moves the
 * cursor to the next record. Returns the record's length, -ENOENT at the
 * durable end, -ENOBUFS when cap is too small (cursor unchanged), -EINVAL
 * for a cursor that is not a record of this log (or was trimmed).
 */
AK_API int ak_vlog_read(struct ak_vlog *log, struct ak_vlog_cursor *cursor,
			void *buf, size_t cap);

/*
 * Drops every record before `upto` (a cursor from this log, at most the
 * durable end). Their space is reused once the new head is durable; cb
 * (may be NULL) runs then.
 */
AK_API int ak_vlog_trim(struct ak_vlog *log, struct ak_vlog_cursor upto,
			ak_vsa_cb cb, void *ctx);

/* Bytes the log can hold, and bytes its live records take. */
AK_API uint64_t ak_vlog_capacity(const struct ak_vlog *log);
AK_API uint64_t ak_vlog_used(const struct ak_vlog *log);

struct ak_vlog_stats {
	uint64_t appends;
	uint64_t commits; /* write+flush rounds: appends/commits = batching */
	uint64_t bytes;
	uint64_t grows;
	uint64_t recovered; /* records found at open */
};
AK_API void ak_vlog_get_stats(const struct ak_vlog *log,
			      struct ak_vlog_stats *out);

#endif
