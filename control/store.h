/* SPDX-License-Identifier: MIT */
/*
 * The VSA store: the backing file or block device that arrakisd carves into
 * virtual storage areas, and its on-disk extent table.
 *
 * Layout: two copies of the table (superblock + one entry per VSA), each in
 * its own 64 KiB slot at the start of the store, then the data area in
 * 64 KiB chunks. Each copy carries a sequence number and a CRC32C. An update
 * writes the second copy, syncs, then the first copy, syncs: a crash at any
 * point leaves at least one valid copy holding either the old or the new
 * table, and opening picks the valid copy with the higher sequence number,
 * logs a corrupt or stale one and rewrites it.
 *
 * Functions return 0 or a negative errno; they log only on the control path
 * (opening, repairing), never per request.
 */
#ifndef AK_CONTROL_STORE_H
#define AK_CONTROL_STORE_H

#include <stdbool.h>
#include <stdint.h>

#define AK_STORE_BLOCK	     4096u
#define AK_STORE_CHUNK	     (64u * 1024u)
#define AK_STORE_SLOT	     (64u * 1024u)
#define AK_STORE_COPIES	     2u
#define AK_STORE_DATA_START  ((uint64_t)AK_STORE_SLOT * AK_STORE_COPIES)
#define AK_STORE_NAME_MAX    32u /* including the terminating NUL */
#define AK_STORE_MAX_VSAS    64u
#define AK_STORE_MAX_EXTENTS 16u

struct ak_store_extent {
	uint64_t offset; /* bytes from the start of the store */
	uint64_t length; /* bytes, a multiple of AK_STORE_CHUNK */
};

struct ak_store_vsa {
	char name[AK_STORE_NAME_MAX];
	uint32_t owner_uid;
	uint32_t n_extents;
	uint64_t size; /* sum of the extents' lengths */
	struct ak_store_extent ext[AK_STORE_MAX_EXTENTS];
};

struct ak_store;

/*
 * Opens the store at path. A missing file is created with create_size bytes
 * when create_size > 0, sparse: the blocks of each extent are preallocated
 * when a VSA takes it, and released blocks are punched out again; a store
 * with no table on it (no copy carries the magic) is formatted. -EUCLEAN
 * when copies exist but neither is valid, -ENOENT when path is missing and
 * create_size is 0.
 */
int ak_store_open(const char *path, uint64_t create_size,
		  struct ak_store **out);
void ak_store_close(struct ak_store *st);

/* The store's fd (read-write), for attaching loop devices. */
int ak_store_fd(const struct ak_store *st);

/* Total bytes of the data area, and bytes not held by any VSA. */
uint64_t ak_store_data_bytes(const struct ak_store *st);
uint64_t ak_store_free_bytes(const struct ak_store *st);

/* The table's sequence number: grows by one per committed update. */
uint64_t ak_store_seq(const struct ak_store *st);

/* Which copy opening read the table from (0 or 1). */
unsigned ak_store_loaded_copy(const struct ak_store *st);

unsigned ak_store_count(const struct ak_store *st);
const struct ak_store_vsa *ak_store_at(const struct ak_store *st, unsigned i);
const struct ak_store_vsa *ak_store_find(const struct ak_store *st,
					 const char *name);

/* true for 1-31 characters of [A-Za-z0-9._-], not starting with '.'. */
bool ak_store_name_valid(const char *name);

/*
 * Creates a VSA of at least size bytes (rounded up to AK_STORE_CHUNK).
 * -EINVAL bad name or size 0, -EEXIST name taken, -ENOSPC no room (or no
 * free table entry), -E2BIG the free space is too fragmented for
 * AK_STORE_MAX_EXTENTS extents.
 */
int ak_store_create(struct ak_store *st, const char *name, uint32_t uid,
		    uint64_t size);

/*
 * Grows or shrinks a VSA to new_size (rounded up to AK_STORE_CHUNK). Growing
 * extends the last extent in place when the space after it is free, else
 * adds extents; old bytes stay where they are. Shrinking releases extents
 * from the end and zeroes the released bytes on the store before the table
 * says they are free. -ENOENT, -EINVAL (size 0), -ENOSPC, -E2BIG.
 */
int ak_store_resize(struct ak_store *st, const char *name, uint64_t new_size);

/* Zeroes a VSA's bytes, then removes it from the table. -ENOENT. */
int ak_store_delete(struct ak_store *st, const char *name);

#endif
