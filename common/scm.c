// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/scm.h"

int ak_scm_take_fds(struct msghdr *msg, int *fds, int max, bool *lost)
{
	struct cmsghdr *cm;
	int n = 0;

	*lost = msg->msg_flags & MSG_CTRUNC;
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		size_t count, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(fd));
			if (n < max) {
				fds[n++] = fd;
			} else {
				close(fd);
				*lost = true;
			}
		}
	}
	return n;
}

void ak_scm_close_fds(const int *fds, int nfds)
{
	int i;

	for (i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int ak_scm_send(int sock, const void *buf, size_t len, const int *fds, int nfds,
		int flags)
{
	union ak_scm_buf cbuf;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	if (nfds < 0 || nfds > AK_MSG_MAX_FDS)
		return -EINVAL;
	if (nfds) {
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	if (sendmsg(sock, &msg, flags) < 0)
		return -errno;
	return 0;
}
