// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arrakis/tcp.h>

#include "apps/kv/net.h"

/* Housekeeping period: expiry, rehash; faster while a rewrite runs. */
#define KV_CRON_NS	(10 * 1000 * 1000ull)
#define KV_CRON_BUSY_NS (1000 * 1000ull)
#define KV_BACKLOG	1024

struct kv_client {
	struct kv_net *net;
	struct ak_tcp_conn *tcp;
	struct kv_conn *kv;
	struct kv_client *prev, *next;
};

struct kv_net {
	struct ak_app *app;
	struct kv_server *srv;
	struct ak_tcp_listener *lsn;
	struct ak_app_timer *cron;
	struct kv_client *clients;
	uint32_t nclients;
	uint32_t maxclients;
};

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void client_free(struct kv_client *cl, bool abort)
{
	struct kv_net *net = cl->net;

	if (cl->prev)
		cl->prev->next = cl->next;
	else
		net->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	net->nclients--;

	kv_conn_close(cl->kv);
	if (abort)
		ak_tcp_abort(cl->tcp);
	else
		ak_tcp_close(cl->tcp);
	free(cl);
}

/* Sends what the core released, as much as the send buffer takes. */
static void flush_output(struct kv_client *cl)
{
	const void *data;
	size_t n;

	while ((n = kv_conn_output(cl->kv, &data))) {
		long sent = ak_tcp_send(cl->tcp, data, n);

		if (sent <= 0)
			return;
		kv_conn_output_done(cl->kv, (size_t)sent);
		if ((size_t)sent < n)
			return;
	}
}

/* Feeds received bytes in place, as long as the client reads replies. */
static void read_input(struct kv_client *cl)
{
	const uint8_t *data;
	size_t n;

	while (kv_conn_wants_input(cl->kv) &&
	       (n = ak_tcp_peek(cl->tcp, &data))) {
		int err = kv_conn_feed(cl->kv, data, n);

		ak_tcp_consume(cl->tcp, n);
		if (err)
			return;
		flush_output(cl);
	}
}

/* Runs a client's I/O; frees it when it is done. */
static void pump(struct kv_client *cl)
{
	kv_server_set_time(cl->net->srv, wall_ms());
	flush_output(cl);
	read_input(cl);
	flush_output(cl);

	if (kv_conn_should_close(cl->kv)) {
		client_free(cl, false);
		return;
	}
	/* A client that said goodbye still gets the replies it asked for. */
	if (ak_tcp_peer_closed(cl->tcp) && !kv_conn_output_pending(cl->kv))
		client_free(cl, false);
}

static void on_event(void *ctx, struct ak_tcp_conn *tcp, unsigned events)
{
	struct kv_client *cl = ctx;

	if (events & AK_TCP_EV_ERROR) {
		client_free(cl, true);
		return;
	}
	pump(cl);
}

/* Durable records released replies outside of the client's own events. */
static void on_ready(void *ctx, struct kv_conn *kv)
{
	struct kv_client *cl = kv_conn_io(kv);

	pump(cl);
}

static void reject(struct kv_net *net, struct ak_tcp_conn *tcp)
{
	static const char msg[] = "-ERR max number of clients reached\r\n";

	ak_tcp_send(tcp, msg, sizeof(msg) - 1);
	ak_tcp_close(tcp);
	kv_server_count_rejected(net->srv);
}

static int client_new(struct kv_net *net, struct ak_tcp_conn *tcp)
{
	struct kv_client *cl = calloc(1, sizeof(*cl));

	if (!cl)
		return -ENOMEM;
	cl->kv = kv_conn_open(net->srv, cl);
	if (!cl->kv) {
		free(cl);
		return -ENOMEM;
	}
	cl->net = net;
	cl->tcp = tcp;
	cl->next = net->clients;
	if (net->clients)
		net->clients->prev = cl;
	net->clients = cl;
	net->nclients++;

	/* Replies go out at once; they are whole, pipelining batches them. */
	ak_tcp_set_nodelay(tcp, true);
	ak_tcp_set_callback(tcp, on_event, cl);
	pump(cl);
	return 0;
}

static void on_accept(void *ctx, struct ak_tcp_listener *lsn)
{
	struct kv_net *net = ctx;
	struct ak_tcp_conn *tcp;

	while (ak_tcp_accept(lsn, &tcp) == 0) {
		if (net->nclients >= net->maxclients) {
			reject(net, tcp);
			continue;
		}
		if (client_new(net, tcp))
			ak_tcp_abort(tcp);
	}
}

static void on_cron(void *arg)
{
	struct kv_net *net = arg;
	int work;

	kv_server_set_time(net->srv, wall_ms());
	work = kv_server_cron(net->srv);
	ak_app_timer_start(net->cron, work ? KV_CRON_BUSY_NS : KV_CRON_NS);
}

int kv_net_start(struct ak_app *app, struct kv_server *srv, uint16_t port,
		 uint32_t maxclients, struct kv_net **out)
{
	struct kv_net *net = calloc(1, sizeof(*net));
	int err;

	if (!net)
		return -ENOMEM;
	net->app = app;
	net->srv = srv;
	net->maxclients = maxclients;
	kv_server_set_time(srv, wall_ms());
	kv_server_set_ready(srv, on_ready, net);

	err = ak_app_timer_create(app, on_cron, net, &net->cron);
	if (err)
		goto free_net;
	err = ak_app_timer_start(net->cron, KV_CRON_NS);
	if (err)
		goto destroy_timer;
	err = ak_tcp_listen(app, port, KV_BACKLOG, on_accept, net, &net->lsn);
	if (err)
		goto destroy_timer;
	*out = net;
	return 0;

destroy_timer:
	ak_app_timer_destroy(net->cron);
free_net:
	kv_server_set_ready(srv, NULL, NULL);
	free(net);
	return err;
}

void kv_net_stop(struct kv_net *net)
{
	if (!net)
		return;
	while (net->clients)
		client_free(net->clients, false);
	ak_tcp_listener_close(net->lsn);
	ak_app_timer_destroy(net->cron);
	kv_server_set_ready(net->srv, NULL, NULL);
	free(net);
}

uint32_t kv_net_clients(const struct kv_net *net)
{
	return net->nclients;
}
