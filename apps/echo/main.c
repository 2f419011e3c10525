// SPDX-License-Identifier: MIT
/*
 * arrakis-echo: a UDP echo server on the native Arrakis API, answering
 * `sockperf ping-pong` and `under-load` as `sockperf server` does, or any
 * client byte for byte with --plain.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/echo/run.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: arrakis-echo --udp PORT [--plain] [--socket PATH]\n"
		"                    [--name NAME] [--stats FILE] "
		"[--busy-poll-us N]\n"
		"  --udp PORT        answer UDP datagrams on PORT\n"
		"  --plain           echo bytes unchanged (nc, socat); the "
		"default\n"
		"                    answers as `sockperf server` does\n"
		"  --socket PATH     arrakisd's control socket\n"
		"  --name NAME       container name (default arrakis-echo)\n"
		"  --stats FILE      write counters as JSON on SIGUSR1 and "
		"at exit\n"
		"  --busy-poll-us N  poll this long after the last packet "
		"before sleeping\n");
}

struct options {
	struct ak_app_config cfg;
	long udp_port;
	enum echo_mode mode;
	const char *stats;
};

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"udp", required_argument, NULL, 'u'},
		{"plain", no_argument, NULL, 'p'},
		{"socket", required_argument, NULL, 's'},
		{"name", required_argument, NULL, 'n'},
		{"stats", required_argument, NULL, 'S'},
		{"busy-poll-us", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	o->cfg.name = "arrakis-echo";
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o->udp_port = strtol(optarg, NULL, 10);
			break;
		case 'p':
			o->mode = ECHO_PLAIN;
			break;
		case 's':
			o->cfg.socket_path = optarg;
			break;
		case 'n':
			o->cfg.name = optarg;
			break;
		case 'S':
			o->stats = optarg;
			break;
		case 'b':
			o->cfg.busy_poll_ns =
				strtoull(optarg, NULL, 10) * 1000ull;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (o->udp_port <= 0 || o->udp_port > 65535 || optind != argc)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct ak_app *app;
	struct in_addr a;
	struct echo e;
	int err;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	err = ak_init(&o.cfg, &app);
	if (err) {
		fprintf(stderr, "arrakis-echo: ak_init: %s\n", strerror(-err));
		return 1;
	}
	err = echo_start(&e, app, (uint16_t)o.udp_port, o.mode);
	if (err) {
		fprintf(stderr, "arrakis-echo: udp port %ld: %s\n", o.udp_port,
			strerror(-err));
		ak_fini(app);
		return 1;
	}
	a.s_addr = ak_app_ipv4(app);
	printf("arrakis-echo: udp %s:%ld (%s)\n", inet_ntoa(a), o.udp_port,
	       o.mode == ECHO_PLAIN ? "plain" : "sockperf");
	fflush(stdout);
	echo_run(app, &e, o.stats);
	echo_stop(&e);
	ak_fini(app);
	return 0;
}
