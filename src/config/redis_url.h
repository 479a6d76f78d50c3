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

/*
 * Where an ibpipe deployment's Redis is: the URL (user, db, password if any;
 * its host:port only without sentinels), and for a Sentinel-managed one the
 * sentinels ("host:port,...") and the master's name.  password wins over
 * one in the URL.  The sentinels have their own (redis_sentinel.h).
 */
typedef struct ib_redis_where {
	const char *url;
	const char *sentinels;   /* NULL or "": connect to the URL's host */
	const char *master;
	const char *password;    /* NULL or "": the URL's, if any */
	const char *sentinel_password; /* the sentinels' own (requirepass); NULL or "": they want none */
} ib_redis_where;

/*
 * What every Redis client of ibpipe but the publisher connects with: to the
 * URL, or to the master the sentinels name (asked on every call, checked
 * with ROLE), as ib_redis_connect_url_err does.  A client that calls it
 * again after an error follows a failover.
 */
redisContext *ib_redis_open(const ib_redis_where *w, int timeout_ms, char *err, size_t errlen);

/* The same without the reason. */
redisContext *ib_redis_connect_url(const char *url, const char *password, int timeout_ms);

#endif
