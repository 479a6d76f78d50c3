/*
 * str.c - truncating string copies into fixed buffers (str.h).  Any thread.
 */
#include <string.h>

#include "util/str.h"

size_t
ib_utf8_cut(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t b = n;

	/* u[n] is the first byte left out: a continuation byte means a character straddles the cut */
	while (b > 0 && n - b < 3 && (u[b] & 0xC0) == 0x80)
		b--;
	return b < n && u[b] >= 0xC0 ? b : n;
}

size_t
ib_strlcpy(char *dst, const char *src, size_t dstlen)
{
	size_t n = strlen(src);

	if (dstlen > 0) {
		size_t k = n <= dstlen - 1 ? n : ib_utf8_cut(src, dstlen - 1);
		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return n;
}

size_t
ib_strnlcpy(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	if (dstlen == 0)
		return 0;
	if (n >= dstlen)
		n = ib_utf8_cut(src, dstlen - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

uint64_t
ib_fnv1a64(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}
