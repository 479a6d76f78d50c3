/*
 * record.c - tee every inbound frame to an append-only file.
 *
 * The network thread copies frames into 1 MiB chunks (a memcpy, no system
 * call); full chunks -- or any chunk older than 100 ms -- go through a ring
 * to a writer thread that does the write(2).  Chunks come back through a
 * second ring, so nothing is allocated after open.  If the disk falls
 * behind and every chunk is in flight, the network thread waits: a
 * recording that silently loses frames would be worse than a slow one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ibpipe/log.h"
#include "ibpipe/record.h"
#include "ibpipe/ring.h"
#include "ibpipe/wake.h"
#include "ibpipe/wire.h"

#define CHUNK (1u << 20)
#define NCHUNKS 8

struct chunk_ref {
	uint32_t idx, len;
};
IB_RING_DEFINE(chunk, chunk_ref)

struct ib_recorder {
	int fd;
	char *chunks;
	uint32_t cur, cur_len;
	int64_t cur_since;
	struct ck_ring full, free_;
	struct chunk_ref full_buf[16], free_buf[16];
	ib_wake wake;
	pthread_t th;
	int stop;
	uint64_t frames, bytes, skipped;
	int write_error;
};

static void
put_le32(char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (char)(v >> (8 * i));
}

static void
put_le64(char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (char)(v >> (8 * i));
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *
writer(void *arg)
{
	ib_recorder *r = arg;
	struct chunk_ref c;

	for (;;) {
		uint32_t snap = ib_wake_snapshot(&r->wake);
		bool any = false;
		while (ib_ring_pop_chunk(&r->full, r->full_buf, &c)) {
			if (write_all(r->fd, r->chunks + (size_t)c.idx * CHUNK, c.len) != 0 && !r->write_error) {
				r->write_error = errno;
				ib_log(IB_LL_ERROR, "record", "write failed: %s", strerror(errno));
			}
			c.len = 0;
			ib_ring_push_spsc_chunk(&r->free_, r->free_buf, &c);
			any = true;
		}
		if (any)
			continue;
		if (ck_pr_load_int(&r->stop))
			break;
		ib_wake_wait(&r->wake, snap, 100);
	}
	return NULL;
}

ib_recorder *
ib_record_open(const char *path, int server_version, char *err, size_t errlen)
{
	ib_recorder *r = calloc(1, sizeof(*r));
	char hdr[16] = "IBPREC";

	if (r == NULL || (r->chunks = malloc((size_t)CHUNK * NCHUNKS)) == NULL) {
		snprintf(err, errlen, "record: out of memory");
		goto fail;
	}
	r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (r->fd < 0) {
		snprintf(err, errlen, "record: %s: %s", path, strerror(errno));
		goto fail;
	}
	put_le32(hdr + 8, 1);
	put_le32(hdr + 12, (uint32_t)server_version);
	if (write_all(r->fd, hdr, sizeof(hdr)) != 0) {
		snprintf(err, errlen, "record: %s: %s", path, strerror(errno));
		close(r->fd);
		goto fail;
	}
	ck_ring_init(&r->full, 16);
	ck_ring_init(&r->free_, 16);
	for (uint32_t i = 1; i < NCHUNKS; i++) {
		struct chunk_ref c = { i, 0 };
		ib_ring_push_spsc_chunk(&r->free_, r->free_buf, &c);
	}
	r->cur = 0;
	ib_wake_init(&r->wake);
	if (pthread_create(&r->th, NULL, writer, r) != 0) {
		snprintf(err, errlen, "record: cannot start writer thread");
		close(r->fd);
		goto fail;
	}
	ib_log(IB_LL_INFO, "record", "recording inbound frames to %s", path);
	return r;
fail:
	if (r)
		free(r->chunks);
	free(r);
	return NULL;
}

static void
ship(ib_recorder *r)
{
	struct chunk_ref c = { r->cur, r->cur_len }, next;

	if (r->cur_len == 0)
		return;
	ib_ring_push_spsc_chunk(&r->full, r->full_buf, &c); /* cannot fail: at most NCHUNKS in flight */
	ib_wake_signal(&r->wake);
	while (!ib_ring_pop_chunk(&r->free_, r->free_buf, &next)) {
		struct timespec ts = { 0, 100000 };
		nanosleep(&ts, NULL);
	}
	r->cur = next.idx;
	r->cur_len = 0;
}

void
ib_record_frame(void *rec, const char *payload, uint32_t len, int64_t mono_ns)
{
	ib_recorder *r = rec;
	size_t need = 12 + (size_t)len;

	if (need > CHUNK) {
		/* frames may be up to 16 MiB; real ones are under 10 KiB. Say so rather than lose it quietly. */
		r->skipped++;
		ib_log(IB_LL_ERROR, "record", "frame of %u bytes is larger than a record chunk: not recorded (%llu so far)",
		       len, (unsigned long long)r->skipped);
		return;
	}
	if (r->cur_len + need > CHUNK || (r->cur_len && mono_ns - r->cur_since > 100000000LL))
		ship(r);
	char *p = r->chunks + (size_t)r->cur * CHUNK + r->cur_len;
	if (r->cur_len == 0)
		r->cur_since = mono_ns;
	put_le64(p, (uint64_t)mono_ns);
	put_le32(p + 8, len);
	memcpy(p + 12, payload, len);
	r->cur_len += (uint32_t)need;
	r->frames++;
	r->bytes += need;
}

void
ib_record_close(ib_recorder *r)
{
	if (r == NULL)
		return;
	ship(r);
	ck_pr_store_int(&r->stop, 1);
	ib_wake_signal(&r->wake);
	pthread_join(r->th, NULL);
	fsync(r->fd);
	close(r->fd);
	ib_log(IB_LL_INFO, "record", "recorded %llu frames, %llu bytes", (unsigned long long)r->frames,
	       (unsigned long long)r->bytes);
	free(r->chunks);
	free(r);
}
