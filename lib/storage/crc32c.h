/* SPDX-License-Identifier: MIT */
/*
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of the
 * persistent log's records and of the VSA store's extent table. Uses the
 * SSE4.2 crc32 instruction when the CPU has it, a table otherwise; both give
 * the same value.
 */
#ifndef AK_STORAGE_CRC32C_H
#define AK_STORAGE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continues a CRC over len more bytes. Start with crc = 0; the result of one
 * call can be passed to the next to checksum data in pieces.
 */
uint32_t ak_crc32c(uint32_t crc, const void *data, size_t len);

/* The table-driven form, exported so tests can compare the two. */
uint32_t ak_crc32c_table(uint32_t crc, const void *data, size_t len);

#endif
