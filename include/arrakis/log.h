/* SPDX-License-Identifier: MIT */
/*
 * Logging of libarrakis. The library never writes to stdout and never exits;
 * every message goes through one handler that the application may replace.
 * Messages start with their subsystem ("vnic: ...", "tcp: ...") and carry no
 * trailing newline. Data-path events are counted, not logged.
 */
#ifndef ARRAKIS_LOG_H
#define ARRAKIS_LOG_H

#include <arrakis/common.h>

enum ak_log_level {
	AK_LOG_ERR = 0,
	AK_LOG_WARN = 1,
	AK_LOG_INFO = 2,
	AK_LOG_DEBUG = 3,
};

typedef void (*ak_log_fn)(void *ctx, enum ak_log_level level, const char *msg);

/*
 * Replaces the log handler; NULL restores the default, which writes messages
 * at or below the current level to stderr with a level prefix.
 */
AK_API void ak_log_set_handler(ak_log_fn fn, void *ctx);

/* Messages above this level are discarded before formatting. Default: INFO. */
AK_API void ak_log_set_level(enum ak_log_level level);

AK_API enum ak_log_level ak_log_get_level(void);

/* A printable name for a level ("error", "warning", "info", "debug"). */
AK_API const char *ak_log_level_name(enum ak_log_level level);

#endif
