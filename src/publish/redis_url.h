/*
 * redis_url.h - one way to reach Redis from a URL:
 * redis://[user[:password]@]host[:port][/db] or unix:/path/to/socket[?db=N].
 * The password never appears in anything these functions print or log.
 */
#ifndef IBPIPE_REDIS_URL_H
#define IBPIPE_REDIS_URL_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ib_redis_url {
	bool unix_socket;
	char host[256];      /* host name / address, or the socket path */
	int port;            /* 6379 when the URL has none */
	int db;              /* 0 when the URL has none */
	char user[64];       /* ACL user (Redis 6+); empty: AUTH with the password alone */
	char password[128];  /* percent-decoded; empty: none */
} ib_redis_url;

/* IB_OK, or IB_EINVAL with a reason in err (which never holds the password). */
int ib_redis_url_parse(const char *url, ib_redis_url *out, char *err, size_t errlen);

/* "127.0.0.1:6379", "127.0.0.1:6379/2" or "unix:/run/redis.sock": for logs. */
void ib_redis_url_describe(const ib_redis_url *u, char *buf, size_t cap);

/*
 * Blocking connect with a timeout (also set as the command timeout), AUTH
 * with the password (the argument wins over one in the URL), SELECT the db.
 * NULL on any failure, with the reason in err when err is not NULL.
 */
redisContext *ib_redis_connect_url_err(const char *url, const char *password, int timeout_ms, char *err,
				       size_t errlen);

/* The same without the reason. */
redisContext *ib_redis_connect_url(const char *url, const char *password, int timeout_ms);

#endif
