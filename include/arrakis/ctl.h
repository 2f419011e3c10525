/* SPDX-License-Identifier: MIT */
/*
 * Client of arrakisd's control protocol. One connection is one container:
 * everything granted over it (VNICs, port grants, VSAs) is released by the
 * daemon when the connection closes, whatever the reason.
 *
 * Every function returns 0 (or a non-negative value where said) on success
 * and a negative errno on failure; the library logs the daemon's reason
 * through the log handler (see arrakis/log.h). Errors common to all calls:
 *   -ECONNREFUSED, -ENOENT  no daemon listens on the socket path
 *   -EPIPE, -ECONNRESET     the daemon closed the connection
 *   -EPROTO                 the daemon's reply was malformed
 *   -ENOMEM                 out of memory
 */
#ifndef ARRAKIS_CTL_H
#define ARRAKIS_CTL_H

#include <stdint.h>

#include <xdp/xsk.h>

#include <arrakis/common.h>

#define AK_CTL_DEFAULT_SOCKET "/run/arrakis/control"

struct ak_ctl;

/*
 * Connects to the daemon at socket_path (NULL: AK_CTL_DEFAULT_SOCKET, or
 * $ARRAKIS_SOCKET when set) and registers a container named name (1-31
 * printable characters). -EINVAL for a bad name.
 */
AK_API int ak_ctl_open(const char *socket_path, const char *name,
		       struct ak_ctl **out);

/* Closes the connection; the daemon releases everything granted. */
AK_API void ak_ctl_close(struct ak_ctl *ctl);

/* The id the daemon gave this container. */
AK_API uint32_t ak_ctl_container_id(const struct ak_ctl *ctl);

/* The control socket's fd, for callers that poll it (never read it). */
AK_API int ak_ctl_fd(const struct ak_ctl *ctl);

/*
 * A VNIC: a software VF with its AF_XDP socket bound and its UMEM and four
 * rings mapped into this process. Frame addresses on the rings are byte
 * offsets into umem.
 */
struct ak_vnic_grant {
	uint32_t vnic_id;
	uint8_t mac[6];
	uint32_t ipv4;		  /* the VF's address, network byte order */
	uint8_t prefix_len;	  /* of the VF's subnet */
	uint16_t mtu;		  /* IP MTU of the VF */
	uint16_t ephemeral_first; /* source ports for outgoing connections */
	uint16_t ephemeral_last;
	int xsk_fd;  /* AF_XDP socket; poll it for the doorbell */
	int umem_fd; /* memfd behind the UMEM */
	void *umem;  /* umem_size bytes, mapped shared */
	uint64_t umem_size;
	uint32_t frame_size; /* bytes per UMEM frame */
	uint32_t frame_count;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
};

/*
 * Asks for a VNIC and maps it. -EAGAIN when the address pool is exhausted,
 * -EPERM when policy forbids this container a VNIC.
 */
AK_API int ak_ctl_vnic_open(struct ak_ctl *ctl, struct ak_vnic_grant *out);

/* Unmaps and closes the VNIC's fds and asks the daemon to remove it. */
AK_API void ak_ctl_vnic_close(struct ak_ctl *ctl, struct ak_vnic_grant *vnic);

/*
 * Grants frames to (proto, port) on the VNIC to this container, and lets it
 * send from that port. proto is IPPROTO_UDP or IPPROTO_TCP.
 *   -EACCES      policy does not allow this uid the port
 *   -EADDRINUSE  another container holds (address, proto, port)
 *   -EEXIST      this container already holds it
 *   -EINVAL      bad proto or port 0
 */
AK_API int ak_ctl_filter_add(struct ak_ctl *ctl, uint32_t vnic_id,
			     uint8_t proto, uint16_t port);

/* Removes a grant. -ENOENT when this container does not hold it. */
AK_API int ak_ctl_filter_del(struct ak_ctl *ctl, uint32_t vnic_id,
			     uint8_t proto, uint16_t port);

#define AK_VNIC_STATS_REASONS 16

/*
 * What the VNIC's filters and AF_XDP socket counted. rx_drops[i] and
 * tx_drops[i] are frames dropped for reason i (named by
 * ak_ctl_rx_reason_name(i) and ak_ctl_tx_reason_name(i); slot 0 is unused).
 */
struct ak_ctl_vnic_stats {
	uint64_t rx_passed;  /* frames the receive filter gave the socket */
	uint64_t rx_dropped; /* frames it dropped, all reasons */
	uint64_t tx_passed;  /* frames the transmit filter let out */
	uint64_t tx_dropped;
	uint64_t rx_drops[AK_VNIC_STATS_REASONS];
	uint64_t tx_drops[AK_VNIC_STATS_REASONS];
	uint64_t xsk_rx_dropped;   /* passed, but the RX ring had no room */
	uint64_t xsk_rx_ring_full; /* (XDP_STATISTICS) */
	uint64_t xsk_fill_empty;   /* passed, but the fill ring was empty */
	uint64_t xsk_tx_invalid;   /* bad TX descriptors */
};

/* Reads the counters of one of this container's VNICs. -ENOENT: not ours. */
AK_API int ak_ctl_vnic_stats(struct ak_ctl *ctl, uint32_t vnic_id,
			     struct ak_ctl_vnic_stats *out);

/* "port", "dst_mac", ...; NULL for 0 and past the last reason. */
AK_API const char *ak_ctl_rx_reason_name(unsigned int reason);
AK_API const char *ak_ctl_tx_reason_name(unsigned int reason);

#endif
