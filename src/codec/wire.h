/*
 * wire.h - IB framing and fields, without allocation on the message path.
 *
 * A frame is a 4-byte big-endian length and a payload of NUL-terminated text
 * fields.  ib_framer buffers bytes that arrive in arbitrary chunks and hands
 * out views of complete payloads inside its own buffer; a view stays valid
 * until the next ib_framer_wptr call (which may compact the buffer).
 * ib_fields walks one payload field by field, parsing numbers as it scans,
 * so each byte is looked at once.
 */
#ifndef IBPIPE_WIRE_H
#define IBPIPE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ibpipe/ib.h"

/* A view of bytes owned by someone else (a frame, usually). */
typedef struct ib_str {
	const char *p;
	uint32_t len;
} ib_str;

/* Copy a view into a fixed buffer, truncating, always NUL-terminating. */
void ib_str_copy(char *dst, size_t dstlen, ib_str s);
bool ib_str_eq(ib_str s, const char *cstr);

typedef struct ib_frame {
	const char *p; /* payload, not NUL-terminated as a whole */
	uint32_t len;
} ib_frame;

typedef struct ib_framer {
	char *buf;
	size_t cap;
	size_t head; /* first unconsumed byte */
	size_t tail; /* one past the last received byte */
	uint32_t max_frame;
	int err;
	char errstr[128];
} ib_framer;

/* cap must exceed max_frame + 4 for any frame to fit; IB_MAX_FRAME by default. */
int ib_framer_init(ib_framer *f, size_t cap, uint32_t max_frame);
void ib_framer_free(ib_framer *f);
void ib_framer_reset(ib_framer *f);
/* Room to receive into; compacts the buffer when the tail is near the end. */
char *ib_framer_wptr(ib_framer *f, size_t *avail);
void ib_framer_commit(ib_framer *f, size_t n);
/* Append bytes (copying); for tests and replay.  IB_ENOSPC if they don't fit. */
int ib_framer_feed(ib_framer *f, const void *data, size_t n);
/*
 * IB_OK with *out set, IB_EAGAIN when no complete frame is buffered, or a
 * fatal stream error (IB_ETOOBIG, IB_EEMPTY) with f->errstr set.  A length-0
 * frame is consumed (4 bytes) before IB_EEMPTY is returned, so a caller that
 * chooses to continue can.
 */
int ib_framer_next(ib_framer *f, ib_frame *out);
size_t ib_framer_pending(const ib_framer *f);

/*
 * Field cursor over one payload.  Every getter returns IB_OK or an error and
 * records which field failed (idx is 0-based, counting the message id as 0).
 */
typedef struct ib_fields {
	const char *p;
	const char *end;
	int idx;
	int err;
	int err_idx;
} ib_fields;

void ib_fields_init(ib_fields *c, const char *payload, size_t len);
static inline bool ib_fields_done(const ib_fields *c) { return c->p >= c->end; }
int ib_fields_skip(ib_fields *c, int n);
int ib_fields_str(ib_fields *c, ib_str *out);
int ib_fields_i32(ib_fields *c, int32_t *out);   /* empty -> 0 */
int ib_fields_i64(ib_fields *c, int64_t *out);   /* empty -> 0 */
int ib_fields_f64(ib_fields *c, double *out);    /* empty -> 0.0 */
int ib_fields_bool(ib_fields *c, bool *out);     /* "0"/"1"/empty */
/* Number of fields left in the payload (scans; not for hot paths). */
int ib_fields_remaining(const ib_fields *c);

/*
 * Locale-independent decimal parsers, exact where the value is exactly
 * representable (Clinger's fast path), strtod_l in the C locale otherwise.
 * They parse exactly [s, s+len); return IB_OK or IB_ENUM.
 */
int ib_parse_i64(const char *s, size_t len, int64_t *out);
int ib_parse_f64(const char *s, size_t len, double *out);

/* Big-endian helpers for the length prefix. */
static inline uint32_t ib_be32_get(const void *p)
{
	const unsigned char *b = p;
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
static inline void ib_be32_put(void *p, uint32_t v)
{
	unsigned char *b = p;
	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
}

#endif
