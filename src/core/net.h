/*
 * net.h - connecting to a gateway: TCP with a deadline, the API handshake.
 */
#ifndef IBPIPE_NET_H
#define IBPIPE_NET_H

#include <stddef.h>

#include "codec/wire.h"

/* A connected non-blocking socket, or -1 with err set. */
int ib_net_connect(const char *host, int port, int timeout_ms, char *err, size_t errlen);
/*
 * Send "API\0" + our version range, read the server's reply, check the
 * version, send startApi.  Frames that arrive after the reply stay in f.
 */
int ib_net_handshake(int fd, ib_framer *f, int client_id, int timeout_ms, int *server_version, char *err,
		     size_t errlen);
int ib_net_write_all(int fd, const char *buf, size_t len, int timeout_ms);
/* shutdown + close: the peer never sees a half-open socket from us. */
void ib_net_close(int fd);

#endif
