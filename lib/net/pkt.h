/* SPDX-License-Identifier: MIT */
/*
 * A packet in flight inside the stack: a window on one frame buffer (a UMEM
 * frame, or heap memory on the loopback driver). Layers locate their headers
 * by offsets from the start of the frame, so no byte is moved as a packet
 * goes up or down the stack.
 */
#ifndef AK_NET_PKT_H
#define AK_NET_PKT_H

#include <stdint.h>

struct ak_pkt {
	uint8_t *frame;	   /* first byte of the frame buffer */
	uint64_t handle;   /* the driver's name for the buffer (UMEM offset) */
	uint16_t cap;	   /* usable bytes from frame */
	uint16_t l3_off;   /* IPv4 header */
	uint16_t l4_off;   /* UDP/TCP/ICMP header */
	uint16_t data_off; /* payload */
	uint16_t end; /* one past the packet's last byte (padding excluded) */
};

static inline uint8_t *ak_pkt_l3(const struct ak_pkt *p)
{
	return p->frame + p->l3_off;
}

static inline uint8_t *ak_pkt_l4(const struct ak_pkt *p)
{
	return p->frame + p->l4_off;
}

static inline uint8_t *ak_pkt_data(const struct ak_pkt *p)
{
	return p->frame + p->data_off;
}

static inline uint16_t ak_pkt_data_len(const struct ak_pkt *p)
{
	return (uint16_t)(p->end - p->data_off);
}

#endif
