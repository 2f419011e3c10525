/* SPDX-License-Identifier: MIT */
/*
 * Inside the network stack: struct ak_net and the functions its layers
 * (ethernet/ARP, IPv4, reassembly, ICMP, UDP) call on one another.
 */
#ifndef AK_NET_NET_H
#define AK_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/loop.h"
#include "lib/net/stack.h"
#include "lib/vnic/vnic.h"

#define AK_ETH_HLEN   14
#define AK_ETH_P_IP   0x0800
#define AK_ETH_P_ARP  0x0806
#define AK_IP_HLEN    20
#define AK_UDP_HLEN   8
#define AK_IP_MAX_LEN 65535
#define AK_RX_BURST   64

/* pkt.handle of a datagram reassembled in heap memory, not a VNIC frame. */
#define AK_PKT_HEAP UINT64_MAX

#define AK_ARP_CACHE_SIZE 64
#define AK_REASM_SLOTS	  16

struct ak_eth_hdr {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct ak_eth_hdr) == AK_ETH_HLEN, "ethernet header");

struct ak_ipv4_hdr {
	uint8_t ver_ihl;
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag_off;
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;
	uint32_t saddr;
	uint32_t daddr;
} __attribute__((packed));
_Static_assert(sizeof(struct ak_ipv4_hdr) == AK_IP_HLEN, "ipv4 header");

#define AK_IP_DF      0x4000
#define AK_IP_MF      0x2000
#define AK_IP_OFFMASK 0x1fff

struct ak_udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
	uint16_t csum;
} __attribute__((packed));
_Static_assert(sizeof(struct ak_udp_hdr) == AK_UDP_HLEN, "udp header");

enum arp_state { ARP_FREE, ARP_PENDING, ARP_RESOLVED, ARP_FAILED };

struct arp_entry {
	uint32_t addr;
	uint8_t mac[6];
	uint8_t state;
	uint8_t tries;
	bool refreshing;
	uint64_t expires_ns; /* RESOLVED/FAILED: when it goes; PENDING: retry */
	uint64_t updated_ns;
	bool has_pending;
	struct ak_pkt pending; /* one packet waiting for the address */
	uint8_t *pending_msg;  /* or a datagram above one frame, on the heap */
	size_t pending_len;
	uint32_t pending_dst;
	uint8_t pending_proto;
};

struct reasm_slot {
	bool used;
	uint32_t saddr, daddr;
	uint16_t id;
	uint8_t proto;
	uint8_t *buf; /* header area (60 bytes), then payload */
	uint32_t buf_cap;
	uint32_t received; /* payload bytes */
	int32_t total;	   /* payload length once the last fragment came; -1 */
	uint8_t hlen;	   /* of the first fragment; 0 until it came */
	uint64_t deadline_ns;
	uint8_t blocks[8192 / 8]; /* bitmap of 8-byte payload blocks */
};

struct l4_handler {
	ak_l4_input_fn fn;
	void *ctx;
};

struct ak_udp_table;

struct ak_net {
	struct ak_loop *loop;
	struct ak_vnic *vnic;
	struct ak_net_grants grants;
	uint32_t addr; /* network byte order */
	uint32_t netmask;
	uint16_t mtu;
	uint16_t ip_id;
	struct ak_poller poller;
	struct ak_timer housekeeping;
	struct ak_l4_env env;
	struct l4_handler l4[256];
	struct arp_entry arp[AK_ARP_CACHE_SIZE];
	struct reasm_slot reasm[AK_REASM_SLOTS];
	uint32_t reasm_mem;
	struct ak_udp_table *udp;
	struct ak_net_stats stats;
};

static inline void net_drop(struct ak_net *net, enum ak_net_drop reason)
{
	net->stats.drops[reason]++;
}

/* Asks for the housekeeping timer to run no later than deadline_ns. */
void net_schedule(struct ak_net *net, uint64_t deadline_ns);

/* Returns a received frame (VNIC frame or reassembled heap buffer). */
void net_rx_release(struct ak_net *net, struct ak_pkt *pkt);

/* Ethernet out: fills the header at frame 0 and submits. */
int net_eth_send(struct ak_net *net, struct ak_pkt *pkt, const uint8_t *dst,
		 uint16_t type);

/* ARP (arp.c). */
void arp_input(struct ak_net *net, struct ak_pkt *pkt);
void arp_announce(struct ak_net *net);
/*
 * The MAC of next hop addr: 0 with *mac set; -EAGAIN when resolution
 * started or is in progress; -EHOSTUNREACH when it failed recently.
 */
int arp_lookup(struct ak_net *net, uint32_t addr, uint8_t mac[6],
	       uint64_t now_ns);
/* Keeps pkt (to be sent by ipv4_output) until addr resolves. */
int arp_queue(struct ak_net *net, uint32_t addr, struct ak_pkt *pkt,
	      uint32_t dst, uint8_t proto);
/* Keeps a copy of an L4 message too large for one frame instead. */
int arp_queue_copy(struct ak_net *net, uint32_t addr, const void *hdr,
		   size_t hdr_len, const void *data, size_t data_len,
		   uint8_t proto);
uint64_t arp_housekeeping(struct ak_net *net, uint64_t now_ns);
void arp_flush(struct ak_net *net);

/* IPv4 (ipv4.c). */
void ipv4_input(struct ak_net *net, struct ak_pkt *pkt);
/* l4 bytes at [l4_off, end); owns pkt. */
int ipv4_output(struct ak_net *net, struct ak_pkt *pkt, uint32_t dst,
		uint8_t proto);
/*
 * Sends an L4 message given as two byte ranges (header, payload), copying
 * them into as many fragments as the MTU needs.
 */
int ipv4_send_gather(struct ak_net *net, uint32_t dst, uint8_t proto,
		     const void *hdr, size_t hdr_len, const void *data,
		     size_t data_len);
/* Delivers a valid datagram (l3_off..end) to its protocol. */
void ipv4_deliver(struct ak_net *net, struct ak_pkt *pkt);

/* Reassembly (reasm.c). Consumes the fragment (releases pkt). */
void reasm_input(struct ak_net *net, struct ak_pkt *pkt, uint64_t now_ns);
uint64_t reasm_housekeeping(struct ak_net *net, uint64_t now_ns);
void reasm_flush(struct ak_net *net);

/* ICMP (icmp.c). */
int icmp_input(void *ctx, struct ak_pkt *pkt);
/* RFC 792 destination unreachable (code) quoting the datagram in pkt. */
void icmp_send_unreach(struct ak_net *net, const struct ak_pkt *pkt,
		       uint8_t code);

/* UDP (udp.c). */
int udp_layer_create(struct ak_net *net);
void udp_layer_destroy(struct ak_net *net);

#endif
