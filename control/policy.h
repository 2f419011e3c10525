/* SPDX-License-Identifier: MIT */
/*
 * Which uids may claim which (proto, port) grants and open VNICs. Root may
 * claim anything. From the [policy] section of the config:
 *
 *   [policy]
 *   default = udp:1024-65535 tcp:1024-65535   ; any uid without a line
 *   1000 = udp:5000-5999 tcp:8080             ; uid 1000, instead of default
 *   65534 = none                              ; uid 65534: no ports
 *   vnic = all                                ; or "root": who opens VNICs
 */
#ifndef AK_CONTROL_POLICY_H
#define AK_CONTROL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AK_POLICY_MAX_RULES  64
#define AK_POLICY_MAX_RANGES 16

struct ak_port_range {
	uint8_t proto;
	uint16_t first;
	uint16_t last;
};

struct ak_policy_rule {
	uid_t uid;
	uint32_t nranges;
	struct ak_port_range ranges[AK_POLICY_MAX_RANGES];
};

struct ak_policy {
	struct ak_policy_rule fallback; /* "default"; its uid is unused */
	uint32_t nrules;
	struct ak_policy_rule rules[AK_POLICY_MAX_RULES];
	bool vnic_root_only;
};

void ak_policy_defaults(struct ak_policy *p);

/* Applies one "key = value" line of [policy]: 0, -EINVAL or -ENOSPC. */
int ak_policy_set(struct ak_policy *p, const char *key, const char *value);

/* 0 if uid may claim (proto, port); else -EACCES with the reason in why. */
int ak_policy_check_port(const struct ak_policy *p, uid_t uid, uint8_t proto,
			 uint16_t port, char *why, size_t why_len);

/* 0 if uid may open a VNIC; else -EPERM with the reason in why. */
int ak_policy_check_vnic(const struct ak_policy *p, uid_t uid, char *why,
			 size_t why_len);

#endif
