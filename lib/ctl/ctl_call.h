/* SPDX-License-Identifier: MIT */
/*
 * The generic request/reply call under every typed function of lib/ctl,
 * for modules whose messages live outside include/arrakis/ctl.h (virtual
 * storage areas, the listings of arrakisctl).
 */
#ifndef AK_LIB_CTL_CALL_H
#define AK_LIB_CTL_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <arrakis/ctl.h>

/*
 * Sends a request of type with req_len bytes of payload and waits for its
 * reply. The reply's payload is copied to reply (at most reply_cap bytes;
 * *reply_len says how many) and up to max_fds passed fds land in fds
 * (*nfds of them; the caller owns them). reply, reply_len, fds and nfds may
 * be NULL/0 when none are expected.
 *
 * Returns the daemon's status (0 or a negative errno; its reason is logged
 * at warning level), or -EPIPE/-ECONNRESET when the connection is gone,
 * -EPROTO when the reply is malformed, larger than reply_cap, or carries
 * more than max_fds fds, -EMSGSIZE when the request is too large.
 */
int ak_ctl_call(struct ak_ctl *ctl, uint16_t type, const void *req,
		size_t req_len, void *reply, size_t reply_cap,
		size_t *reply_len, int *fds, int max_fds, int *nfds);

/*
 * Like ak_ctl_call, but with the daemon's reason for a non-zero status
 * copied into reason (reason_cap bytes, NUL-terminated) instead of logged.
 */
int ak_ctl_call_reason(struct ak_ctl *ctl, uint16_t type, const void *req,
		       size_t req_len, void *reply, size_t reply_cap,
		       size_t *reply_len, int *fds, int max_fds, int *nfds,
		       char *reason, size_t reason_cap);

#endif
