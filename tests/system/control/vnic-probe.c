// SPDX-License-Identifier: MIT
/*
 * vnic-probe: a raw-ring client of arrakisd for the system tests. It runs
 * its arguments as a script, printing one line per step on stdout:
 *
 *   open                      open a VNIC: "vnic ID ADDR MAC"
 *   grant PROTO:PORT          add a grant on it: "grant udp:7 0|-ERRNO NAME"
 *   grant-on ID PROTO:PORT    the same on VNIC ID (someone else's)
 *   ungrant PROTO:PORT        remove a grant
 *   send SRC:SPORT DST:DPORT DSTMAC [SRCMAC]
 *                             transmit one UDP frame: "sent LEN" (SRC may
 *                             be "self", the VNIC's address)
 *   rx SECONDS                receive (forever if 0, until SIGTERM), then
 *                             print "rx PROTO PORT COUNT" per destination
 *   stats                     print "stats RX_PASSED RX_DROPPED TX_PASSED
 *                             TX_DROPPED" and "drop rx|tx REASON N" lines
 *   ready                     print "ready"
 *
 * It never answers ARP; the tests give their Linux peers static neighbours.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arrakis/ctl.h>

#include "lib/net/checksum.h"

#define MAX_SEEN 64

struct seen {
	uint8_t proto;
	uint16_t port;
	uint64_t count;
};

struct probe {
	struct ak_ctl *ctl;
	struct ak_vnic_grant vnic;
	bool have_vnic;
	uint32_t rx_frames; /* the first half of the UMEM receives */
	uint32_t tx_next;
	struct seen seen[MAX_SEEN];
	int nseen;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

__attribute__((noreturn)) static void die(const char *what, int err)
{
	fprintf(stderr, "vnic-probe: %s: %s\n", what, strerror(err));
	exit(1);
}

static int parse_grant(const char *s, uint8_t *proto, uint16_t *port)
{
	if (!strncmp(s, "udp:", 4))
		*proto = IPPROTO_UDP;
	else if (!strncmp(s, "tcp:", 4))
		*proto = IPPROTO_TCP;
	else
		return -1;
	*port = (uint16_t)atoi(s + 4);
	return 0;
}

static const char *errname(int ret)
{
	switch (-ret) {
	case 0:
		return "OK";
	case EACCES:
		return "EACCES";
	case EADDRINUSE:
		return "EADDRINUSE";
	case EEXIST:
		return "EEXIST";
	case ENOENT:
		return "ENOENT";
	case EPERM:
		return "EPERM";
	case EINVAL:
		return "EINVAL";
	}
	return "OTHER";
}

static void fill_rx(struct probe *p)
{
	struct ak_vnic_grant *v = &p->vnic;
	uint32_t idx, i, n = p->rx_frames;

	if (n > v->fill.size)
		n = v->fill.size;
	if (xsk_ring_prod__reserve(&v->fill, n, &idx) != n)
		die("fill ring", ENOSPC);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&v->fill, idx + i) =
			(uint64_t)i * v->frame_size;
	xsk_ring_prod__submit(&v->fill, n);
}

