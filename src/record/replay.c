/*
 * replay.c - the recording reader, and a one-client gateway that serves a
 * recording over loopback: it answers the handshake with the recorded
 * server version, reads and discards whatever the client sends (its
 * subscriptions, and never an order: replay runs readonly), and writes the
 * recorded frames at the recorded pace times `speed`, or as fast as the
 * socket takes them.
 */
#include <arpa/inet.h>
#include <ck_pr.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ibpipe/ib.h"
#include "ibpipe/log.h"
#include "core/net.h"
#include "record/replay.h"
#include "core/wake.h"
#include "codec/wire.h"
#include "util/str.h"
#include "util/clock.h"

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

int
ib_rec_header_parse(const char *p, size_t len, int *server_version)
{
	const unsigned char *u = (const unsigned char *)p;

	if (len < 16 || memcmp(p, "IBPREC\0\0", 8) != 0)
		return IB_EINVAL;
	if (le32(u + 8) != 1)
		return IB_EVERSION;
	*server_version = (int)le32(u + 12);
	return IB_OK;
}

int
ib_rec_open(ib_rec_reader *r, const char *path)
{
	char hdr[16];

	memset(r, 0, sizeof(*r));
	r->f = fopen(path, "rb");
	if (r->f == NULL) {
		snprintf(r->errstr, sizeof(r->errstr), "%s: %s", path, strerror(errno));
		return IB_EIO;
	}
	if (fread(hdr, 1, sizeof(hdr), r->f) != sizeof(hdr) || ib_rec_header_parse(hdr, sizeof(hdr), &r->server_version) != IB_OK) {
		snprintf(r->errstr, sizeof(r->errstr), "%s: not an ibpipe recording (bad header)", path);
		fclose(r->f);
		r->f = NULL;
		return IB_EINVAL;
	}
	return IB_OK;
}

int
ib_rec_next(ib_rec_reader *r, int64_t *mono_ns, const char **payload, uint32_t *len)
{
	unsigned char h[12];
	size_t n = fread(h, 1, sizeof(h), r->f);

	if (n == 0)
		return IB_ECLOSED;
	if (n != sizeof(h)) {
		snprintf(r->errstr, sizeof(r->errstr), "record %llu: truncated header", (unsigned long long)r->records);
		return IB_ETRUNC;
	}
	uint64_t ts = (uint64_t)le32(h) | ((uint64_t)le32(h + 4) << 32);
	uint32_t l = le32(h + 8);
	if (l == 0 || l > IB_MAX_FRAME) {
		snprintf(r->errstr, sizeof(r->errstr), "record %llu: length %u out of range", (unsigned long long)r->records, l);
		return IB_ETOOBIG;
	}
	if (l > r->cap) {
		char *nb = realloc(r->buf, l);
		if (nb == NULL)
			return IB_ENOSPC;
		r->buf = nb;
		r->cap = l;
	}
	if (fread(r->buf, 1, l, r->f) != l) {
		snprintf(r->errstr, sizeof(r->errstr), "record %llu: truncated payload", (unsigned long long)r->records);
		return IB_ETRUNC;
	}
	r->records++;
	*mono_ns = (int64_t)ts;
	*payload = r->buf;
	*len = l;
	return IB_OK;
}

void
ib_rec_close(ib_rec_reader *r)
{
	if (r->f)
		fclose(r->f);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* ---- the replaying gateway ---- */

struct ib_replay_server {
	ib_rec_reader rec;
	double speed;
	int lfd, cfd;
	pthread_t th;
	int stop;
	uint64_t sent;
	int done;
	int64_t first_ns, last_ns;
	int read_error;          /* set before done: the recording ended inside a record */
};

/* Read and throw away what the client sends; false when it hung up. */
static bool
drain_client(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0)
			continue;
		return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
}

static int
send_frame(struct ib_replay_server *s, const char *payload, uint32_t len)
{
	char hdr[4];

	ib_be32_put(hdr, len);
	if (ib_net_write_all(s->cfd, hdr, 4, 10000) != IB_OK || ib_net_write_all(s->cfd, payload, len, 10000) != IB_OK)
		return IB_EIO;
	return IB_OK;
}

