// SPDX-License-Identifier: MIT
/*
 * kv-direct: arrakis-kv's serving code on an AF_XDP socket this process
 * opens itself on a given interface, with its log (when asked for) on a
 * file opened O_DIRECT through the same io_uring VSA path, instead of a
 * VNIC and a VSA granted by arrakisd. It runs the real driver, TCP, log and
 * server against real clients independently of the control plane:
 *   kv-direct DEV ADDR/PREFIX PORT [LOGFILE [LOGSIZE_MB]]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>

#include <arrakis/vsa.h>

#include "apps/kv/serve.h"
#include "tests/system/net/direct_vnic.h"

/* Opens (creating it) the log file as a one-extent VSA on the app's loop. */
static int open_log_file(struct ak_app *app, const char *path, uint64_t size,
			 struct ak_vsa **vsa, int *fd)
{
	struct stat st;
	int err;

	*fd = open(path, O_RDWR | O_CREAT | O_DIRECT, 0600);
	if (*fd < 0)
		return -errno;
	if (fstat(*fd, &st) ||
	    ((uint64_t)st.st_size < size && ftruncate(*fd, (off_t)size))) {
		err = -errno;
		close(*fd);
		return err;
	}
	if ((uint64_t)st.st_size > size)
		size = (uint64_t)st.st_size &
		       ~(uint64_t)(AK_VSA_BLOCK_SIZE - 1);
	err = ak_vsa_open_fds(fd, &size, 1, NULL, vsa);
	if (!err) {
		err = ak_vsa_attach_loop(*vsa, ak_app_loop(app));
		if (err)
			ak_vsa_close(*vsa);
	}
	if (err)
		close(*fd);
	return err;
}

int main(int argc, char **argv)
{
	struct ak_vsa *vsa = NULL;
	struct kv_server *srv;
	struct kv_config cfg;
	struct xsk_socket *xsk;
	struct ak_app *app;
	int err, fd = -1;

	if (argc < 4) {
		fprintf(stderr, "usage: kv-direct DEV ADDR/PREFIX PORT "
				"[LOGFILE [LOGSIZE_MB]]\n");
		return 2;
	}
	kv_config_defaults(&cfg);
	cfg.port = (uint16_t)atoi(argv[3]);
	cfg.maxclients = 20000;
	err = direct_app_open(argv[1], argv[2], 8192, &app, &xsk);
	if (!err)
		err = kv_server_create(&cfg, &srv);
	if (!err && argc > 4)
		err = open_log_file(
			app, argv[4],
			(argc > 5 ? strtoull(argv[5], NULL, 10) : 256) << 20,
			&vsa, &fd);
	if (err) {
		fprintf(stderr, "kv-direct: %s\n", strerror(-err));
		return 1;
	}
	err = kv_serve(app, srv, vsa, cfg.port, cfg.maxclients);
	if (vsa)
		ak_vsa_close(vsa);
	if (fd >= 0)
		close(fd);
	kv_server_destroy(srv);
	ak_fini(app);
	xsk_socket__delete(xsk);
	return err ? 1 : 0;
}
