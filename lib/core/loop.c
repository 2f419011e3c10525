// SPDX-License-Identifier: MIT
/*
 * The event loop: pollers called in turn, a binary min-heap of timers, and
 * the power policy. While any poller reports work the loop spins; once the
 * pollers have been idle for the busy-poll period it asks each to re-arm
 * its doorbell and sleeps in poll(2) until a doorbell rings or the next
 * timer is due.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "lib/core/clock.h"
#include "lib/core/loop.h"

#define LOOP_DEFAULT_BUSY_NS (50 * AK_NSEC_PER_USEC)
#define LOOP_MAX_FDS	     16

struct ak_loop {
	struct ak_poller *pollers;
	struct ak_timer **heap; /* 1-based; heap[0] unused */
	uint32_t heap_len;
	uint32_t heap_cap;
	uint64_t busy_ns;
	uint64_t last_work_ns;
};

int ak_loop_create(struct ak_loop **out)
{
	struct ak_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->busy_ns = LOOP_DEFAULT_BUSY_NS;
	loop->last_work_ns = ak_now_ns();
	*out = loop;
	return 0;
}

void ak_loop_destroy(struct ak_loop *loop)
{
	if (!loop)
		return;
	free(loop->heap);
	free(loop);
}

void ak_loop_add_poller(struct ak_loop *loop, struct ak_poller *poller)
{
	poller->next = loop->pollers;
	loop->pollers = poller;
}

void ak_loop_del_poller(struct ak_loop *loop, struct ak_poller *poller)
{
	struct ak_poller **pp;

	for (pp = &loop->pollers; *pp; pp = &(*pp)->next) {
		if (*pp == poller) {
			*pp = poller->next;
			poller->next = NULL;
			return;
		}
	}
}

void ak_loop_set_busy_poll(struct ak_loop *loop, uint64_t busy_ns)
{
	loop->busy_ns = busy_ns;
}

static void heap_place(struct ak_loop *loop, uint32_t i, struct ak_timer *t)
{
	loop->heap[i] = t;
	t->heap_index = i;
}

static void heap_sift_up(struct ak_loop *loop, uint32_t i)
{
	struct ak_timer *t = loop->heap[i];

	while (i > 1 && loop->heap[i / 2]->deadline_ns > t->deadline_ns) {
		heap_place(loop, i, loop->heap[i / 2]);
		i /= 2;
	}
	heap_place(loop, i, t);
}

static void heap_sift_down(struct ak_loop *loop, uint32_t i)
{
	struct ak_timer *t = loop->heap[i];
	uint32_t child;

	while ((child = 2 * i) <= loop->heap_len) {
		if (child < loop->heap_len &&
		    loop->heap[child + 1]->deadline_ns <
			    loop->heap[child]->deadline_ns)
			child++;
		if (loop->heap[child]->deadline_ns >= t->deadline_ns)
			break;
		heap_place(loop, i, loop->heap[child]);
		i = child;
	}
	heap_place(loop, i, t);
}

static int heap_reserve(struct ak_loop *loop)
{
	struct ak_timer **heap;
	uint32_t cap;

	if (loop->heap_len + 1 < loop->heap_cap)
		return 0;
	cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
	heap = realloc(loop->heap, cap * sizeof(*heap));
	if (!heap)
		return -ENOMEM;
	loop->heap = heap;
	loop->heap_cap = cap;
	return 0;
}

int ak_timer_arm(struct ak_loop *loop, struct ak_timer *timer,
		 uint64_t deadline_ns)
{
	uint64_t old;
	int err;

	if (timer->heap_index) {
		old = timer->deadline_ns;
		timer->deadline_ns = deadline_ns;
		if (deadline_ns < old)
			heap_sift_up(loop, timer->heap_index);
		else
			heap_sift_down(loop, timer->heap_index);
		return 0;
	}

	err = heap_reserve(loop);
	if (err)
		return err;
	timer->deadline_ns = deadline_ns;
	loop->heap_len++;
	heap_place(loop, loop->heap_len, timer);
	heap_sift_up(loop, loop->heap_len);
	return 0;
}

void ak_timer_cancel(struct ak_loop *loop, struct ak_timer *timer)
{
	uint32_t i = timer->heap_index;
	struct ak_timer *last;

	if (!i)
		return;
	timer->heap_index = 0;
	last = loop->heap[loop->heap_len--];
	if (last == timer)
		return;
	heap_place(loop, i, last);
	heap_sift_up(loop, i);
	heap_sift_down(loop, last->heap_index);
}

static int run_timers(struct ak_loop *loop, uint64_t now_ns)
{
	struct ak_timer *t;
	int fired = 0;

	/* A timer re-armed for "now" by its own callback waits a round. */
	while (loop->heap_len && loop->heap[1]->deadline_ns <= now_ns &&
	       fired < 256) {
		t = loop->heap[1];
		ak_timer_cancel(loop, t);
		t->fire(t, now_ns);
		fired++;
	}
	return fired;
}

static int run_pollers(struct ak_loop *loop, uint64_t now_ns)
{
	struct ak_poller *p, *next;
	int work = 0, n;

	for (p = loop->pollers; p; p = next) {
		next = p->next;
		n = p->poll(p->ctx, now_ns);
		if (n > 0)
			work += n;
	}
	return work;
}

/* Re-arms every doorbell; false when one of them saw work meanwhile. */
static bool prepare_sleep(struct ak_loop *loop)
{
	struct ak_poller *p;
	bool ok = true;

	for (p = loop->pollers; p; p = p->next)
		if (p->prepare_sleep && !p->prepare_sleep(p->ctx))
			ok = false;
	return ok;
}

static void sleep_on_doorbells(struct ak_loop *loop, uint64_t now_ns,
			       uint64_t max_sleep_ns)
{
	struct pollfd fds[LOOP_MAX_FDS];
	struct ak_poller *p;
	uint64_t sleep_ns = max_sleep_ns;
	int nfds = 0, timeout_ms;

	if (loop->heap_len) {
		uint64_t due = loop->heap[1]->deadline_ns;

		if (due <= now_ns)
			return;
		if (due - now_ns < sleep_ns)
			sleep_ns = due - now_ns;
	}
	for (p = loop->pollers; p && nfds < LOOP_MAX_FDS; p = p->next) {
		if (p->fd < 0)
			continue;
		fds[nfds].fd = p->fd;
		fds[nfds].events = POLLIN;
		fds[nfds].revents = 0;
		nfds++;
	}

	/* Round up so a timer is never woken for just before its deadline. */
	timeout_ms =
		(int)((sleep_ns + AK_NSEC_PER_MSEC - 1) / AK_NSEC_PER_MSEC);
	poll(fds, (nfds_t)nfds, timeout_ms);
}

int ak_loop_run_once(struct ak_loop *loop, uint64_t max_sleep_ns)
{
	uint64_t now = ak_now_ns();
	int work;

	work = run_pollers(loop, now);
	work += run_timers(loop, now);
	if (work) {
		loop->last_work_ns = now;
		return work;
	}
	if (max_sleep_ns == 0 || now - loop->last_work_ns < loop->busy_ns)
		return 0;
	if (!prepare_sleep(loop))
		return 0;
	sleep_on_doorbells(loop, now, max_sleep_ns);
	return 0;
}
