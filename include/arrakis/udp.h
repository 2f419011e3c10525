/* SPDX-License-Identifier: MIT */
/*
 * UDP sockets of the native API. Receive is zero-copy: the callback gets the
 * payload where the VNIC wrote it and may keep it past the callback; it
 * returns it with ak_udp_release(). Send writes the payload once, into a
 * transmit frame behind headers the stack prepares.
 *
 * Functions return 0 on success and a negative errno on failure.
 */
#ifndef ARRAKIS_UDP_H
#define ARRAKIS_UDP_H

#include <stddef.h>
#include <stdint.h>

#include <arrakis/arrakis.h>
#include <arrakis/common.h>

struct ak_udp;

/* A received datagram; valid until ak_udp_release(). */
struct ak_udp_msg {
	const uint8_t *data;
	size_t len;
	uint32_t src_addr; /* network byte order */
	uint16_t src_port; /* host byte order */
	uint16_t dst_port;
	uint64_t priv[4]; /* the stack's */
};

/*
 * Called for each datagram. Return 0 and the library releases msg after the
 * callback; return 1 to keep it (then call ak_udp_release() later).
 */
typedef int (*ak_udp_recv_fn)(void *arg, struct ak_udp *sock,
			      struct ak_udp_msg *msg);

/*
 * Binds port (host byte order; 0 picks an ephemeral port) on the app's
 * VNIC, asking arrakisd for the filter grant.
 *   -EADDRINUSE  the port is bound here or held by another container
 *   -EACCES      policy does not allow this user the port
 *   -ENOMEM      out of memory
 *   -EAGAIN      no ephemeral port is free
 */
AK_API int ak_udp_bind(struct ak_app *app, uint16_t port, ak_udp_recv_fn fn,
		       void *arg, struct ak_udp **out);

/* Closes the socket and releases its grant; release kept messages first. */
AK_API void ak_udp_close(struct ak_udp *sock);

/* The bound port (host byte order). */
AK_API uint16_t ak_udp_port(const struct ak_udp *sock);

/* Returns a message the callback kept. */
AK_API void ak_udp_release(struct ak_udp *sock, struct ak_udp_msg *msg);

/*
 * Sends len bytes to (addr network order, port host order), fragmenting
 * above the MTU.
 * While the address is being resolved by ARP the datagram waits (one per
 * address; a newer one replaces it) and 0 is returned.
 *   -EMSGSIZE     len above 65507
 *   -ENOBUFS      no transmit frame free now (retry after the loop ran)
 *   -EHOSTUNREACH the address did not answer ARP
 *   -ENOMEM       no memory to hold a fragmented datagram for ARP
 */
AK_API int ak_udp_sendto(struct ak_udp *sock, const void *data, size_t len,
			 uint32_t addr, uint16_t port);

/*
 * Zero-copy send: a transmit buffer of at least *cap bytes in which the
 * caller writes the payload, then sends with ak_udp_send_commit() (or
 * drops with ak_udp_send_abort()). The buffer holds up to one MTU's payload.
 *   -ENOBUFS  no transmit frame free now
 */
struct ak_udp_buf {
	uint8_t *data;
	size_t cap;
	uint64_t priv[4]; /* the stack's */
};

AK_API int ak_udp_send_alloc(struct ak_udp *sock, struct ak_udp_buf *buf);

/*
 * Sends len bytes of buf (the buffer is consumed whatever the result).
 *   -EMSGSIZE     len above buf->cap
 *   -EHOSTUNREACH the address did not answer ARP
 */
AK_API int ak_udp_send_commit(struct ak_udp *sock, struct ak_udp_buf *buf,
			      size_t len, uint32_t addr, uint16_t port);
AK_API void ak_udp_send_abort(struct ak_udp *sock, struct ak_udp_buf *buf);

#endif
