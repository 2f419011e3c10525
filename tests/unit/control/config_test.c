// SPDX-License-Identifier: MIT
/*
 * The INI config: defaults fit scripts/testnet, each section goes to the
 * module that claims it, unknown sections and keys and bad values are
 * errors, and the policy section decides which uid may claim which port.
 */
#include <netinet/in.h>
#include <stdlib.h>

#include "control/config.h"
#include "lib/core/log.h"
#include "tests/unit/control/harness.h"

static void quiet(void *ctx, enum ak_log_level level, const char *msg)
{
}

static int load(struct ak_daemon *d, const char *text)
{
	char path[] = "/tmp/ak-config-test-XXXXXX";
	int fd = mkstemp(path), ret;

	CHECK_GE(fd, 0);
	CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ak_config_defaults(&d->cfg);
	ret = ak_config_load(d, path);
	unlink(path);
	return ret;
}

static void test_defaults(void)
{
	struct ak_config cfg;

	ak_config_defaults(&cfg);
	CHECK_STREQ(cfg.bridge, "ak0");
	CHECK_STREQ(cfg.socket_path, "/run/arrakis/control");
	CHECK_STREQ(cfg.state_dir, "/var/lib/arrakis");
	CHECK_EQ(cfg.pool_first, 0xc6120064); /* 198.18.0.100 */
	CHECK_EQ(cfg.pool_last, 0xc61200c7);  /* 198.18.0.199 */
	CHECK_EQ(cfg.prefix_len, 24);
}

static void test_sections(struct ak_daemon *d)
{
	char why[160];

	CHECK_EQ(load(d, "[daemon]\nsocket = /tmp/x.sock\nmax_unnamed = 5\n"
			 "[vnic]\nbridge = br9\npool = 10.0.0.5-10.0.0.9\n"
			 "ephemeral = 40000-40100\n"
			 "[policy]\ndefault = none\n1000 = udp:5000-5999 "
			 "tcp:8080\nvnic = root\n"),
		 0);
	CHECK_STREQ(d->cfg.socket_path, "/tmp/x.sock");
	CHECK_EQ(d->cfg.max_unnamed, 5);
	CHECK_STREQ(d->cfg.bridge, "br9");
	CHECK_EQ(d->cfg.pool_first, 0x0a000005);
	CHECK_EQ(d->cfg.pool_last, 0x0a000009);
	CHECK_EQ(d->cfg.ephemeral_first, 40000);

	CHECK_EQ(ak_policy_check_port(&d->cfg.policy, 1000, IPPROTO_UDP, 5500,
				      why, sizeof(why)),
		 0);
	CHECK_EQ(ak_policy_check_port(&d->cfg.policy, 1000, IPPROTO_TCP, 8081,
				      why, sizeof(why)),
		 -EACCES);
	CHECK(strstr(why, "tcp:8080-8080") != NULL);
	CHECK_EQ(ak_policy_check_port(&d->cfg.policy, 1001, IPPROTO_UDP, 5500,
				      why, sizeof(why)),
		 -EACCES);
	CHECK(strstr(why, "no ports") != NULL);
	CHECK_EQ(ak_policy_check_port(&d->cfg.policy, 0, IPPROTO_TCP, 22, why,
				      sizeof(why)),
		 0);
	CHECK_EQ(ak_policy_check_vnic(&d->cfg.policy, 1000, why, sizeof(why)),
		 -EPERM);
}

static void test_errors(struct ak_daemon *d)
{
	CHECK_EQ(load(d, "[storage]\nbakcing = /x\n"), -EINVAL);
	CHECK_EQ(load(d, "[storage]\nsize = 12abc\n"), -EINVAL);
	CHECK_EQ(load(d, "[storage]\nsize = -5\n"), -EINVAL);
	CHECK_EQ(load(d, "[daemon]\nsokcet = /x\n"), -EINVAL);
	CHECK_EQ(load(d, "[vnic]\npool = 10.0.0.9-10.0.0.5\n"), -EINVAL);
	CHECK_EQ(load(d, "[vnic]\nframe_size = 3000\n"), -EINVAL);
	CHECK_EQ(load(d, "[policy]\n1000 = sctp:5\n"), -EINVAL);
	CHECK_EQ(load(d, "[policy]\nnobody = udp:5\n"), -EINVAL);
	CHECK_EQ(load(d, "not ini at all\n"), -EINVAL);
	ak_config_defaults(&d->cfg);
	CHECK_EQ(ak_config_load(d, "/nonexistent/arrakisd.conf"), -ENOENT);
}

int main(void)
{
	static struct ak_daemon d;

	check_timeout(10);
	ak_log_set_handler(quiet, NULL);
	test_defaults();
	test_sections(&d);
	test_errors(&d);
	return 0;
}
