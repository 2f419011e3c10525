/* SPDX-License-Identifier: MIT */
/*
 * Assertions for the C tests. A failed check prints where it failed, the
 * expression and both values, then exits 1; a test that cannot run on this
 * machine calls check_skip() (exit 77, the reason printed). Every test gets a
 * watchdog: check_timeout() arms SIGALRM so a hung test fails instead of
 * stalling the suite.
 */
#ifndef AK_TESTS_CHECK_H
#define AK_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_SKIP_EXIT 77

#define check_fail(...)                                                        \
	do {                                                                   \
		fprintf(stderr, "%s:%d: check failed: ", __FILE__, __LINE__);  \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		exit(1);                                                       \
	} while (0)

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			check_fail("%s", #cond);                               \
	} while (0)

#define CHECK_INT_OP(a, op, b)                                                 \
	do {                                                                   \
		long long check_a_ = (long long)(a);                           \
		long long check_b_ = (long long)(b);                           \
		if (!(check_a_ op check_b_))                                   \
			check_fail("%s %s %s: %lld vs %lld", #a, #op, #b,      \
				   check_a_, check_b_);                        \
	} while (0)

#define CHECK_EQ(a, b) CHECK_INT_OP(a, ==, b)
#define CHECK_NE(a, b) CHECK_INT_OP(a, !=, b)
#define CHECK_LT(a, b) CHECK_INT_OP(a, <, b)
#define CHECK_LE(a, b) CHECK_INT_OP(a, <=, b)
#define CHECK_GT(a, b) CHECK_INT_OP(a, >, b)
#define CHECK_GE(a, b) CHECK_INT_OP(a, >=, b)

#define CHECK_UEQ(a, b)                                                        \
	do {                                                                   \
		uint64_t check_a_ = (uint64_t)(a);                             \
		uint64_t check_b_ = (uint64_t)(b);                             \
		if (check_a_ != check_b_)                                      \
			check_fail("%s == %s: %" PRIu64 " vs %" PRIu64, #a,    \
				   #b, check_a_, check_b_);                    \
	} while (0)

/* An errno-style result: 0 or a non-negative count is success. */
#define CHECK_OK(expr)                                                         \
	do {                                                                   \
		long long check_r_ = (long long)(expr);                        \
		if (check_r_ < 0)                                              \
			check_fail("%s: returned %lld (%s)", #expr, check_r_,  \
				   strerror((int)-check_r_));                  \
	} while (0)

#define CHECK_STREQ(a, b)                                                      \
	do {                                                                   \
		const char *check_a_ = (a);                                    \
		const char *check_b_ = (b);                                    \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_))      \
			check_fail("%s == %s: \"%s\" vs \"%s\"", #a, #b,       \
				   check_a_ ? check_a_ : "(null)",             \
				   check_b_ ? check_b_ : "(null)");            \
	} while (0)

#define CHECK_MEMEQ(a, b, n)                                                   \
	do {                                                                   \
		const unsigned char *check_a_ = (const void *)(a);             \
		const unsigned char *check_b_ = (const void *)(b);             \
		size_t check_n_ = (n), check_i_;                               \
		for (check_i_ = 0; check_i_ < check_n_; check_i_++)            \
			if (check_a_[check_i_] != check_b_[check_i_])          \
				check_fail("%s == %s (%zu bytes): first "      \
					   "difference at %zu: 0x%02x vs "     \
					   "0x%02x",                           \
					   #a, #b, check_n_, check_i_,         \
					   check_a_[check_i_],                 \
					   check_b_[check_i_]);                \
	} while (0)

static inline void check_skip(const char *why)
{
	printf("SKIP: %s\n", why);
	exit(CHECK_SKIP_EXIT);
}

static inline void check_timeout(unsigned seconds)
{
	alarm(seconds);
}

#endif
