// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/scm.h"
#include "control/dispatch.h"
#include "control/server.h"
#include "lib/core/log.h"

/* Messages handled per connection per wakeup, so that one busy client
 * cannot starve the others. */
#define AK_READ_BUDGET 32
#define AK_TICK_MS     200

/* epoll tags for the daemon's own fds; containers are tagged by pointer. */
static char tag_listen, tag_signal, tag_timer;

/* One message in, one out: the loop is single-threaded. */
static uint8_t rx_buf[AK_MSG_MAX + 1] __attribute__((aligned(8)));
static uint8_t tx_buf[AK_MSG_MAX] __attribute__((aligned(8)));

static int epoll_set(struct ak_daemon *d, int op, int fd, uint32_t events,
		     void *tag)
{
	struct epoll_event ev = {.events = events, .data.ptr = tag};

	if (epoll_ctl(d->epoll_fd, op, fd, &ev))
		return -errno;
	return 0;
}

int ak_server_init_core(struct ak_daemon *d)
{
	d->containers.next = d->containers.prev = &d->containers;
	d->listen_fd = d->signal_fd = d->timer_fd = d->lock_fd = -1;
	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epoll_fd < 0)
		return -errno;
	return 0;
}

void ak_server_fini_core(struct ak_daemon *d)
{
	while (d->containers.next != &d->containers)
		ak_server_drop(d, d->containers.next);
	if (d->epoll_fd >= 0)
		close(d->epoll_fd);
	d->epoll_fd = -1;
}

struct ak_container *ak_server_adopt(struct ak_daemon *d, int fd)
{
	socklen_t len = sizeof(struct ucred);
	struct ak_container *c;

	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	c->resources.next = c->resources.prev = &c->resources;
	c->connected_ns = ak_daemon_now_ns();
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len))
		c->cred.uid = c->cred.gid = (uid_t)-1;
	if (epoll_set(d, EPOLL_CTL_ADD, fd, EPOLLIN, c)) {
		free(c);
		return NULL;
	}
	c->prev = d->containers.prev;
	c->next = &d->containers;
	d->containers.prev->next = c;
	d->containers.prev = c;
	d->connections++;
	d->unnamed++;
	return c;
}

void ak_server_drop(struct ak_daemon *d, struct ak_container *c)
{
	if (c->id) {
		ak_info("ctl: container %u '%s' disconnected; releasing its "
			"grants",
			c->id, c->name);
		d->named--;
	} else {
		d->unnamed--;
	}
	epoll_ctl(d->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	ak_container_release_all(d, c);
	free(c->pending);
	ak_scm_close_fds(c->pending_fds, c->pending_nfds);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	d->connections--;
	free(c);
}

/* Keeps a reply the socket had no room for and pauses reading. */
static int park_reply(struct ak_daemon *d, struct ak_container *c, size_t len,
		      struct ak_reply *rep)
{
	c->pending = malloc(len);
	if (!c->pending)
		return -ENOMEM;
	memcpy(c->pending, tx_buf, len);
	c->pending_len = len;
	memcpy(c->pending_fds, rep->fds, sizeof(int) * (size_t)rep->nfds);
	c->pending_nfds = rep->nfds;
	rep->nfds = 0;
	return epoll_set(d, EPOLL_CTL_MOD, c->fd, EPOLLOUT, c);
}

static int send_reply(struct ak_daemon *d, struct ak_container *c,
		      struct ak_msg_hdr *hdr, struct ak_reply *rep)
{
	size_t payload = rep->len;
	int ret;

	if (hdr->status) {
		payload = strnlen(rep->reason, sizeof(rep->reason) - 1) + 1;
		memcpy(tx_buf + sizeof(*hdr), rep->reason, payload - 1);
		tx_buf[sizeof(*hdr) + payload - 1] = 0;
	}
	hdr->length = (uint32_t)(sizeof(*hdr) + payload);
	memcpy(tx_buf, hdr, sizeof(*hdr));

	ret = ak_scm_send(c->fd, tx_buf, hdr->length, rep->fds, rep->nfds,
			  MSG_DONTWAIT | MSG_NOSIGNAL);
	if (ret == -EAGAIN)
		ret = park_reply(d, c, hdr->length, rep);
	ak_scm_close_fds(rep->fds, rep->nfds);
	rep->nfds = 0;
	return ret;
}

int ak_server_handle(struct ak_daemon *d, struct ak_container *c,
		     const void *buf, size_t len, int *fds, int nfds,
		     bool truncated)
{
	struct ak_msg_hdr hdr;
	struct ak_reply rep;
	bool disconnect;
	int ret;

	/* Replies are built in place behind the header in tx_buf. */
	rep.payload = tx_buf + sizeof(hdr);
	rep.cap = sizeof(tx_buf) - sizeof(hdr);
	ak_dispatch_message(d, c, buf, len, fds, nfds, truncated, &hdr, &rep,
			    &disconnect);
	ret = send_reply(d, c, &hdr, &rep);
	if (ret)
		return ret;
	return disconnect ? -EPROTO : 0;
}

/* Reads and handles one message: 1 handled, 0 nothing to read, < 0 drop. */
static int read_one(struct ak_daemon *d, struct ak_container *c)
{
	union ak_scm_buf cbuf;
	struct iovec iov = {.iov_base = rx_buf, .iov_len = sizeof(rx_buf)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf)};
	int fds[AK_MSG_MAX_FDS];
	bool truncated;
	ssize_t n;
	int nfds;

	n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	nfds = ak_scm_take_fds(&msg, fds, AK_MSG_MAX_FDS, &truncated);
	/* SOCK_SEQPACKET: 0 bytes is the peer's orderly close. */
	if (n == 0) {
		ak_scm_close_fds(fds, nfds);
		return -ECONNRESET;
	}
	if (msg.msg_flags & MSG_TRUNC)
		n = (ssize_t)sizeof(rx_buf);
	if (ak_server_handle(d, c, rx_buf, (size_t)n, fds, nfds, truncated))
		return -EPROTO;
	return 1;
}

