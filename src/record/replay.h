/*
 * replay.h - reading a recording (record.h's format) and serving it as a
 * gateway on a loopback socket, so `ibpipe replay` runs the very same
 * pipeline code as a live session.
 */
#ifndef IBPIPE_REPLAY_H
#define IBPIPE_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct ib_rec_reader {
	FILE *f;
	int server_version;
	char *buf;
	size_t cap;
	uint64_t records;
	char errstr[128];
} ib_rec_reader;

/* IB_OK, or IB_EINVAL (not a recording: errstr says why), IB_EIO. */
int ib_rec_open(ib_rec_reader *r, const char *path);
/* Parse a header already in memory (for fuzzing and for dump's detection). */
int ib_rec_header_parse(const char *p, size_t len, int *server_version);
/* IB_OK with the next frame (valid until the next call), IB_ECLOSED at a clean end, IB_ETRUNC, IB_ETOOBIG. */
int ib_rec_next(ib_rec_reader *r, int64_t *mono_ns, const char **payload, uint32_t *len);
void ib_rec_close(ib_rec_reader *r);

/* A gateway that replays a recording to the first client that connects. */
typedef struct ib_replay_server ib_replay_server;

/* speed: 1 = real time, 10 = ten times faster, 0 = as fast as possible. */
ib_replay_server *ib_replay_serve(const char *path, double speed, int *port, char *err, size_t errlen);
/* Frames sent so far; done becomes 1 once the last frame was written; the first and last send times (monotonic ns). */
uint64_t ib_replay_sent(ib_replay_server *s, int *done, int64_t *first_ns, int64_t *last_ns);
/* After done: 0 when the whole file was served, else why it stopped early (a torn or corrupt record). */
int ib_replay_error(ib_replay_server *s, char *why, size_t cap);
void ib_replay_stop(ib_replay_server *s);

#endif
