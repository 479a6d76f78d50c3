/*
 * sdnotify.h - systemd's readiness protocol without libsystemd.
 *
 * sd_notify is one datagram of "KEY=value\n..." text to the AF_UNIX socket
 * named by $NOTIFY_SOCKET (a path, or an abstract name written with a
 * leading '@').  $WATCHDOG_USEC (for $WATCHDOG_PID, or for us when that is
 * unset) asks for WATCHDOG=1 at least that often.  Outside systemd both
 * variables are unset and every call is a no-op.
 */
#ifndef IBPIPE_SDNOTIFY_H
#define IBPIPE_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

typedef struct ib_sdnotify {
	int fd;                  /* -1: not under a service manager that listens */
	struct sockaddr_un sa;
	socklen_t salen;
	int64_t watchdog_usec;   /* 0: no watchdog asked for */
	char err[128];           /* why $NOTIFY_SOCKET could not be used, "" when fine */
} ib_sdnotify;

/* Read the environment (before threads start: getenv).  Never fails; see fd and err. */
void ib_sdnotify_open(ib_sdnotify *n);
/* Send state ("READY=1", "STATUS=...", "WATCHDOG=1", "STOPPING=1").  0 sent or no socket, -1 error. */
int ib_sdnotify_send(ib_sdnotify *n, const char *state);
void ib_sdnotify_close(ib_sdnotify *n);

#endif
