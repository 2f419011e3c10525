/* SPDX-License-Identifier: MIT */
/*
 * The wire format of arrakisd's control protocol, shared by the daemon and
 * lib/ctl. Messages travel over an AF_UNIX SOCK_SEQPACKET socket, one
 * message per datagram, in host byte order (both ends run on one machine).
 * docs/control-protocol.md describes the exchange; this header is the
 * authority on layouts, and every layout is pinned by static asserts.
 *
 * Message types are grouped in ranges of 256 so that a module owns a range:
 *   0x01xx  containers, VNICs, filters, counters (control/)
 *   0x02xx  virtual storage areas (defined in their own header in common/)
 * A reply carries the request's type with AK_MSG_REPLY set, the request's
 * id, and a status of 0 or a negative errno.
 */
#ifndef AK_COMMON_PROTO_H
#define AK_COMMON_PROTO_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "common/filter_abi.h"

#define AK_PROTO_MAGIC	 0x54434b41u /* the bytes "AKCT" read little-endian */
#define AK_PROTO_VERSION 1

/* The largest message either side sends, header included. */
#define AK_MSG_MAX 65536
/* The most fds one message carries (SCM_RIGHTS). */
#define AK_MSG_MAX_FDS 4
/* Error replies carry a NUL-terminated reason of at most this many bytes. */
#define AK_REASON_MAX 160

#define AK_MSG_REPLY 0x8000u

#define AK_MSG_RANGE(type) ((uint16_t)((type)&0x7f00u))
#define AK_MSG_RANGE_CORE  0x0100u
#define AK_MSG_RANGE_VSA   0x0200u

enum ak_msg_type {
	AK_MSG_HELLO = 0x0101,
	AK_MSG_VNIC_OPEN = 0x0102,
	AK_MSG_VNIC_CLOSE = 0x0103,
	AK_MSG_FILTER_ADD = 0x0104,
	AK_MSG_FILTER_DEL = 0x0105,
	AK_MSG_VNIC_STATS = 0x0106,
	AK_MSG_LIST_CONTAINERS = 0x0110,
	AK_MSG_LIST_VNICS = 0x0111,
	AK_MSG_LIST_FILTERS = 0x0112,
};

struct ak_msg_hdr {
	uint32_t magic;	     /* AK_PROTO_MAGIC */
	uint16_t version;    /* AK_PROTO_VERSION */
	uint16_t type;	     /* enum ak_msg_type, | AK_MSG_REPLY in replies */
	uint32_t length;     /* of the whole message, header included */
	uint32_t request_id; /* chosen by the client, echoed in the reply */
	int32_t status;	     /* replies: 0 or -errno; requests: 0 */
	uint32_t reserved;   /* 0 */
};
static_assert(sizeof(struct ak_msg_hdr) == 24, "ak_msg_hdr layout");
static_assert(offsetof(struct ak_msg_hdr, status) == 16, "ak_msg_hdr layout");

#define AK_NAME_MAX 32 /* container names: 1-31 printable bytes + NUL */

struct ak_hello_req {
	char name[AK_NAME_MAX];
	uint32_t flags; /* 0 */
	uint32_t reserved;
};
static_assert(sizeof(struct ak_hello_req) == 40, "ak_hello_req layout");

struct ak_hello_rep {
	uint32_t container_id;
	uint32_t reserved;
};
static_assert(sizeof(struct ak_hello_rep) == 8, "ak_hello_rep layout");

struct ak_vnic_open_req {
	uint32_t flags; /* 0 */
	uint32_t reserved;
};
static_assert(sizeof(struct ak_vnic_open_req) == 8, "ak_vnic_open_req");

/* Where a ring's parts lie in its mmap (as struct xdp_ring_offset). */
struct ak_ring_off {
	uint64_t producer;
	uint64_t consumer;
	uint64_t desc;
	uint64_t flags;
};
static_assert(sizeof(struct ak_ring_off) == 32, "ak_ring_off layout");

/*
 * The reply to VNIC_OPEN carries two fds: AK_VNIC_FD_XSK (the AF_XDP socket,
 * bound) and AK_VNIC_FD_UMEM (the memfd behind the UMEM).
 */
enum { AK_VNIC_FD_XSK = 0, AK_VNIC_FD_UMEM = 1, AK_VNIC_NFDS = 2 };

struct ak_vnic_open_rep {
	uint32_t vnic_id;
	uint32_t ipv4; /* network byte order */
	uint8_t mac[6];
	uint8_t prefix_len;
	uint8_t pad0;
	uint16_t mtu;
	uint16_t ephemeral_first;
	uint16_t ephemeral_last;
	uint16_t pad1;
	uint64_t umem_size;
	uint32_t frame_size;
	uint32_t frame_count;
	uint32_t fill_size;
	uint32_t comp_size;
	uint32_t rx_size;
	uint32_t tx_size;
	struct ak_ring_off fill;
	struct ak_ring_off comp;
	struct ak_ring_off rx;
	struct ak_ring_off tx;
};
static_assert(sizeof(struct ak_vnic_open_rep) == 184, "ak_vnic_open_rep");
static_assert(offsetof(struct ak_vnic_open_rep, fill) == 56,
	      "ak_vnic_open_rep");

