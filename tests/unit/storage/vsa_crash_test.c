// SPDX-License-Identifier: MIT
/*
 * The crash-simulating backend produces exactly the states a power cut can
 * leave: flushed writes always, writes completed after a flush was issued
 * (or not completed at all) only when chosen, block by block, and a later
 * write to a block wins over an earlier one.
 */
#include <stdlib.h>

#include "lib/storage/vsa_crash.h"
#include "tests/check.h"

#define BS AK_VSA_BLOCK_SIZE

static bool choose_all(void *ctx, unsigned item)
{
	return true;
}

static bool choose_none(void *ctx, unsigned item)
{
	return false;
}

static bool choose_mask(void *ctx, unsigned item)
{
	return (*(unsigned *)ctx >> item) & 1;
}

static void fill_write(struct ak_vsa *vsa, uint64_t off, size_t len, uint8_t v,
		       uint8_t *buf)
{
	memset(buf, v, len);
	CHECK_OK(ak_vsa_write(vsa, off, buf, len, NULL, NULL));
}

int main(void)
{
	uint8_t *buf, *img;
	struct ak_vsa *vsa;
	uint64_t after_a, after_flush, after_b;
	unsigned mask;

	check_timeout(10);
	CHECK_OK(posix_memalign((void **)&buf, BS, 4 * BS));
	img = malloc(8 * BS);
	CHECK_OK(ak_vsa_crash_open(NULL, 8 * BS, 0, &vsa));

	fill_write(vsa, 0, BS, 0xaa, buf); /* A */
	CHECK_EQ(ak_vsa_poll(vsa), 1);
	after_a = ak_vsa_crash_events(vsa);
	CHECK_OK(ak_vsa_flush(vsa, NULL, NULL));
	fill_write(vsa, BS, 2 * BS, 0xbb, buf); /* B, issued after flush */
	CHECK_EQ(ak_vsa_poll(vsa), 2);
	after_flush = ak_vsa_crash_events(vsa);
	fill_write(vsa, 0, BS, 0xcc, buf); /* C overwrites A, never done */
	after_b = ak_vsa_crash_events(vsa);

	/* Before the flush completed, A itself was optional. */
	CHECK_EQ(ak_vsa_crash_optional(vsa, after_a), 1);
	ak_vsa_crash_image(vsa, after_a, choose_none, NULL, img);
	CHECK_EQ(img[0], 0);

	/* After the flush: A durable, B's two blocks optional. */
	CHECK_EQ(ak_vsa_crash_optional(vsa, after_flush), 2);
	ak_vsa_crash_image(vsa, after_flush, choose_none, NULL, img);
	CHECK_EQ(img[0], 0xaa);
	CHECK_EQ(img[BS], 0);
	mask = 2; /* B's second block only: a torn write */
	ak_vsa_crash_image(vsa, after_flush, choose_mask, &mask, img);
	CHECK_EQ(img[BS], 0);
	CHECK_EQ(img[2 * BS], 0xbb);

	/* With C issued: A durable, C may replace it. */
	CHECK_EQ(ak_vsa_crash_optional(vsa, after_b), 3);
	ak_vsa_crash_image(vsa, after_b, choose_all, NULL, img);
	CHECK_EQ(img[0], 0xcc);
	mask = 3;
	ak_vsa_crash_image(vsa, after_b, choose_mask, &mask, img);
	CHECK_EQ(img[0], 0xaa);

	CHECK_EQ(ak_vsa_poll(vsa), 1);
	ak_vsa_close(vsa);
	free(buf);
	free(img);
	return 0;
}
