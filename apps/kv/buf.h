/* SPDX-License-Identifier: MIT */
/*
 * A growable byte buffer. Growth is explicit and bounded by the caller, so
 * no length read from the wire ever turns into an allocation by itself.
 */
#ifndef AK_KV_BUF_H
#define AK_KV_BUF_H

#include <stddef.h>
#include <stdint.h>

struct kv_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Makes room for extra more bytes; -ENOMEM on failure. */
int kv_buf_reserve(struct kv_buf *b, size_t extra);

int kv_buf_append(struct kv_buf *b, const void *data, size_t len);

/* Drops the first n bytes, moving the rest to the front. */
void kv_buf_consume(struct kv_buf *b, size_t n);

/* Releases the memory when the buffer is empty and larger than keep. */
void kv_buf_shrink(struct kv_buf *b, size_t keep);

void kv_buf_free(struct kv_buf *b);

#endif
