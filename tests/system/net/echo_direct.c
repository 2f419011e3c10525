// SPDX-License-Identifier: MIT
/*
 * echo-direct: the echo service of arrakis-echo on an AF_XDP socket this
 * process opens itself on a given interface (root), instead of one granted
 * by arrakisd. It exercises the AF_XDP driver and the stack on a real veth
 * independently of the control plane:
 *   echo-direct DEV ADDR/PREFIX PORT [plain] [STATS_FILE]
 */
#include "apps/echo/run.h"
#include "tests/system/net/direct_vnic.h"

int main(int argc, char **argv)
{
	struct xsk_socket *xsk;
	struct ak_app *app;
	struct echo e;
	int err;

	if (argc < 4) {
		fprintf(stderr, "usage: echo-direct DEV ADDR/PREFIX PORT "
				"[plain] [STATS_FILE]\n");
		return 2;
	}
	err = direct_app_open(argv[1], argv[2], 4096, &app, &xsk);
	if (!err)
		err = echo_start(&e, app, (uint16_t)atoi(argv[3]),
				 argc > 4 && !strcmp(argv[4], "plain")
					 ? ECHO_PLAIN
					 : ECHO_SOCKPERF);
	if (err) {
		fprintf(stderr, "echo-direct: %s\n", strerror(-err));
		return 1;
	}
	printf("echo-direct: ready\n");
	fflush(stdout);
	echo_run(app, &e, argc > 5 ? argv[5] : NULL);
	echo_stop(&e);
	direct_app_close(app, xsk);
	return 0;
}