static void cmd_open(struct probe *p)
{
	struct ak_vnic_grant *v = &p->vnic;
	char addr[INET_ADDRSTRLEN];
	int ret;

	ret = ak_ctl_vnic_open(p->ctl, v);
	if (ret)
		die("vnic open", -ret);
	p->have_vnic = true;
	p->rx_frames = v->frame_count / 2;
	fill_rx(p);
	inet_ntop(AF_INET, &v->ipv4, addr, sizeof(addr));
	out("vnic %u %s %02x:%02x:%02x:%02x:%02x:%02x", v->vnic_id, addr,
	    v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
}

static void cmd_grant(struct probe *p, uint32_t vnic_id, const char *spec,
		      bool add)
{
	uint16_t port;
	uint8_t proto;
	int ret;

	if (parse_grant(spec, &proto, &port))
		die(spec, EINVAL);
	ret = add ? ak_ctl_filter_add(p->ctl, vnic_id, proto, port)
		  : ak_ctl_filter_del(p->ctl, vnic_id, proto, port);
	out("%s %s %d %s", add ? "grant" : "ungrant", spec, ret, errname(ret));
}

static void note(struct probe *p, uint8_t proto, uint16_t port)
{
	int i;

	for (i = 0; i < p->nseen; i++) {
		if (p->seen[i].proto == proto && p->seen[i].port == port) {
			p->seen[i].count++;
			return;
		}
	}
	if (p->nseen < MAX_SEEN)
		p->seen[p->nseen++] = (struct seen){proto, port, 1};
}

static void classify(struct probe *p, const uint8_t *f, uint32_t len)
{
	const struct iphdr *ip = (const void *)(f + ETH_HLEN);
	uint16_t type, dport;

	if (len < ETH_HLEN + sizeof(*ip) + 4) {
		note(p, 0, 0);
		return;
	}
	memcpy(&type, f + 12, 2);
	if (ntohs(type) == ETH_P_ARP) {
		note(p, 254, 0);
	} else if (ntohs(type) != ETH_P_IP ||
		   len < ETH_HLEN + ip->ihl * 4u + 4) {
		note(p, 0, 0);
	} else if (ip->protocol != IPPROTO_UDP && ip->protocol != IPPROTO_TCP) {
		note(p, ip->protocol, 0);
	} else {
		memcpy(&dport, f + ETH_HLEN + ip->ihl * 4 + 2, 2);
		note(p, ip->protocol, ntohs(dport));
	}
}

static void receive_some(struct probe *p)
{
	struct ak_vnic_grant *v = &p->vnic;
	uint32_t idx_rx, idx_fill, n, i;

	n = xsk_ring_cons__peek(&v->rx, 64, &idx_rx);
	if (!n)
		return;
	while (xsk_ring_prod__reserve(&v->fill, n, &idx_fill) != n)
		;
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d =
			xsk_ring_cons__rx_desc(&v->rx, idx_rx + i);

		classify(p, (uint8_t *)v->umem + d->addr, d->len);
		*xsk_ring_prod__fill_addr(&v->fill, idx_fill + i) =
			d->addr - d->addr % v->frame_size;
	}
	xsk_ring_prod__submit(&v->fill, n);
	xsk_ring_cons__release(&v->rx, n);
}

static const char *proto_label(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_ICMP:
		return "icmp";
	case 254:
		return "arp";
	}
	return "other";
}

static void cmd_rx(struct probe *p, int seconds)
{
	struct pollfd pfd = {.fd = p->vnic.xsk_fd, .events = POLLIN};
	time_t end = time(NULL) + seconds;
	int i;

	while (!stop && (seconds == 0 || time(NULL) < end)) {
		if (poll(&pfd, 1, 100) > 0)
			receive_some(p);
		else if (xsk_ring_prod__needs_wakeup(&p->vnic.fill))
			recvfrom(p->vnic.xsk_fd, NULL, 0, MSG_DONTWAIT, NULL,
				 NULL);
	}
	receive_some(p);
	for (i = 0; i < p->nseen; i++)
		out("rx %s %u %llu", proto_label(p->seen[i].proto),
		    p->seen[i].port, (unsigned long long)p->seen[i].count);
	out("rx done");
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int m[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return 0;
}

/* "A.B.C.D:PORT", or "self:PORT" for the VNIC's own address */
static int parse_endpoint(const struct probe *p, const char *s, uint32_t *addr,
			  uint16_t *port)
{
	char buf[64], *colon;
	struct in_addr a;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (!colon)
		return -1;
	*colon = 0;
	if (!strcmp(buf, "self"))
		a.s_addr = p->vnic.ipv4;
	else if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*addr = a.s_addr;
	*port = (uint16_t)atoi(colon + 1);
	return 0;
}

/* Ethernet + IPv4 + UDP with a short payload; returns the frame length. */
static uint32_t build_udp(uint8_t *f, const uint8_t *dmac, const uint8_t *smac,
			  uint32_t saddr, uint16_t sport, uint32_t daddr,
			  uint16_t dport)
{
	static const char payload[] = "arrakis-probe";
	struct iphdr *ip = (void *)(f + ETH_HLEN);
	struct udphdr *udp = (void *)(ip + 1);
	uint16_t l4_len = (uint16_t)(sizeof(*udp) + sizeof(payload) - 1);
	uint16_t type = htons(ETH_P_IP);

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	memcpy(f + 12, &type, 2);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + l4_len));
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->check = ak_csum_ipv4_header(ip, sizeof(*ip));
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons(l4_len);
	udp->check = 0;
	memcpy(udp + 1, payload, sizeof(payload) - 1);
	udp->check = ak_csum_l4(saddr, daddr, IPPROTO_UDP, udp, l4_len);
	return ETH_HLEN + sizeof(*ip) + l4_len;
}

