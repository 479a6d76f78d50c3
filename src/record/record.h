/*
 * record.h - the recording of a session's inbound frames (see record.c).
 *
 * File format: a 16-byte header, magic "IBPREC\0\0", uint32 version (1),
 * uint32 server version, all little-endian; then records of
 * uint64 monotonic ns, uint32 length, payload.  Written by the network
 * thread into a buffer, flushed in batches by a writer thread.
 */
#ifndef IBPIPE_RECORD_H
#define IBPIPE_RECORD_H

#include <stddef.h>
#include <stdint.h>

typedef struct ib_recorder ib_recorder;

ib_recorder *ib_record_open(const char *path, int server_version, char *err, size_t errlen);
/* Network thread only: copy one frame into the current batch. */
void ib_record_frame(void *rec, const char *payload, uint32_t len, int64_t mono_ns);
void ib_record_close(ib_recorder *r);

#endif
