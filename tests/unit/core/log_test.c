// SPDX-License-Identifier: MIT
/*
 * The log handler receives formatted messages at or below the set level,
 * and the rate limiter lets a burst through per interval, then reports how
 * many it suppressed.
 */
#include "lib/core/log.h"
#include "tests/check.h"

struct captured {
	int count;
	enum ak_log_level last_level;
	char last[512];
};

static void capture(void *ctx, enum ak_log_level level, const char *msg)
{
	struct captured *c = ctx;

	c->count++;
	c->last_level = level;
	snprintf(c->last, sizeof(c->last), "%s", msg);
}

static void test_handler_and_level(void)
{
	struct captured c = {0};

	ak_log_set_handler(capture, &c);
	ak_log_set_level(AK_LOG_WARN);
	ak_logf(AK_LOG_ERR, "vnic: ring %d full", 3);
	CHECK_EQ(c.count, 1);
	CHECK_EQ(c.last_level, AK_LOG_ERR);
	CHECK_STREQ(c.last, "vnic: ring 3 full");

	ak_logf(AK_LOG_INFO, "tcp: not shown");
	CHECK_EQ(c.count, 1);
	ak_log_set_handler(NULL, NULL);
}

static void test_ratelimit(void)
{
	struct ak_ratelimit rl = AK_RATELIMIT_INIT(1000, 3);
	uint64_t suppressed = 0;
	int allowed = 0;

	for (int i = 0; i < 10; i++)
		allowed += ak_ratelimit_allow(&rl, 5000 + (uint64_t)i,
					      &suppressed);
	CHECK_EQ(allowed, 3);
	CHECK_UEQ(suppressed, 0);

	CHECK(ak_ratelimit_allow(&rl, 6000, &suppressed));
	CHECK_UEQ(suppressed, 7);
}

static void test_ratelimited_macro(void)
{
	struct captured c = {0};

	ak_log_set_handler(capture, &c);
	ak_log_set_level(AK_LOG_DEBUG);
	for (int i = 0; i < 100; i++)
		ak_log_ratelimited(AK_LOG_WARN, "net: bad frame %d", i);
	CHECK_EQ(c.count, 5);
	CHECK_STREQ(c.last, "net: bad frame 4");
	ak_log_set_handler(NULL, NULL);
}

int main(void)
{
	check_timeout(10);
	test_handler_and_level();
	test_ratelimit();
	test_ratelimited_macro();
	return 0;
}
