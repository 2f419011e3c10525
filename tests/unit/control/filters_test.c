// SPDX-License-Identifier: MIT
/*
 * VNIC and grant bookkeeping over the protocol, with a backend that touches
 * no device: policy (EACCES), (address, proto, port) held by another
 * container (EADDRINUSE), duplicates (EEXIST), removal of what is not held
 * (ENOENT), listings, and release of everything when a container goes.
 */
#include <netinet/in.h>

#include "tests/unit/control/harness.h"

static uint32_t open_vnic(struct ak_daemon *d, struct peer *p, int *nfds)
{
	struct ak_vnic_open_req req = {0};
	struct ak_vnic_open_rep rep;
	uint8_t buf[64];
	struct ak_msg_hdr hdr;

	ak_msg_init(&hdr, AK_MSG_VNIC_OPEN, p->next_id++, sizeof(req));
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), &req, sizeof(req));
	CHECK_EQ(peer_send_raw(d, p, buf, sizeof(hdr) + sizeof(req), 0), 0);
	CHECK_EQ(peer_recv(p, AK_MSG_VNIC_OPEN, &rep, sizeof(rep), nfds), 0);
	return rep.vnic_id;
}

static int filter(struct ak_daemon *d, struct peer *p, uint16_t type,
		  uint32_t vnic, uint8_t proto, uint16_t port)
{
	struct ak_filter_req req = {
		.vnic_id = vnic, .proto = proto, .port = port};

	return peer_call(d, p, type, &req, sizeof(req), NULL, 0);
}

static uint32_t count_filters(struct ak_daemon *d, struct peer *p)
{
	struct ak_list_req req = {0};
	static uint8_t out[AK_MSG_MAX];
	struct ak_list_rep rep;

	CHECK_EQ(peer_call(d, p, AK_MSG_LIST_FILTERS, &req, sizeof(req), out,
			   sizeof(out)),
		 0);
	memcpy(&rep, out, sizeof(rep));
	CHECK_EQ(rep.count, rep.total);
	return rep.total;
}

int main(void)
{
	static struct ak_daemon d;
	struct peer a, b;
	uint32_t va, vb, again;
	int nfds;

	check_timeout(20);
	harness_start(&d);
	peer_connect(&d, &a, 1000);
	peer_connect(&d, &b, 1001);
	peer_hello(&d, &a, "alpha");
	peer_hello(&d, &b, "beta");

	va = open_vnic(&d, &a, &nfds);
	CHECK_EQ(nfds, AK_VNIC_NFDS);
	vb = open_vnic(&d, &b, &nfds);
	CHECK_NE(va, vb);

	CHECK_EQ(filter(&d, &a, AK_MSG_FILTER_ADD, va, IPPROTO_UDP, 5000), 0);
	CHECK_EQ(filter(&d, &a, AK_MSG_FILTER_ADD, va, IPPROTO_UDP, 5000),
		 -EEXIST);
	CHECK_EQ(filter(&d, &a, AK_MSG_FILTER_ADD, va, IPPROTO_TCP, 80),
		 -EACCES);
	CHECK_EQ(a.c->last_error, -EACCES);
	CHECK(strstr(a.c->last_error_reason, "uid 1000") != NULL);
	CHECK_EQ(filter(&d, &a, AK_MSG_FILTER_ADD, va, IPPROTO_ICMP, 1),
		 -EINVAL);
	CHECK_EQ(filter(&d, &a, AK_MSG_FILTER_ADD, va, IPPROTO_UDP, 0),
		 -EINVAL);
	CHECK_EQ(filter(&d, &a, AK_MSG_FILTER_ADD, 999, IPPROTO_UDP, 5001),
		 -ENOENT);

	/* beta asks for what alpha holds on alpha's address */
	CHECK_EQ(filter(&d, &b, AK_MSG_FILTER_ADD, va, IPPROTO_UDP, 5000),
		 -EADDRINUSE);
	CHECK(strstr(b.c->last_error_reason, "alpha") != NULL);
	CHECK_EQ(filter(&d, &b, AK_MSG_FILTER_ADD, va, IPPROTO_UDP, 5001),
		 -EPERM);
	CHECK_EQ(filter(&d, &b, AK_MSG_FILTER_ADD, vb, IPPROTO_UDP, 5000), 0);
	CHECK_EQ(filter(&d, &b, AK_MSG_FILTER_DEL, vb, IPPROTO_UDP, 5001),
		 -ENOENT);
	CHECK_EQ(filter(&d, &b, AK_MSG_FILTER_DEL, va, IPPROTO_UDP, 5000),
		 -ENOENT);
	CHECK_EQ(count_filters(&d, &a), 2);

	/* root may claim anything */
	a.c->cred.uid = 0;
	CHECK_EQ(filter(&d, &a, AK_MSG_FILTER_ADD, va, IPPROTO_TCP, 80), 0);
	CHECK_EQ(a.c->filters, 2);
	CHECK_EQ(filter(&d, &a, AK_MSG_FILTER_DEL, va, IPPROTO_TCP, 80), 0);
	CHECK_EQ(a.c->filters, 1);

	/* alpha goes away: its VNIC, grant and address are released */
	close(a.fd);
	CHECK_LT(ak_server_read(&d, a.c, 1), 0);
	ak_server_drop(&d, a.c);
	CHECK_EQ(count_filters(&d, &b), 1);
	CHECK_EQ(filter(&d, &b, AK_MSG_FILTER_ADD, va, IPPROTO_UDP, 5000),
		 -ENOENT);
	peer_connect(&d, &a, 1000);
	peer_hello(&d, &a, "alpha2");
	again = open_vnic(&d, &a, &nfds);
	CHECK_GT(again, vb);
	CHECK_EQ(a.c->vnics, 1);

	harness_stop(&d);
	close(a.fd);
	close(b.fd);
	return 0;
}