static void transmit(struct probe *p, uint32_t len, uint64_t addr)
{
	struct ak_vnic_grant *v = &p->vnic;
	struct xdp_desc *d;
	uint32_t idx;
	int spins;

	if (xsk_ring_prod__reserve(&v->tx, 1, &idx) != 1)
		die("tx ring", ENOSPC);
	d = xsk_ring_prod__tx_desc(&v->tx, idx);
	d->addr = addr;
	d->len = len;
	xsk_ring_prod__submit(&v->tx, 1);
	sendto(v->xsk_fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
	for (spins = 0; spins < 1000; spins++) {
		if (xsk_ring_cons__peek(&v->comp, 1, &idx) == 1) {
			xsk_ring_cons__release(&v->comp, 1);
			return;
		}
		usleep(1000);
		sendto(v->xsk_fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
	}
	die("tx completion", ETIMEDOUT);
}

static void cmd_send(struct probe *p, char **args)
{
	struct ak_vnic_grant *v = &p->vnic;
	uint32_t saddr, daddr, len;
	uint16_t sport, dport;
	uint8_t dmac[6], smac[6];
	uint64_t addr;

	memcpy(smac, v->mac, 6);
	if (parse_endpoint(p, args[0], &saddr, &sport) ||
	    parse_endpoint(p, args[1], &daddr, &dport) ||
	    parse_mac(args[2], dmac) || (args[3] && parse_mac(args[3], smac)))
		die("send arguments", EINVAL);
	addr = (uint64_t)(p->rx_frames + p->tx_next++ % p->rx_frames) *
	       v->frame_size;
	len = build_udp((uint8_t *)v->umem + addr, dmac, smac, saddr, sport,
			daddr, dport);
	transmit(p, len, addr);
	out("sent %u", len);
}

static void cmd_stats(struct probe *p)
{
	struct ak_ctl_vnic_stats st;
	unsigned int i;
	int ret;

	ret = ak_ctl_vnic_stats(p->ctl, p->vnic.vnic_id, &st);
	if (ret)
		die("stats", -ret);
	out("stats %llu %llu %llu %llu", (unsigned long long)st.rx_passed,
	    (unsigned long long)st.rx_dropped, (unsigned long long)st.tx_passed,
	    (unsigned long long)st.tx_dropped);
	for (i = 1; ak_ctl_rx_reason_name(i); i++)
		if (st.rx_drops[i])
			out("drop rx %s %llu", ak_ctl_rx_reason_name(i),
			    (unsigned long long)st.rx_drops[i]);
	for (i = 1; ak_ctl_tx_reason_name(i); i++)
		if (st.tx_drops[i])
			out("drop tx %s %llu", ak_ctl_tx_reason_name(i),
			    (unsigned long long)st.tx_drops[i]);
}

static int run(struct probe *p, int argc, char **argv)
{
	int i = 0;

	while (i < argc) {
		const char *cmd = argv[i++];
		int left = argc - i;

		if (!strcmp(cmd, "open")) {
			cmd_open(p);
		} else if (!strcmp(cmd, "grant") && left >= 1) {
			cmd_grant(p, p->vnic.vnic_id, argv[i++], true);
		} else if (!strcmp(cmd, "ungrant") && left >= 1) {
			cmd_grant(p, p->vnic.vnic_id, argv[i++], false);
		} else if (!strcmp(cmd, "grant-on") && left >= 2) {
			cmd_grant(p, (uint32_t)atoi(argv[i]), argv[i + 1],
				  true);
			i += 2;
		} else if (!strcmp(cmd, "send") && left >= 3 && p->have_vnic) {
			char *args[4] = {argv[i], argv[i + 1], argv[i + 2],
					 NULL};

			if (left >= 4 && strchr(argv[i + 3], ':') &&
			    strlen(argv[i + 3]) == 17)
				args[3] = argv[i + 3];
			cmd_send(p, args);
			i += args[3] ? 4 : 3;
		} else if (!strcmp(cmd, "rx") && left >= 1 && p->have_vnic) {
			cmd_rx(p, atoi(argv[i++]));
		} else if (!strcmp(cmd, "stats") && p->have_vnic) {
			cmd_stats(p);
		} else if (!strcmp(cmd, "ready")) {
			out("ready");
		} else {
			fprintf(stderr, "vnic-probe: bad step '%s'\n", cmd);
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct probe p = {0};
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: vnic-probe SOCKET NAME STEP...\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	ret = ak_ctl_open(argv[1], argv[2], &p.ctl);
	if (ret)
		die("connect", -ret);
	out("container %u", ak_ctl_container_id(p.ctl));
	ret = run(&p, argc - 3, argv + 3);
	if (p.have_vnic)
		ak_ctl_vnic_close(p.ctl, &p.vnic);
	ak_ctl_close(p.ctl);
	return ret;
}
