// SPDX-License-Identifier: MIT
/*
 * tcp-direct: the Arrakis TCP stack on an AF_XDP socket this process opens
 * itself on a given interface (root), instead of one granted by arrakisd,
 * for system tests and benchmarks against Linux peers:
 *   tcp-direct DEV ADDR/PREFIX serve PORT MODE
 *       MODE: sockperf, plain, discard or source (see arrakis-echo)
 *   tcp-direct DEV ADDR/PREFIX connect IP PORT BYTES echo|send|recv
 *       echo: send BYTES of the pattern, expect them back byte-exact
 *       send: send BYTES of the pattern, then FIN; wait for the peer's FIN
 *       recv: read until FIN, expect BYTES of the pattern
 *   tcp-direct pattern BYTES   write the pattern to stdout
 * Exit status 0 when the transfer was complete and byte-exact.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <arrakis/ctl.h>
#include <arrakis/tcp.h>

#include "apps/echo/tcp_echo.h"
#include "lib/core/app.h"
#include "lib/core/clock.h"
#include "lib/core/loop.h"
#include "lib/vnic/vnic.h"
#include "tests/system/net/direct_vnic.h"

#define FRAMES 8192

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- Client ---- */

enum client_mode { C_ECHO, C_SEND, C_RECV };

struct client {
	struct ak_tcp_conn *c;
	enum client_mode mode;
	uint64_t total, sent, rcvd;
	bool done, failed, shut;
};

static void client_send(struct client *cl)
{
	uint8_t buf[16384];

	while (cl->mode != C_RECV && cl->sent < cl->total) {
		size_t n = cl->total - cl->sent < sizeof(buf)
				   ? (size_t)(cl->total - cl->sent)
				   : sizeof(buf);
		long r;

		for (size_t i = 0; i < n; i++)
			buf[i] = tcp_echo_source_byte(cl->sent + i);
		r = ak_tcp_send(cl->c, buf, n);
		if (r <= 0)
			return;
		cl->sent += (uint64_t)r;
	}
	if (cl->mode != C_RECV && !cl->shut &&
	    (cl->mode == C_SEND || cl->rcvd == cl->total)) {
		cl->shut = true;
		ak_tcp_shutdown(cl->c);
	}
}

static void client_recv(struct client *cl)
{
	const uint8_t *p;
	size_t n;

	while ((n = ak_tcp_peek(cl->c, &p))) {
		for (size_t i = 0; i < n; i++) {
			if (p[i] != tcp_echo_source_byte(cl->rcvd + i)) {
				fprintf(stderr,
					"tcp-direct: byte %llu differs\n",
					(unsigned long long)(cl->rcvd + i));
				cl->failed = true;
				cl->done = true;
				return;
			}
		}
		cl->rcvd += n;
		ak_tcp_consume(cl->c, n);
	}
}

static void client_event(void *ctx, struct ak_tcp_conn *c, unsigned ev)
{
	struct client *cl = ctx;

	(void)c;
	if (ev & AK_TCP_EV_ERROR) {
		fprintf(stderr, "tcp-direct: connection failed: %s\n",
			strerror(ak_tcp_error(cl->c)));
		cl->failed = cl->done = true;
		return;
	}
	client_recv(cl);
	client_send(cl);
	if (ak_tcp_peer_closed(cl->c))
		cl->done = true;
}

static int run_client(struct ak_app *app, char **argv)
{
	struct client cl = {0};
	uint64_t t0 = ak_now_ns(), ns;
	int err;

	cl.total = strtoull(argv[2], NULL, 10);
	cl.mode = !strcmp(argv[3], "echo")   ? C_ECHO
		  : !strcmp(argv[3], "send") ? C_SEND
					     : C_RECV;
	err = ak_tcp_connect(app, inet_addr(argv[0]), (uint16_t)atoi(argv[1]),
			     client_event, &cl, &cl.c);
	if (err) {
		fprintf(stderr, "tcp-direct: connect: %s\n", strerror(-err));
		return 1;
	}
	while (!stop && !cl.done)
		ak_run_once(app, 100 * AK_NSEC_PER_MSEC);
	ns = ak_now_ns() - t0;
	printf("tcp-direct: sent %llu received %llu in %.3f s\n",
	       (unsigned long long)cl.sent, (unsigned long long)cl.rcvd,
	       (double)ns / 1e9);
	if (cl.failed || (cl.mode != C_SEND && cl.rcvd != cl.total) ||
	    cl.sent != (cl.mode == C_RECV ? 0 : cl.total))
		return 1;
	ak_tcp_close(cl.c);
	/* Let the FIN exchange finish before the VNIC goes. */
	for (int i = 0; i < 100; i++)
		ak_run_once(app, AK_NSEC_PER_MSEC);
	return 0;
}

