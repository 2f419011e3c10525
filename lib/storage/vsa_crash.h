/* SPDX-License-Identifier: MIT */
/*
 * The crash-simulating VSA backend, for tests. It is a disk with a volatile
 * write cache held in memory: every write and flush is recorded as events
 * (write submitted, write completed, flush submitted, flush completed), and
 * completions happen only when the VSA is polled, in submission order.
 *
 * A power cut after the first `cut` events leaves the durable writes (those
 * completed before the submission of a flush that itself completed before
 * the cut) and any subset of the other submitted writes, block by block: a
 * multi-block write may be torn. ak_vsa_crash_image() builds any such state;
 * the optional blocks are numbered 0..ak_vsa_crash_optional()-1 and a
 * chooser decides which of them made it to the platter.
 */
#ifndef AK_STORAGE_VSA_CRASH_H
#define AK_STORAGE_VSA_CRASH_H

#include <stdbool.h>
#include <stdint.h>

#include <arrakis/vsa.h>

/* A simulated disk of size bytes holding image (NULL: zeros). */
int ak_vsa_crash_open(const void *image, uint64_t size, uint32_t depth,
		      struct ak_vsa **out);

/* Events recorded so far: every cut point is in [0, now]. */
uint64_t ak_vsa_crash_events(const struct ak_vsa *vsa);

/* Blocks that a power cut after `cut` events may or may not have kept. */
unsigned ak_vsa_crash_optional(const struct ak_vsa *vsa, uint64_t cut);

typedef bool (*ak_vsa_crash_choose)(void *ctx, unsigned item);

/*
 * Writes into out (ak_vsa_size() bytes) the disk as a power cut after `cut`
 * events left it, keeping optional block i when choose(ctx, i) is true.
 */
void ak_vsa_crash_image(const struct ak_vsa *vsa, uint64_t cut,
			ak_vsa_crash_choose choose, void *ctx, uint8_t *out);

/* Makes the disk grow to new_size bytes (zeros), as a control plane would. */
int ak_vsa_crash_grow(struct ak_vsa *vsa, uint64_t new_size);

#endif