int ak_server_read(struct ak_daemon *d, struct ak_container *c, int budget)
{
	int ret;

	while (budget-- > 0 && !c->pending) {
		ret = read_one(d, c);
		if (ret <= 0)
			return ret;
	}
	return 0;
}

static int flush_pending(struct ak_daemon *d, struct ak_container *c)
{
	int ret;

	ret = ak_scm_send(c->fd, c->pending, c->pending_len, c->pending_fds,
			  c->pending_nfds, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (ret == -EAGAIN)
		return 0;
	if (ret)
		return ret;
	ak_scm_close_fds(c->pending_fds, c->pending_nfds);
	c->pending_nfds = 0;
	free(c->pending);
	c->pending = NULL;
	return epoll_set(d, EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
}

static void on_container_event(struct ak_daemon *d, struct ak_container *c,
			       uint32_t events)
{
	int ret = 0;

	if (events & EPOLLOUT)
		ret = flush_pending(d, c);
	if (!ret && (events & EPOLLIN))
		ret = ak_server_read(d, c, AK_READ_BUDGET);
	if (!ret && (events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN))
		ret = -ECONNRESET;
	if (ret)
		ak_server_drop(d, c);
}

static struct ak_container *oldest_unnamed(struct ak_daemon *d)
{
	struct ak_container *c;

	for (c = d->containers.next; c != &d->containers; c = c->next)
		if (!c->id)
			return c;
	return NULL;
}

static void accept_one(struct ak_daemon *d, int fd)
{
	struct ak_container *victim;

	if (d->connections >= d->cfg.max_connections) {
		ak_log_ratelimited(AK_LOG_WARN,
				   "ctl: %u connections, the most allowed; "
				   "refusing another",
				   d->connections);
		close(fd);
		return;
	}
	if (d->unnamed >= d->cfg.max_unnamed) {
		victim = oldest_unnamed(d);
		ak_log_ratelimited(AK_LOG_WARN,
				   "ctl: %u connections without HELLO; "
				   "dropping the oldest (pid %d)",
				   d->unnamed, (int)victim->cred.pid);
		ak_server_drop(d, victim);
	}
	if (!ak_server_adopt(d, fd)) {
		ak_log_ratelimited(AK_LOG_WARN, "ctl: cannot adopt connection");
		close(fd);
	}
}

static void accept_all(struct ak_daemon *d)
{
	int fd;

	for (;;) {
		fd = accept4(d->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				ak_log_ratelimited(AK_LOG_WARN,
						   "ctl: accept: %s",
						   strerror(errno));
			return;
		}
		accept_one(d, fd);
	}
}

/* Drops connections that did not say HELLO in time. */
static void on_tick(struct ak_daemon *d)
{
	uint64_t limit = (uint64_t)d->cfg.hello_timeout_ms * 1000000ull;
	uint64_t now = ak_daemon_now_ns(), expirations;
	struct ak_container *c, *next;

	if (read(d->timer_fd, &expirations, sizeof(expirations)) < 0)
		return;
	for (c = d->containers.next; c != &d->containers; c = next) {
		next = c->next;
		if (c->id || now - c->connected_ns < limit)
			continue;
		ak_log_ratelimited(AK_LOG_WARN,
				   "ctl: pid %d sent no HELLO in %u ms; "
				   "disconnecting",
				   (int)c->cred.pid, d->cfg.hello_timeout_ms);
		ak_server_drop(d, c);
	}
}

static void on_signal(struct ak_daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	ak_info("ctl: signal %u, shutting down", si.ssi_signo);
	d->stop = true;
}

int ak_server_run(struct ak_daemon *d)
{
	struct epoll_event ev[64];
	int n, i;

	while (!d->stop) {
		n = epoll_wait(d->epoll_fd, ev, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n && !d->stop; i++) {
			void *tag = ev[i].data.ptr;

			if (tag == &tag_listen)
				accept_all(d);
			else if (tag == &tag_signal)
				on_signal(d);
			else if (tag == &tag_timer)
				on_tick(d);
			else
				on_container_event(d, tag, ev[i].events);
		}
	}
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/* One daemon per state directory: it decides what "our leftovers" are. */
static int lock_state_dir(struct ak_daemon *d)
{
	char path[PATH_MAX + 16];
	int ret;

	ret = mkdir_p(d->cfg.state_dir, 0700);
	if (ret) {
		ak_err("ctl: state dir %s: %s", d->cfg.state_dir,
		       strerror(-ret));
		return ret;
	}
	snprintf(path, sizeof(path), "%s/arrakisd.lock", d->cfg.state_dir);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0)
		return -errno;
	if (flock(d->lock_fd, LOCK_EX | LOCK_NB)) {
		ak_err("ctl: another arrakisd uses state dir %s",
		       d->cfg.state_dir);
		return -EBUSY;
	}
	return 0;
}

static int socket_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	int in_use;

	if (fd < 0)
		return -errno;
	in_use = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return in_use;
}

static int open_listener(struct ak_daemon *d)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[AK_SOCKET_PATH_MAX], *slash;
	int fd, ret;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->cfg.socket_path);
	snprintf(dir, sizeof(dir), "%s", d->cfg.socket_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir_p(dir, 0755);
	}
	if (socket_in_use(&sa) > 0) {
		ak_err("ctl: another daemon serves %s", sa.sun_path);
		return -EADDRINUSE;
	}
	unlink(sa.sun_path);

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(sa.sun_path, 0666) || listen(fd, 128)) {
		ret = -errno;
		ak_err("ctl: listen on %s: %s", sa.sun_path, strerror(-ret));
		close(fd);
		return ret;
	}
	d->listen_fd = fd;
	return epoll_set(d, EPOLL_CTL_ADD, fd, EPOLLIN, &tag_listen);
}

