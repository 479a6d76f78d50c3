/*
 * json_valid.h - a strict JSON validator for tests and fuzz targets
 * (RFC 8259: one value, UTF-8 text, no control characters in strings,
 * escapes well formed).  Header-only so a fuzz target can include it.
 * Written independently of src/util/json.c: it checks that module, it does not
 * share its code.
 */
#ifndef IBPIPE_TESTS_JSON_VALID_H
#define IBPIPE_TESTS_JSON_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct jv {
	const unsigned char *s;
	size_t n, i;
	int depth;
};

static bool jv_value(struct jv *v);

static void
jv_ws(struct jv *v)
{
	while (v->i < v->n && (v->s[v->i] == ' ' || v->s[v->i] == '\t' || v->s[v->i] == '\n' || v->s[v->i] == '\r'))
		v->i++;
}

/* One UTF-8 sequence at v->i (not ASCII): well formed, shortest, no surrogates, <= U+10FFFF. */
static bool
jv_utf8(struct jv *v)
{
	unsigned char c = v->s[v->i];
	size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
	unsigned long cp;

	if (len == 0 || c > 0xF4 || v->i + len > v->n)
		return false;
	cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
	for (size_t k = 1; k < len; k++) {
		if ((v->s[v->i + k] & 0xC0) != 0x80)
			return false;
		cp = cp << 6 | (v->s[v->i + k] & 0x3F);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return false;
	v->i += len;
	return true;
}

static bool
jv_string(struct jv *v)
{
	if (v->i >= v->n || v->s[v->i] != '"')
		return false;
	v->i++;
	while (v->i < v->n) {
		unsigned char c = v->s[v->i];
		if (c == '"') {
			v->i++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (++v->i >= v->n)
				return false;
			c = v->s[v->i];
			if (c == 'u') {
				for (int k = 1; k <= 4; k++)
					if (v->i + (size_t)k >= v->n || !strchr("0123456789abcdefABCDEF", v->s[v->i + (size_t)k]) ||
					    v->s[v->i + (size_t)k] == 0)
						return false;
				v->i += 5;
			} else if (c && strchr("\"\\/bfnrt", c)) {
				v->i++;
			} else {
				return false;
			}
		} else if (c >= 0x80) {
			if (!jv_utf8(v))
				return false;
		} else {
			v->i++;
		}
	}
	return false;
}

static bool
jv_number(struct jv *v)
{
	size_t st = v->i;

	if (v->i < v->n && v->s[v->i] == '-')
		v->i++;
	if (v->i < v->n && v->s[v->i] == '0') {
		v->i++;
	} else {
		if (v->i >= v->n || v->s[v->i] < '1' || v->s[v->i] > '9')
			return false;
		while (v->i < v->n && v->s[v->i] >= '0' && v->s[v->i] <= '9')
			v->i++;
	}
	if (v->i < v->n && v->s[v->i] == '.') {
		size_t d = ++v->i;
		while (v->i < v->n && v->s[v->i] >= '0' && v->s[v->i] <= '9')
			v->i++;
		if (v->i == d)
			return false;
	}
	if (v->i < v->n && (v->s[v->i] == 'e' || v->s[v->i] == 'E')) {
		v->i++;
		if (v->i < v->n && (v->s[v->i] == '+' || v->s[v->i] == '-'))
			v->i++;
		size_t d = v->i;
		while (v->i < v->n && v->s[v->i] >= '0' && v->s[v->i] <= '9')
			v->i++;
		if (v->i == d)
			return false;
	}
	return v->i > st;
}

static bool
jv_lit(struct jv *v, const char *w)
{
	size_t l = strlen(w);

	if (v->n - v->i < l || memcmp(v->s + v->i, w, l) != 0)
		return false;
	v->i += l;
	return true;
}

/* Recursive, and bounded: nesting deeper than 64 is rejected before the next call. */
static bool
jv_container(struct jv *v, char close) /* NOLINT(misc-no-recursion) */
{
	bool obj = close == '}';

	if (++v->depth > 64)
		return false;
	v->i++;
	jv_ws(v);
	if (v->i < v->n && v->s[v->i] == (unsigned char)close) {
		v->i++;
		v->depth--;
		return true;
	}
	for (;;) {
		jv_ws(v);
		if (obj) {
			if (!jv_string(v))
				return false;
			jv_ws(v);
			if (v->i >= v->n || v->s[v->i] != ':')
				return false;
			v->i++;
		}
		if (!jv_value(v))
			return false;
		jv_ws(v);
		if (v->i >= v->n)
			return false;
		if (v->s[v->i] == ',') {
			v->i++;
			continue;
		}
		if (v->s[v->i] != (unsigned char)close)
			return false;
		v->i++;
		v->depth--;
		return true;
	}
}

static bool
jv_value(struct jv *v) /* NOLINT(misc-no-recursion): see jv_container */
{
	jv_ws(v);
	if (v->i >= v->n)
		return false;
	switch (v->s[v->i]) {
	case '{': return jv_container(v, '}');
	case '[': return jv_container(v, ']');
	case '"': return jv_string(v);
	case 't': return jv_lit(v, "true");
	case 'f': return jv_lit(v, "false");
	case 'n': return jv_lit(v, "null");
	default: return jv_number(v);
	}
}

/* True when s[0..n) is exactly one valid JSON text. */
static inline bool
json_valid(const char *s, size_t n)
{
	struct jv v = { (const unsigned char *)s, n, 0, 0 };

	if (!jv_value(&v))
		return false;
	jv_ws(&v);
	return v.i == n;
}

#endif
