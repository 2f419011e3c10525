// SPDX-License-Identifier: MIT
/*
 * UDP between two stacks over the loopback pair: ARP resolves on the first
 * send (the packet, even one needing fragments, waits for it), a datagram
 * echoes byte-exact, datagrams of 4,000 and 60,000 bytes are fragmented,
 * reassembled and echoed, a kept message is released later, and no frame
 * leaks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arrakis/udp.h>

#include "pair.h"

#define ECHO_PORT 7000

struct echo_state {
	int received;
	size_t last_len;
	uint8_t last[65536];
	struct ak_udp_msg kept;
	bool keep_next;
};

static int echo_back(void *arg, struct ak_udp *sock, struct ak_udp_msg *msg)
{
	CHECK_OK(ak_udp_sendto(sock, msg->data, msg->len, msg->src_addr,
			       msg->src_port));
	return 0;
}

static int record(void *arg, struct ak_udp *sock, struct ak_udp_msg *msg)
{
	struct echo_state *st = arg;

	st->received++;
	st->last_len = msg->len;
	memcpy(st->last, msg->data, msg->len);
	if (st->keep_next) {
		st->keep_next = false;
		st->kept = *msg;
		return 1;
	}
	return 0;
}

static void echo_once(struct pair *p, struct ak_udp *client,
		      struct echo_state *st, size_t len)
{
	uint8_t *buf = malloc(len);
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + len);
	st->received = 0;
	CHECK_OK(ak_udp_sendto(client, buf, len, ak_app_ipv4(p->b), ECHO_PORT));
	pair_settle(p);
	CHECK_EQ(st->received, 1);
	CHECK_EQ(st->last_len, len);
	CHECK_MEMEQ(st->last, buf, len);
	free(buf);
}

int main(void)
{
	struct echo_state *st = calloc(1, sizeof(*st));
	struct ak_udp *server, *client;
	const struct ak_net_stats *sa, *sb;
	struct ak_udp_buf zbuf;
	struct pair p;

	check_timeout(20);
	pair_open(&p, 256, 1500);
	pair_settle(&p); /* gratuitous ARPs */
	CHECK_OK(ak_udp_bind(p.b, ECHO_PORT, echo_back, NULL, &server));
	CHECK_OK(ak_udp_bind(p.a, 0, record, st, &client));
	CHECK_GE(ak_udp_port(client), 32768);

	/* The first datagram needs fragments and ARP: it waits whole. */
	echo_once(&p, client, st, 60000);
	echo_once(&p, client, st, 1);
	echo_once(&p, client, st, 1472);
	echo_once(&p, client, st, 4000);
	echo_once(&p, client, st, 65507);
	CHECK_EQ(ak_udp_sendto(client, st->last, 65508, ak_app_ipv4(p.b),
			       ECHO_PORT),
		 -EMSGSIZE);

	sa = ak_net_stats(ak_app_net(p.a));
	sb = ak_net_stats(ak_app_net(p.b));
	CHECK_EQ(sb->ip_reassembled, 3);
	CHECK_EQ(sa->ip_reassembled, 3);
	/* 4000 -> 3, 60000 -> 41, 65507 -> 45 fragments, each way. */
	CHECK_EQ(sa->ip_fragments_tx, 3 + 41 + 45);
	CHECK_EQ(sb->ip_fragments_tx, 3 + 41 + 45);
	/* One ARP request each way at most: the first send resolved B. */
	CHECK_LE(sa->arp_requests_tx, 1);

	/* Zero-copy send, and a received message kept past its callback. */
	st->keep_next = true;
	CHECK_OK(ak_udp_send_alloc(client, &zbuf));
	CHECK_GE(zbuf.cap, 1472);
	memcpy(zbuf.data, "in place", 8);
	CHECK_OK(ak_udp_send_commit(client, &zbuf, 8, ak_app_ipv4(p.b),
				    ECHO_PORT));
	pair_settle(&p);
	CHECK_EQ(st->last_len, 8);
	CHECK_MEMEQ(st->kept.data, "in place", 8);
	{
		struct ak_vnic_accounting acct;

		CHECK(ak_vnic_accounting_ok(p.va, &acct));
		CHECK_EQ(acct.rx, 1);
	}
	ak_udp_release(client, &st->kept);

	/* A second bind of the same port is refused. */
	{
		struct ak_udp *dup;

		CHECK_EQ(ak_udp_bind(p.b, ECHO_PORT, echo_back, NULL, &dup),
			 -EADDRINUSE);
	}

	pair_check_frames(&p);
	for (int i = 0; i < AK_DROP_COUNT; i++) {
		if (sa->drops[i] || sb->drops[i])
			check_fail("unexpected drop %s: %llu/%llu",
				   ak_net_drop_name(i),
				   (unsigned long long)sa->drops[i],
				   (unsigned long long)sb->drops[i]);
	}
	ak_udp_close(client);
	ak_udp_close(server);
	pair_close(&p);
	free(st);
	return 0;
}
