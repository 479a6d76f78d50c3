/*
 * wire.c - framing and field scanning for the IB socket protocol.
 *
 * Invariant the scanners rely on: after ib_fields_init, [p, end) ends with a
 * NUL byte (end is pulled back to just past the last NUL), so a scan that
 * starts below end stops at a NUL without further bounds checks.  Numbers
 * are parsed in the same pass that finds the terminator.
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/wire.h"
#include "util/str.h"

const char *
ib_strerror(int status)
{
	switch (status) {
	case IB_OK: return "ok";
	case IB_EAGAIN: return "need more data";
	case IB_ETOOBIG: return "frame too large";
	case IB_EEMPTY: return "empty frame";
	case IB_EFIELD: return "missing field";
	case IB_ENUM: return "not a number";
	case IB_EUNKNOWN: return "unknown message id";
	case IB_EREADONLY: return "refused: readonly connection";
	case IB_ENOSPC: return "buffer too small";
	case IB_EVERSION: return "unsupported server version";
	case IB_EIO: return "i/o error";
	case IB_ETIMEDOUT: return "timed out";
	case IB_ECLOSED: return "connection closed by peer";
	case IB_EINVAL: return "invalid argument";
	case IB_ETRUNC: return "truncated frame";
	case IB_EFULL: return "full";
	case IB_ENOORDERID: return "no order id: the order-id mark could not be stored, placement stopped";
	}
	return "unknown status";
}

void
ib_str_copy(char *dst, size_t dstlen, ib_str s)
{
	size_t n;

	if (dstlen == 0)
		return;
	n = s.len <= dstlen - 1 ? s.len : ib_utf8_cut(s.p, dstlen - 1);
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

bool
ib_str_eq(ib_str s, const char *cstr)
{
	size_t n = strlen(cstr);

	return n == s.len && (n == 0 || memcmp(s.p, cstr, n) == 0);
}

/* ---- framer ---- */

int
ib_framer_init(ib_framer *f, size_t cap, uint32_t max_frame)
{
	memset(f, 0, sizeof(*f));
	if (max_frame == 0 || max_frame > IB_MAX_FRAME)
		max_frame = IB_MAX_FRAME;
	if (cap < (size_t)max_frame + 4)
		return IB_EINVAL;
	f->buf = malloc(cap);
	if (f->buf == NULL)
		return IB_ENOSPC;
	f->cap = cap;
	f->max_frame = max_frame;
	return IB_OK;
}

void
ib_framer_free(ib_framer *f)
{
	free(f->buf);
	f->buf = NULL;
	f->cap = 0;
}

void
ib_framer_reset(ib_framer *f)
{
	f->head = f->tail = 0;
	f->err = 0;
	f->errstr[0] = '\0';
}

size_t
ib_framer_pending(const ib_framer *f)
{
	return f->tail - f->head;
}

char *
ib_framer_wptr(ib_framer *f, size_t *avail)
{
	if (f->head == f->tail) {
		f->head = f->tail = 0;
	} else if (f->head > 0 && f->cap - f->tail < f->cap / 4) {
		/* Compact only when room runs low: the move is one partial frame. */
		memmove(f->buf, f->buf + f->head, f->tail - f->head);
		f->tail -= f->head;
		f->head = 0;
	}
	*avail = f->cap - f->tail;
	return f->buf + f->tail;
}

void
ib_framer_commit(ib_framer *f, size_t n)
{
	f->tail += n;
}

int
ib_framer_feed(ib_framer *f, const void *data, size_t n)
{
	size_t avail;
	char *w = ib_framer_wptr(f, &avail);

	if (n > avail)
		return IB_ENOSPC;
	memcpy(w, data, n);
	ib_framer_commit(f, n);
	return IB_OK;
}

