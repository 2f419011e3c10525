// SPDX-License-Identifier: MIT
/*
 * lossy-wire: a user-space wire between two interfaces that drops, delays,
 * reorders and duplicates IPv4 frames, driven by a seeded RNG so that a
 * failing run replays (there is no netem on the test kernels). ARP and
 * other frames pass unharmed.
 *
 *   lossy-wire --a DEV --b DEV [--seed N] [--loss P] [--dup P]
 *              [--reorder P] [--delay-us N] [--jitter-us N]
 *
 * P are probabilities (0.01 = 1%). A reordered frame is held back by a
 * random extra delay of up to --jitter-us, so frames behind it overtake
 * it. Counters go to stderr on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 2048
#define QUEUE_MAX 8192

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

struct frame {
	uint64_t due_ns, order;
	int out; /* index of the socket to send on */
	uint16_t len;
	uint8_t data[FRAME_MAX];
};

struct wire {
	int fd[2];
	int ifindex[2];
	double loss, dup, reorder;
	uint64_t delay_ns, jitter_ns, rng, order;
	struct frame *heap[QUEUE_MAX + 1]; /* 1-based min-heap by due time */
	unsigned len;
	struct frame *free_list[QUEUE_MAX];
	unsigned nfree;
	uint64_t rx[2], fwd[2], dropped[2], duped[2], reordered[2], overflow;
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, seedable, good enough for loss decisions. */
static uint64_t rnd(struct wire *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double unit(struct wire *w)
{
	return (double)(rnd(w) >> 11) / (double)(1ull << 53);
}

static bool earlier(const struct frame *a, const struct frame *b)
{
	return a->due_ns < b->due_ns ||
	       (a->due_ns == b->due_ns && a->order < b->order);
}

static void heap_push(struct wire *w, struct frame *f)
{
	unsigned i = ++w->len;

	w->heap[i] = f;
	while (i > 1 && earlier(w->heap[i], w->heap[i / 2])) {
		struct frame *t = w->heap[i];

		w->heap[i] = w->heap[i / 2];
		w->heap[i / 2] = t;
		i /= 2;
	}
}

static struct frame *heap_pop(struct wire *w)
{
	struct frame *top = w->heap[1];
	unsigned i = 1;

	w->heap[1] = w->heap[w->len--];
	for (;;) {
		unsigned l = 2 * i, r = l + 1, m = i;
		struct frame *t;

		if (l <= w->len && earlier(w->heap[l], w->heap[m]))
			m = l;
		if (r <= w->len && earlier(w->heap[r], w->heap[m]))
			m = r;
		if (m == i)
			break;
		t = w->heap[i];
		w->heap[i] = w->heap[m];
		w->heap[m] = t;
		i = m;
	}
	return top;
}

static int open_port(const char *dev, int *ifindex)
{
	struct sockaddr_ll sll = {0};
	struct packet_mreq mr = {0};
	int one = 1, fd;

	*ifindex = (int)if_nametoindex(dev);
	if (!*ifindex)
		return -1;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd < 0)
		return -1;
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = *ifindex;
	mr.mr_ifindex = *ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	/* Our own transmissions must not come back as input. */
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		       sizeof(one)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
		       sizeof(mr))) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct frame *frame_get(struct wire *w)
{
	if (w->nfree)
		return w->free_list[--w->nfree];
	if (w->len >= QUEUE_MAX)
		return NULL;
	return malloc(sizeof(struct frame));
}

static void schedule(struct wire *w, int out, const uint8_t *data, uint16_t len,
		     uint64_t now)
{
	struct frame *f = frame_get(w);

	if (!f || w->len >= QUEUE_MAX) {
		w->overflow++;
		if (f)
			w->free_list[w->nfree++] = f;
		return;
	}
	f->out = out;
	f->len = len;
	memcpy(f->data, data, len);
	f->due_ns = now + w->delay_ns;
	if (w->reorder > 0 && unit(w) < w->reorder) {
		w->reordered[!out]++;
		f->due_ns += 1 + rnd(w) % (w->jitter_ns + 1);
	}
	f->order = w->order++;
	heap_push(w, f);
}

/* One frame received on port `in`, headed for the other port. */
static void take(struct wire *w, int in, const uint8_t *data, uint16_t len,
		 uint64_t now)
{
	bool ipv4 = len >= 14 && data[12] == 0x08 && data[13] == 0x00;

	w->rx[in]++;
	if (ipv4 && unit(w) < w->loss) {
		w->dropped[in]++;
		return;
	}
	schedule(w, !in, data, len, now);
	if (ipv4 && w->dup > 0 && unit(w) < w->dup) {
		w->duped[in]++;
		schedule(w, !in, data, len, now);
	}
}

