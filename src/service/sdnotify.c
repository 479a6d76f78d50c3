/*
 * sdnotify.c - sd_notify(3) in a few lines: one datagram per state change.
 *
 * Used by the supervisor thread only (supervisor.c).  The socket is opened
 * once; a failed send is reported to the caller, which logs it once, and
 * never stops the trader: a service manager that does not listen is not a
 * reason to stop trading.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/sdnotify.h"

void
ib_sdnotify_open(ib_sdnotify *n)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *usec = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (usec != NULL && *usec) {
		char *end = NULL;
		long long v = strtoll(usec, &end, 10);
		/* WATCHDOG_PID names the process the watchdog is for; a forked helper must not ping */
		bool ours = wpid == NULL || !*wpid || strtol(wpid, NULL, 10) == (long)getpid();
		if (end != usec && *end == '\0' && v > 0 && ours)
			n->watchdog_usec = v;
	}
	if (path == NULL || !*path)
		return;
	size_t len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->sa.sun_path)) {
		snprintf(n->err, sizeof(n->err), "NOTIFY_SOCKET '%.60s' is not an absolute path or @abstract name", path);
		return;
	}
	n->sa.sun_family = AF_UNIX;
	memcpy(n->sa.sun_path, path, len);
	if (path[0] == '@')
		n->sa.sun_path[0] = '\0'; /* abstract namespace: the name is the bytes after the NUL, no terminator */
	n->salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0)
		snprintf(n->err, sizeof(n->err), "NOTIFY_SOCKET: socket: %s", strerror(errno));
}

int
ib_sdnotify_send(ib_sdnotify *n, const char *state)
{
	if (n->fd < 0)
		return 0;
	ssize_t r = sendto(n->fd, state, strlen(state), MSG_NOSIGNAL, (const struct sockaddr *)&n->sa, n->salen);
	return r == (ssize_t)strlen(state) ? 0 : -1;
}

void
ib_sdnotify_close(ib_sdnotify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
