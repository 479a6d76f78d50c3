/*
 * str.h - copying C strings into fixed buffers: the one truncating copy
 * every module uses, so no buffer is ever overrun and none is left without
 * its terminating NUL.  A cut never splits a UTF-8 character: text the
 * gateway sent as valid UTF-8 stays valid UTF-8 when it is shortened (a
 * split character would reach Redis as invalid bytes and every JSON reader
 * as U+FFFD).  And the one string hash.  Pure functions, any thread.
 */
#ifndef IBPIPE_STR_H
#define IBPIPE_STR_H

#include <stddef.h>
#include <stdint.h>

/* How many of s's first n bytes to keep when s is longer than n (s[n] is read): n, less the start of a UTF-8
   character that byte n would cut (at most 3 bytes back; bytes that are not UTF-8 cut where they fall). */
size_t ib_utf8_cut(const char *s, size_t n);
/* strlcpy: src into dst[dstlen], truncated and NUL-terminated (dstlen > 0); returns strlen(src). */
size_t ib_strlcpy(char *dst, const char *src, size_t dstlen);
/* The same for a source that may lack its NUL: at most srclen bytes of it; returns what was copied. */
size_t ib_strnlcpy(char *dst, size_t dstlen, const char *src, size_t srclen);
/* FNV-1a (64 bit) of s's n bytes: the key of the id tables that remember what was seen (ids of commands,
   journal lines, executions). */
uint64_t ib_fnv1a64(const char *s, size_t n);

#endif
