// SPDX-License-Identifier: MIT
/*
 * A small client of arrakisd's VSA API for the storage system tests: one
 * command per run, through the public library (ak_ctl_*, ak_vsa_*).
 *
 *   vsa-client SOCKET create NAME SIZE | resize NAME SIZE | delete NAME
 *   vsa-client SOCKET fill NAME OFFSET LEN BYTE   write, flush
 *   vsa-client SOCKET check NAME OFFSET LEN BYTE  read, compare
 *   vsa-client SOCKET size NAME                   open; print the size
 *   vsa-client SOCKET list                        name size uid open
 *                                                 offset+length...
 *   vsa-client SOCKET past-end NAME               a write at the end must
 *                                                 fail with -ERANGE, and
 *                                                 the raw device too
 * On failure prints "error: NAME" (the errno's symbolic name) and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arrakis/ctl.h>
#include <arrakis/vsa.h>

#include "common/vsa_proto.h"
#include "lib/ctl/ctl_call.h"
#include "lib/storage/vsa_impl.h"

#define CHUNK (1u << 20)

static int fail(int err)
{
	printf("error: %s\n",
	       strerrorname_np(-err) ? strerrorname_np(-err) : "unknown");
	return 1;
}

struct sync {
	int done, result;
};

static void on_done(void *ctx, int result)
{
	struct sync *s = ctx;

	s->done = 1;
	s->result = result;
}

static int wait_for(struct ak_vsa *vsa, struct sync *s, int submitted)
{
	if (submitted)
		return submitted;
	while (!s->done)
		ak_vsa_drain(vsa);
	return s->result;
}

/* Writes (or reads and compares) len bytes of value at off. */
static int fill_or_check(struct ak_vsa *vsa, uint64_t off, uint64_t len,
			 int value, int write)
{
	size_t area_len;
	uint8_t *buf = ak_vsa_buffer(vsa, &area_len);
	int ret;

	for (uint64_t done = 0; done < len; done += CHUNK) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;
		struct sync s = {0};

		if (write) {
			memset(buf, value, n);
			ret = wait_for(vsa, &s,
				       ak_vsa_write(vsa, off + done, buf, n,
						    on_done, &s));
		} else {
			ret = wait_for(vsa, &s,
				       ak_vsa_read(vsa, off + done, buf, n,
						   on_done, &s));
			for (size_t i = 0; !ret && i < n; i++)
				if (buf[i] != (uint8_t)value) {
					printf("byte %llu is 0x%02x, not "
					       "0x%02x\n",
					       (unsigned long long)(off + done +
								    i),
					       buf[i], value);
					ret = -EILSEQ;
				}
		}
		if (ret)
			return ret;
	}
	if (write) {
		struct sync s = {0};

		return wait_for(vsa, &s, ak_vsa_flush(vsa, on_done, &s));
	}
	return 0;
}

/* Past the end: the library refuses, and so does the kernel. */
static int past_end(struct ak_vsa *vsa)
{
	size_t area_len;
	uint8_t *buf = ak_vsa_buffer(vsa, &area_len);
	struct sync s = {0};
	int ret;

	ret = ak_vsa_write(vsa, ak_vsa_size(vsa), buf, 4096, on_done, &s);
	if (ret != -ERANGE)
		return ret ? ret : -EINVAL;

	/* Bypass the library's check: one block past the last extent's end,
	 * on its bounded device. */
	vsa->ext_size[vsa->n_ext - 1] += 4096;
	vsa->size += 4096;
	ret = wait_for(
		vsa, &s,
		ak_vsa_write(vsa, vsa->size - 4096, buf, 4096, on_done, &s));
	vsa->ext_size[vsa->n_ext - 1] -= 4096;
	vsa->size -= 4096;
	if (ret == 0) {
		printf("the device accepted a write past the extent\n");
		return -EINVAL;
	}
	printf("device refused: %s\n", strerror(-ret));
	return 0;
}

static int with_vsa(struct ak_ctl *ctl, int argc, char **argv)
{
	const char *cmd = argv[2], *name = argv[3];
	struct ak_vsa_opts opts = {.buffer_bytes = CHUNK};
	struct ak_vsa *vsa;
	int ret;

	ret = ak_vsa_open(ctl, name, &opts, &vsa);
	if (ret)
		return ret;
	if (!strcmp(cmd, "size")) {
		printf("%llu\n", (unsigned long long)ak_vsa_size(vsa));
	} else if (!strcmp(cmd, "hold")) {
		/* Keeps the grant until stdin closes or the process dies. */
		printf("held\n");
		fflush(stdout);
		while (getchar() != EOF)
			;
	} else if (!strcmp(cmd, "past-end")) {
		ret = past_end(vsa);
	} else if (argc == 7) {
		ret = fill_or_check(vsa, strtoull(argv[4], NULL, 0),
				    strtoull(argv[5], NULL, 0),
				    (int)strtol(argv[6], NULL, 0),
				    !strcmp(cmd, "fill"));
	} else {
		ret = -EINVAL;
	}
	ak_vsa_close(vsa);
	return ret;
}

static int list(struct ak_ctl *ctl)
{
	static uint8_t buf[AK_MSG_MAX];
	struct ak_list_req req = {0};
	struct ak_list_rep hdr;
	size_t len = 0;
	int ret;

	ret = ak_ctl_call(ctl, AK_MSG_VSA_LIST, &req, sizeof(req), buf,
			  sizeof(buf), &len, NULL, 0, NULL);
	if (ret)
		return ret;
	memcpy(&hdr, buf, sizeof(hdr));
	for (uint32_t i = 0; i < hdr.count; i++) {
		struct ak_vsa_info_wire w;

		memcpy(&w, buf + sizeof(hdr) + i * sizeof(w), sizeof(w));
		printf("%s %llu %u %u", w.name, (unsigned long long)w.size,
		       w.owner_uid, w.open_count);
		for (uint32_t e = 0; e < w.n_extents; e++)
			printf(" %llu+%llu",
			       (unsigned long long)w.ext[e].offset,
			       (unsigned long long)w.ext[e].length);
		printf("\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ak_ctl *ctl;
	const char *cmd;
	int ret;

	if (argc < 3)
		return 2;
	cmd = argv[2];
	ret = ak_ctl_open(argv[1], "vsa-client", &ctl);
	if (ret)
		return fail(ret);

	if (!strcmp(cmd, "list"))
		ret = list(ctl);
	else if (argc < 4)
		ret = -EINVAL;
	else if (!strcmp(cmd, "create") && argc == 5)
		ret = ak_vsa_create(ctl, argv[3], strtoull(argv[4], NULL, 0));
	else if (!strcmp(cmd, "resize") && argc == 5)
		ret = ak_vsa_resize(ctl, argv[3], strtoull(argv[4], NULL, 0));
	else if (!strcmp(cmd, "delete"))
		ret = ak_vsa_delete(ctl, argv[3]);
	else
		ret = with_vsa(ctl, argc, argv);
	ak_ctl_close(ctl);
	return ret ? fail(ret) : 0;
}
