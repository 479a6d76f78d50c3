/*
 * redis_url.h - one way to reach Redis from a URL:
 * redis://[:password@]host:port[/db] or unix:/path/to/socket.
 */
#ifndef IBPIPE_REDIS_URL_H
#define IBPIPE_REDIS_URL_H

#include <hiredis/hiredis.h>

/*
 * Connect with a timeout (also set as the command timeout), AUTH with the
 * password (the argument wins over one in the URL), SELECT the db.  NULL on
 * any failure; the password is never logged.
 */
redisContext *ib_redis_connect_url(const char *url, const char *password, int timeout_ms);

#endif
