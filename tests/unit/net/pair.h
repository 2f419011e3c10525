/* SPDX-License-Identifier: MIT */
/*
 * Two applications joined by the loopback VNIC pair, for the stack tests:
 * A is 198.18.0.1, B is 198.18.0.2, both on 198.18.0.0/24.
 */
#ifndef AK_TESTS_NET_PAIR_H
#define AK_TESTS_NET_PAIR_H

#include <arpa/inet.h>

#include <arrakis/arrakis.h>

#include "lib/core/app.h"
#include "lib/net/stack.h"
#include "lib/vnic/vnic.h"
#include "tests/check.h"

struct pair {
	struct ak_app *a, *b;
	struct ak_vnic *va, *vb;
};

static inline void pair_open(struct pair *p, uint32_t frames, uint16_t mtu)
{
	struct ak_loopback_cfg cfg = {
		.frames = frames,
		.frame_size = 2048,
		.mtu = mtu,
		.mac = {{0x02, 0, 0, 0, 0, 0x0a}, {0x02, 0, 0, 0, 0, 0x0b}},
		.prefix_len = 24,
	};

	cfg.ipv4[0] = inet_addr("198.18.0.1");
	cfg.ipv4[1] = inet_addr("198.18.0.2");
	CHECK_OK(ak_vnic_loopback_pair(&cfg, &p->va, &p->vb));
	CHECK_OK(ak_app_create_on_vnic(p->va, NULL, 0, &p->a));
	CHECK_OK(ak_app_create_on_vnic(p->vb, NULL, 0, &p->b));
}

/* Runs both loops until neither has work left. */
static inline void pair_settle(struct pair *p)
{
	int rounds = 0, work;

	do {
		work = ak_run_once(p->a, 0) + ak_run_once(p->b, 0);
		CHECK_LT(rounds++, 100000);
	} while (work > 0);
}

static inline void pair_check_frames(struct pair *p)
{
	struct ak_vnic_accounting acct;

	CHECK(ak_vnic_accounting_ok(p->va, &acct));
	CHECK_EQ(acct.free, acct.frames);
	CHECK(ak_vnic_accounting_ok(p->vb, &acct));
	CHECK_EQ(acct.free, acct.frames);
}

static inline void pair_close(struct pair *p)
{
	ak_fini(p->a);
	ak_fini(p->b);
}

#endif
