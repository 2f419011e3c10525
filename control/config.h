/* SPDX-License-Identifier: MIT */
/*
 * The daemon's INI configuration (inih). Each section belongs to one module
 * (struct ak_module.config_section); an unknown section or key is an error,
 * so a typo never silently falls back to a default.
 */
#ifndef AK_CONTROL_CONFIG_H
#define AK_CONTROL_CONFIG_H

#include "control/daemon.h"

/* Reads path into d->cfg over the defaults: 0, -ENOENT or -EINVAL. */
int ak_config_load(struct ak_daemon *d, const char *path);

/* Parses "a.b.c.d" into host byte order: 0 or -EINVAL. */
int ak_config_parse_ipv4(const char *s, uint32_t *out);

/* Parses a decimal in [min, max]: 0 or -EINVAL. */
int ak_config_parse_u32(const char *s, uint32_t min, uint32_t max,
			uint32_t *out);

/* Parses "first-last" (both in [min, max], first <= last). */
int ak_config_parse_range(const char *s, uint32_t min, uint32_t max,
			  uint32_t *first, uint32_t *last);

/* Copies a string value into a fixed buffer: 0 or -ENAMETOOLONG. */
int ak_config_copy(char *dst, size_t cap, const char *value);

#endif