struct ak_vnic_id_req {
	uint32_t vnic_id;
	uint32_t reserved;
};
static_assert(sizeof(struct ak_vnic_id_req) == 8, "ak_vnic_id_req layout");

struct ak_filter_req {
	uint32_t vnic_id;
	uint8_t proto; /* IPPROTO_UDP or IPPROTO_TCP */
	uint8_t pad;
	uint16_t port; /* host byte order */
};
static_assert(sizeof(struct ak_filter_req) == 8, "ak_filter_req layout");

/* Printable names, indexed by reason (common/proto.c). */
extern const char *const ak_rx_reason_names[AK_RX_REASONS];
extern const char *const ak_tx_reason_names[AK_TX_REASONS];

struct ak_counter {
	uint64_t packets;
	uint64_t bytes;
};
static_assert(sizeof(struct ak_counter) == 16, "ak_counter layout");

/* Statistics of the AF_XDP socket (as struct xdp_statistics). */
struct ak_xsk_stats {
	uint64_t rx_dropped;
	uint64_t rx_invalid_descs;
	uint64_t tx_invalid_descs;
	uint64_t rx_ring_full;
	uint64_t rx_fill_ring_empty_descs;
	uint64_t tx_ring_empty_descs;
};
static_assert(sizeof(struct ak_xsk_stats) == 48, "ak_xsk_stats layout");

#define AK_IFNAME_MAX 16

struct ak_vnic_info {
	uint32_t vnic_id;
	uint32_t container_id;
	uint32_t ipv4; /* network byte order */
	uint8_t mac[6];
	uint8_t prefix_len;
	uint8_t pad0;
	char vf_ifname[AK_IFNAME_MAX];
	char port_ifname[AK_IFNAME_MAX]; /* the bridge side */
	uint16_t ephemeral_first;
	uint16_t ephemeral_last;
	uint32_t filters;
	struct ak_counter rx[AK_RX_REASONS];
	struct ak_counter tx[AK_TX_REASONS];
	struct ak_xsk_stats xsk;
};
static_assert(sizeof(struct ak_vnic_info) ==
		      112 + 16 * AK_RX_REASONS + 16 * AK_TX_REASONS,
	      "ak_vnic_info layout");

struct ak_container_info {
	uint32_t container_id;
	uint32_t uid;
	uint32_t gid;
	uint32_t pid;
	char name[AK_NAME_MAX];
	uint32_t vnics;
	uint32_t filters;
	uint64_t requests;
	uint32_t errors;
	/* The last request the daemon refused this container, if any. */
	int32_t last_error;	  /* -errno, 0 for none */
	uint16_t last_error_type; /* its message type */
	uint16_t pad;
	uint32_t pad1;
	char last_error_reason[AK_REASON_MAX];
};
static_assert(sizeof(struct ak_container_info) == 240, "ak_container_info");

struct ak_filter_info {
	uint32_t container_id;
	uint32_t vnic_id;
	uint32_t ipv4; /* network byte order */
	uint8_t proto;
	uint8_t pad;
	uint16_t port;
};
static_assert(sizeof(struct ak_filter_info) == 16, "ak_filter_info layout");

/* LIST_* requests page through a table: entries from index `start` on. */
struct ak_list_req {
	uint32_t start;
	uint32_t reserved;
};
static_assert(sizeof(struct ak_list_req) == 8, "ak_list_req layout");

/* LIST_* replies: this header, then `count` entries of the listed type. */
struct ak_list_rep {
	uint32_t total; /* entries in the whole table */
	uint32_t count; /* entries in this reply */
};
static_assert(sizeof(struct ak_list_rep) == 8, "ak_list_rep layout");

/*
 * Checks a received message's header against the datagram's length:
 * 0, or -EPROTO (short or bad magic), -EPROTONOSUPPORT (version),
 * -EBADMSG (length field disagrees with the datagram), -EMSGSIZE.
 * The header is copied out of buf into *hdr first.
 */
int ak_msg_check(const void *buf, size_t len, struct ak_msg_hdr *hdr);

/* Fills a header for a message of payload_len bytes. */
void ak_msg_init(struct ak_msg_hdr *hdr, uint16_t type, uint32_t request_id,
		 size_t payload_len);

/* 0 if name is 1-31 printable ASCII bytes followed by a NUL, else -EINVAL. */
int ak_name_check(const char *name, size_t cap);

/* "udp", "tcp" or "proto-N" into buf. */
const char *ak_proto_name(uint8_t proto);

/* A message type's name ("VNIC_OPEN"), or NULL when unknown. */
const char *ak_msg_type_name(uint16_t type);

#endif
