// SPDX-License-Identifier: MIT
/*
 * Durable appends: the VSA log (group commit over io_uring on a bounded
 * loop device) against the Linux baseline, write(2) + fdatasync(2) of the
 * same records appended to a file on ext4 on the same disk. Both run at
 * queue depth 1 (one append waits for the previous to be durable) and 32
 * (32 appends outstanding: 32 threads for the baseline, since each
 * fdatasync blocks its caller), in one run. Prints a table and writes JSON.
 *
 *   storage-bench --socket PATH | --device PATH   (where the VSA comes from)
 *                 --file PATH --out JSON [--count N] [--record BYTES]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arrakis/ctl.h>
#include <arrakis/vlog.h>
#include <arrakis/vsa.h>

#include "lib/core/clock.h"

#define MAX_DEPTH 32

struct result {
	const char *system;
	unsigned depth;
	uint64_t count;
	double p50_us, p99_us, mean_us;
	double per_sec;
	double per_commit; /* appends per write+flush (VSA log) */
};

struct opts {
	const char *socket;
	const char *device;
	const char *file;
	const char *out;
	unsigned count;
	unsigned record;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void summarize(struct result *r, uint64_t *lat, uint64_t n,
		      uint64_t elapsed_ns)
{
	double sum = 0;

	qsort(lat, n, sizeof(*lat), cmp_u64);
	for (uint64_t i = 0; i < n; i++)
		sum += (double)lat[i];
	r->count = n;
	r->p50_us = (double)lat[n / 2] / 1e3;
	r->p99_us = (double)lat[n * 99 / 100] / 1e3;
	r->mean_us = sum / (double)n / 1e3;
	r->per_sec = (double)n * 1e9 / (double)elapsed_ns;
}

/* ---- the VSA log ---- */

struct vlog_run {
	struct ak_vlog *log;
	const uint8_t *rec;
	unsigned record;
	uint64_t target, issued, done;
	uint64_t *start, *lat;
	int err;
};

static void vlog_issue(struct vlog_run *r);

static void vlog_acked(void *ctx, int result, uint64_t seq)
{
	struct vlog_run *r = ctx;

	if (result)
		r->err = result;
	r->lat[r->done] = ak_now_ns() - r->start[r->done];
	r->done++;
	if (r->issued < r->target)
		vlog_issue(r);
}

static void vlog_issue(struct vlog_run *r)
{
	int ret;

	r->start[r->issued] = ak_now_ns();
	ret = ak_vlog_append(r->log, r->rec, r->record, vlog_acked, r, NULL);
	if (ret)
		r->err = ret;
	r->issued++;
}

static int bench_vlog(struct ak_vsa *vsa, struct ak_vlog *log,
		      const struct opts *o, unsigned depth, struct result *res)
{
	struct vlog_run r = {
		.log = log, .record = o->record, .target = o->count};
	uint8_t *rec = calloc(1, o->record);
	struct ak_vlog_stats before, after;
	uint64_t t0;

	ak_vlog_get_stats(log, &before);
	r.rec = rec;
	r.start = calloc(o->count, sizeof(uint64_t));
	r.lat = calloc(o->count, sizeof(uint64_t));
	memset(rec, 0x5a, o->record);

	/* Acknowledgements arrive in order, so start[done] pairs with the
	 * append that was just acknowledged. */
	t0 = ak_now_ns();
	while (r.issued < depth && r.issued < r.target)
		vlog_issue(&r);
	while (r.done < r.target && !r.err)
		ak_vsa_poll(vsa);
	summarize(res, r.lat, r.done, ak_now_ns() - t0);
	ak_vlog_get_stats(log, &after);
	res->per_commit = (double)(after.appends - before.appends) /
			  (double)(after.commits - before.commits);
	res->system = "arrakis-vsa-log";
	res->depth = depth;
	free(rec);
	free(r.start);
	free(r.lat);
	return r.err;
}

/* ---- the Linux baseline ---- */

struct file_run {
	int fd;
	unsigned record;
	uint64_t per_thread;
	uint64_t *lat;
	int err;
};

static void *file_worker(void *arg)
{
	struct file_run *r = arg;
	uint8_t *rec = malloc(r->record);

	memset(rec, 0x5a, r->record);
	for (uint64_t i = 0; i < r->per_thread; i++) {
		uint64_t t = ak_now_ns();

		if (write(r->fd, rec, r->record) != (ssize_t)r->record ||
		    fdatasync(r->fd)) {
			r->err = -errno;
			break;
		}
		r->lat[i] = ak_now_ns() - t;
	}
	free(rec);
	return NULL;
}

static int bench_file(const struct opts *o, unsigned depth, struct result *res)
{
	struct file_run runs[MAX_DEPTH];
	pthread_t th[MAX_DEPTH];
	uint64_t per = o->count / depth, *all, t0;
	int fd, err = 0;

	/* An append-only log file, as a Linux program writes its WAL. */
	fd = open(o->file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (fd < 0)
		return -errno;
	all = calloc(per * depth, sizeof(uint64_t));
	t0 = ak_now_ns();
	for (unsigned i = 0; i < depth; i++) {
		runs[i] =
			(struct file_run){fd, o->record, per, all + i * per, 0};
		pthread_create(&th[i], NULL, file_worker, &runs[i]);
	}
	for (unsigned i = 0; i < depth; i++) {
		pthread_join(th[i], NULL);
		if (runs[i].err)
			err = runs[i].err;
	}
	summarize(res, all, per * depth, ak_now_ns() - t0);
	res->system = "linux-ext4-fdatasync";
	res->per_commit = 1; /* one fdatasync per append */
	res->depth = depth;
	free(all);
	close(fd);
	unlink(o->file);
	return err;
}

/* ---- setup and report ---- */

struct vsa_source {
	struct ak_ctl *ctl;
	char name[AK_VSA_NAME_MAX];
	int dev_fd;
};

#define BENCH_VSA_SIZE (64ull << 20)

static void wrote(void *ctx, int result)
{
	int *pending = ctx;

	(*pending)--;
	if (result)
		*pending = -1000000;
}

/*
 * Writes the whole VSA once, so that every block of the backing file is
 * allocated and written before measuring, as on a block device: the first
 * write to a preallocated (unwritten) block of a file costs a journal
 * commit that a real device never pays.
 */
static int vsa_prefill(struct ak_vsa *vsa)
{
	size_t len, chunk;
	uint8_t *buf = ak_vsa_buffer(vsa, &len);
	uint64_t size = ak_vsa_size(vsa);
	int pending = 0;

	chunk = len > (1u << 20) ? (1u << 20) : len;
	memset(buf, 0, chunk);
	for (uint64_t off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		int ret;

		pending++;
		while ((ret = ak_vsa_write(vsa, off, buf, n, wrote,
					   &pending)) == -EAGAIN)
			ak_vsa_poll(vsa);
		if (ret)
			return ret;
		while (pending > 8)
			ak_vsa_poll(vsa);
	}
	while (pending > 0)
		ak_vsa_poll(vsa);
	if (pending < 0)
		return -EIO;
	pending = 1;
	ak_vsa_flush(vsa, wrote, &pending);
	while (pending > 0)
		ak_vsa_poll(vsa);
	return pending < 0 ? -EIO : 0;
}

static int vsa_acquire(const struct opts *o, struct vsa_source *src,
		       struct ak_vsa **vsa)
{
	struct ak_vsa_opts vo = {.queue_depth = 256};
	struct stat sb;
	uint64_t size;
	int ret;

	if (o->device) {
		src->dev_fd = open(o->device, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (src->dev_fd < 0 || fstat(src->dev_fd, &sb))
			return -errno;
		size = (uint64_t)lseek(src->dev_fd, 0, SEEK_END);
		return ak_vsa_open_fds(&src->dev_fd, &size, 1, &vo, vsa);
	}

	src->dev_fd = -1;
	ret = ak_ctl_open(o->socket, "storage-bench", &src->ctl);
	if (ret)
		return ret;
	snprintf(src->name, sizeof(src->name), "bench-%d", (int)getpid());
	ret = ak_vsa_create(src->ctl, src->name, BENCH_VSA_SIZE);
	if (ret)
		return ret;
	return ak_vsa_open(src->ctl, src->name, &vo, vsa);
}

static void vsa_release(struct vsa_source *src, struct ak_vsa *vsa)
{
	ak_vsa_close(vsa);
	if (src->ctl) {
		ak_vsa_delete(src->ctl, src->name);
		ak_ctl_close(src->ctl);
	}
	if (src->dev_fd >= 0)
		close(src->dev_fd);
}

static json_t *result_json(const struct result *r)
{
	return json_pack("{s:s, s:i, s:I, s:f, s:f, s:f, s:f, s:f}", "system",
			 r->system, "queue_depth", (int)r->depth, "appends",
			 (json_int_t)r->count, "p50_us", r->p50_us, "p99_us",
			 r->p99_us, "mean_us", r->mean_us, "appends_per_sec",
			 r->per_sec, "appends_per_flush", r->per_commit);
}

static int report(const struct opts *o, const struct result *res)
{
	/* res: vsa qd1, vsa qd32, ext4 qd1, ext4 qd32 */
	double lat_ratio = res[0].p50_us / res[2].p50_us;
	double lat99_ratio = res[0].p99_us / res[2].p99_us;
	double gc_ratio = res[1].per_sec / res[0].per_sec;
	double qd32_ratio = res[1].per_sec / res[3].per_sec;
	json_t *root, *rows = json_array();

	printf("%-22s %5s %10s %10s %10s %12s %8s\n", "system", "depth",
	       "p50 us", "p99 us", "mean us", "appends/s", "/commit");
	for (int i = 0; i < 4; i++) {
		printf("%-22s %5u %10.1f %10.1f %10.1f %12.0f %8.1f\n",
		       res[i].system, res[i].depth, res[i].p50_us,
		       res[i].p99_us, res[i].mean_us, res[i].per_sec,
		       res[i].per_commit);
		json_array_append_new(rows, result_json(&res[i]));
	}
	printf("durable append latency p50, VSA log / ext4: %.3f (goal <= "
	       "0.4)\n",
	       lat_ratio);
	printf("group commit, VSA log depth 32 / depth 1 appends/s: %.1f "
	       "(goal >= 10)\n",
	       gc_ratio);
	printf("depth 32 appends/s, VSA log / ext4: %.2f\n", qd32_ratio);

	root = json_pack("{s:s, s:I, s:i, s:o, s:{s:f, s:f, s:f, s:f}, "
			 "s:{s:f, s:f}}",
			 "benchmark", "storage", "appends_per_run",
			 (json_int_t)o->count, "record_bytes", (int)o->record,
			 "results", rows, "ratios", "latency_p50_vsa_over_ext4",
			 lat_ratio, "latency_p99_vsa_over_ext4", lat99_ratio,
			 "group_commit_qd32_over_qd1", gc_ratio,
			 "appends_per_sec_qd32_vsa_over_ext4", qd32_ratio,
			 "goals", "latency_p50_vsa_over_ext4_max", 0.4,
			 "group_commit_qd32_over_qd1_min", 10.0);
	if (json_dump_file(root, o->out, JSON_INDENT(2))) {
		json_decref(root);
		return -EIO;
	}
	json_decref(root);
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"device", required_argument, NULL, 'd'},
		{"file", required_argument, NULL, 'f'},
		{"out", required_argument, NULL, 'o'},
		{"count", required_argument, NULL, 'n'},
		{"record", required_argument, NULL, 'r'},
		{0},
	};
	int c;

	*o = (struct opts){.count = 4096, .record = 128};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'd':
			o->device = optarg;
			break;
		case 'f':
			o->file = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'n':
			o->count = (unsigned)atoi(optarg);
			break;
		case 'r':
			o->record = (unsigned)atoi(optarg);
			break;
		default:
			return -EINVAL;
		}
	}
	if ((!o->socket == !o->device) || !o->file || !o->out ||
	    o->count < MAX_DEPTH || o->record == 0 || o->record > 4000)
		return -EINVAL;
	o->count -= o->count % MAX_DEPTH;
	return 0;
}

