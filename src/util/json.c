/*
 * json.c - the JSON string escaper and a bounded builder (see json.h).
 * Used by every thread that writes JSON; no state, no allocation.
 */
#include <stdarg.h>
#include <string.h>

#include "util/json.h"

size_t
ib_json_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	len = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x3Fu >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	/* overlong forms, UTF-16 surrogates, past U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

void
ib_json_escape(const char *s, size_t n, ib_json_put_fn *put, void *ctx)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned char ch = p[i];
		size_t u;
		char e[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };
		size_t elen = 6;

		if (ch >= 0x20 && ch < 0x7F && ch != '"' && ch != '\\') {
			i++;
			continue;
		}
		if (ch >= 0x80 && (u = ib_json_utf8_len(p + i, n - i)) > 0) {
			i += u;
			continue;
		}
		/* flush the plain run before this byte, then its escape */
		if (i > run)
			put(ctx, s + run, i - run);
		switch (ch) {
		case '"': case '\\': e[1] = (char)ch, elen = 2; break;
		case '\n': e[1] = 'n', elen = 2; break;
		case '\r': e[1] = 'r', elen = 2; break;
		case '\t': e[1] = 't', elen = 2; break;
		case '\b': e[1] = 'b', elen = 2; break;
		case '\f': e[1] = 'f', elen = 2; break;
		default:
			if (ch >= 0x80) /* U+FFFD, the replacement character */
				e[2] = 'f', e[3] = 'f', e[4] = 'f', e[5] = 'd';
		}
		put(ctx, e, elen);
		run = ++i;
	}
	if (i > run)
		put(ctx, s + run, i - run);
}

static void
count_put(void *ctx, const char *p, size_t n)
{
	(void)p;
	*(size_t *)ctx += n;
}

size_t
ib_json_escaped_len(const char *s, size_t n)
{
	size_t len = 0;

	ib_json_escape(s, n, count_put, &len);
	return len;
}

static void
file_put(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, (FILE *)ctx);
}

void
ib_json_fputs(FILE *f, const char *s, size_t n)
{
	ib_json_escape(s, n, file_put, f);
}

void
ib_json_init(ib_json *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->overflow = cap == 0;
	if (cap > 0)
		buf[0] = '\0';
}

/* Room for n more bytes and the NUL?  Sets overflow when not. */
static bool
room(ib_json *j, size_t n)
{
	if (j->overflow || n >= j->cap - j->len) {
		j->overflow = true;
		return false;
	}
	return true;
}

void
ib_json_rawn(ib_json *j, const char *s, size_t n)
{
	if (!room(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

void
ib_json_raw(ib_json *j, const char *s)
{
	ib_json_rawn(j, s, strlen(s));
}

static void
buf_put(void *ctx, const char *p, size_t n)
{
	ib_json *j = ctx;

	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

void
ib_json_strn(ib_json *j, const char *s, size_t n)
{
	if (!room(j, ib_json_escaped_len(s, n) + 2))
		return;
	j->buf[j->len++] = '"';
	ib_json_escape(s, n, buf_put, j);
	j->buf[j->len++] = '"';
	j->buf[j->len] = '\0';
}

void
ib_json_str(ib_json *j, const char *s)
{
	ib_json_strn(j, s, strlen(s));
}

void
ib_json_printf(ib_json *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->buf + j->len, j->cap - j->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= j->cap - j->len) {
		j->buf[j->len] = '\0';
		j->overflow = true;
		return;
	}
	j->len += (size_t)n;
}