static void *
serve(void *arg)
{
	struct ib_replay_server *s = arg;
	struct pollfd pfd = { .fd = s->lfd, .events = POLLIN };
	char hello[64];
	int64_t first_ts = 0, t0 = 0, ts;
	const char *payload;
	uint32_t len;
	int rc;

	while (!ck_pr_load_int(&s->stop) && poll(&pfd, 1, 100) == 0)
		;
	if (ck_pr_load_int(&s->stop))
		return NULL;
	s->cfd = accept(s->lfd, NULL, NULL);
	if (s->cfd < 0)
		return NULL;
	/* handshake: swallow "API\0" + version range, answer with the recorded version */
	usleep(50000);
	drain_client(s->cfd);
	int n = snprintf(hello, sizeof(hello), "%d%c20250101 00:00:00 UTC%c", s->rec.server_version, 0, 0);
	send_frame(s, hello, (uint32_t)n);
	while ((rc = ib_rec_next(&s->rec, &ts, &payload, &len)) == IB_OK && !ck_pr_load_int(&s->stop)) {
		if (s->speed > 0) {
			if (!first_ts) {
				first_ts = ts;
				t0 = ib_now_mono_ns();
			}
			int64_t due = t0 + (int64_t)((double)(ts - first_ts) / s->speed);
			int64_t wait = due - ib_now_mono_ns();
			if (wait > 0) {
				struct timespec sl = { wait / IB_NS_PER_S, wait % IB_NS_PER_S };
				nanosleep(&sl, NULL);
			}
		}
		if ((s->sent & 255) == 0 && !drain_client(s->cfd))
			break;
		if (send_frame(s, payload, len) != IB_OK)
			break;
		if (s->sent == 0)
			ck_pr_store_64((uint64_t *)&s->first_ns, (uint64_t)ib_now_mono_ns());
		ck_pr_store_64(&s->sent, s->sent + 1);
	}
	if (rc != IB_OK && rc != IB_ECLOSED && !ck_pr_load_int(&s->stop)) {
		ib_log(IB_LL_ERROR, "replay", "%s", s->rec.errstr);
		ck_pr_store_int(&s->read_error, rc);
	}
	ck_pr_store_64((uint64_t *)&s->last_ns, (uint64_t)ib_now_mono_ns());
	ck_pr_store_int(&s->done, 1);
	/* keep the connection open (a real gateway would) until told to stop */
	while (!ck_pr_load_int(&s->stop) && drain_client(s->cfd))
		usleep(20000);
	return NULL;
}

ib_replay_server *
ib_replay_serve(const char *path, double speed, int *port, char *err, size_t errlen)
{
	struct ib_replay_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfd = -1;
	s->speed = speed;
	if (ib_rec_open(&s->rec, path) != IB_OK) {
		snprintf(err, errlen, "%s", s->rec.errstr);
		free(s);
		return NULL;
	}
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s->lfd, 1) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &alen) != 0 || pthread_create(&s->th, NULL, serve, s) != 0) {
		snprintf(err, errlen, "replay: cannot listen on loopback: %s", strerror(errno));
		if (s->lfd >= 0)
			close(s->lfd);
		ib_rec_close(&s->rec);
		free(s);
		return NULL;
	}
	*port = ntohs(a.sin_port);
	return s;
}

uint64_t
ib_replay_sent(ib_replay_server *s, int *done, int64_t *first_ns, int64_t *last_ns)
{
	if (done)
		*done = ck_pr_load_int(&s->done);
	if (first_ns)
		*first_ns = (int64_t)ck_pr_load_64((uint64_t *)&s->first_ns);
	if (last_ns)
		*last_ns = (int64_t)ck_pr_load_64((uint64_t *)&s->last_ns);
	return ck_pr_load_64(&s->sent);
}

int
ib_replay_error(ib_replay_server *s, char *why, size_t cap)
{
	int rc = ck_pr_load_int(&s->done) ? ck_pr_load_int(&s->read_error) : 0; /* stored before done */

	if (rc != 0)
		ib_strlcpy(why, s->rec.errstr, cap);
	return rc;
}

void
ib_replay_stop(ib_replay_server *s)
{
	if (s == NULL)
		return;
	ck_pr_store_int(&s->stop, 1);
	pthread_join(s->th, NULL);
	if (s->cfd >= 0)
		ib_net_close(s->cfd);
	close(s->lfd);
	ib_rec_close(&s->rec);
	free(s);
}
