// SPDX-License-Identifier: MIT
/*
 * The event loop: timers fire in deadline order, re-arm and cancel work,
 * pollers are called while they report work, and an idle loop sleeps in
 * poll(2) on a poller's fd until it becomes readable.
 */
#include <stdbool.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/core/clock.h"
#include "lib/core/loop.h"
#include "tests/check.h"

#define NTIMERS 200

static int fired_order[NTIMERS];
static int nfired;

static void record_fire(struct ak_timer *t, uint64_t now_ns)
{
	CHECK_GE(now_ns, t->deadline_ns);
	fired_order[nfired++] = (int)(intptr_t)t->ctx;
}

static void test_timer_order(void)
{
	struct ak_timer timers[NTIMERS] = {0};
	struct ak_loop *loop;
	uint64_t base = ak_now_ns();
	int i;

	CHECK_OK(ak_loop_create(&loop));
	/* Deadlines in a scrambled order; every 7th is cancelled, every
	 * 5th moved later. */
	for (i = 0; i < NTIMERS; i++) {
		timers[i].fire = record_fire;
		timers[i].ctx = (void *)(intptr_t)i;
		CHECK_OK(ak_timer_arm(loop, &timers[i],
				      base - 1000000 +
					      (uint64_t)((i * 37) % NTIMERS)));
	}
	for (i = 0; i < NTIMERS; i += 7)
		ak_timer_cancel(loop, &timers[i]);
	for (i = 0; i < NTIMERS; i += 5)
		if (i % 7)
			CHECK_OK(ak_timer_arm(loop, &timers[i],
					      base - 1000 + (uint64_t)i));
	nfired = 0;
	while (ak_loop_run_once(loop, 0) > 0)
		;
	CHECK_EQ(nfired, NTIMERS - (NTIMERS + 6) / 7);
	for (i = 1; i < nfired; i++)
		CHECK_LE(timers[fired_order[i - 1]].deadline_ns,
			 timers[fired_order[i]].deadline_ns);
	for (i = 0; i < NTIMERS; i++)
		CHECK_EQ(timers[i].heap_index, 0);
	ak_loop_destroy(loop);
}

struct counting_poller {
	int budget; /* items of work left */
	int calls;
	int sleeps_prepared;
};

static int count_poll(void *ctx, uint64_t now_ns)
{
	struct counting_poller *c = ctx;

	c->calls++;
	if (c->budget > 0) {
		c->budget--;
		return 1;
	}
	return 0;
}

static bool count_prepare(void *ctx)
{
	struct counting_poller *c = ctx;

	c->sleeps_prepared++;
	return true;
}

static void test_poller_and_sleep(void)
{
	struct counting_poller c = {.budget = 10};
	struct ak_poller p = {.poll = count_poll,
			      .prepare_sleep = count_prepare};
	struct ak_loop *loop;
	uint64_t t0, slept;
	uint64_t one = 1;
	int efd;

	efd = eventfd(0, EFD_NONBLOCK);
	CHECK_GE(efd, 0);
	p.fd = efd;
	p.ctx = &c;
	CHECK_OK(ak_loop_create(&loop));
	ak_loop_set_busy_poll(loop, 1000000); /* 1 ms */
	ak_loop_add_poller(loop, &p);

	while (c.budget)
		CHECK_EQ(ak_loop_run_once(loop, 0), 1);
	CHECK_EQ(c.calls, 10);

	/* Within the busy period the loop spins without sleeping... */
	CHECK_EQ(ak_loop_run_once(loop, 200 * AK_NSEC_PER_MSEC), 0);
	CHECK_EQ(c.sleeps_prepared, 0);

	/* ...after it, it sleeps until the timeout when nothing rings... */
	usleep(2000);
	t0 = ak_now_ns();
	ak_loop_run_once(loop, 50 * AK_NSEC_PER_MSEC);
	slept = ak_now_ns() - t0;
	CHECK_EQ(c.sleeps_prepared, 1);
	CHECK_GE(slept, 40 * AK_NSEC_PER_MSEC);

	/* ...and wakes at once when the doorbell rings. */
	CHECK_EQ(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	t0 = ak_now_ns();
	ak_loop_run_once(loop, 2000 * AK_NSEC_PER_MSEC);
	CHECK_LT(ak_now_ns() - t0, 500 * AK_NSEC_PER_MSEC);

	ak_loop_del_poller(loop, &p);
	ak_loop_destroy(loop);
	close(efd);
}

static void wake_fire(struct ak_timer *t, uint64_t now_ns)
{
	*(int *)t->ctx += 1;
}

static void test_sleep_ends_at_timer(void)
{
	struct ak_loop *loop;
	struct ak_timer t = {.fire = wake_fire};
	int fired = 0;
	uint64_t t0;

	t.ctx = &fired;
	CHECK_OK(ak_loop_create(&loop));
	ak_loop_set_busy_poll(loop, 0);
	t0 = ak_now_ns();
	CHECK_OK(ak_timer_arm(loop, &t, t0 + 20 * AK_NSEC_PER_MSEC));
	while (!fired)
		ak_loop_run_once(loop, 5000 * AK_NSEC_PER_MSEC);
	CHECK_GE(ak_now_ns() - t0, 20 * AK_NSEC_PER_MSEC);
	CHECK_LT(ak_now_ns() - t0, 1000 * AK_NSEC_PER_MSEC);
	ak_loop_destroy(loop);
}

int main(void)
{
	check_timeout(20);
	test_timer_order();
	test_poller_and_sleep();
	test_sleep_ends_at_timer();
	return 0;
}
