// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control/dispatch.h"
#include "lib/core/log.h"

/* A connection that keeps sending garbage is dropped after this many. */
#define AK_MAX_BAD_MESSAGES 16

const struct ak_handler *ak_dispatch_find(uint16_t type)
{
	size_t m, i;

	for (m = 0; m < ak_nmodules; m++) {
		const struct ak_module *mod = ak_modules[m];

		for (i = 0; i < mod->nhandlers; i++)
			if (mod->handlers[i].type == type)
				return &mod->handlers[i];
	}
	return NULL;
}

static void close_fds(int *fds, int nfds)
{
	int i;

	for (i = 0; i < nfds; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* Checks everything about a request that does not depend on its handler. */
static int check_envelope(const struct ak_container *c,
			  const struct ak_msg_hdr *in, size_t len,
			  const struct ak_handler *h, int nfds, bool truncated,
			  struct ak_reply *rep)
{
	size_t payload = len - sizeof(*in);

	if (!h || (in->type & AK_MSG_REPLY)) {
		AK_REPLY_REASON(rep, "unknown message type 0x%04x", in->type);
		return -EOPNOTSUPP;
	}
	if (in->status || in->reserved) {
		AK_REPLY_REASON(rep, "status and reserved must be 0");
		return -EINVAL;
	}
	if (payload < h->min_len || payload > h->max_len) {
		AK_REPLY_REASON(rep, "%s payload of %zu bytes, want %u-%u",
				ak_msg_type_name(in->type), payload, h->min_len,
				h->max_len);
		return -EBADMSG;
	}
	if (truncated) {
		AK_REPLY_REASON(rep, "too many fds");
		return -ETOOMANYREFS;
	}
	if (nfds && !(h->flags & AK_HANDLER_TAKES_FDS)) {
		AK_REPLY_REASON(rep, "%s takes no fds",
				ak_msg_type_name(in->type));
		return -EBADF;
	}
	if (!c->id && !(h->flags & AK_HANDLER_BEFORE_HELLO)) {
		AK_REPLY_REASON(rep, "say HELLO first");
		return -ENOTCONN;
	}
	return 0;
}

static void reply_header(struct ak_msg_hdr *out, const struct ak_msg_hdr *in,
			 size_t len)
{
	uint16_t type = 0;
	uint32_t id = 0;

	/* Echo what can be trusted of a malformed request's header. */
	if (len >= sizeof(*in) && in->magic == AK_PROTO_MAGIC) {
		type = in->type;
		id = in->request_id;
	}
	ak_msg_init(out, (uint16_t)(type | AK_MSG_REPLY), id, 0);
}

static void header_reason(int ret, const struct ak_msg_hdr *in, size_t len,
			  struct ak_reply *rep)
{
	if (len < sizeof(*in))
		AK_REPLY_REASON(rep, "%zu bytes, shorter than a header", len);
	else if (ret == -EPROTO)
		AK_REPLY_REASON(rep, "bad magic 0x%08x", in->magic);
	else if (ret == -EPROTONOSUPPORT)
		AK_REPLY_REASON(rep, "version %u, this daemon speaks %u",
				in->version, AK_PROTO_VERSION);
	else if (ret == -EMSGSIZE)
		AK_REPLY_REASON(rep, "larger than %u bytes", AK_MSG_MAX);
	else
		AK_REPLY_REASON(rep, "length field %u, message %zu bytes",
				in->length, len);
}

static void note_bad(struct ak_container *c, int status,
		     const struct ak_reply *rep, bool *disconnect)
{
	c->errors++;
	ak_log_ratelimited(
		AK_LOG_WARN, "ctl: container %u (pid %d): bad message: %s (%s)",
		c->id, (int)c->cred.pid, rep->reason, strerror(-status));
	if (c->errors >= AK_MAX_BAD_MESSAGES)
		*disconnect = true;
}

int ak_dispatch_message(struct ak_daemon *d, struct ak_container *c,
			const void *buf, size_t len, int *fds, int nfds,
			bool truncated, struct ak_msg_hdr *hdr,
			struct ak_reply *rep, bool *disconnect)
{
	const struct ak_handler *h = NULL;
	struct ak_request req;
	struct ak_msg_hdr in;
	int ret;

	rep->len = 0;
	rep->nfds = 0;
	rep->reason[0] = 0;
	*disconnect = false;
	memset(&in, 0, sizeof(in));

	ret = ak_msg_check(buf, len, &in);
	reply_header(hdr, &in, len);
	if (ret) {
		header_reason(ret, &in, len, rep);
	} else {
		h = ak_dispatch_find(in.type);
		ret = check_envelope(c, &in, len, h, nfds, truncated, rep);
	}
	if (ret) {
		close_fds(fds, nfds);
		note_bad(c, ret, rep, disconnect);
		hdr->status = ret;
		return ret;
	}

	req.hdr = in;
	req.payload = (const uint8_t *)buf + sizeof(in);
	req.len = len - sizeof(in);
	req.fds = fds;
	req.nfds = nfds;
	c->requests++;
	ret = h->handle(d, c, &req, rep);
	close_fds(fds, nfds);
	if (ret) {
		close_fds(rep->fds, rep->nfds);
		rep->nfds = 0;
		rep->len = 0;
		if (!rep->reason[0])
			snprintf(rep->reason, sizeof(rep->reason), "%s",
				 strerror(-ret));
		ak_container_note_error(c, in.type, ret, rep->reason);
	}
	hdr->status = ret;
	return ret;
}
