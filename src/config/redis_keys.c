/*
 * redis_keys.c - building the Redis key names of redis_keys.h.  Any thread.
 */
#include <stdbool.h>
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

/* <prefix>:<family><open><part><close>: the per-account, per-symbol keys */
static size_t
family_key(char *out, size_t cap, const char *prefix, const char *family, const char *part, bool braces)
{
	return len_of(snprintf(out, cap, "%s:%s%s%s%s", prefix, family, braces ? "{" : "", part, braces ? "}" : ""));
}

size_t
ib_key_account(char *out, size_t cap, const char *prefix, const char *account)
{
	return family_key(out, cap, prefix, IB_KEY_ACCOUNT, account, true);
}

size_t
ib_key_positions(char *out, size_t cap, const char *prefix, const char *account)
{
	return family_key(out, cap, prefix, IB_KEY_POSITIONS, account, true);
}

size_t
ib_key_pnl(char *out, size_t cap, const char *prefix, const char *account)
{
	return family_key(out, cap, prefix, IB_KEY_PNL, account, true);
}

size_t
ib_key_quote(char *out, size_t cap, const char *prefix, const char *symbol)
{
	return family_key(out, cap, prefix, IB_KEY_QUOTE, symbol, false);
}

size_t
ib_key_book(char *out, size_t cap, const char *prefix, const char *symbol)
{
	return family_key(out, cap, prefix, IB_KEY_BOOK, symbol, false);
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
