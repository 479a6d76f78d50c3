/*
 * str.c - truncating string copies into fixed buffers (str.h).  Any thread.
 */
#include <string.h>

#include "util/str.h"

size_t
ib_strlcpy(char *dst, const char *src, size_t dstlen)
{
	size_t n = strlen(src);

	if (dstlen > 0) {
		size_t k = n < dstlen - 1 ? n : dstlen - 1;
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
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}
