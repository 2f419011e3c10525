// SPDX-License-Identifier: MIT
/*
 * Byte-for-byte comparison with the real thing: starts Debian's
 * redis-server 7.0 on a private Unix socket, sends it a corpus of commands
 * (valid ones, wrong arities, bad options, overflowing numbers, unknown
 * commands, protocol errors) and feeds the same bytes to the arrakis-kv
 * core; every reply must be identical. Replies that legitimately differ
 * (versions, ids, hash order) are left out of the corpus.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/kv/kv_harness.h"

static const char *const corpus[] = {
	"PING\r\n",
	"PING hello\r\n",
	"PING a b\r\n",
	"ECHO\r\n",
	"ECHO x\r\n",
	"GET missing\r\n",
	"SET k v\r\n",
	"GET k\r\n",
	"SET k v2 NX\r\n",
	"SET k v3 XX\r\n",
	"GET k\r\n",
	"SET n1 v XX\r\n",
	"SET k v EX 0\r\n",
	"SET k v EX -5\r\n",
	"SET k v EX abc\r\n",
	"SET k v PX 9223372036854775807\r\n",
	"SET k v EX 9223372036854775\r\n",
	"SET k v EX 9223372036854776\r\n",
	"SET k v NX XX\r\n",
	"SET k v KEEPTTL EX 10\r\n",
	"SET k v EX\r\n",
	"SET k v GET\r\n",
	"SET k v4 NX GET\r\n",
	"SET k2 v4 NX GET\r\n",
	"SET k v FOO\r\n",
	"SET k v EX 100\r\n",
	"TTL k\r\n",
	"SET k v KEEPTTL\r\n",
	"TTL k\r\n",
	"SET k v EX 100 EX 200\r\n",
	"TTL k\r\n",
	"SET k v PXAT 1\r\n",
	"GET k\r\n",
	"SET k v EXAT 99999999999\r\n",
	"TTL k\r\n",
	"GETSET k new\r\n",
	"TTL k\r\n",
	"GETSET nokey x\r\n",
	"GETSET k\r\n",
	"DEL k nokey n1\r\n",
	"DEL\r\n",
	"EXISTS k k nokey x\r\n",
	"MSET a 1 b 2\r\n",
	"MSET a\r\n",
	"MSET a 1 b\r\n",
	"MGET a b nokey\r\n",
	"MGET\r\n",
	"INCR a\r\n",
	"SET s hello\r\n",
	"INCR s\r\n",
	"INCRBY a 10\r\n",
	"INCRBY a x\r\n",
	"DECRBY a 5\r\n",
	"DECRBY a -9223372036854775808\r\n",
	"DECR a\r\n",
	"SET big 9223372036854775807\r\n",
	"INCR big\r\n",
	"INCRBY big -1\r\n",
	"SET neg -9223372036854775808\r\n",
	"DECR neg\r\n",
	"INCRBY neg -1\r\n",
	"SET sp \" 1\"\r\n",
	"INCR sp\r\n",
	"SET lz 01\r\n",
	"INCR lz\r\n",
	"SET mz -0\r\n",
	"INCR mz\r\n",
	"INCR newctr\r\n",
	"DECR newctr2\r\n",
	"INCRBY newctr3 -7\r\n",
	"INCR a b\r\n",
	"APPEND app hello\r\n",
	"APPEND app \" world\"\r\n",
	"STRLEN app\r\n",
	"STRLEN nokey\r\n",
	"GET app\r\n",
	"APPEND a 9\r\n",
	"GET a\r\n",
	"INCR a\r\n",
	"EXPIRE app 100\r\n",
	"TTL app\r\n",
	"EXPIRE app 100 NX\r\n",
	"EXPIRE app 200 XX\r\n",
	"TTL app\r\n",
	"EXPIRE app 50 GT\r\n",
	"EXPIRE app 500 GT\r\n",
	"TTL app\r\n",
	"EXPIRE app 5000 LT\r\n",
	"EXPIRE app 50 LT\r\n",
	"TTL app\r\n",
	"EXPIRE b 50 GT\r\n",
	"EXPIRE b 50 LT\r\n",
	"TTL b\r\n",
	"EXPIRE b 10 XX\r\n",
	"EXPIRE app 10 NX XX\r\n",
	"EXPIRE app 10 GT LT\r\n",
	"EXPIRE app 10 FOO\r\n",
	"EXPIRE app abc\r\n",
	"EXPIRE app 9223372036854775807\r\n",
	"PEXPIRE app 9223372036854775807\r\n",
	"EXPIRE nokey 10\r\n",
	"EXPIRE app\r\n",
	"PERSIST app\r\n",
	"PERSIST app\r\n",
	"TTL app\r\n",
	"PTTL app\r\n",
	"TTL nokey\r\n",
	"PTTL nokey\r\n",
	"EXPIRE app -1\r\n",
	"EXISTS app\r\n",
	"PEXPIRE a 0\r\n",
	"GET a\r\n",
	"DBSIZE\r\n",
	"DBSIZE x\r\n",
	"TYPE b\r\n",
	"TYPE nokey\r\n",
	"SELECT 0\r\n",
	"SELECT 1\r\n",
	"SELECT x\r\n",
	"SELECT 99999999999\r\n",
	"KEYS b\r\n",
	"KEYS nomatch*\r\n",
	"KEYS [b]\r\n",
	"KEYS b?g\r\n",
	"KEYS *ig\r\n",
	"SCAN x\r\n",
	"SCAN 0 COUNT 0\r\n",
	"SCAN 0 COUNT x\r\n",
	"SCAN 0 FOO\r\n",
	"SCAN 0 MATCH\r\n",
	"CLIENT GETNAME\r\n",
	"CLIENT SETNAME foo\r\n",
	"CLIENT GETNAME\r\n",
	"CLIENT SETNAME \"a b\"\r\n",
	"CLIENT SETNAME\r\n",
	"CLIENT FOO\r\n",
	"CLIENT\r\n",
	"CONFIG FOO\r\n",
	"CONFIG GET\r\n",
	"CONFIG GET save\r\n",
	"CONFIG GET appendonly\r\n",
	"CONFIG GET maxmemory\r\n",
	"CONFIG GET nonexistent\r\n",
	"CONFIG GET databases\r\n",
	"HELLO 4\r\n",
	"HELLO x\r\n",
	"HELLO 2 FOO\r\n",
	"HELLO 2 AUTH nobody pw\r\n",
	"HELLO 2 SETNAME \"x y\"\r\n",
	"COMMAND FOO\r\n",
	"FLUSHALL FOO\r\n",
	"FLUSHALL SYNC x\r\n",
	"FOO\r\n",
	"FOO bar baz\r\n",
	"NOTACOMMAND "
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	" bbb\r\n",
	"*3\r\n$3\r\nFOO\r\n$3\r\na\r\n\r\n$0\r\n\r\n",
	"GET\r\n",
	"GET a b\r\n",
	"SET k\r\n",
	"get b\r\n",
	"gEt b\r\n",
	"*2\r\n$3\r\nGET\r\n$1\r\nb\r\n",
	"*0\r\nPING\r\n",
	"*-1\r\nPING\r\n",
	"\r\nPING\r\n",
	"   \r\nPING\r\n",
	"FLUSHDB\r\n",
	"DBSIZE\r\n",
	"MSET x 1 y 2 z 3\r\n",
	"FLUSHALL ASYNC\r\n",
	"DBSIZE\r\n",
	"QUIT x\r\n",
};

/* Requests after which Redis answers and closes the connection. */
static const char *const closing[] = {
	"*1\r\n$-1\r\n",
	"*1\r\n$536870913\r\n",
	"*1\r\n$1073741824\r\n",
	"*1\r\n:5\r\n",
	"*abc\r\n",
	"*1\r\n$abc\r\n",
	"*1\r\n\r\n\r\n",
	"ECHO \"unterminated\r\n",
	"ECHO 'x'y\r\n",
	"QUIT\r\n",
};

