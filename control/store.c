// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/store.h"
#include "lib/core/log.h"
#include "lib/storage/crc32c.h"

#define STORE_MAGIC   "AKVSTOR1"
#define STORE_VERSION 1u

/* The on-disk layout is little-endian and packed by hand. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the store's on-disk format is little-endian");

struct store_disk_hdr {
	char magic[8];
	uint32_t version;
	uint32_t crc; /* CRC32C of the copy with this field zero */
	uint64_t seq;
	uint64_t dev_size;
	uint64_t data_start;
	uint32_t block_size;
	uint32_t chunk_size;
	uint32_t n_vsas;
	uint32_t max_vsas;
	uint32_t max_extents;
	uint32_t reserved;
};

struct store_disk_vsa {
	char name[AK_STORE_NAME_MAX];
	uint32_t owner_uid;
	uint32_t n_extents;
	uint64_t size;
	struct ak_store_extent ext[AK_STORE_MAX_EXTENTS];
};

_Static_assert(sizeof(struct store_disk_hdr) == 64, "store header layout");
_Static_assert(sizeof(struct ak_store_extent) == 16, "store extent layout");
_Static_assert(sizeof(struct store_disk_vsa) == 304, "store entry layout");
_Static_assert(sizeof(struct store_disk_vsa) == sizeof(struct ak_store_vsa),
	       "the in-memory entry mirrors the on-disk one");

#define STORE_TABLE_BYTES                                                      \
	(sizeof(struct store_disk_hdr) +                                       \
	 AK_STORE_MAX_VSAS * sizeof(struct store_disk_vsa))
/* What one copy's write covers: the table rounded up to whole blocks. */
#define STORE_COPY_BYTES                                                       \
	((STORE_TABLE_BYTES + AK_STORE_BLOCK - 1) / AK_STORE_BLOCK *           \
	 AK_STORE_BLOCK)
_Static_assert(STORE_COPY_BYTES <= AK_STORE_SLOT, "the table fits its slot");

struct ak_store {
	int fd;
	bool is_blockdev;
	uint64_t dev_size;
	uint64_t seq;
	unsigned loaded_copy;
	unsigned n_vsas;
	struct ak_store_vsa vsas[AK_STORE_MAX_VSAS];
};

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

