/*
 * net.c - the socket: connect with a timeout, the API handshake, startApi.
 *
 * Blocking in time only (poll with deadlines); the returned socket is
 * non-blocking and owned by the caller, who must close it on every path.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ibpipe/log.h"
#include "codec/msg.h"
#include "core/net.h"
#include "codec/encode.h"
#include "core/wake.h"
#include "util/clock.h"

static int
remaining_ms(int64_t deadline_ns)
{
	int64_t left = deadline_ns - ib_now_mono_ns();
	return left <= 0 ? 0 : (int)(left / IB_NS_PER_MS) + 1;
}

int
ib_net_connect(const char *host, int port, int timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;
	char portstr[16];
	int64_t deadline = ib_now_mono_ns() + (int64_t)timeout_ms * IB_NS_PER_MS;
	int rc, fd = -1;

	snprintf(portstr, sizeof(portstr), "%d", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	snprintf(err, errlen, "connect %s:%d: no address", host, port);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) { /* out of descriptors (EMFILE) is a reason worth naming, not "no address" */
			snprintf(err, errlen, "connect %s:%d: socket: %s", host, port, strerror(errno));
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			int so = 0;
			socklen_t len = sizeof(so);
			rc = poll(&pfd, 1, remaining_ms(deadline));
			if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len) == 0 && so == 0) {
				int one = 1;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				freeaddrinfo(res);
				return fd;
			}
			snprintf(err, errlen, "connect %s:%d: %s", host, port, rc == 0 ? "timed out" : strerror(so ? so : errno));
		} else {
			snprintf(err, errlen, "connect %s:%d: %s", host, port, strerror(errno));
		}
		close(fd);
	}
	freeaddrinfo(res);
	return -1;
}

int
ib_net_write_all(int fd, const char *buf, size_t len, int timeout_ms)
{
	int64_t deadline = ib_now_mono_ns() + (int64_t)timeout_ms * IB_NS_PER_MS;
	size_t off = 0;

	while (off < len) {
		ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return IB_EIO;
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		if (poll(&pfd, 1, remaining_ms(deadline)) <= 0)
			return IB_ETIMEDOUT;
	}
	return IB_OK;
}

/* Read until one frame is complete or the deadline passes. */
static int
read_frame(int fd, ib_framer *f, ib_frame *out, int64_t deadline)
{
	for (;;) {
		int rc = ib_framer_next(f, out);
		if (rc != IB_EAGAIN)
			return rc;
		size_t avail;
		char *w = ib_framer_wptr(f, &avail);
		ssize_t r = recv(fd, w, avail, 0);
		if (r > 0) {
			ib_framer_commit(f, (size_t)r);
			continue;
		}
		if (r == 0)
			return IB_ECLOSED;
		if (errno != EAGAIN && errno != EINTR)
			return IB_EIO;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, remaining_ms(deadline)) <= 0)
			return IB_ETIMEDOUT;
	}
}

int
ib_net_handshake(int fd, ib_framer *f, int client_id, int timeout_ms, int *server_version, char *err,
		 size_t errlen)
{
	char buf[256];
	ib_enc e;
	ib_frame fr;
	ib_str conn_time;
	ib_req start = { .id = IB_OUT_START_API };
	int64_t deadline = ib_now_mono_ns() + (int64_t)timeout_ms * IB_NS_PER_MS;
	int rc;

	ib_enc_init(&e, buf, sizeof(buf), 0, false);
	if ((rc = ib_enc_handshake(&e, IB_CLIENT_MIN, IB_CLIENT_MAX, NULL)) != IB_OK ||
	    (rc = ib_net_write_all(fd, e.buf, e.len, remaining_ms(deadline))) != IB_OK) {
		snprintf(err, errlen, "handshake send: %s", ib_strerror(rc));
		return rc;
	}
	rc = read_frame(fd, f, &fr, deadline);
	if (rc != IB_OK) {
		snprintf(err, errlen, "handshake reply: %s%s", ib_strerror(rc),
			 rc == IB_ECLOSED ? " (gateway refused our version range v" "157" "..176?)" : "");
		return rc;
	}
	rc = ib_handshake_reply_parse(fr.p, fr.len, server_version, &conn_time);
	if (rc != IB_OK) {
		snprintf(err, errlen, "handshake reply malformed: %s", ib_strerror(rc));
		return rc;
	}
	if (*server_version < IB_CLIENT_MIN || *server_version > IB_CLIENT_MAX) {
		snprintf(err, errlen, "server version %d outside v%d..%d", *server_version, IB_CLIENT_MIN,
			 IB_CLIENT_MAX);
		return IB_EVERSION;
	}
	start.u.start_api.client_id = client_id;
	ib_enc_init(&e, buf, sizeof(buf), *server_version, false);
	if ((rc = ib_enc_req(&e, &start)) != IB_OK ||
	    (rc = ib_net_write_all(fd, e.buf, e.len, remaining_ms(deadline))) != IB_OK) {
		snprintf(err, errlen, "startApi: %s", ib_strerror(rc));
		return rc;
	}
	return IB_OK;
}

void
ib_net_close(int fd)
{
	if (fd < 0)
		return;
	/* shutdown first so the peer sees FIN even if another fd shares the socket */
	shutdown(fd, SHUT_RDWR);
	close(fd);
}
