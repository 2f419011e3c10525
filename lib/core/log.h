/* SPDX-License-Identifier: MIT */
/*
 * Internal logging: formatted messages to the application's handler, and a
 * rate-limited form for paths that could otherwise flood the log.
 */
#ifndef AK_CORE_LOG_H
#define AK_CORE_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include <arrakis/log.h>

#include "lib/core/clock.h"

void ak_logf(enum ak_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ak_err(...)   ak_logf(AK_LOG_ERR, __VA_ARGS__)
#define ak_warn(...)  ak_logf(AK_LOG_WARN, __VA_ARGS__)
#define ak_info(...)  ak_logf(AK_LOG_INFO, __VA_ARGS__)
#define ak_debug(...) ak_logf(AK_LOG_DEBUG, __VA_ARGS__)

/*
 * Allows `burst` messages per `interval_ns`; the rest are suppressed and
 * counted. When a new interval starts, ak_ratelimit_allow() reports through
 * *suppressed how many the previous interval swallowed.
 */
struct ak_ratelimit {
	uint64_t interval_ns;
	uint32_t burst;
	uint64_t window_start_ns;
	uint32_t used;
	uint64_t suppressed;
};

#define AK_RATELIMIT_INIT(interval, count)                                     \
	{                                                                      \
		.interval_ns = (interval), .burst = (count)                    \
	}

bool ak_ratelimit_allow(struct ak_ratelimit *rl, uint64_t now_ns,
			uint64_t *suppressed);

/*
 * Logs at most 5 messages per second from this call site, then one line that
 * says how many were suppressed.
 */
#define ak_log_ratelimited(level, fmt, ...)                                    \
	do {                                                                   \
		static struct ak_ratelimit ak_rl_ =                            \
			AK_RATELIMIT_INIT(1000000000ull, 5);                   \
		uint64_t ak_rl_dropped_ = 0;                                   \
		if (ak_ratelimit_allow(&ak_rl_, ak_now_ns(),                   \
				       &ak_rl_dropped_)) {                     \
			if (ak_rl_dropped_)                                    \
				ak_logf(level,                                 \
					"%llu similar messages "               \
					"suppressed",                          \
					(unsigned long long)ak_rl_dropped_);   \
			ak_logf(level, fmt, ##__VA_ARGS__);                    \
		}                                                              \
	} while (0)

#endif