int
ib_framer_next(ib_framer *f, ib_frame *out)
{
	size_t have = f->tail - f->head;
	uint32_t len;

	if (have < 4)
		return IB_EAGAIN;
	len = ib_be32_get(f->buf + f->head);
	if (len > f->max_frame) {
		f->err = IB_ETOOBIG;
		snprintf(f->errstr, sizeof(f->errstr), "frame length %u above limit %u", len, f->max_frame);
		return IB_ETOOBIG;
	}
	if (len == 0) {
		f->head += 4;
		f->err = IB_EEMPTY;
		snprintf(f->errstr, sizeof(f->errstr), "frame of length 0");
		return IB_EEMPTY;
	}
	if (have - 4 < len)
		return IB_EAGAIN;
	out->p = f->buf + f->head + 4;
	out->len = len;
	f->head += 4 + (size_t)len;
	return IB_OK;
}

/* ---- fields ---- */

void
ib_fields_init(ib_fields *c, const char *payload, size_t len)
{
	const char *end = payload + len;

	/* A trailing partial field (no NUL) cannot be read: drop it here. */
	while (end > payload && end[-1] != '\0')
		end--;
	c->p = payload;
	c->end = end;
	c->idx = 0;
	c->err = IB_OK;
	c->err_idx = -1;
}

static int
fields_fail(ib_fields *c, int err)
{
	if (c->err == IB_OK) {
		c->err = err;
		c->err_idx = c->idx;
	}
	return err;
}

int
ib_fields_str(ib_fields *c, ib_str *out)
{
	size_t n;

	if (c->p >= c->end)
		return fields_fail(c, IB_EFIELD);
	n = strlen(c->p);
	out->p = c->p;
	out->len = (uint32_t)n;
	c->p += n + 1;
	c->idx++;
	return IB_OK;
}

int
ib_fields_skip(ib_fields *c, int n)
{
	ib_str s;

	while (n-- > 0)
		if (ib_fields_str(c, &s) != IB_OK)
			return c->err;
	return IB_OK;
}

