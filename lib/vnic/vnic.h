/* SPDX-License-Identifier: MIT */
/*
 * A virtual NIC behind one ops table. The stack receives frames in bursts,
 * returns each one when done with it, allocates transmit frames, fills them
 * and submits them; the driver recycles buffers between its rings.
 *
 * Frame accounting: every buffer of the driver is always in exactly one of
 * five places, and free + fill + rx + tx + completion == frames holds after
 * every call (checked by ak_vnic_check_accounting() in debug builds):
 *   free        on the driver's free list
 *   fill        posted for reception (the fill ring, or the loopback's
 *               receive queue)
 *   rx          received and held by the stack, until rx_release
 *   tx          allocated for transmit, submitted or not, until its
 *               completion is seen
 *   completion  reported complete by the device but not yet reaped
 */
#ifndef AK_VNIC_VNIC_H
#define AK_VNIC_VNIC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/net/pkt.h"

struct ak_vnic;

struct ak_vnic_accounting {
	uint32_t frames;
	uint32_t free;
	uint32_t fill;
	uint32_t rx;
	uint32_t tx;
	uint32_t completion;
};

struct ak_vnic_stats {
	uint64_t rx_frames;
	uint64_t rx_bytes;
	uint64_t tx_frames;
	uint64_t tx_bytes;
	uint64_t tx_no_frame;  /* tx_alloc found no free frame */
	uint64_t tx_ring_full; /* submit found the TX ring full */
	uint64_t fill_empty;   /* the fill ring ran dry */
	uint64_t wakeups;      /* kicks of the kernel (sendto, poll) */
};

struct ak_vnic_ops {
	/* Up to max received frames, l3_off..end unset (cap = length). */
	int (*rx_burst)(struct ak_vnic *vnic, struct ak_pkt *pkts, int max);
	void (*rx_release)(struct ak_vnic *vnic, struct ak_pkt *pkt);

	/* A transmit frame; cap is the frame size. -ENOBUFS when none. */
	int (*tx_alloc)(struct ak_vnic *vnic, struct ak_pkt *pkt);
	void (*tx_free)(struct ak_vnic *vnic, struct ak_pkt *pkt);
	/* Queues pkt (frame bytes 0..end); owns it from here. */
	int (*tx_submit)(struct ak_vnic *vnic, struct ak_pkt *pkt);
	/* Publishes queued frames, kicks the device, reaps completions. */
	int (*tx_flush)(struct ak_vnic *vnic);

	/* Re-arms the doorbell; false when work is already pending. */
	bool (*prepare_sleep)(struct ak_vnic *vnic);
	void (*accounting)(const struct ak_vnic *vnic,
			   struct ak_vnic_accounting *acct);
	void (*destroy)(struct ak_vnic *vnic);
};

struct ak_vnic {
	const struct ak_vnic_ops *ops;
	uint8_t mac[6];
	uint32_t ipv4; /* network byte order */
	uint8_t prefix_len;
	uint16_t mtu; /* IP MTU */
	uint16_t ephemeral_first;
	uint16_t ephemeral_last;
	uint32_t frame_size;
	int fd; /* doorbell, -1 for none */
	struct ak_vnic_stats stats;
};

static inline void ak_vnic_destroy(struct ak_vnic *vnic)
{
	if (vnic)
		vnic->ops->destroy(vnic);
}

/* True when free + fill + rx + tx + completion == frames. */
bool ak_vnic_accounting_ok(const struct ak_vnic *vnic,
			   struct ak_vnic_accounting *acct);

#ifdef NDEBUG
#define ak_vnic_check_accounting(vnic) ((void)0)
#else
#include <assert.h>
#define ak_vnic_check_accounting(vnic)                                         \
	assert(ak_vnic_accounting_ok((vnic), NULL))
#endif

/*
 * The loopback pair: two VNICs joined by an in-memory wire, each with
 * `frames` heap buffers. A frame sent on one is copied into a buffer of the
 * other and received there, as a cable would. Addresses: a's and b's MAC
 * and IPv4 (network order).
 */
struct ak_loopback_cfg {
	uint32_t frames;
	uint32_t frame_size;
	uint16_t mtu;
	uint8_t mac[2][6];
	uint32_t ipv4[2];
	uint8_t prefix_len;
};

int ak_vnic_loopback_pair(const struct ak_loopback_cfg *cfg, struct ak_vnic **a,
			  struct ak_vnic **b);

/*
 * Test hook: puts frame bytes onto the wire towards vnic, as if its peer had
 * sent them. -ENOBUFS when vnic has no free buffer, -EMSGSIZE when too long.
 */
int ak_vnic_loopback_inject(struct ak_vnic *vnic, const void *frame,
			    uint16_t len);

/* How many frames the loopback VNIC's receive queue holds. */
uint32_t ak_vnic_loopback_pending(const struct ak_vnic *vnic);

struct ak_vnic_grant;

/*
 * The AF_XDP driver over a VNIC granted by arrakisd. The grant stays owned
 * by the caller and must outlive the driver.
 */
int ak_vnic_afxdp_create(struct ak_vnic_grant *grant, struct ak_vnic **out);

#endif