bool ak_store_name_valid(const char *name)
{
	size_t len = strnlen(name, AK_STORE_NAME_MAX);

	if (len == 0 || len >= AK_STORE_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* ---- encoding and validation of one copy ---- */

static uint32_t copy_crc(const uint8_t *copy)
{
	struct store_disk_hdr hdr;
	uint32_t crc;

	memcpy(&hdr, copy, sizeof(hdr));
	hdr.crc = 0;
	crc = ak_crc32c(0, &hdr, sizeof(hdr));
	return ak_crc32c(crc, copy + sizeof(hdr),
			 STORE_TABLE_BYTES - sizeof(hdr));
}

static void copy_encode(const struct ak_store *st, uint64_t seq, uint8_t *copy)
{
	struct store_disk_hdr hdr = {
		.version = STORE_VERSION,
		.seq = seq,
		.dev_size = st->dev_size,
		.data_start = AK_STORE_DATA_START,
		.block_size = AK_STORE_BLOCK,
		.chunk_size = AK_STORE_CHUNK,
		.n_vsas = st->n_vsas,
		.max_vsas = AK_STORE_MAX_VSAS,
		.max_extents = AK_STORE_MAX_EXTENTS,
	};

	memset(copy, 0, STORE_COPY_BYTES);
	memcpy(hdr.magic, STORE_MAGIC, sizeof(hdr.magic));
	memcpy(copy + sizeof(hdr), st->vsas,
	       st->n_vsas * sizeof(struct store_disk_vsa));
	memcpy(copy, &hdr, sizeof(hdr));
	hdr.crc = copy_crc(copy);
	memcpy(copy, &hdr, sizeof(hdr));
}

static int extent_cmp(const void *a, const void *b)
{
	const struct ak_store_extent *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * Fills out (sorted by offset) with every extent of every VSA, skipping
 * entry `skip` (or none when skip >= n_vsas). Returns the count.
 */
static unsigned collect_extents(const struct ak_store_vsa *vsas, unsigned n,
				unsigned skip, struct ak_store_extent *out)
{
	unsigned count = 0;

	for (unsigned i = 0; i < n; i++) {
		if (i == skip)
			continue;
		for (unsigned e = 0; e < vsas[i].n_extents; e++)
			out[count++] = vsas[i].ext[e];
	}
	qsort(out, count, sizeof(*out), extent_cmp);
	return count;
}

static const char *entry_invalid(const struct ak_store_vsa *v,
				 uint64_t dev_size)
{
	uint64_t sum = 0;

	if (memchr(v->name, 0, sizeof(v->name)) == NULL ||
	    !ak_store_name_valid(v->name))
		return "bad name";
	if (v->n_extents == 0 || v->n_extents > AK_STORE_MAX_EXTENTS)
		return "bad extent count";
	for (unsigned e = 0; e < v->n_extents; e++) {
		const struct ak_store_extent *x = &v->ext[e];

		if (x->offset % AK_STORE_CHUNK || x->length % AK_STORE_CHUNK ||
		    x->length == 0 || x->offset < AK_STORE_DATA_START ||
		    x->offset > dev_size || x->length > dev_size - x->offset)
			return "extent out of range";
		sum += x->length;
	}
	return sum == v->size ? NULL : "size does not match extents";
}

/* Checks one decoded copy; returns why it is unusable, or NULL. */
static const char *copy_invalid(const uint8_t *copy, uint64_t dev_size)
{
	static struct ak_store_extent
		all[AK_STORE_MAX_VSAS * AK_STORE_MAX_EXTENTS];
	const struct store_disk_vsa *ents =
		(const void *)(copy + sizeof(struct store_disk_hdr));
	struct store_disk_hdr hdr;
	unsigned n;

	memcpy(&hdr, copy, sizeof(hdr));
	if (memcmp(hdr.magic, STORE_MAGIC, sizeof(hdr.magic)))
		return "no magic";
	if (hdr.crc != copy_crc(copy))
		return "checksum mismatch";
	if (hdr.version != STORE_VERSION || hdr.block_size != AK_STORE_BLOCK ||
	    hdr.chunk_size != AK_STORE_CHUNK ||
	    hdr.data_start != AK_STORE_DATA_START ||
	    hdr.max_vsas != AK_STORE_MAX_VSAS ||
	    hdr.max_extents != AK_STORE_MAX_EXTENTS)
		return "unsupported format";
	if (hdr.dev_size > dev_size || hdr.n_vsas > AK_STORE_MAX_VSAS)
		return "bad geometry";

	for (unsigned i = 0; i < hdr.n_vsas; i++) {
		const char *why =
			entry_invalid((const void *)&ents[i], hdr.dev_size);

		if (why)
			return why;
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(ents[i].name, ents[j].name))
				return "duplicate name";
	}
	n = collect_extents((const void *)ents, hdr.n_vsas, UINT32_MAX, all);
	for (unsigned i = 1; i < n; i++)
		if (all[i - 1].offset + all[i - 1].length > all[i].offset)
			return "overlapping extents";
	return NULL;
}

/* ---- I/O on the store ---- */

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset(p, 0, len);
			return 0;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int store_sync(struct ak_store *st)
{
	return fdatasync(st->fd) ? -errno : 0;
}

static int write_copy(struct ak_store *st, unsigned which, uint64_t seq)
{
	static uint8_t copy[STORE_COPY_BYTES];
	int ret;

	copy_encode(st, seq, copy);
	ret = pwrite_all(st->fd, copy, sizeof(copy),
			 (uint64_t)which * AK_STORE_SLOT);
	if (ret)
		return ret;
	return store_sync(st);
}

/*
 * Commits the in-memory table: copy 1 first, then copy 0, each synced, so
 * that one copy is always whole (see the header comment).
 */
static int store_commit(struct ak_store *st)
{
	uint64_t seq = st->seq + 1;
	int ret;

	ret = write_copy(st, 1, seq);
	if (ret)
		return ret;
	ret = write_copy(st, 0, seq);
	if (ret)
		return ret;
	st->seq = seq;
	return 0;
}

/* Zeroes [off, off+len) on the store and syncs it. */
static int store_zero(struct ak_store *st, uint64_t off, uint64_t len)
{
	static const uint8_t zeros[AK_STORE_CHUNK];
	uint64_t range[2] = {off, len};
	int ret;

	if (st->is_blockdev) {
		if (ioctl(st->fd, BLKZEROOUT, range) == 0)
			return store_sync(st);
	} else if (fallocate(st->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     (off_t)off, (off_t)len) == 0 ||
		   fallocate(st->fd, FALLOC_FL_ZERO_RANGE, (off_t)off,
			     (off_t)len) == 0) {
		/* A hole reads as zeros and gives the disk space back. */
		return store_sync(st);
	}

	/* The file system or device cannot zero in place: write zeros. */
	for (uint64_t done = 0; done < len; done += AK_STORE_CHUNK) {
		ret = pwrite_all(st->fd, zeros, AK_STORE_CHUNK, off + done);
		if (ret)
			return ret;
	}
	return store_sync(st);
}

/*
 * Preallocates the blocks of extents a VSA just took, so that writing them
 * never fails for want of disk space. Block devices need nothing.
 */
static int store_reserve(struct ak_store *st, const struct ak_store_vsa *old,
			 const struct ak_store_vsa *v)
{
	for (unsigned e = 0; e < v->n_extents && !st->is_blockdev; e++) {
		uint64_t off = v->ext[e].offset, len = v->ext[e].length;

		/* Only the part the old entry did not hold. */
		if (old && e < old->n_extents) {
			off += old->ext[e].length;
			len -= old->ext[e].length;
		}
		if (len && fallocate(st->fd, 0, (off_t)off, (off_t)len))
			return errno == ENOSPC ? -ENOSPC : -errno;
	}
	return 0;
}

/* ---- opening ---- */

static int store_open_fd(const char *path, uint64_t create_size,
			 struct ak_store *st)
{
	struct stat sb;
	int flags = O_RDWR | O_CLOEXEC;

	st->fd = open(path, flags);
	if (st->fd < 0 && errno == ENOENT && create_size) {
		st->fd = open(path, flags | O_CREAT | O_EXCL, 0600);
		/* Sparse: blocks are preallocated per extent, when a VSA
		 * takes them (store_reserve). */
		if (st->fd >= 0 && ftruncate(st->fd, (off_t)create_size)) {
			close(st->fd);
			unlink(path);
			return -errno;
		}
	}
	if (st->fd < 0)
		return -errno;

	if (fstat(st->fd, &sb))
		return -errno;
	st->is_blockdev = S_ISBLK(sb.st_mode);
	if (st->is_blockdev) {
		if (ioctl(st->fd, BLKGETSIZE64, &st->dev_size))
			return -errno;
	} else {
		st->dev_size = (uint64_t)sb.st_size;
	}
	st->dev_size -= st->dev_size % AK_STORE_CHUNK;
	if (st->dev_size < AK_STORE_DATA_START + AK_STORE_CHUNK)
		return -ENOSPC;
	return 0;
}

static void copy_decode(struct ak_store *st, const uint8_t *copy)
{
	struct store_disk_hdr hdr;

	memcpy(&hdr, copy, sizeof(hdr));
	st->seq = hdr.seq;
	st->n_vsas = hdr.n_vsas;
	memcpy(st->vsas, copy + sizeof(hdr),
	       hdr.n_vsas * sizeof(struct store_disk_vsa));
}

/* Rewrites a copy that was corrupt or older than the loaded one. */
static int repair_copy(struct ak_store *st, unsigned which)
{
	int ret = write_copy(st, which, st->seq);

	if (ret)
		ak_err("vsa: store: rewriting copy %u failed: %s", which,
		       strerror(-ret));
	else
		ak_info("vsa: store: copy %u rewritten (seq %llu)", which,
			(unsigned long long)st->seq);
	return ret;
}

static int store_load(struct ak_store *st)
{
	static uint8_t copies[AK_STORE_COPIES][STORE_COPY_BYTES];
	const char *why[AK_STORE_COPIES];
	uint64_t seq[AK_STORE_COPIES] = {0};
	unsigned best, other;
	int ret;

	for (unsigned i = 0; i < AK_STORE_COPIES; i++) {
		ret = pread_all(st->fd, copies[i], STORE_COPY_BYTES,
				(uint64_t)i * AK_STORE_SLOT);
		if (ret)
			return ret;
		why[i] = copy_invalid(copies[i], st->dev_size);
		memcpy(&seq[i],
		       copies[i] + offsetof(struct store_disk_hdr, seq),
		       sizeof(seq[i]));
	}

	if (why[0] && why[1]) {
		if (!strcmp(why[0], "no magic") &&
		    !strcmp(why[1], "no magic")) {
			ak_info("vsa: store: no extent table, formatting");
			st->seq = 0;
			st->n_vsas = 0;
			return store_commit(st);
		}
		ak_err("vsa: store: both copies of the extent table are "
		       "unusable (%s; %s)",
		       why[0], why[1]);
		return -EUCLEAN;
	}

	best = why[0] ? 1 : why[1] ? 0 : (seq[1] > seq[0] ? 1 : 0);
	other = 1 - best;
	copy_decode(st, copies[best]);
	st->loaded_copy = best;

	if (why[other]) {
		ak_warn("vsa: store: copy %u of the extent table is corrupt "
			"(%s); using copy %u (seq %llu, %u VSAs)",
			other, why[other], best, (unsigned long long)st->seq,
			st->n_vsas);
		return repair_copy(st, other);
	}
	if (seq[other] != seq[best]) {
		ak_info("vsa: store: copy %u is older (seq %llu < %llu), "
			"completing the interrupted update",
			other, (unsigned long long)seq[other],
			(unsigned long long)seq[best]);
		return repair_copy(st, other);
	}
	return 0;
}

int ak_store_open(const char *path, uint64_t create_size, struct ak_store **out)
{
	struct ak_store *st = calloc(1, sizeof(*st));
	int ret;

	if (!st)
		return -ENOMEM;
	st->fd = -1;

	ret = store_open_fd(path, round_up(create_size, AK_STORE_CHUNK), st);
	if (ret)
		goto err_close;
	ret = store_load(st);
	if (ret)
		goto err_close;

	*out = st;
	return 0;

err_close:
	if (st->fd >= 0)
		close(st->fd);
	free(st);
	return ret;
}

void ak_store_close(struct ak_store *st)
{
	if (!st)
		return;
	close(st->fd);
	free(st);
}

int ak_store_fd(const struct ak_store *st)
{
	return st->fd;
}

uint64_t ak_store_seq(const struct ak_store *st)
{
	return st->seq;
}

unsigned ak_store_loaded_copy(const struct ak_store *st)
{
	return st->loaded_copy;
}

uint64_t ak_store_data_bytes(const struct ak_store *st)
{
	return st->dev_size - AK_STORE_DATA_START;
}

uint64_t ak_store_free_bytes(const struct ak_store *st)
{
	uint64_t used = 0;

	for (unsigned i = 0; i < st->n_vsas; i++)
		used += st->vsas[i].size;
	return ak_store_data_bytes(st) - used;
}

unsigned ak_store_count(const struct ak_store *st)
{
	return st->n_vsas;
}

const struct ak_store_vsa *ak_store_at(const struct ak_store *st, unsigned i)
{
	return i < st->n_vsas ? &st->vsas[i] : NULL;
}

static int find_index(const struct ak_store *st, const char *name)
{
	for (unsigned i = 0; i < st->n_vsas; i++)
		if (!strcmp(st->vsas[i].name, name))
			return (int)i;
	return -ENOENT;
}

const struct ak_store_vsa *ak_store_find(const struct ak_store *st,
					 const char *name)
{
	int i = find_index(st, name);

	return i < 0 ? NULL : &st->vsas[i];
}

/* ---- allocation ---- */

#define STORE_MAX_USED ((AK_STORE_MAX_VSAS + 1) * AK_STORE_MAX_EXTENTS)

/*
 * Every extent in use, sorted: those of all entries but `self`, plus those
 * of v (the entry being changed).
 */
static unsigned used_with(const struct ak_store *st, unsigned self,
			  const struct ak_store_vsa *v,
			  struct ak_store_extent *out)
{
	unsigned n = collect_extents(st->vsas, st->n_vsas, self, out);

	for (unsigned e = 0; e < v->n_extents; e++)
		out[n++] = v->ext[e];
	qsort(out, n, sizeof(*out), extent_cmp);
	return n;
}

/* Length of the free gap starting exactly at off (0 when off is taken). */
static uint64_t gap_at(const struct ak_store_extent *used, unsigned n,
		       uint64_t off, uint64_t dev_size)
{
	uint64_t end = dev_size;

	for (unsigned i = 0; i < n; i++) {
		if (used[i].offset <= off &&
		    off < used[i].offset + used[i].length)
			return 0;
		if (used[i].offset > off && used[i].offset < end)
			end = used[i].offset;
	}
	return off < end ? end - off : 0;
}

/*
 * Adds want bytes to entry v (table index self, or none): first by
 * extending its last extent in place, so a grown VSA stays contiguous when
 * it can, then first-fit over the free gaps. v changes only on success.
 */
static int alloc_into(const struct ak_store *st, unsigned self,
		      struct ak_store_vsa *v, uint64_t want)
{
	static struct ak_store_extent used[STORE_MAX_USED];
	struct ak_store_vsa next = *v;
	uint64_t cursor = AK_STORE_DATA_START;
	unsigned n;

	if (next.n_extents) {
		struct ak_store_extent *last = &next.ext[next.n_extents - 1];
		uint64_t gap;

		n = used_with(st, self, &next, used);
		gap = gap_at(used, n, last->offset + last->length,
			     st->dev_size);
		last->length += gap < want ? gap : want;
		want -= gap < want ? gap : want;
	}

	n = used_with(st, self, &next, used);
	for (unsigned i = 0; i <= n && want; i++) {
		uint64_t gap_end = i < n ? used[i].offset : st->dev_size;

		if (gap_end > cursor) {
			uint64_t take = gap_end - cursor < want
						? gap_end - cursor
						: want;

			if (next.n_extents == AK_STORE_MAX_EXTENTS)
				return -E2BIG;
			next.ext[next.n_extents++] =
				(struct ak_store_extent){cursor, take};
			want -= take;
		}
		if (i < n && used[i].offset + used[i].length > cursor)
			cursor = used[i].offset + used[i].length;
	}
	if (want)
		return -ENOSPC;

	next.size = 0;
	for (unsigned e = 0; e < next.n_extents; e++)
		next.size += next.ext[e].length;
	*v = next;
	return 0;
}

int ak_store_create(struct ak_store *st, const char *name, uint32_t uid,
		    uint64_t size)
{
	struct ak_store_vsa v = {0};
	int ret;

	if (!ak_store_name_valid(name) || size == 0)
		return -EINVAL;
	if (find_index(st, name) >= 0)
		return -EEXIST;
	if (st->n_vsas == AK_STORE_MAX_VSAS)
		return -ENOSPC;
	size = round_up(size, AK_STORE_CHUNK);
	if (size > ak_store_free_bytes(st))
		return -ENOSPC;

	strcpy(v.name, name);
	v.owner_uid = uid;
	ret = alloc_into(st, UINT32_MAX, &v, size);
	if (ret)
		return ret;
	ret = store_reserve(st, NULL, &v);
	if (ret)
		return ret;

	st->vsas[st->n_vsas++] = v;
	ret = store_commit(st);
	if (ret)
		st->n_vsas--;
	return ret;
}

/* Cuts the entry down to size bytes, zeroing what it releases. */
static int shrink_entry(struct ak_store *st, struct ak_store_vsa *v,
			uint64_t size)
{
	struct ak_store_vsa next = *v;
	uint64_t excess = v->size - size;
	int ret;

	while (excess) {
		struct ak_store_extent *last = &next.ext[next.n_extents - 1];
		uint64_t cut = last->length < excess ? last->length : excess;

		ret = store_zero(st, last->offset + last->length - cut, cut);
		if (ret)
			return ret;
		last->length -= cut;
		excess -= cut;
		if (last->length == 0)
			next.n_extents--;
	}
	next.size = size;
	*v = next;
	return 0;
}

int ak_store_resize(struct ak_store *st, const char *name, uint64_t new_size)
{
	int i = find_index(st, name);
	struct ak_store_vsa saved, *v;
	int ret;

	if (i < 0)
		return i;
	if (new_size == 0)
		return -EINVAL;
	new_size = round_up(new_size, AK_STORE_CHUNK);
	v = &st->vsas[i];
	saved = *v;

	if (new_size > v->size) {
		if (new_size - v->size > ak_store_free_bytes(st))
			return -ENOSPC;
		ret = alloc_into(st, (unsigned)i, v, new_size - v->size);
		if (ret == 0)
			ret = store_reserve(st, &saved, v);
		if (ret)
			*v = saved;
	} else {
		ret = shrink_entry(st, v, new_size);
	}
	if (ret)
		return ret;

	ret = store_commit(st);
	if (ret)
		*v = saved;
	return ret;
}

int ak_store_delete(struct ak_store *st, const char *name)
{
	int i = find_index(st, name);
	struct ak_store_vsa saved;
	int ret;

	if (i < 0)
		return i;
	saved = st->vsas[i];
	for (unsigned e = 0; e < saved.n_extents; e++) {
		ret = store_zero(st, saved.ext[e].offset, saved.ext[e].length);
		if (ret)
			return ret;
	}

	st->vsas[i] = st->vsas[--st->n_vsas];
	ret = store_commit(st);
	if (ret) {
		st->vsas[st->n_vsas] = st->vsas[i];
		st->vsas[i] = saved;
		st->n_vsas++;
	}
	return ret;
}
