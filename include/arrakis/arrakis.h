/* SPDX-License-Identifier: MIT */
/*
 * The native API of libarrakis: an application connects to arrakisd, gets a
 * VNIC with its own network stack, and runs a run-to-completion event loop
 * that polls the VNIC's rings, fires timers and calls the application's
 * callbacks. Everything happens on the thread that calls ak_run(); nothing
 * here is thread-safe.
 *
 * Functions return 0 (or a count where said) on success and a negative
 * errno on failure.
 */
#ifndef ARRAKIS_ARRAKIS_H
#define ARRAKIS_ARRAKIS_H

#include <stdint.h>

#include <arrakis/common.h>

struct ak_app;

struct ak_app_config {
	/* arrakisd's socket; NULL: $ARRAKIS_SOCKET or the default path. */
	const char *socket_path;
	/* Container name shown by arrakisctl (1-31 printable characters). */
	const char *name;
	/*
	 * Power policy: busy-poll this long after the last packet before
	 * sleeping on the VNIC's doorbell. 0: the default (50 us).
	 */
	uint64_t busy_poll_ns;
};

/*
 * Connects to arrakisd, opens a VNIC and starts its network stack
 * (announcing the VNIC's address by gratuitous ARP).
 *   -EINVAL            bad config (NULL, bad name)
 *   -ENOENT, -ECONNREFUSED  no daemon listens on the socket
 *   -EAGAIN            the daemon's address pool is exhausted
 *   -EPERM             policy forbids this user a VNIC
 *   -EPROTO            the daemon's reply was malformed
 *   -ENOMEM            out of memory
 */
AK_API int ak_init(const struct ak_app_config *cfg, struct ak_app **out);

/* Closes everything; the daemon releases the VNIC and its port grants. */
AK_API void ak_fini(struct ak_app *app);

/*
 * Runs the event loop until ak_stop() is called (from a callback or a signal
 * handler), returning 0, or until the app cannot go on, returning
 * ak_app_error().
 */
AK_API int ak_run(struct ak_app *app);

/*
 * 0 while the app can run. -ECONNRESET once arrakisd closed the control
 * connection (it was stopped or restarted): the VNIC and every grant are
 * gone with it, so the application should ak_fini() and start again.
 * Checked a few times a second by the loop.
 */
AK_API int ak_app_error(const struct ak_app *app);

/*
 * One iteration of the loop: polls everything once, fires due timers, and
 * when idle past the busy-poll period sleeps at most max_sleep_ns. Returns
 * the number of work items done (packets, timers).
 */
AK_API int ak_run_once(struct ak_app *app, uint64_t max_sleep_ns);

/* Makes ak_run() return after the current iteration (async-signal-safe). */
AK_API void ak_stop(struct ak_app *app);

/* The VNIC's IPv4 address in network byte order, and its MAC. */
AK_API uint32_t ak_app_ipv4(const struct ak_app *app);
AK_API void ak_app_mac(const struct ak_app *app, uint8_t mac[6]);

/* Monotonic nanoseconds, the clock of timers. */
AK_API uint64_t ak_clock_ns(void);

/* A one-shot timer of the application's loop. */
struct ak_app_timer;
typedef void (*ak_app_timer_fn)(void *arg);

/* -ENOMEM. The timer starts disarmed. */
AK_API int ak_app_timer_create(struct ak_app *app, ak_app_timer_fn fn,
			       void *arg, struct ak_app_timer **out);

/* (Re)arms the timer to fire once delay_ns from now. -ENOMEM. */
AK_API int ak_app_timer_start(struct ak_app_timer *timer, uint64_t delay_ns);
AK_API void ak_app_timer_stop(struct ak_app_timer *timer);
AK_API void ak_app_timer_destroy(struct ak_app_timer *timer);

/*
 * Counters of the data path: frames, bytes and drops by reason, and the
 * VNIC's frame accounting. Writes at most len bytes of JSON (one object) to
 * buf, NUL-terminated; returns the length it needed (like snprintf).
 */
AK_API int ak_app_stats_json(struct ak_app *app, char *buf, int len);

#endif
