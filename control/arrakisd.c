// SPDX-License-Identifier: MIT
/*
 * arrakisd, the control plane: hands out VNICs and filters to containers
 * over a control socket and takes them back when a container goes away.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "control/config.h"
#include "control/server.h"
#include "lib/core/log.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: arrakisd [--config FILE] [--socket PATH] "
		     "[--state-dir DIR] [--verbose]\n"
		     "Runs in the foreground and logs to stderr.\n");
}

/* Each connection and each VNIC holds fds; allow the configured load. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

struct options {
	const char *config;
	const char *socket;
	const char *state_dir;
};

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"socket", required_argument, NULL, 's'},
		{"state-dir", required_argument, NULL, 'd'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:s:d:vh", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case 'v':
			ak_log_set_level(AK_LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct ak_daemon d;
	struct options o = {0};
	int ret;

	if (parse_args(argc, argv, &o))
		return 2;
	ak_config_defaults(&d.cfg);
	if (o.config && ak_config_load(&d, o.config))
		return 2;
	if (o.socket && ak_config_copy(d.cfg.socket_path,
				       sizeof(d.cfg.socket_path), o.socket)) {
		ak_err("ctl: socket path too long");
		return 2;
	}
	if (o.state_dir &&
	    ak_config_copy(d.cfg.state_dir, sizeof(d.cfg.state_dir),
			   o.state_dir)) {
		ak_err("ctl: state dir path too long");
		return 2;
	}

	raise_fd_limit();
	ret = ak_server_init(&d);
	if (ret) {
		ak_err("ctl: cannot start: %s", strerror(-ret));
		return 1;
	}
	ret = ak_server_run(&d);
	ak_server_fini(&d);
	if (ret)
		ak_err("ctl: event loop: %s", strerror(-ret));
	return ret ? 1 : 0;
}
