/* SPDX-License-Identifier: MIT */
/*
 * A daemon without devices (null VNIC backend) and no listening socket, for
 * the control unit tests: connections are socketpairs the test drives.
 */
#ifndef AK_TESTS_CONTROL_HARNESS_H
#define AK_TESTS_CONTROL_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "common/scm.h"
#include "control/dispatch.h"
#include "control/server.h"
#include "control/vnic.h"
#include "tests/check.h"

struct peer {
	struct ak_container *c;
	int fd; /* the test's end */
	uint32_t next_id;
};

static inline void harness_start(struct ak_daemon *d)
{
	memset(d, 0, sizeof(*d));
	ak_config_defaults(&d->cfg);
	d->vnic_backend = &ak_vnic_null_backend;
	CHECK_OK(ak_server_init_core(d));
	CHECK_OK(ak_vnic_module.start(d));
}

static inline void harness_stop(struct ak_daemon *d)
{
	ak_server_fini_core(d);
	ak_vnic_module.stop(d);
}

static inline void peer_connect(struct ak_daemon *d, struct peer *p, uid_t uid)
{
	int sv[2];

	CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv));
	p->c = ak_server_adopt(d, sv[0]);
	CHECK(p->c != NULL);
	p->c->cred.uid = uid;
	p->fd = sv[1];
	p->next_id = 1;
}

/* Sends raw bytes (with nfds copies of /dev/null) and lets the daemon read. */
static inline int peer_send_raw(struct ak_daemon *d, struct peer *p,
				const void *buf, size_t len, int nfds)
{
	int fds[AK_MSG_MAX_FDS], i;

	for (i = 0; i < nfds; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK_EQ(ak_scm_send(p->fd, buf, len, fds, nfds, 0), 0);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return ak_server_read(d, p->c, 1);
}

/* Receives one reply; returns its status, payload into out, fds closed. */
static inline int peer_recv(struct peer *p, uint16_t type, void *out,
			    size_t cap, int *nfds_out)
{
	static uint8_t buf[AK_MSG_MAX];
	union ak_scm_buf cbuf;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf)};
	int fds[AK_MSG_MAX_FDS], nfds;
	struct ak_msg_hdr hdr;
	bool lost;
	ssize_t n;

	n = recvmsg(p->fd, &msg, MSG_DONTWAIT);
	CHECK_GT(n, 0);
	CHECK_OK(ak_msg_check(buf, (size_t)n, &hdr));
	CHECK_EQ(hdr.type, type | AK_MSG_REPLY);
	nfds = ak_scm_take_fds(&msg, fds, AK_MSG_MAX_FDS, &lost);
	ak_scm_close_fds(fds, nfds);
	if (nfds_out)
		*nfds_out = nfds;
	if (out && hdr.status == 0) {
		CHECK_LE((size_t)n - sizeof(hdr), cap);
		memcpy(out, buf + sizeof(hdr), (size_t)n - sizeof(hdr));
	}
	return hdr.status;
}

static inline int peer_call(struct ak_daemon *d, struct peer *p, uint16_t type,
			    const void *req, size_t len, void *out, size_t cap)
{
	uint8_t buf[256];
	struct ak_msg_hdr hdr;

	ak_msg_init(&hdr, type, p->next_id++, len);
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), req, len);
	CHECK_EQ(peer_send_raw(d, p, buf, sizeof(hdr) + len, 0), 0);
	return peer_recv(p, type, out, cap, NULL);
}

static inline uint32_t peer_hello(struct ak_daemon *d, struct peer *p,
				  const char *name)
{
	struct ak_hello_req req = {0};
	struct ak_hello_rep rep = {0};

	snprintf(req.name, sizeof(req.name), "%s", name);
	CHECK_EQ(peer_call(d, p, AK_MSG_HELLO, &req, sizeof(req), &rep,
			   sizeof(rep)),
		 0);
	CHECK_GT(rep.container_id, 0);
	return rep.container_id;
}

#endif