static pid_t redis_pid;
static char dir[] = "/tmp/kv-compare-XXXXXX";
static char sock_path[128];

static void stop_redis(void)
{
	char path[256];

	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
		redis_pid = 0;
	}
	unlink(sock_path);
	snprintf(path, sizeof(path), "%s/redis.log", dir);
	unlink(path);
	rmdir(dir);
}

static int connect_redis(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CHECK(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void start_redis(void)
{
	char logf[256];
	int fd = -1, i;

	if (access("/usr/bin/redis-server", X_OK))
		check_skip(
			"redis-server is not installed (scripts/install-deps)");
	CHECK(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/redis.sock", dir);
	snprintf(logf, sizeof(logf), "%s/redis.log", dir);

	redis_pid = fork();
	CHECK(redis_pid >= 0);
	if (redis_pid == 0) {
		execl("/usr/bin/redis-server", "redis-server", "--port", "0",
		      "--unixsocket", sock_path, "--save", "", "--appendonly",
		      "no", "--databases", "1", "--logfile", logf, "--dir", dir,
		      (char *)NULL);
		_exit(127);
	}
	atexit(stop_redis);
	for (i = 0; i < 200 && fd < 0; i++) {
		fd = connect_redis();
		if (fd < 0)
			usleep(25000);
	}
	if (fd < 0)
		check_fail("redis-server did not come up on %s", sock_path);
	close(fd);
}

/* Length of the complete RESP2 reply at buf, 0 if incomplete. */
static size_t reply_len(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	size_t head, i, at;
	long long n;

	if (!nl)
		return 0;
	head = (size_t)(nl - buf) + 1;
	n = atoll(buf + 1);
	switch (buf[0]) {
	case '$':
		if (n < 0)
			return head;
		return len >= head + (size_t)n + 2 ? head + (size_t)n + 2 : 0;
	case '*':
		at = head;
		for (i = 0; n > 0 && i < (size_t)n; i++) {
			size_t r = reply_len(buf + at, len - at);

			if (!r)
				return 0;
			at += r;
		}
		return at;
	default:
		return head;
	}
}

/* Sends req, reads `replies` complete replies (or up to EOF). */
static size_t redis_roundtrip(int fd, const char *req, int replies, char *out,
			      size_t cap)
{
	size_t len = 0, done = 0;
	int got = 0;

	CHECK_EQ(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (got < replies) {
		size_t r = reply_len(out + done, len - done);
		ssize_t n;

		if (r) {
			done += r;
			got++;
			continue;
		}
		n = read(fd, out + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	return len;
}

static void compare_one(int fd, struct tconn *t, const char *req)
{
	static char want[1 << 16];
	size_t wlen = redis_roundtrip(fd, req, 1, want, sizeof(want));
	const char *got = tconn_req(t, req);

	if (t->len != wlen || memcmp(got, want, wlen))
		check_fail("request \"%s\":\n  redis-server: \"%.*s\"\n"
			   "  arrakis-kv:   \"%s\"",
			   req, (int)wlen, want, got);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(void)
{
	struct kv_server *srv = test_server();
	struct tconn t;
	size_t i;
	int fd;

	check_timeout(60);
	start_redis();
	fd = connect_redis();
	CHECK(fd >= 0);
	tconn_open(&t, srv);
	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		kv_server_set_time(srv, now_ms());
		compare_one(fd, &t, corpus[i]);
	}
	tconn_close(&t);
	close(fd);

	for (i = 0; i < sizeof(closing) / sizeof(closing[0]); i++) {
		char buf[16];

		fd = connect_redis();
		CHECK(fd >= 0);
		tconn_open(&t, srv);
		compare_one(fd, &t, closing[i]);
		/* Redis has closed: the next read sees EOF. */
		CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
		CHECK(kv_conn_should_close(t.c));
		tconn_close(&t);
		close(fd);
	}
	kv_server_destroy(srv);
	printf("%zu requests answered identically\n",
	       sizeof(corpus) / sizeof(corpus[0]) +
		       sizeof(closing) / sizeof(closing[0]));
	return 0;
}
