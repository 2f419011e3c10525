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
#include "apps/echo/tcp_echo.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: arrakis-echo [--udp PORT] [--tcp PORT] [--plain]\n"
		"                    [--tcp-mode MODE] [--socket PATH]\n"
		"                    [--name NAME] [--stats FILE] "
		"[--busy-poll-us N]\n"
		"  --udp PORT        answer UDP datagrams on PORT\n"
		"  --tcp PORT        accept TCP connections on PORT\n"
		"  --tcp-mode MODE   sockperf (default), plain, discard or "
		"source\n"
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
	long tcp_port;
	int tcp_mode;
	enum echo_mode mode;
	const char *stats;
};

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"udp", required_argument, NULL, 'u'},
		{"tcp", required_argument, NULL, 't'},
		{"tcp-mode", required_argument, NULL, 'm'},
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
			if (o->tcp_mode == TCP_ECHO_SOCKPERF)
				o->tcp_mode = TCP_ECHO_PLAIN;
			break;
		case 't':
			o->tcp_port = strtol(optarg, NULL, 10);
			break;
		case 'm':
			o->tcp_mode = tcp_echo_mode_parse(optarg);
			if (o->tcp_mode < 0)
				return -1;
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
	if (o->udp_port < 0 || o->udp_port > 65535 || o->tcp_port < 0 ||
	    o->tcp_port > 65535 || (!o->udp_port && !o->tcp_port) ||
	    optind != argc)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct ak_app *app;
	struct in_addr a;
	struct tcp_echo t = {0};
	struct echo e = {0};
	int err;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	err = ak_init(&o.cfg, &app);
	if (err) {
		fprintf(stderr,
			"arrakis-echo: cannot start through arrakisd at %s: %s "
			"(is arrakisd running there?)\n",
			o.cfg.socket_path ? o.cfg.socket_path
					  : "its default socket",
			strerror(-err));
		return 1;
	}
	err = o.udp_port ? echo_start(&e, app, (uint16_t)o.udp_port, o.mode)
			 : 0;
	if (err) {
		fprintf(stderr, "arrakis-echo: udp port %ld: %s\n", o.udp_port,
			strerror(-err));
		ak_fini(app);
		return 1;
	}
	err = o.tcp_port ? tcp_echo_start(&t, app, (uint16_t)o.tcp_port,
					  (enum tcp_echo_mode)o.tcp_mode)
			 : 0;
	if (err) {
		fprintf(stderr, "arrakis-echo: tcp port %ld: %s\n", o.tcp_port,
			strerror(-err));
		ak_fini(app);
		return 1;
	}
	a.s_addr = ak_app_ipv4(app);
	if (o.udp_port)
		printf("arrakis-echo: udp %s:%ld (%s)\n", inet_ntoa(a),
		       o.udp_port, o.mode == ECHO_PLAIN ? "plain" : "sockperf");
	if (o.tcp_port)
		printf("arrakis-echo: tcp %s:%ld (%s)\n", inet_ntoa(a),
		       o.tcp_port,
		       tcp_echo_mode_name((enum tcp_echo_mode)o.tcp_mode));
	fflush(stdout);
	err = echo_run(app, &e, o.stats);
	if (o.udp_port)
		echo_stop(&e);
	tcp_echo_stop(&t);
	ak_fini(app);
	return err ? 1 : 0;
}
