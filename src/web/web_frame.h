/*
 * web_frame.h - one picture as the server hands it out: the SSE message
 * ("retry: ...\ndata: <json>\n\n") with the JSON inside it, shared by every
 * client that sends it.  Immutable once built; its reference count is
 * changed only under the server's lock (web_server.c).
 */
#ifndef IBPIPE_WEB_FRAME_H
#define IBPIPE_WEB_FRAME_H

#include <stddef.h>

typedef struct web_frame {
	unsigned refs;
	size_t len;                 /* the whole SSE message */
	size_t json_off, json_len;  /* the JSON inside it, for /api/state */
	char data[];
} web_frame;

/* An SSE message around json[0..n) (which holds no newline: json.c escapes them); NULL when out of memory. */
web_frame *web_frame_new(const char *json, size_t n);

struct ib_web;
/* Hand a new picture to the server (it takes the caller's reference) and wake the suspended streams. */
void web_server_publish(struct ib_web *w, web_frame *f);

/* The hub (web_hub.c): reads Redis on its own thread and publishes pictures until stopped. */
typedef struct web_hub web_hub;
struct ib_web_config;
web_hub *web_hub_start(const struct ib_web_config *cfg, struct ib_web *w, char *err, size_t errlen);
void web_hub_stop(web_hub *h);

#endif
