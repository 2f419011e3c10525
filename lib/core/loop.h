/* SPDX-License-Identifier: MIT */
/*
 * The run-to-completion event loop of the data plane, one per core. Every
 * part that has work to poll (a VNIC, the TCP timers, a VSA's io_uring)
 * registers a poller; the loop calls every poller in turn while any of them
 * reports work, and after an idle period sleeps in poll(2) on the pollers'
 * doorbell fds, so an idle application uses no CPU.
 *
 * Single-threaded: nothing here takes a lock.
 */
#ifndef AK_CORE_LOOP_H
#define AK_CORE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct ak_loop;

struct ak_poller {
	/* Does pending work; returns how many items it handled (0: idle). */
	int (*poll)(void *ctx, uint64_t now_ns);

	/*
	 * Called before the loop sleeps: re-arms the doorbell (e.g. sets
	 * need_wakeup) and returns false if work arrived meanwhile and the
	 * loop must not sleep. NULL: always fine to sleep.
	 */
	bool (*prepare_sleep)(void *ctx);

	int fd; /* becomes readable when there is work; -1 for none */
	void *ctx;

	struct ak_poller *next; /* owned by the loop */
};

struct ak_timer {
	uint64_t deadline_ns;
	void (*fire)(struct ak_timer *timer, uint64_t now_ns);
	void *ctx;
	uint32_t heap_index; /* owned by the loop; 0 when not armed */
};

int ak_loop_create(struct ak_loop **out);
void ak_loop_destroy(struct ak_loop *loop);

void ak_loop_add_poller(struct ak_loop *loop, struct ak_poller *poller);
void ak_loop_del_poller(struct ak_loop *loop, struct ak_poller *poller);

/* Arms (or moves) a timer; it fires once at or after deadline_ns. */
int ak_timer_arm(struct ak_loop *loop, struct ak_timer *timer,
		 uint64_t deadline_ns);
void ak_timer_cancel(struct ak_loop *loop, struct ak_timer *timer);

/*
 * Runs one iteration: every poller once and the due timers; sleeps up to
 * max_sleep_ns when idle past the busy-poll period. Returns the work done.
 */
int ak_loop_run_once(struct ak_loop *loop, uint64_t max_sleep_ns);

/* Busy-poll this long after the last work before sleeping (default 50 us). */
void ak_loop_set_busy_poll(struct ak_loop *loop, uint64_t busy_ns);

#endif
