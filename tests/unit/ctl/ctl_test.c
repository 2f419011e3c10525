// SPDX-License-Identifier: MIT
/*
 * lib/ctl against a real arrakisd event loop (in a thread, with the VNIC
 * backend that touches no device): connect and HELLO, name checks, errors
 * for a missing daemon, the generic call, filters' errno values with the
 * daemon's reason logged, and what happens when the passed fds are not an
 * AF_XDP socket (the VNIC is given back).
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "control/server.h"
#include "control/vnic.h"
#include "lib/core/log.h"
#include "lib/ctl/ctl_call.h"
#include "tests/check.h"

static struct ak_daemon d;
static char last_log[512];

static void capture(void *ctx, enum ak_log_level level, const char *msg)
{
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

static void *serve(void *arg)
{
	ak_server_run(&d);
	return NULL;
}

static uint32_t count(struct ak_ctl *ctl, uint16_t type)
{
	struct ak_list_req req = {0};
	static uint8_t buf[AK_MSG_MAX];
	struct ak_list_rep rep;
	size_t len;

	CHECK_EQ(ak_ctl_call(ctl, type, &req, sizeof(req), buf, sizeof(buf),
			     &len, NULL, 0, NULL),
		 0);
	CHECK_GE(len, sizeof(rep));
	memcpy(&rep, buf, sizeof(rep));
	return rep.total;
}

static void test_open(const char *path)
{
	struct ak_ctl *a, *b;

	CHECK_EQ(ak_ctl_open(path, "", &a), -EINVAL);
	CHECK_EQ(ak_ctl_open(path, "has space", &a), -EINVAL);
	CHECK_EQ(ak_ctl_open(path, "0123456789012345678901234567890123", &a),
		 -EINVAL);
	CHECK_EQ(ak_ctl_open("/nonexistent/arrakis.sock", "x", &a), -ENOENT);

	CHECK_OK(ak_ctl_open(path, "alpha", &a));
	setenv("ARRAKIS_SOCKET", path, 1);
	CHECK_OK(ak_ctl_open(NULL, "beta", &b));
	unsetenv("ARRAKIS_SOCKET");
	CHECK_GT(ak_ctl_container_id(a), 0);
	CHECK_NE(ak_ctl_container_id(a), ak_ctl_container_id(b));
	CHECK_GE(ak_ctl_fd(a), 0);
	CHECK_EQ(count(a, AK_MSG_LIST_CONTAINERS), 2);
	ak_ctl_close(b);
	/* The daemon sees the close asynchronously; give it a moment. */
	for (int i = 0; i < 100 && count(a, AK_MSG_LIST_CONTAINERS) != 1; i++)
		usleep(10000);
	CHECK_EQ(count(a, AK_MSG_LIST_CONTAINERS), 1);
	ak_ctl_close(a);
}

static void test_calls(const char *path)
{
	struct ak_vnic_grant g;
	struct ak_ctl *a;
	char reason[AK_REASON_MAX];
	int ret;

	CHECK_OK(ak_ctl_open(path, "gamma", &a));
	CHECK_EQ(ak_ctl_filter_add(a, 1, IPPROTO_ICMP, 7), -EINVAL);
	CHECK_EQ(ak_ctl_filter_add(a, 1, IPPROTO_UDP, 0), -EINVAL);
	CHECK_EQ(ak_ctl_filter_add(a, 42, IPPROTO_UDP, 7000), -ENOENT);
	CHECK(strstr(last_log, "FILTER_ADD") && strstr(last_log, "no VNIC 42"));
	CHECK_EQ(ak_ctl_filter_del(a, 42, IPPROTO_UDP, 7000), -ENOENT);

	ret = ak_ctl_call_reason(a, 0x01ee, NULL, 0, NULL, 0, NULL, NULL, 0,
				 NULL, reason, sizeof(reason));
	CHECK_EQ(ret, -EOPNOTSUPP);
	CHECK(strstr(reason, "unknown message type") != NULL);

	/* The null backend passes memfds: not an AF_XDP socket to map. */
	ret = ak_ctl_vnic_open(a, &g);
	CHECK_LT(ret, 0);
	CHECK_EQ(count(a, AK_MSG_LIST_VNICS), 0);
	ak_ctl_close(a);
}

int main(void)
{
	char dir[] = "/tmp/ak-ctl-test-XXXXXX";
	pthread_t thread;

	check_timeout(20);
	CHECK(mkdtemp(dir) != NULL);
	ak_log_set_handler(capture, NULL);
	/* A missing object is logged at debug level: show every reason. */
	ak_log_set_level(AK_LOG_DEBUG);
	ak_config_defaults(&d.cfg);
	snprintf(d.cfg.socket_path, sizeof(d.cfg.socket_path), "%s/sock", dir);
	snprintf(d.cfg.state_dir, sizeof(d.cfg.state_dir), "%s/state", dir);
	d.vnic_backend = &ak_vnic_null_backend;
	CHECK_OK(ak_server_init(&d));
	CHECK_EQ(pthread_create(&thread, NULL, serve, NULL), 0);

	test_open(d.cfg.socket_path);
	test_calls(d.cfg.socket_path);

	/* SIGTERM is blocked in every thread; the daemon's signalfd takes it. */
	kill(getpid(), SIGTERM);
	pthread_join(thread, NULL);
	ak_server_fini(&d);
	/* The daemon's modules may have left files in the state directory. */
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}
