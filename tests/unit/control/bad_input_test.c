// SPDX-License-Identifier: MIT
/*
 * Malformed requests get an error reply naming the problem and leave the
 * daemon serving: truncated and oversized messages, wrong magic or version,
 * unknown types, fds where none are expected, requests before HELLO, a
 * second HELLO. A connection that keeps sending garbage is dropped, and
 * connections that never say HELLO are capped.
 */
#include "tests/unit/control/harness.h"

static void send_header(struct ak_daemon *d, struct peer *p,
			struct ak_msg_hdr *hdr, size_t len, int nfds)
{
	uint8_t buf[128] = {0};

	memcpy(buf, hdr, sizeof(*hdr));
	peer_send_raw(d, p, buf, len, nfds);
}

static void test_malformed(struct ak_daemon *d)
{
	struct peer p;
	struct ak_msg_hdr hdr;
	int nfds;

	peer_connect(d, &p, 1000);
	ak_msg_init(&hdr, AK_MSG_HELLO, 1, sizeof(struct ak_hello_req));
	send_header(d, &p, &hdr, 10, 0); /* truncated header */
	CHECK_EQ(peer_recv(&p, 0, NULL, 0, NULL), -EPROTO);

	send_header(d, &p, &hdr, 30, 0); /* length field disagrees */
	CHECK_EQ(peer_recv(&p, AK_MSG_HELLO, NULL, 0, NULL), -EBADMSG);

	hdr.length = sizeof(hdr) + 4; /* payload too short for HELLO */
	send_header(d, &p, &hdr, hdr.length, 0);
	CHECK_EQ(peer_recv(&p, AK_MSG_HELLO, NULL, 0, NULL), -EBADMSG);

	ak_msg_init(&hdr, 0x01ee, 2, 0); /* unknown type */
	send_header(d, &p, &hdr, sizeof(hdr), 0);
	CHECK_EQ(peer_recv(&p, 0x01ee, NULL, 0, NULL), -EOPNOTSUPP);

	ak_msg_init(&hdr, AK_MSG_LIST_VNICS, 3, 8);
	hdr.version = 9;
	send_header(d, &p, &hdr, hdr.length, 0);
	CHECK_EQ(peer_recv(&p, AK_MSG_LIST_VNICS, NULL, 0, NULL),
		 -EPROTONOSUPPORT);

	ak_msg_init(&hdr, AK_MSG_LIST_VNICS, 4, 8); /* before HELLO */
	send_header(d, &p, &hdr, hdr.length, 0);
	CHECK_EQ(peer_recv(&p, AK_MSG_LIST_VNICS, NULL, 0, NULL), -ENOTCONN);

	ak_msg_init(&hdr, AK_MSG_HELLO, 5, sizeof(struct ak_hello_req));
	send_header(d, &p, &hdr, hdr.length, 2); /* fds not expected */
	CHECK_EQ(peer_recv(&p, AK_MSG_HELLO, NULL, 0, &nfds), -EBADF);
	CHECK_EQ(nfds, 0);

	/* After all that, the connection still works. */
	peer_hello(d, &p, "survivor");
	CHECK_EQ(p.c->errors, 7);
	ak_msg_init(&hdr, AK_MSG_HELLO, 6, sizeof(struct ak_hello_req));
	memcpy((uint8_t *)&hdr, &hdr, sizeof(hdr));
	{
		struct ak_hello_req req = {.name = "again"};

		CHECK_EQ(peer_call(d, &p, AK_MSG_HELLO, &req, sizeof(req), NULL,
				   0),
			 -EALREADY);
	}
	close(p.fd);
	CHECK_LT(ak_server_read(d, p.c, 1), 0);
	ak_server_drop(d, p.c);
}

static void test_garbage_disconnects(struct ak_daemon *d)
{
	struct peer p;
	uint8_t junk[40];
	int i, ret = 0;

	memset(junk, 0xa5, sizeof(junk));
	peer_connect(d, &p, 1000);
	for (i = 0; i < 100 && ret == 0; i++)
		ret = peer_send_raw(d, &p, junk, sizeof(junk), 0);
	CHECK_LT(ret, 0);
	CHECK_EQ(i, 16);
	ak_server_drop(d, p.c);
	close(p.fd);
}

/* A client that never reads: one reply is parked, reading pauses. */
static void test_flood_without_reading(struct ak_daemon *d)
{
	struct ak_list_req req = {0};
	uint8_t buf[64];
	struct ak_msg_hdr hdr;
	struct peer p;
	int i, sent = 0;

	peer_connect(d, &p, 1000);
	peer_hello(d, &p, "flooder");
	ak_msg_init(&hdr, AK_MSG_LIST_CONTAINERS, 1, sizeof(req));
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), &req, sizeof(req));
	for (i = 0; i < 5000; i++) {
		if (send(p.fd, buf, sizeof(hdr) + sizeof(req), MSG_DONTWAIT) <
		    0)
			break;
		sent++;
		CHECK_EQ(ak_server_read(d, p.c, 64), 0);
	}
	CHECK_GT(sent, 0);
	CHECK(p.c->pending != NULL);
	/* The daemon holds one reply; the rest wait in the client's socket. */
	CHECK_LT(p.c->requests, (uint64_t)sent + 1);
	ak_server_drop(d, p.c);
	close(p.fd);
}

static void test_unnamed_cap(struct ak_daemon *d)
{
	struct peer p[8];
	int i;

	for (i = 0; i < 8; i++)
		peer_connect(d, &p[i], 1000);
	CHECK_EQ(d->unnamed, 8);
	peer_hello(d, &p[3], "named");
	CHECK_EQ(d->unnamed, 7);
	CHECK_EQ(d->named, 1);
	for (i = 0; i < 8; i++) {
		ak_server_drop(d, p[i].c);
		close(p[i].fd);
	}
	CHECK_EQ(d->connections, 0);
}

int main(void)
{
	static struct ak_daemon d;

	check_timeout(20);
	harness_start(&d);
	test_malformed(&d);
	test_garbage_disconnects(&d);
	test_flood_without_reading(&d);
	test_unnamed_cap(&d);
	harness_stop(&d);
	return 0;
}
