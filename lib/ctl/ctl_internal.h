/* SPDX-License-Identifier: MIT */
/* The client's connection state, shared by the files of lib/ctl. */
#ifndef AK_LIB_CTL_INTERNAL_H
#define AK_LIB_CTL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/proto.h"

/* What a mapped VNIC needs unmapped when it is closed. */
struct ak_ctl_mapping {
	struct ak_ctl_mapping *next;
	uint32_t vnic_id;
	void *maps[4];
	size_t lens[4];
};

struct ak_ctl {
	int fd;
	uint32_t container_id;
	uint32_t next_request_id;
	struct ak_ctl_mapping *mappings;
	uint8_t buf[AK_MSG_MAX]; /* one request or reply at a time */
};

void ak_ctl_unmap_all(struct ak_ctl *ctl);

#endif
