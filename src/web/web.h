/*
 * web.h - the dashboard server behind `ibpipe web`: one page, its assets,
 * /api/state (the current picture as one JSON object) and /events (the same
 * picture as Server-Sent Events), all made from what ibpipe published to
 * Redis.  It never talks to the gateway or to the trader process: a
 * dashboard that hangs or is attacked cannot slow the trader down.
 *
 * Threads: libmicrohttpd's one polling thread serves every connection
 * (SSE clients are suspended between pictures, never blocked on); the hub
 * thread (web_hub.c) reads Redis on P:events and four times a second and
 * hands each new picture to the server.
 */
#ifndef IBPIPE_WEB_H
#define IBPIPE_WEB_H

#include <stddef.h>

#define IB_WEB_DEFAULT_REFRESH_MS 250 /* the 4 Hz refresh */
#define IB_WEB_DEFAULT_ORDERS 25      /* entries of P:stream:orders shown */

typedef struct ib_web_config {
	char host[64];          /* listen address (numeric, v4 or v6) */
	int port;               /* 0: any free port (ib_web_port says which) */
	char redis_url[256];
	char redis_sentinels[256];  /* "" or host:port,...: follow the master they name */
	char redis_master[64];
	char redis_password[128];
	char prefix[32];
	int refresh_ms;
	int orders_tail;
} ib_web_config;

typedef struct ib_web ib_web;

/* Listen and start the hub; NULL with the reason in err.  The config is copied. */
ib_web *ib_web_start(const ib_web_config *cfg, char *err, size_t errlen);
/* The bound port. */
int ib_web_port(const ib_web *w);
/* Stop the hub, end every event stream, close every socket, free. */
void ib_web_stop(ib_web *w);

#endif