static int open_signal_and_timer(struct ak_daemon *d)
{
	struct itimerspec tick = {
		.it_interval.tv_nsec = AK_TICK_MS * 1000000L,
		.it_value.tv_nsec = AK_TICK_MS * 1000000L,
	};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	d->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->signal_fd < 0 || d->timer_fd < 0)
		return -errno;
	if (timerfd_settime(d->timer_fd, 0, &tick, NULL))
		return -errno;
	if (epoll_set(d, EPOLL_CTL_ADD, d->signal_fd, EPOLLIN, &tag_signal))
		return -errno;
	return epoll_set(d, EPOLL_CTL_ADD, d->timer_fd, EPOLLIN, &tag_timer);
}

static int start_modules(struct ak_daemon *d)
{
	size_t i;
	int ret;

	for (i = 0; i < ak_nmodules; i++) {
		if (!ak_modules[i]->start)
			continue;
		ret = ak_modules[i]->start(d);
		if (ret) {
			ak_err("ctl: module %s: %s", ak_modules[i]->name,
			       strerror(-ret));
			while (i-- > 0)
				if (ak_modules[i]->stop)
					ak_modules[i]->stop(d);
			return ret;
		}
	}
	return 0;
}

static void stop_modules(struct ak_daemon *d)
{
	size_t i = ak_nmodules;

	while (i-- > 0)
		if (ak_modules[i]->stop)
			ak_modules[i]->stop(d);
}

int ak_server_init(struct ak_daemon *d)
{
	int ret;

	ret = ak_server_init_core(d);
	if (ret)
		return ret;
	ret = lock_state_dir(d);
	if (ret)
		goto err_core;
	ret = open_signal_and_timer(d);
	if (ret)
		goto err_core;
	ret = start_modules(d);
	if (ret)
		goto err_core;
	ret = open_listener(d);
	if (ret)
		goto err_modules;
	ak_info("ctl: listening on %s (state %s)", d->cfg.socket_path,
		d->cfg.state_dir);
	return 0;

err_modules:
	stop_modules(d);
err_core:
	ak_server_fini(d);
	return ret;
}

static void close_if_open(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void ak_server_fini(struct ak_daemon *d)
{
	bool listening = d->listen_fd >= 0;

	ak_server_fini_core(d);
	if (listening) {
		stop_modules(d);
		unlink(d->cfg.socket_path);
	}
	close_if_open(&d->listen_fd);
	close_if_open(&d->signal_fd);
	close_if_open(&d->timer_fd);
	close_if_open(&d->lock_fd);
}
