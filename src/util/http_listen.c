/*
 * http_listen.c - starting a libmicrohttpd listener (http_listen.h): the
 * address resolved, the daemon started on it, its messages routed into
 * ib_log.  Runs on the starting thread; the log callback runs on the
 * daemon's polling thread.
 */
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ibpipe/log.h"
#include "util/http_listen.h"

/* libmicrohttpd's thread: one of its messages, as one warning line (cls: the component's tag). */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	ib_log(IB_LL_WARN, (const char *)cls, "libmicrohttpd: %s", msg);
}

struct MHD_Daemon *
ib_http_listen(const struct ib_http_listen *l, int *bound, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV | AI_PASSIVE }, *ai = NULL;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | l->flags;
	char port[8];
	struct MHD_Daemon *d;
	int gai;

	snprintf(port, sizeof(port), "%d", l->port);
	if ((gai = getaddrinfo(l->host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s %s:%d: %s", l->what, l->host, l->port, gai_strerror(gai));
		return NULL;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	d = MHD_start_daemon(flags, (uint16_t)l->port, NULL, NULL, l->handle, l->cls, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
			     (void *)l->tag, MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT,
			     l->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, l->timeout_s, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (d == NULL) {
		snprintf(err, errlen, "%s %s:%d: cannot listen (address in use or not local?)", l->what, l->host, l->port);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info ? info->port : l->port;
	return d;
}
