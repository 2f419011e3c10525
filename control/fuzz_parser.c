// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the daemon's message path: header checks, dispatch,
 * length and state checks, and the handlers themselves, on a daemon with no
 * devices. The input is a sequence of messages, each prefixed by a 2-byte
 * length and a byte whose low bits give the number of fds to attach.
 * Replies go to the other end of a socketpair and are drained.
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/scm.h"
#include "control/server.h"
#include "control/vnic.h"
#include "lib/core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, enum ak_log_level level, const char *msg)
{
}

static void drain(int fd)
{
	static uint8_t buf[AK_MSG_MAX];
	union ak_scm_buf cbuf;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr msg;
	int fds[AK_MSG_MAX_FDS];
	bool lost;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		if (recvmsg(fd, &msg, MSG_DONTWAIT) <= 0)
			return;
		ak_scm_close_fds(
			fds, ak_scm_take_fds(&msg, fds, AK_MSG_MAX_FDS, &lost));
	}
}

static void feed(struct ak_daemon *d, struct ak_container *c, int peer,
		 const uint8_t *data, size_t size)
{
	static uint8_t msg[AK_MSG_MAX + 1] __attribute__((aligned(8)));

	while (size >= 3) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;
		int fds[AK_MSG_MAX_FDS], nfds = data[2] & 3, i;

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		memcpy(msg, data, len);
		data += len;
		size -= len;
		for (i = 0; i < nfds; i++)
			fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (ak_server_handle(d, c, msg, len, fds, nfds, false))
			return;
		drain(peer);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ak_daemon d;
	struct ak_container *c;
	int sv[2];

	ak_log_set_handler(quiet, NULL);
	memset(&d, 0, sizeof(d));
	ak_config_defaults(&d.cfg);
	d.vnic_backend = &ak_vnic_null_backend;
	if (ak_server_init_core(&d) || ak_vnic_module.start(&d))
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv))
		return 0;
	c = ak_server_adopt(&d, sv[0]);
	if (c)
		feed(&d, c, sv[1], data, size);
	drain(sv[1]);
	ak_server_fini_core(&d);
	ak_vnic_module.stop(&d);
	close(sv[1]);
	return 0;
}
