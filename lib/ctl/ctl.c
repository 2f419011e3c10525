// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/scm.h"
#include "lib/core/log.h"
#include "lib/ctl/ctl_call.h"
#include "lib/ctl/ctl_internal.h"

static int send_request(struct ak_ctl *ctl, uint16_t type, uint32_t id,
			const void *req, size_t req_len)
{
	struct ak_msg_hdr hdr;
	ssize_t n;

	if (req_len > sizeof(ctl->buf) - sizeof(hdr))
		return -EMSGSIZE;
	ak_msg_init(&hdr, type, id, req_len);
	memcpy(ctl->buf, &hdr, sizeof(hdr));
	if (req_len)
		memcpy(ctl->buf + sizeof(hdr), req, req_len);
	n = send(ctl->fd, ctl->buf, sizeof(hdr) + req_len, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return 0;
}

static void close_fds(int *fds, int *nfds)
{
	if (!nfds)
		return;
	ak_scm_close_fds(fds, *nfds);
	*nfds = 0;
}

/* Receives the reply to request id: its length, or a negative errno. */
static ssize_t recv_reply(struct ak_ctl *ctl, uint32_t id, uint16_t type,
			  int *fds, int max_fds, int *nfds,
			  struct ak_msg_hdr *hdr)
{
	union ak_scm_buf cbuf;
	struct iovec iov = {.iov_base = ctl->buf, .iov_len = sizeof(ctl->buf)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	bool lost;
	ssize_t n;
	int ret, got;

	for (;;) {
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(ctl->fd, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		got = ak_scm_take_fds(&msg, fds, max_fds, &lost);
		if (nfds)
			*nfds = got;
		ret = lost || (msg.msg_flags & MSG_TRUNC) ? -EPROTO : 0;
		if (!ret)
			ret = ak_msg_check(ctl->buf, (size_t)n, hdr) ? -EPROTO
								     : 0;
		if (ret) {
			close_fds(fds, nfds);
			return ret;
		}
		/* A reply to an earlier, abandoned request: skip it. */
		if (hdr->request_id == id &&
		    hdr->type == (uint16_t)(type | AK_MSG_REPLY))
			return n;
		close_fds(fds, nfds);
	}
}

int ak_ctl_call_reason(struct ak_ctl *ctl, uint16_t type, const void *req,
		       size_t req_len, void *reply, size_t reply_cap,
		       size_t *reply_len, int *fds, int max_fds, int *nfds,
		       char *reason, size_t reason_cap)
{
	uint32_t id = ++ctl->next_request_id;
	struct ak_msg_hdr hdr;
	size_t payload;
	ssize_t n;
	int ret;

	if (nfds)
		*nfds = 0;
	if (reply_len)
		*reply_len = 0;
	ret = send_request(ctl, type, id, req, req_len);
	if (ret)
		return ret;
	n = recv_reply(ctl, id, type, fds, max_fds, nfds, &hdr);
	if (n < 0)
		return (int)n;
	payload = (size_t)n - sizeof(hdr);

	if (hdr.status > 0 || hdr.status < -4095)
		ret = -EPROTO;
	else if (hdr.status < 0)
		ret = hdr.status;
	else if (payload > reply_cap)
		ret = -EPROTO;
	if (ret) {
		if (hdr.status < 0 && reason_cap)
			snprintf(reason, reason_cap, "%.*s", (int)payload,
				 (const char *)ctl->buf + sizeof(hdr));
		close_fds(fds, nfds);
		return ret;
	}
	if (payload)
		memcpy(reply, ctl->buf + sizeof(hdr), payload);
	if (reply_len)
		*reply_len = payload;
	return 0;
}

int ak_ctl_call(struct ak_ctl *ctl, uint16_t type, const void *req,
		size_t req_len, void *reply, size_t reply_cap,
		size_t *reply_len, int *fds, int max_fds, int *nfds)
{
	char reason[AK_REASON_MAX] = "";
	int ret;

	ret = ak_ctl_call_reason(ctl, type, req, req_len, reply, reply_cap,
				 reply_len, fds, max_fds, nfds, reason,
				 sizeof(reason));
	if (ret < 0 && reason[0]) {
		const char *name = ak_msg_type_name(type);
		/* "No such ..." is an answer callers act on (create it). */
		enum ak_log_level level =
			ret == -ENOENT ? AK_LOG_DEBUG : AK_LOG_WARN;

		if (name)
			ak_logf(level, "ctl: %s: %s (%s)", name, strerror(-ret),
				reason);
		else
			ak_logf(level, "ctl: request 0x%04x: %s (%s)", type,
				strerror(-ret), reason);
	}
	return ret;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int say_hello(struct ak_ctl *ctl, const char *name)
{
	struct ak_hello_req req = {0};
	struct ak_hello_rep rep;
	size_t len;
	int ret;

	memcpy(req.name, name, strlen(name));
	ret = ak_ctl_call(ctl, AK_MSG_HELLO, &req, sizeof(req), &rep,
			  sizeof(rep), &len, NULL, 0, NULL);
	if (ret)
		return ret;
	if (len != sizeof(rep) || rep.container_id == 0)
		return -EPROTO;
	ctl->container_id = rep.container_id;
	return 0;
}

int ak_ctl_open(const char *socket_path, const char *name, struct ak_ctl **out)
{
	struct ak_ctl *ctl;
	int ret;

	if (!name || ak_name_check(name, strnlen(name, AK_NAME_MAX) + 1))
		return -EINVAL;
	if (!socket_path)
		socket_path = getenv("ARRAKIS_SOCKET");
	if (!socket_path || !socket_path[0])
		socket_path = AK_CTL_DEFAULT_SOCKET;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ret = connect_to(socket_path);
	if (ret < 0)
		goto err_free;
	ctl->fd = ret;
	ret = say_hello(ctl, name);
	if (ret)
		goto err_close;
	*out = ctl;
	return 0;

err_close:
	close(ctl->fd);
err_free:
	free(ctl);
	return ret;
}

void ak_ctl_close(struct ak_ctl *ctl)
{
	if (!ctl)
		return;
	ak_ctl_unmap_all(ctl);
	close(ctl->fd);
	free(ctl);
}

uint32_t ak_ctl_container_id(const struct ak_ctl *ctl)
{
	return ctl->container_id;
}

int ak_ctl_fd(const struct ak_ctl *ctl)
{
	return ctl->fd;
}
