// SPDX-License-Identifier: MIT
/*
 * The Internet checksum against a bit-by-bit reference for every length and
 * alignment up to 300 bytes, a known IPv4 header, and the incremental update.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "lib/net/checksum.h"
#include "tests/check.h"

static uint16_t reference_fold(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void test_against_reference(void)
{
	uint8_t buf[320];

	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t align = 0; align < 8; align++)
		for (size_t len = 0; len <= 300; len++)
			CHECK_EQ(ak_csum_fold(ak_csum_partial(buf + align, len,
							      0x1234)),
				 reference_fold(buf + align, len, 0x1234));
}

static void test_ipv4_header(void)
{
	/* A header whose checksum field (0xb861) is known to be right. */
	uint8_t hdr[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
			   0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
			   0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

	CHECK_EQ(ak_csum_ipv4_header(hdr, sizeof(hdr)), 0);
	hdr[10] = hdr[11] = 0;
	CHECK_EQ(ntohs(ak_csum_ipv4_header(hdr, sizeof(hdr))), 0xb861);
}

static void test_incremental_update(void)
{
	uint8_t hdr[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
			   0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
			   0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	uint16_t csum, old_ttl, new_ttl;

	memcpy(&csum, hdr + 10, 2);
	memcpy(&old_ttl, hdr + 8, 2);
	hdr[8] = 0x3f;
	memcpy(&new_ttl, hdr + 8, 2);
	csum = ak_csum_update16(csum, old_ttl, new_ttl);
	memcpy(hdr + 10, &csum, 2);
	CHECK_EQ(ak_csum_ipv4_header(hdr, sizeof(hdr)), 0);
}

int main(void)
{
	check_timeout(10);
	test_against_reference();
	test_ipv4_header();
	test_incremental_update();
	return 0;
}
