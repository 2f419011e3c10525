/* SPDX-License-Identifier: MIT */
/*
 * Definitions shared by every public header of libarrakis.
 */
#ifndef ARRAKIS_COMMON_H
#define ARRAKIS_COMMON_H

/* Marks a function as part of the library's public, exported API. */
#define AK_API __attribute__((visibility("default")))

#endif