static void print_stats(struct ak_app *app)
{
	struct ak_tcp_stats st;

	ak_tcp_stats(app, &st);
	fprintf(stderr,
		"tcp-direct: segs in %llu out %llu, retransmits %llu "
		"(fast %llu, rto %llu), ooo %llu, dup acks %llu, "
		"csum errors %llu, conns %llu, bytes in %llu, dup segs %llu, "
		"delayed acks %llu, malformed %llu, tx nobufs %llu\n",
		(unsigned long long)st.segs_in, (unsigned long long)st.segs_out,
		(unsigned long long)st.retransmits,
		(unsigned long long)st.fast_retransmits,
		(unsigned long long)st.rto_fired,
		(unsigned long long)st.ooo_segs,
		(unsigned long long)st.dup_acks,
		(unsigned long long)st.csum_errors,
		(unsigned long long)st.conns, (unsigned long long)st.bytes_in,
		(unsigned long long)st.dup_segs,
		(unsigned long long)st.delayed_acks,
		(unsigned long long)st.malformed,
		(unsigned long long)st.tx_nobufs);
}

static int run_server(struct ak_app *app, char **argv)
{
	struct tcp_echo t;
	int mode = tcp_echo_mode_parse(argv[1]);
	int err;

	if (mode < 0)
		return 2;
	err = tcp_echo_start(&t, app, (uint16_t)atoi(argv[0]),
			     (enum tcp_echo_mode)mode);
	if (err) {
		fprintf(stderr, "tcp-direct: listen: %s\n", strerror(-err));
		return 1;
	}
	printf("tcp-direct: ready\n");
	fflush(stdout);
	while (!stop)
		ak_run_once(app, 100 * AK_NSEC_PER_MSEC);
	tcp_echo_stop(&t);
	return 0;
}

static int write_pattern(uint64_t n)
{
	uint8_t buf[65536];

	for (uint64_t off = 0; off < n;) {
		size_t k =
			n - off < sizeof(buf) ? (size_t)(n - off) : sizeof(buf);

		for (size_t i = 0; i < k; i++)
			buf[i] = tcp_echo_source_byte(off + i);
		if (fwrite(buf, 1, k, stdout) != k)
			return 1;
		off += k;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct xsk_socket *xsk;
	struct ak_app *app;
	struct sigaction sa = {.sa_handler = on_stop};
	int err, rc;

	if (argc == 3 && !strcmp(argv[1], "pattern"))
		return write_pattern(strtoull(argv[2], NULL, 10));
	if (argc < 6 ||
	    (strcmp(argv[3], "serve") && strcmp(argv[3], "connect")) ||
	    (!strcmp(argv[3], "connect") && argc != 8)) {
		fprintf(stderr, "usage: see the top of tcp_direct.c\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = direct_app_open(argv[1], argv[2], FRAMES, &app, &xsk);
	if (!err && getenv("TCP_BUSY_POLL_US"))
		ak_loop_set_busy_poll(
			ak_app_loop(app),
			strtoull(getenv("TCP_BUSY_POLL_US"), NULL, 10) *
				AK_NSEC_PER_USEC);
	if (err) {
		fprintf(stderr, "tcp-direct: %s\n", strerror(-err));
		return 1;
	}
	rc = !strcmp(argv[3], "serve") ? run_server(app, argv + 4)
				       : run_client(app, argv + 4);
	print_stats(app);
	ak_fini(app);
	xsk_socket__delete(xsk);
	return rc;
}
