// SPDX-License-Identifier: MIT
#include <stdbool.h>
#include <string.h>

#include "lib/storage/crc32c.h"

#define CRC32C_POLY 0x82f63b78u

static uint32_t crc32c_tab[256];
static bool crc32c_tab_ready;

static void crc32c_tab_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
		crc32c_tab[i] = c;
	}
	crc32c_tab_ready = true;
}

uint32_t ak_crc32c_table(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (!crc32c_tab_ready)
		crc32c_tab_init();

	crc = ~crc;
	while (len--)
		crc = crc32c_tab[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t
crc32c_sse42(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t c = ~crc;

	while (len >= 8) {
		uint64_t word;

		memcpy(&word, p, sizeof(word));
		c = __builtin_ia32_crc32di(c, word);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

uint32_t ak_crc32c(uint32_t crc, const void *data, size_t len)
{
	static int have_sse42 = -1;

	if (have_sse42 < 0)
		have_sse42 = __builtin_cpu_supports("sse4.2");
	if (have_sse42)
		return crc32c_sse42(crc, data, len);
	return ak_crc32c_table(crc, data, len);
}
#else
uint32_t ak_crc32c(uint32_t crc, const void *data, size_t len)
{
	return ak_crc32c_table(crc, data, len);
}
#endif
