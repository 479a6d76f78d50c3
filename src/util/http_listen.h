/*
 * http_listen.h - a libmicrohttpd daemon started the way both of ibpipe's
 * HTTP listeners want it (service/metrics_http.c: /metrics and the health
 * endpoints; web/web_server.c: the dashboard): on one numeric address, with
 * its own polling thread, IPv6 when the address is, libmicrohttpd's own
 * messages in our log.  Called by the thread that starts the listener.
 */
#ifndef IBPIPE_HTTP_LISTEN_H
#define IBPIPE_HTTP_LISTEN_H

#include <microhttpd.h>
#include <stddef.h>

struct ib_http_listen {
	const char *host;                /* numeric address, v4 or v6 */
	int port;                        /* 0: a free one */
	unsigned flags;                  /* MHD flags beyond the usual ones (MHD_ALLOW_SUSPEND_RESUME), or 0 */
	unsigned max_connections;
	unsigned timeout_s;              /* an idle connection is closed after it */
	const char *what;                /* the setting that named the address, in errors ("--listen") */
	const char *tag;                 /* the log component of libmicrohttpd's messages; a string literal */
	MHD_AccessHandlerCallback handle;
	void *cls;                       /* handle's first argument */
};

/* The running daemon, and in *bound the port it listens on; or NULL with err set. */
struct MHD_Daemon *ib_http_listen(const struct ib_http_listen *l, int *bound, char *err, size_t errlen);

#endif
