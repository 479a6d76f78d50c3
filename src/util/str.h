/*
 * str.h - copying C strings into fixed buffers: the one truncating copy
 * every module uses, so no buffer is ever overrun and none is left without
 * its terminating NUL.  Pure functions, any thread.
 */
#ifndef IBPIPE_STR_H
#define IBPIPE_STR_H

#include <stddef.h>

/* strlcpy: src into dst[dstlen], truncated and NUL-terminated (dstlen > 0); returns strlen(src). */
size_t ib_strlcpy(char *dst, const char *src, size_t dstlen);
/* The same for a source that may lack its NUL: at most srclen bytes of it; returns what was copied. */
size_t ib_strnlcpy(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
