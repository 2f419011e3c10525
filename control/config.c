// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/dispatch.h"
#include "lib/core/log.h"

void ak_config_defaults(struct ak_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->socket_path, sizeof(cfg->socket_path), "%s",
		 "/run/arrakis/control");
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s",
		 "/var/lib/arrakis");
	snprintf(cfg->bridge, sizeof(cfg->bridge), "%s", "ak0");
	/* 198.18.0.100-198.18.0.199/24: scripts/testnet's VNIC pool */
	cfg->pool_first = 0xc6120064;
	cfg->pool_last = 0xc61200c7;
	cfg->prefix_len = 24;
	cfg->mtu = 1500;
	/* RFC 6335 section 6: the dynamic port range */
	cfg->ephemeral_first = 49152;
	cfg->ephemeral_last = 65535;
	cfg->frame_size = 2048;
	cfg->frame_count = 4096;
	cfg->ring_size = 2048;
	cfg->max_filters_per_vnic = 256;
	cfg->max_vnics_per_container = 8;
	cfg->max_connections = 1024;
	cfg->max_unnamed = 64;
	cfg->hello_timeout_ms = 2000;
	ak_policy_defaults(&cfg->policy);
}

int ak_config_parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

int ak_config_parse_u32(const char *s, uint32_t min, uint32_t max,
			uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int ak_config_parse_range(const char *s, uint32_t min, uint32_t max,
			  uint32_t *first, uint32_t *last)
{
	char buf[64], *dash;

	if (ak_config_copy(buf, sizeof(buf), s))
		return -EINVAL;
	dash = strchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = 0;
	if (ak_config_parse_u32(buf, min, max, first) ||
	    ak_config_parse_u32(dash + 1, min, max, last) || *first > *last)
		return -EINVAL;
	return 0;
}

int ak_config_copy(char *dst, size_t cap, const char *value)
{
	size_t n = strlen(value);

	if (n >= cap)
		return -ENAMETOOLONG;
	memcpy(dst, value, n + 1);
	return 0;
}

struct load_ctx {
	struct ak_daemon *d;
	const char *path;
	int error;
};

static const struct ak_module *module_of_section(const char *section)
{
	size_t i;

	for (i = 0; i < ak_nmodules; i++) {
		const char *s = ak_modules[i]->config_section;

		if (s && !strcmp(s, section))
			return ak_modules[i];
	}
	return NULL;
}

static int on_ini_line(void *user, const char *section, const char *key,
		       const char *value)
{
	struct load_ctx *ctx = user;
	const struct ak_module *mod = module_of_section(section);
	int ret;

	if (!mod) {
		ak_err("config: %s: unknown section [%s]", ctx->path, section);
		ctx->error = -EINVAL;
		return 0;
	}
	ret = mod->config_set(ctx->d, key, value);
	if (ret) {
		ak_err("config: %s: [%s] %s = %s: %s", ctx->path, section, key,
		       value, ret == -ENOENT ? "unknown key" : strerror(-ret));
		ctx->error = -EINVAL;
		return 0;
	}
	return 1;
}

int ak_config_load(struct ak_daemon *d, const char *path)
{
	struct load_ctx ctx = {.d = d, .path = path};
	int line;

	line = ini_parse(path, on_ini_line, &ctx);
	if (line == -1) {
		ak_err("config: cannot open %s", path);
		return -ENOENT;
	}
	if (line != 0) {
		ak_err("config: %s: error on line %d", path, line);
		return -EINVAL;
	}
	return ctx.error;
}