int main(int argc, char **argv)
{
	struct result res[4];
	struct vsa_source src = {0};
	struct ak_vsa *vsa = NULL;
	struct ak_vlog *log = NULL;
	const char *step = "";
	struct opts o;
	int ret;

	if (parse_opts(argc, argv, &o)) {
		fprintf(stderr, "usage: storage-bench --socket PATH|--device "
				"PATH --file PATH --out JSON [--count N] "
				"[--record BYTES]\n");
		return 2;
	}
	step = "getting a VSA from arrakisd";
	ret = vsa_acquire(&o, &src, &vsa);
	if (ret == 0 && (step = "writing the VSA once"))
		ret = vsa_prefill(vsa);
	if (ret == 0 && (step = "opening the log"))
		ret = ak_vlog_open(vsa, NULL, &log);
	if (ret == 0 && (step = "VSA log, depth 1"))
		ret = bench_vlog(vsa, log, &o, 1, &res[0]);
	if (ret == 0 && (step = "VSA log, depth 32"))
		ret = bench_vlog(vsa, log, &o, MAX_DEPTH, &res[1]);
	if (ret == 0 && (step = "ext4, depth 1"))
		ret = bench_file(&o, 1, &res[2]);
	if (ret == 0 && (step = "ext4, depth 32"))
		ret = bench_file(&o, MAX_DEPTH, &res[3]);
	if (ret == 0 && (step = "writing the results"))
		ret = report(&o, res);
	if (log)
		ak_vlog_close(log);
	if (vsa || src.ctl)
		vsa_release(&src, vsa);
	if (ret) {
		fprintf(stderr, "storage-bench: %s: %s\n", step,
			strerror(-ret));
		return 1;
	}
	return 0;
}
