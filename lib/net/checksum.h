/* SPDX-License-Identifier: MIT */
/*
 * The Internet checksum (RFC 1071) with the incremental update of RFC 1624.
 * Sums are kept as 32-bit partial sums until folded, so headers and payload
 * can be summed separately and combined.
 */
#ifndef AK_NET_CHECKSUM_H
#define AK_NET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Adds len bytes at data to a partial sum. The bytes are taken as big-endian
 * 16-bit words starting at data, as if data began on an even offset.
 */
uint32_t ak_csum_partial(const void *data, size_t len, uint32_t sum);

/* Folds a partial sum to 16 bits and complements it: the checksum field. */
static inline uint16_t ak_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The partial sum of the IPv4 pseudo-header (RFC 9293 section 3.1, RFC 768)
 * for addresses in network byte order and an L4 length in host order.
 */
uint32_t ak_csum_pseudo(uint32_t saddr, uint32_t daddr, uint8_t proto,
			uint16_t l4_len);

/*
 * The checksum of an IPv4 header of hdr_len bytes, returned in network byte
 * order ready to store; 0 when verifying a header with its checksum in
 * place means it is valid.
 */
uint16_t ak_csum_ipv4_header(const void *hdr, size_t hdr_len);

/*
 * The UDP or TCP checksum over pseudo-header and segment (with its checksum
 * field in place), in network byte order. Verifying: 0 means valid.
 */
uint16_t ak_csum_l4(uint32_t saddr, uint32_t daddr, uint8_t proto,
		    const void *seg, uint16_t len);

/*
 * RFC 1624 eqn. 3: the new checksum (network order) after a 16-bit field
 * changed from old_val to new_val (both network order).
 */
uint16_t ak_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val);

#endif
