/*
 * web_state.h - the dashboard's picture: everything ibpipe published under
 * one prefix, read from Redis in a few pipelined round trips and rendered
 * as one JSON object (the schema is in web_state.c's file comment).  Runs
 * on the hub thread; no state between calls.
 */
#ifndef IBPIPE_WEB_STATE_H
#define IBPIPE_WEB_STATE_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

struct web_meta {
	const char *prefix;
	const char *redis_at;   /* where Redis is, for the page (never the password) */
	const char *redis_err;  /* why Redis cannot be read; NULL when it can */
	const char *event;      /* the last P:events message, NULL before the first */
	int64_t event_ms;       /* when it came (wall clock ms) */
	int64_t now_ms;         /* wall clock ms: the page computes ages against it */
	uint64_t seq;           /* picture number */
	int orders_tail;        /* entries of P:stream:orders to show */
};

/* Web caps: a page of them is all a human can read, and they bound one picture's size. */
#define WEB_MAX_ACCOUNTS 64
#define WEB_MAX_QUOTES 500
#define WEB_MAX_BOOKS 16

/*
 * Read everything from c and render it; *out is malloc'd text (the caller
 * frees it), *len its length.  0, or -1 when Redis failed, with the reason
 * in err (*out untouched).  With m->redis_err set, c may be NULL: the
 * picture is then only "Redis unreachable: <why>".
 */
int web_state_render(redisContext *c, const struct web_meta *m, char **out, size_t *len, char *err, size_t errlen);

#endif
