/*
 * json.h - the one JSON string writer: every JSON text ibpipe writes puts
 * strings through it, whatever bytes the gateway sent.
 *
 * Rules: valid UTF-8 passes unchanged; '"' and '\\' are escaped; control
 * characters (< 0x20, and DEL) become \n \r \t \b \f or \u00XX; every byte
 * that does not start a valid UTF-8 sequence (overlong, surrogate, past
 * U+10FFFF, truncated) becomes \ufffd.  So the output is valid JSON and valid
 * UTF-8 for any input.  Pure functions, any thread.
 */
#ifndef IBPIPE_JSON_H
#define IBPIPE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Worst case growth of one input byte ("\u0001" or "\ufffd"): size buffers with it. */
#define IB_JSON_ESC_MAX 6

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if s[0] does not start one. */
size_t ib_json_utf8_len(const unsigned char *s, size_t n);

/* The escaper: emits the escaped body of s[0..n) (no quotes) in runs through put. */
typedef void ib_json_put_fn(void *ctx, const char *p, size_t n);
void ib_json_escape(const char *s, size_t n, ib_json_put_fn *put, void *ctx);
/* Bytes ib_json_escape would emit for s[0..n). */
size_t ib_json_escaped_len(const char *s, size_t n);
/* The escaped body to a stream. */
void ib_json_fputs(FILE *f, const char *s, size_t n);

/*
 * A bounded builder over a caller's buffer, always NUL-terminated.  Pieces
 * are added whole or not at all: once one does not fit, overflow is set and
 * nothing more is added, so the text is never a cut string.  A caller that
 * sized the buffer right never sees overflow; one that did not can tell.
 */
typedef struct ib_json {
	char *buf;
	size_t cap, len;
	bool overflow;
} ib_json;

void ib_json_init(ib_json *j, char *buf, size_t cap);
void ib_json_raw(ib_json *j, const char *s);                  /* JSON syntax, as is */
void ib_json_rawn(ib_json *j, const char *s, size_t n);
void ib_json_str(ib_json *j, const char *s);                  /* "escaped s" */
void ib_json_strn(ib_json *j, const char *s, size_t n);
void ib_json_printf(ib_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3))); /* numbers */

#endif