int
ib_fields_remaining(const ib_fields *c)
{
	int n = 0;

	for (const char *p = c->p; p < c->end; p += strlen(p) + 1)
		n++;
	return n;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * Parse a NUL-terminated decimal at s.  Fast path: at most 19 significant
 * digits and a mantissa below 2^53 with a power-of-ten exponent up to 22 is
 * exact in double arithmetic (Clinger 1990).  Everything else -- long
 * mantissas, Java's 1.7976931348623157E308, Infinity -- goes to strtod_l in
 * the C locale.  *stop is set past the last character consumed.
 */
static int
parse_f64_nul(const char *s, const char **stop, double *out)
{
	const char *p = s;
	uint64_t m = 0;
	int digits = 0, exp10 = 0, seen = 0;
	bool neg = false;

	if (*p == '-' || *p == '+')
		neg = (*p++ == '-');
	for (;; p++) {
		unsigned d = (unsigned char)*p - '0';
		if (d > 9)
			break;
		seen++;
		if (digits < 19) {
			m = m * 10 + d;
			if (m)
				digits++;
		} else {
			exp10++;
		}
	}
	if (*p == '.') {
		for (p++;; p++) {
			unsigned d = (unsigned char)*p - '0';
			if (d > 9)
				break;
			seen++;
			if (digits < 19) {
				m = m * 10 + d;
				if (m)
					digits++;
				exp10--;
			}
		}
	}
	if (seen == 0)
		goto slow; /* no digits: maybe Infinity */
	if (*p == 'e' || *p == 'E')
		goto slow;
	if (m < (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
		double v = (double)m;
		v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
		*out = neg ? -v : v;
		*stop = p;
		return IB_OK;
	}
slow:
	if (strncmp(s, "Infinit", 7) == 0 || strncmp(s, "-Infinit", 8) == 0) {
		p = s + (s[0] == '-') + 7;
		if (*p == 'y' || *p == 'e')
			p++;
		*out = s[0] == '-' ? -INFINITY : INFINITY;
		*stop = p;
		return IB_OK;
	}
	pthread_once(&c_locale_once, c_locale_init);
	{
		char *e;
		errno = 0;
		double v = strtod_l(s, &e, c_locale);
		if (e == s)
			return IB_ENUM;
		/* Java's Double.MAX_VALUE parses to DBL_MAX exactly; ERANGE only past it. */
		*out = v;
		*stop = e;
	}
	return IB_OK;
}

static int
parse_i64_nul(const char *s, const char **stop, int64_t *out)
{
	const char *p = s, *digits;
	uint64_t v = 0;
	bool neg = false;

	if (*p == '-')
		neg = true, p++;
	digits = p;
	/* 18 digits cannot overflow: no check (and no division) per digit */
	for (;; p++) {
		unsigned d = (unsigned char)*p - '0';
		if (d > 9)
			break;
		v = v * 10 + d;
		if (p - digits == 18)
			goto long_number;
	}
	if (p == digits && (neg || *p != '\0'))
		return IB_ENUM; /* "-" alone, or no digits before other text */
	*out = neg ? -(int64_t)v : (int64_t)v;
	*stop = p;
	return IB_OK;
long_number:
	for (p++;; p++) {
		unsigned d = (unsigned char)*p - '0';
		if (d > 9)
			break;
		if (v > (UINT64_MAX - d) / 10)
			return IB_ENUM;
		v = v * 10 + d;
	}
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return IB_ENUM;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	*stop = p;
	return IB_OK;
}

int
ib_fields_i64(ib_fields *c, int64_t *out)
{
	const char *stop;

	if (c->p >= c->end)
		return fields_fail(c, IB_EFIELD);
	if (parse_i64_nul(c->p, &stop, out) != IB_OK || *stop != '\0')
		return fields_fail(c, IB_ENUM);
	c->p = stop + 1;
	c->idx++;
	return IB_OK;
}

int
ib_fields_i32(ib_fields *c, int32_t *out)
{
	int64_t v;
	const char *stop;

	if (c->p >= c->end)
		return fields_fail(c, IB_EFIELD);
	if (parse_i64_nul(c->p, &stop, &v) != IB_OK || *stop != '\0' || v < INT32_MIN || v > INT32_MAX)
		return fields_fail(c, IB_ENUM);
	*out = (int32_t)v;
	c->p = stop + 1;
	c->idx++;
	return IB_OK;
}

int
ib_fields_f64(ib_fields *c, double *out)
{
	const char *stop;

	if (c->p >= c->end)
		return fields_fail(c, IB_EFIELD);
	if (*c->p == '\0') {
		*out = 0.0;
		stop = c->p;
	} else if (parse_f64_nul(c->p, &stop, out) != IB_OK || *stop != '\0') {
		return fields_fail(c, IB_ENUM);
	}
	c->p = stop + 1;
	c->idx++;
	return IB_OK;
}

int
ib_fields_bool(ib_fields *c, bool *out)
{
	int64_t v;
	int rc = ib_fields_i64(c, &v);

	if (rc == IB_OK)
		*out = v != 0;
	return rc;
}

/* Bounded-length entry points copy into a NUL-terminated scratch buffer. */
int
ib_parse_i64(const char *s, size_t len, int64_t *out)
{
	char tmp[32];
	const char *stop;

	if (len == 0 || len >= sizeof(tmp))
		return IB_ENUM;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (parse_i64_nul(tmp, &stop, out) != IB_OK || *stop != '\0')
		return IB_ENUM;
	return IB_OK;
}

int
ib_parse_f64(const char *s, size_t len, double *out)
{
	char tmp[64];
	const char *stop;

	if (len == 0 || len >= sizeof(tmp))
		return IB_ENUM;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (parse_f64_nul(tmp, &stop, out) != IB_OK || *stop != '\0')
		return IB_ENUM;
	return IB_OK;
}
