/* SPDX-License-Identifier: MIT */
/*
 * The run loop of arrakis-echo around an application: signals, and the
 * counters written as JSON on SIGUSR1 and at exit.
 */
#ifndef AK_APPS_ECHO_RUN_H
#define AK_APPS_ECHO_RUN_H

#include "apps/echo/echo.h"

/*
 * Runs app until SIGINT or SIGTERM; on SIGUSR1 and at the end writes the
 * counters to stats_path (NULL: none). Returns 0.
 */
int echo_run(struct ak_app *app, struct echo *e, const char *stats_path);

#endif