static void receive(struct wire *w, int in)
{
	uint8_t buf[FRAME_MAX];

	for (int i = 0; i < 256; i++) {
		ssize_t n = recv(w->fd[in], buf, sizeof(buf), MSG_TRUNC);

		if (n < 0)
			return;
		if (n > FRAME_MAX)
			continue; /* larger than any frame of an MTU 1500 wire */
		take(w, in, buf, (uint16_t)n, now_ns());
	}
}

static void transmit_due(struct wire *w)
{
	uint64_t now = now_ns();

	while (w->len && w->heap[1]->due_ns <= now) {
		struct frame *f = heap_pop(w);

		if (send(w->fd[f->out], f->data, f->len, 0) == f->len)
			w->fwd[!f->out]++;
		w->free_list[w->nfree++] = f;
	}
}

static int wait_ms(const struct wire *w)
{
	uint64_t now, due;

	if (!w->len)
		return 100;
	now = now_ns();
	due = w->heap[1]->due_ns;
	if (due <= now)
		return 0;
	/* poll(2) has millisecond resolution; spin below that. */
	return due - now < 1000000 ? 0 : (int)((due - now) / 1000000);
}

static void report(const struct wire *w)
{
	for (int i = 0; i < 2; i++)
		fprintf(stderr,
			"lossy-wire: %s: rx %llu forwarded %llu dropped %llu "
			"duplicated %llu reordered %llu\n",
			i ? "b->a" : "a->b", (unsigned long long)w->rx[i],
			(unsigned long long)w->fwd[i],
			(unsigned long long)w->dropped[i],
			(unsigned long long)w->duped[i],
			(unsigned long long)w->reordered[i]);
	fprintf(stderr, "lossy-wire: queue overflow %llu\n",
		(unsigned long long)w->overflow);
}

static int parse(int argc, char **argv, struct wire *w, const char **dev)
{
	static const struct option opts[] = {
		{"a", required_argument, NULL, 'a'},
		{"b", required_argument, NULL, 'b'},
		{"seed", required_argument, NULL, 's'},
		{"loss", required_argument, NULL, 'l'},
		{"dup", required_argument, NULL, 'd'},
		{"reorder", required_argument, NULL, 'r'},
		{"delay-us", required_argument, NULL, 'D'},
		{"jitter-us", required_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	int c;

	w->rng = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			dev[0] = optarg;
			break;
		case 'b':
			dev[1] = optarg;
			break;
		case 's':
			w->rng = strtoull(optarg, NULL, 10);
			break;
		case 'l':
			w->loss = strtod(optarg, NULL);
			break;
		case 'd':
			w->dup = strtod(optarg, NULL);
			break;
		case 'r':
			w->reorder = strtod(optarg, NULL);
			break;
		case 'D':
			w->delay_ns = strtoull(optarg, NULL, 10) * 1000;
			break;
		case 'j':
			w->jitter_ns = strtoull(optarg, NULL, 10) * 1000;
			break;
		default:
			return -1;
		}
	}
	return dev[0] && dev[1] ? 0 : -1;
}

int main(int argc, char **argv)
{
	static struct wire w;
	const char *dev[2] = {NULL, NULL};
	struct sigaction sa = {.sa_handler = on_stop};

	if (parse(argc, argv, &w, dev)) {
		fprintf(stderr, "usage: lossy-wire --a DEV --b DEV [--seed N] "
				"[--loss P] [--dup P] [--reorder P] "
				"[--delay-us N] [--jitter-us N]\n");
		return 2;
	}
	for (int i = 0; i < 2; i++) {
		w.fd[i] = open_port(dev[i], &w.ifindex[i]);
		if (w.fd[i] < 0) {
			fprintf(stderr, "lossy-wire: %s: %s\n", dev[i],
				strerror(errno));
			return 1;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		struct pollfd pfd[2] = {{w.fd[0], POLLIN, 0},
					{w.fd[1], POLLIN, 0}};

		if (poll(pfd, 2, wait_ms(&w)) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++)
			if (pfd[i].revents & POLLIN)
				receive(&w, i);
		transmit_due(&w);
	}
	report(&w);
	return 0;
}
