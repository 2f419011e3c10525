// SPDX-License-Identifier: MIT
/*
 * A process that writes a VSA log until it is killed, for the kill -9
 * test. At start it recovers the log and checks it: every record holds the
 * bytes its sequence number implies, and the log reaches at least the
 * sequence number given with --min (the last one a previous run reported
 * durable). Then it appends with 8 records in flight, printing each
 * acknowledged sequence number on stdout (one write per line, so a line
 * seen is an acknowledgement given), trimming the head to keep the log
 * wrapping.
 *
 *   vlog-writer (--socket PATH --vsa NAME | --device PATH) [--min SEQ]
 *               [--count N]
 * Exit: 0 after --count appends, 1 when the check fails, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arrakis/ctl.h>
#include <arrakis/vlog.h>
#include <arrakis/vsa.h>

#define IN_FLIGHT 8
#define KEEP	  2000

struct writer {
	struct ak_vsa *vsa;
	struct ak_vlog *log;
	uint64_t acked;
	int err;
};

static size_t payload(uint64_t seq, uint8_t *buf)
{
	size_t len = 16 + (seq * 7919) % 900;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seq * 31 + i);
	return len;
}

static int check_log(struct ak_vlog *log, long long min)
{
	struct ak_vlog_cursor c = ak_vlog_head(log);
	uint8_t got[1024], want[1024];
	int len;

	while ((len = ak_vlog_read(log, &c, got, sizeof(got))) >= 0) {
		uint64_t seq = c.seq - 1;

		if ((size_t)len != payload(seq, want) ||
		    memcmp(got, want, (size_t)len)) {
			fprintf(stderr, "vlog-writer: record %llu corrupt\n",
				(unsigned long long)seq);
			return -1;
		}
	}
	if (len != -ENOENT)
		return -1;
	if (min >= 0 && ak_vlog_durable_end(log).seq <= (uint64_t)min) {
		fprintf(stderr,
			"vlog-writer: acknowledged record %lld lost: log "
			"ends before %llu\n",
			min, (unsigned long long)ak_vlog_durable_end(log).seq);
		return -1;
	}
	fprintf(stderr, "vlog-writer: recovered records %llu..%llu\n",
		(unsigned long long)ak_vlog_head(log).seq,
		(unsigned long long)ak_vlog_durable_end(log).seq);
	return 0;
}

static void acked(void *ctx, int result, uint64_t seq)
{
	struct writer *w = ctx;
	char line[32];
	int n;

	if (result) {
		w->err = result;
		return;
	}
	n = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)seq);
	if (write(1, line, (size_t)n) != n)
		w->err = -EIO;
	w->acked++;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"vsa", required_argument, NULL, 'v'},
		{"device", required_argument, NULL, 'd'},
		{"min", required_argument, NULL, 'm'},
		{"count", required_argument, NULL, 'n'},
		{0},
	};
	const char *socket = NULL, *name = NULL, *device = NULL;
	long long min = -1, count = -1;
	struct writer w = {0};
	struct ak_ctl *ctl = NULL;
	int c, fd = -1;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 's')
			socket = optarg;
		else if (c == 'v')
			name = optarg;
		else if (c == 'd')
			device = optarg;
		else if (c == 'm')
			min = atoll(optarg);
		else if (c == 'n')
			count = atoll(optarg);
		else
			return 2;
	}
	if (!device == !(socket && name))
		return 2;

	if (device) {
		uint64_t size;

		fd = open(device, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (fd < 0)
			return 1;
		size = (uint64_t)lseek(fd, 0, SEEK_END);
		if (ak_vsa_open_fds(&fd, &size, 1, NULL, &w.vsa))
			return 1;
	} else if (ak_ctl_open(socket, "vlog-writer", &ctl) ||
		   ak_vsa_open(ctl, name, NULL, &w.vsa)) {
		fprintf(stderr, "vlog-writer: cannot open VSA %s\n", name);
		return 1;
	}
	if (ak_vlog_open(w.vsa, NULL, &w.log) || check_log(w.log, min))
		return 1;

	for (uint64_t next = ak_vlog_durable_end(w.log).seq, issued = 0;
	     count < 0 || (long long)w.acked < count;) {
		uint8_t buf[1024];
		struct ak_vlog_cursor head = ak_vlog_head(w.log);

		while (next - ak_vlog_durable_end(w.log).seq < IN_FLIGHT &&
		       (count < 0 || (long long)issued < count)) {
			if (ak_vlog_append(w.log, buf, payload(next, buf),
					   acked, &w, NULL))
				return 1;
			next++;
			issued++;
		}
		ak_vsa_poll(w.vsa);
		if (w.err)
			return 1;

		/* Keep the last KEEP records: the log wraps around. */
		if (ak_vlog_durable_end(w.log).seq > head.seq + 2 * KEEP &&
		    ak_vlog_used(w.log) > ak_vlog_capacity(w.log) / 2) {
			while (head.seq + KEEP < ak_vlog_durable_end(w.log).seq)
				if (ak_vlog_read(w.log, &head, buf,
						 sizeof(buf)) < 0)
					return 1;
			ak_vlog_trim(w.log, head, NULL, NULL);
		}
	}
	ak_vlog_close(w.log);
	ak_vsa_close(w.vsa);
	if (ctl)
		ak_ctl_close(ctl);
	if (fd >= 0)
		close(fd);
	return 0;
}
