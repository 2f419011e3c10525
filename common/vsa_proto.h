/* SPDX-License-Identifier: MIT */
/*
 * The control protocol's messages for virtual storage areas (type range
 * 0x02xx; the header, replies and statuses are those of common/proto.h).
 *
 *   VSA_CREATE  name, size      -> the VSA's info; the caller's uid owns it
 *   VSA_OPEN    name, first     -> extents first.. of a grant, with one fd
 *                                  per extent (a bounded loop device opened
 *                                  O_DIRECT); first = 0 makes a new grant
 *   VSA_CLOSE   name            -> releases this container's grant
 *   VSA_RESIZE  name, size      -> the VSA's info
 *   VSA_DELETE  name
 *   VSA_LIST    ak_list_req     -> ak_list_rep, then ak_vsa_info_wire[]
 *
 * Statuses besides the common ones: -ENOENT no such VSA, -EACCES the caller
 * is neither the owner nor root, -EEXIST, -ENOSPC, -E2BIG (no room for the
 * extents), -EBUSY (shrink or delete while a container has it open).
 */
#ifndef AK_COMMON_VSA_PROTO_H
#define AK_COMMON_VSA_PROTO_H

#include <assert.h>
#include <stdint.h>

#include "common/proto.h"

enum ak_vsa_msg_type {
	AK_MSG_VSA_CREATE = 0x0201,
	AK_MSG_VSA_OPEN = 0x0202,
	AK_MSG_VSA_CLOSE = 0x0203,
	AK_MSG_VSA_RESIZE = 0x0204,
	AK_MSG_VSA_DELETE = 0x0205,
	AK_MSG_VSA_LIST = 0x0206,
};

#define AK_VSA_WIRE_NAME    32 /* 1-31 of [A-Za-z0-9._-] + NUL */
#define AK_VSA_WIRE_EXTENTS 16

/* VSA_CREATE, VSA_RESIZE (size), VSA_CLOSE, VSA_DELETE (size 0). */
struct ak_vsa_req {
	char name[AK_VSA_WIRE_NAME];
	uint64_t size;
};
static_assert(sizeof(struct ak_vsa_req) == 40, "ak_vsa_req layout");

struct ak_vsa_open_req {
	char name[AK_VSA_WIRE_NAME];
	uint32_t first_extent;
	uint32_t reserved;
};
static_assert(sizeof(struct ak_vsa_open_req) == 40, "ak_vsa_open_req");

/* The reply to VSA_OPEN: `count` fds, for extents first.. first+count-1. */
struct ak_vsa_open_rep {
	uint64_t size;
	uint32_t n_extents;
	uint32_t first_extent;
	uint32_t count;
	uint32_t reserved;
	uint64_t ext_size[AK_MSG_MAX_FDS];
};
static_assert(sizeof(struct ak_vsa_open_rep) == 24 + 8 * AK_MSG_MAX_FDS,
	      "ak_vsa_open_rep layout");

struct ak_vsa_extent_wire {
	uint64_t offset; /* in the backing store */
	uint64_t length;
};
static_assert(sizeof(struct ak_vsa_extent_wire) == 16, "extent layout");

struct ak_vsa_info_wire {
	char name[AK_VSA_WIRE_NAME];
	uint32_t owner_uid;
	uint32_t n_extents;
	uint64_t size;
	uint32_t open_count; /* containers holding a grant */
	uint32_t reserved;
	struct ak_vsa_extent_wire ext[AK_VSA_WIRE_EXTENTS];
};
static_assert(sizeof(struct ak_vsa_info_wire) == 312, "ak_vsa_info_wire");

#endif
