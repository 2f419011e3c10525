/* SPDX-License-Identifier: MIT */
#ifndef AK_CORE_CLOCK_H
#define AK_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

#define AK_NSEC_PER_USEC 1000ull
#define AK_NSEC_PER_MSEC 1000000ull
#define AK_NSEC_PER_SEC	 1000000000ull

/* Monotonic time in nanoseconds; the one clock of the data plane. */
static inline uint64_t ak_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * AK_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

#endif
