/* SPDX-License-Identifier: MIT */
/*
 * What the BPF filter programs (control/bpf/) and the daemon share: the
 * counter slots and the key of the grant map. Included by BPF C too, so it
 * uses no libc header.
 */
#ifndef AK_COMMON_FILTER_ABI_H
#define AK_COMMON_FILTER_ABI_H

/*
 * Why the receive filter dropped a frame (or that it passed it). The XDP
 * program counts into these slots; the names below are what arrakisctl
 * prints. Adding a reason appends it (the indices are wire-visible).
 */
enum ak_rx_reason {
	AK_RX_PASS = 0,	 /* redirected to the container's AF_XDP socket */
	AK_RX_MALFORMED, /* too short for the headers it claims */
	AK_RX_DST_MAC,	 /* unicast to another MAC */
	AK_RX_ETHERTYPE, /* neither IPv4 nor ARP */
	AK_RX_ARP_OTHER, /* ARP not about the VF's address */
	AK_RX_DST_IP,	 /* IPv4 to another address */
	AK_RX_PROTO,	 /* IPv4 protocol other than ICMP, UDP, TCP */
	AK_RX_PORT,	 /* UDP/TCP to a port not granted */
	AK_RX_NO_SOCKET, /* granted, but no AF_XDP socket is bound */
	AK_RX_REASONS
};

enum ak_tx_reason {
	AK_TX_PASS = 0,	 /* allowed onto the bridge */
	AK_TX_MALFORMED, /* too short for the headers it claims */
	AK_TX_SRC_MAC,	 /* Ethernet source is not the VF's MAC */
	AK_TX_ETHERTYPE, /* neither IPv4 nor ARP */
	AK_TX_ARP_SPOOF, /* ARP sender not the VF's MAC and address */
	AK_TX_SRC_IP,	 /* IPv4 source is not the VF's address */
	AK_TX_PROTO,	 /* IPv4 protocol other than ICMP, UDP, TCP */
	AK_TX_SRC_PORT,	 /* UDP/TCP source port neither granted nor ephemeral */
	AK_TX_REASONS
};

_Static_assert(AK_RX_REASONS <= 16 && AK_TX_REASONS <= 16,
	       "reasons fit struct ak_vnic_stats (include/arrakis/ctl.h)");

/* Key of the grant map: a (proto, port) the container may use. */
struct ak_grant_key {
	unsigned char proto;
	unsigned char pad;
	unsigned short port; /* host byte order */
};

#endif
