// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>

#include "lib/core/log.h"

static void log_to_stderr(void *ctx, enum ak_log_level level, const char *msg);

static ak_log_fn log_handler = log_to_stderr;
static void *log_handler_ctx;
static enum ak_log_level log_level = AK_LOG_INFO;

static void log_to_stderr(void *ctx, enum ak_log_level level, const char *msg)
{
	fprintf(stderr, "arrakis %s: %s\n", ak_log_level_name(level), msg);
}

const char *ak_log_level_name(enum ak_log_level level)
{
	switch (level) {
	case AK_LOG_ERR:
		return "error";
	case AK_LOG_WARN:
		return "warning";
	case AK_LOG_INFO:
		return "info";
	case AK_LOG_DEBUG:
		return "debug";
	}
	return "unknown";
}

void ak_log_set_handler(ak_log_fn fn, void *ctx)
{
	log_handler = fn ? fn : log_to_stderr;
	log_handler_ctx = fn ? ctx : NULL;
}

void ak_log_set_level(enum ak_log_level level)
{
	log_level = level;
}

enum ak_log_level ak_log_get_level(void)
{
	return log_level;
}

void ak_logf(enum ak_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (level > log_level)
		return;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_handler(log_handler_ctx, level, msg);
}

bool ak_ratelimit_allow(struct ak_ratelimit *rl, uint64_t now_ns,
			uint64_t *suppressed)
{
	*suppressed = 0;
	if (now_ns - rl->window_start_ns >= rl->interval_ns ||
	    rl->window_start_ns == 0) {
		*suppressed = rl->suppressed;
		rl->suppressed = 0;
		rl->used = 0;
		rl->window_start_ns = now_ns;
	}
	if (rl->used < rl->burst) {
		rl->used++;
		return true;
	}
	rl->suppressed++;
	return false;
}
