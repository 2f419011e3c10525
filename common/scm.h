/* SPDX-License-Identifier: MIT */
/*
 * Passing fds over the control socket (SCM_RIGHTS), for both ends.
 */
#ifndef AK_COMMON_SCM_H
#define AK_COMMON_SCM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "common/proto.h"

/* Room for the control data of one message's fds. */
union ak_scm_buf {
	char buf[CMSG_SPACE(sizeof(int) * AK_MSG_MAX_FDS)];
	struct cmsghdr align;
};

/*
 * Takes the fds a received message carried: up to max into fds (the count
 * is returned), the rest closed. *lost tells whether any were closed here
 * or dropped by the kernel for lack of room (MSG_CTRUNC).
 */
int ak_scm_take_fds(struct msghdr *msg, int *fds, int max, bool *lost);

/* Closes nfds fds (entries of -1 are skipped). */
void ak_scm_close_fds(const int *fds, int nfds);

/*
 * Sends one message of len bytes with nfds (at most AK_MSG_MAX_FDS) fds
 * attached: 0 or a negative errno. flags as for sendmsg(2).
 */
int ak_scm_send(int sock, const void *buf, size_t len, const int *fds, int nfds,
		int flags);

#endif
