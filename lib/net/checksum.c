// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <string.h>

#include "lib/net/checksum.h"

/*
 * Sums 64 bits at a time into a 64-bit accumulator, folding the carries at
 * the end; the ones' complement sum is byte-order independent (RFC 1071
 * section 2(B)), so words are summed in host order and swapped once.
 */
uint32_t ak_csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = 0;
	uint64_t w64;
	uint16_t w16;
	uint32_t w32;

	while (len >= 32) {
		for (int i = 0; i < 4; i++) {
			memcpy(&w64, p + 8 * i, 8);
			acc += w64;
			if (acc < w64)
				acc++;
		}
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&w64, p, 8);
		acc += w64;
		if (acc < w64)
			acc++;
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&w32, p, 4);
		acc += w32;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		acc += w16;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* The odd last byte is the high byte of a big-endian word. */
		uint8_t last[2] = {*p, 0};

		memcpy(&w16, last, 2);
		acc += w16;
	}

	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return sum + ntohs((uint16_t)acc);
}

uint32_t ak_csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto,
			uint16_t l4_len)
{
	uint32_t s = ntohl(saddr), d = ntohl(daddr);

	return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto +
	       l4_len;
}

uint16_t ak_csum_ipv4_header(const void *hdr, size_t hdr_len)
{
	return htons(ak_csum_fold(ak_csum_partial(hdr, hdr_len, 0)));
}

uint16_t ak_csum_l4(uint32_t saddr, uint32_t daddr, uint8_t proto,
		    const void *seg, uint16_t len)
{
	uint32_t sum = ak_csum_pseudo(saddr, daddr, proto, len);

	return htons(ak_csum_fold(ak_csum_partial(seg, len, sum)));
}

uint16_t ak_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val)
{
	/* HC' = ~(~HC + ~m + m') */
	uint32_t sum = (uint16_t)~ntohs(csum);

	sum += (uint16_t)~ntohs(old_val);
	sum += ntohs(new_val);
	return htons(ak_csum_fold(sum));
}
