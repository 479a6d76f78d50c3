/*
 * test_eager_gateway.c - a gateway whose first frames arrive in the same read
 * as its handshake reply.  The handshake reads into the session's framer, so
 * those frames are already buffered when the session starts polling, and the
 * socket will never poll readable for them again: they must be routed at once.
 * (Seen as a 1-in-200 hang of `ibpipe replay`, whose server sends the whole
 * recording right behind the reply.)  A tiny gateway on loopback sends the
 * reply and everything a sync needs in one write, then only listens.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

struct eager_gw {
	int lfd;
	int port;
	int sent; /* 1 once the burst went out in one send() */
};

/* Appends one length-prefixed frame; fields are NUL-terminated, '|' stands for NUL. */
static size_t
put_frame(char *buf, size_t off, const char *fields)
{
	size_t len = strlen(fields);
	uint32_t be = htonl((uint32_t)len);

	memcpy(buf + off, &be, 4);
	for (size_t i = 0; i < len; i++)
		buf[off + 4 + i] = fields[i] == '|' ? '\0' : fields[i];
	return off + 4 + len;
}

static void *
eager_gateway(void *arg)
{
	struct eager_gw *g = arg;
	char hello[256], burst[512];
	size_t n = 0;
	struct pollfd pfd = { .fd = g->lfd, .events = POLLIN };

	if (poll(&pfd, 1, 20000) != 1)
		return NULL;
	int fd = accept(g->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	/* the client's "API\0" + length + version range, in one write */
	pfd.fd = fd;
	if (poll(&pfd, 1, 20000) != 1 || recv(fd, hello, sizeof(hello), 0) <= 0) {
		close(fd);
		return NULL;
	}
	n = put_frame(burst, n, "176|20261207 08:00:00 UTC|"); /* the version reply */
	n = put_frame(burst, n, "15|1|DU111111|");              /* managedAccounts */
	n = put_frame(burst, n, "9|1|7|");                      /* nextValidId */
	n = put_frame(burst, n, "54|1|DU111111|");              /* accountDownloadEnd */
	n = put_frame(burst, n, "62|1|");                       /* positionEnd */
	if (send(fd, burst, n, MSG_NOSIGNAL) == (ssize_t)n)
		g->sent = 1;
	/* then only listen, as a gateway that has said all it has to say */
	char sink[4096];
	while (poll(&pfd, 1, 20000) == 1 && recv(fd, sink, sizeof(sink), 0) > 0)
		;
	close(fd);
	return NULL;
}

static void
test_frames_behind_the_reply_are_routed(void)
{
	struct eager_gw g = { .lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	pthread_t th;
	char port[16], out[4096];

	CU_ASSERT_FATAL(g.lfd >= 0);
	CU_ASSERT_FATAL(bind(g.lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(g.lfd, 1) == 0 &&
			getsockname(g.lfd, (struct sockaddr *)&a, &alen) == 0);
	snprintf(port, sizeof(port), "%d", ntohs(a.sin_port));
	CU_ASSERT_FATAL(pthread_create(&th, NULL, eager_gateway, &g) == 0);

	/* 10 s is a failure bound: without the fix the sync never completes at all */
	char *argv[] = { (char *)tu_bin("ibpipe"), "probe", "--port", port, "--sync-timeout", "10",
			 "--state-dir", (char *)tu_tmpdir(), NULL };
	int st = tu_run(argv, out, sizeof(out), 30000);
	pthread_join(th, NULL);
	close(g.lfd);
	CU_ASSERT_EQUAL(g.sent, 1);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"ok\":true"));
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		printf("\n    probe said: %s", out);
}

void
test_eager_gateway_register(void)
{
	CU_pSuite s = CU_add_suite("eager_gateway", NULL, NULL);
	CU_add_test(s, "frames that come with the handshake reply are routed at once", test_frames_behind_the_reply_are_routed);
}
