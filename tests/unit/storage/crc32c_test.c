// SPDX-License-Identifier: MIT
/*
 * CRC32C matches the published check values (RFC 3720 appendix B.4 and the
 * "123456789" check), the SSE4.2 and table forms agree on every length and
 * alignment, and a checksum computed in pieces equals the one-shot value.
 */
#include "lib/storage/crc32c.h"
#include "tests/check.h"

static void test_known_values(void)
{
	uint8_t buf[32];

	CHECK_UEQ(ak_crc32c(0, "123456789", 9), 0xe3069283);
	CHECK_UEQ(ak_crc32c_table(0, "123456789", 9), 0xe3069283);

	/* RFC 3720 B.4: 32 bytes of zeros, of ones, increasing. */
	memset(buf, 0, sizeof(buf));
	CHECK_UEQ(ak_crc32c(0, buf, sizeof(buf)), 0x8a9136aa);
	memset(buf, 0xff, sizeof(buf));
	CHECK_UEQ(ak_crc32c(0, buf, sizeof(buf)), 0x62a8ab43);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	CHECK_UEQ(ak_crc32c(0, buf, sizeof(buf)), 0x46dd794e);
	CHECK_UEQ(ak_crc32c(0, NULL, 0), 0);
}

static void test_forms_agree(void)
{
	uint8_t buf[300];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 7)
			CHECK_UEQ(ak_crc32c(0, buf + off, len),
				  ak_crc32c_table(0, buf + off, len));
}

static void test_pieces(void)
{
	const char *s = "the quick brown fox jumps over the lazy dog";
	size_t n = strlen(s);
	uint32_t whole = ak_crc32c(0, s, n);

	for (size_t cut = 0; cut <= n; cut++)
		CHECK_UEQ(ak_crc32c(ak_crc32c(0, s, cut), s + cut, n - cut),
			  whole);
}

int main(void)
{
	check_timeout(10);
	test_known_values();
	test_forms_agree();
	test_pieces();
	return 0;
}
