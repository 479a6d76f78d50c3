/*
 * redis_keys.c - building the Redis key names of redis_keys.h.  Any thread.
 */
#include <stdio.h>
#include <string.h>

#include "config/redis_keys.h"

static size_t
len_of(int n)
{
	return n > 0 ? (size_t)n : 0;
}

size_t
ib_key(char *out, size_t cap, const char *prefix, const char *name)
{
	return len_of(snprintf(out, cap, "%s:%s", prefix, name));
}

size_t
ib_key_account(char *out, size_t cap, const char *prefix, const char *account)
{
	return len_of(snprintf(out, cap, "%s:" IB_KEY_ACCOUNT "{%s}", prefix, account));
}

size_t
ib_key_positions(char *out, size_t cap, const char *prefix, const char *account)
{
	return len_of(snprintf(out, cap, "%s:" IB_KEY_POSITIONS "{%s}", prefix, account));
}

size_t
ib_key_quote(char *out, size_t cap, const char *prefix, const char *symbol)
{
	return len_of(snprintf(out, cap, "%s:" IB_KEY_QUOTE "%s", prefix, symbol));
}

size_t
ib_key_book(char *out, size_t cap, const char *prefix, const char *symbol)
{
	return len_of(snprintf(out, cap, "%s:" IB_KEY_BOOK "%s", prefix, symbol));
}

size_t
ib_key_order(char *out, size_t cap, const char *prefix, int64_t order_id)
{
	return len_of(snprintf(out, cap, "%s:" IB_KEY_ORDER "%lld", prefix, (long long)order_id));
}

size_t
ib_key_scan_pattern(char *out, size_t cap, const char *prefix, const char *family)
{
	size_t o = 0, tail = strlen(family) + 3; /* ':' family '*' NUL */

	if (cap < tail + 1) {
		if (cap)
			out[0] = '\0';
		return 0;
	}
	for (; *prefix && o + 2 + tail <= cap; prefix++) {
		if (strchr("*?[]\\", *prefix))
			out[o++] = '\\';
		out[o++] = *prefix;
	}
	return o + len_of(snprintf(out + o, cap - o, ":%s*", family));
}
