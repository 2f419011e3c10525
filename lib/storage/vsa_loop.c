// SPDX-License-Identifier: MIT
/* A VSA's completions delivered by the data plane's event loop. */
#include <errno.h>

#include "lib/storage/vsa_impl.h"

static int vsa_poller_poll(void *ctx, uint64_t now_ns)
{
	return ak_vsa_poll(ctx);
}

void ak_vsa_detach_loop(struct ak_vsa *vsa)
{
	if (!vsa->loop)
		return;
	ak_loop_del_poller(vsa->loop, &vsa->poller);
	vsa->loop = NULL;
}

int ak_vsa_attach_loop(struct ak_vsa *vsa, struct ak_loop *loop)
{
	if (vsa->loop)
		return -EBUSY;
	vsa->poller = (struct ak_poller){
		.poll = vsa_poller_poll,
		.fd = vsa->ops->doorbell ? vsa->ops->doorbell(vsa) : -1,
		.ctx = vsa,
	};
	ak_loop_add_poller(loop, &vsa->poller);
	vsa->loop = loop;
	vsa->loop_detach = ak_vsa_detach_loop;
	return 0;
}
