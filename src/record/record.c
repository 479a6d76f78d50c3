/*
 * record.c - tee every inbound frame to an append-only file.
 *
 * The network thread copies frames into 1 MiB chunks (a memcpy, no system
 * call); full chunks -- or any chunk older than 100 ms -- go through a ring
 * to a writer thread that does the write(2).  Chunks come back through a
 * second ring, so nothing is allocated after open.  If the disk falls
 * behind and every chunk is in flight, the network thread waits: a
 * recording that silently loses frames would be worse than a slow one.
 *
 * A failed write (a full disk) ends the recording there: the writer cuts
 * the file back to its last whole frame, so it stays readable, and from
 * then on frames are only counted.  What the summary reports is what the
 * file holds, counted by the writer, not what was handed to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ibpipe/log.h"
#include "record/record.h"
#include "core/ring.h"
#include "core/wake.h"
#include "util/str.h"

#define CHUNK (1u << 20)
#define NCHUNKS 8

struct chunk_ref {
	uint32_t idx, len, frames;
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
	atomic_bool stop;                 /* C11, not ck_pr: it orders the last chunk before the writer's exit */
	uint64_t frames, bytes, skipped;  /* network thread: handed to the writer */
	uint32_t cur_frames;
	/* writer thread (read by close after the join): what the file holds */
	uint64_t disk_frames, disk_bytes; /* disk_bytes counts the 16-byte header */
	int write_error;                  /* the first failed write's errno; set once, then nothing is written */
	int failed;                       /* ck_pr: write_error is set (the network thread stops copying) */
	uint64_t lost;                    /* network thread: frames not recorded after the failure */
	char path[256];
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

/* Bytes written before a failure are in *done: a short write is where a full disk shows first. */
static int
write_all(int fd, const char *p, size_t n, size_t *done)
{
	*done = 0;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		*done += (size_t)w;
	}
	return 0;
}

/* Whole records at the start of a chunk that fit in len bytes: how many, and their size. */
static size_t
whole_records(const char *c, size_t len, uint64_t *nrec)
{
	size_t off = 0;

	*nrec = 0;
	while (off + 12 <= len) {
		uint32_t l = (uint32_t)(unsigned char)c[off + 8] | (uint32_t)(unsigned char)c[off + 9] << 8 |
			     (uint32_t)(unsigned char)c[off + 10] << 16 | (uint32_t)(unsigned char)c[off + 11] << 24;
		if (off + 12 + l > len)
			break;
		off += 12 + l;
		++*nrec;
	}
	return off;
}

/*
 * The first failed write: keep the file readable (cut the torn frame off the
 * end), remember why, say what the file really holds.  Writer thread only.
 */
static void
write_failed(ib_recorder *r, const char *chunk, size_t written, int err)
{
	uint64_t nrec;
	size_t keep = whole_records(chunk, written, &nrec);

	r->write_error = err;
	ck_pr_store_int(&r->failed, 1);
	r->disk_frames += nrec;
	r->disk_bytes += keep;
	if (ftruncate(r->fd, (off_t)r->disk_bytes) != 0)
		ib_log(IB_LL_ERROR, "record", "%s: cannot cut the torn frame off the end: %s", r->path, strerror(errno));
	ib_log(IB_LL_ERROR, "record",
	       "write to %s failed: %s -- recording stopped; the file holds %llu whole frames (%llu bytes), "
	       "readable to its end", r->path, strerror(err), (unsigned long long)r->disk_frames,
	       (unsigned long long)r->disk_bytes);
}

static void *
writer(void *arg)
{
	ib_recorder *r = arg;
	struct chunk_ref c;

	for (;;) {
		uint32_t snap = ib_wake_snapshot(&r->wake);
		/* read before draining: ib_record_close ships the last chunk and then sets stop, so a
		   stop seen here means that chunk is in the ring now.  (Read after the drain, the last
		   chunk was lost whenever it arrived between an empty drain and this check.) */
		bool stopping = atomic_load_explicit(&r->stop, memory_order_acquire);
		bool any = false;
		while (ib_ring_pop_chunk(&r->full, r->full_buf, &c)) {
			const char *data = r->chunks + (size_t)c.idx * CHUNK;
			size_t done;
			if (r->write_error == 0) {
				if (write_all(r->fd, data, c.len, &done) == 0) {
					r->disk_frames += c.frames;
					r->disk_bytes += c.len;
				} else {
					write_failed(r, data, done, errno);
				}
			}
			c.len = 0;
			c.frames = 0;
			ib_ring_push_spsc_chunk(&r->free_, r->free_buf, &c);
			any = true;
		}
		if (any)
			continue;
		if (stopping)
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
	ib_strlcpy(r->path, path, sizeof(r->path));
	put_le32(hdr + 8, 1);
	put_le32(hdr + 12, (uint32_t)server_version);
	size_t done;
	if (write_all(r->fd, hdr, sizeof(hdr), &done) != 0) {
		snprintf(err, errlen, "record: %s: %s", path, strerror(errno));
		close(r->fd);
		goto fail;
	}
	r->disk_bytes = sizeof(hdr);
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
	struct chunk_ref c = { r->cur, r->cur_len, r->cur_frames }, next;

	if (r->cur_len == 0)
		return;
	ib_ring_push_spsc_chunk(&r->full, r->full_buf, &c); /* cannot fail: at most NCHUNKS in flight */
	ib_wake_signal(&r->wake);
	ib_ring_waiter w = { .wake = &r->wake }; /* the writer frees a chunk once it is on disk */
	while (!ib_ring_pop_chunk(&r->free_, r->free_buf, &next))
		ib_ring_backoff(&w);
	r->cur = next.idx;
	r->cur_len = 0;
	r->cur_frames = 0;
}

void
ib_record_frame(void *rec, const char *payload, uint32_t len, int64_t mono_ns)
{
	ib_recorder *r = rec;
	size_t need = 12 + (size_t)len;

	if (ck_pr_load_int(&r->failed)) { /* the disk refused a write: counted, said once at close */
		r->lost++;
		return;
	}
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
	r->cur_frames++;
	r->frames++;
	r->bytes += need;
}

void
ib_record_close(ib_recorder *r)
{
	if (r == NULL)
		return;
	if (!ck_pr_load_int(&r->failed))
		ship(r);
	atomic_store_explicit(&r->stop, true, memory_order_release);
	ib_wake_signal(&r->wake);
	pthread_join(r->th, NULL);
	if (r->write_error == 0 && fsync(r->fd) != 0) {
		r->write_error = errno;
		ib_log(IB_LL_ERROR, "record", "fsync %s: %s -- what the summary counts may not all be on disk", r->path,
		       strerror(errno));
	}
	if (close(r->fd) != 0 && r->write_error == 0) {
		r->write_error = errno;
		ib_log(IB_LL_ERROR, "record", "close %s: %s", r->path, strerror(errno));
	}
	uint64_t not_recorded = r->frames - r->disk_frames + r->lost;
	if (ck_pr_load_int(&r->failed))
		ib_log(IB_LL_ERROR, "record",
		       "recorded %llu frames, %llu bytes in %s before the write failed (%s); %llu later frames not recorded",
		       (unsigned long long)r->disk_frames, (unsigned long long)r->disk_bytes, r->path,
		       strerror(r->write_error), (unsigned long long)not_recorded);
	else
		ib_log(IB_LL_INFO, "record", "recorded %llu frames, %llu bytes", (unsigned long long)r->disk_frames,
		       (unsigned long long)r->disk_bytes);
	free(r->chunks);
	free(r);
}
