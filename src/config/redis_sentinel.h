/*
 * redis_sentinel.h - finding the Redis master through Redis Sentinel.
 *
 * A deployment managed by Sentinel is named by its sentinels
 * ("host:port,host:port,...") and the master's name they monitor.  The
 * master's address is asked for (SENTINEL get-master-addr-by-name) on
 * every (re)connect, and the node found must say ROLE master: a sentinel
 * that has not yet heard of a failover, or a demoted old master, is never
 * written to.  These pieces are shared by the publisher's non-blocking
 * connection (publish.c) and the blocking one of every other client
 * (ib_redis_open in redis_url.h).
 *
 * Sentinels have their own password, apart from the data nodes' users: a
 * sentinel only hands out addresses, and every client of ibpipe (writer,
 * readers) asks it.  With one (IBPIPE_REDIS_SENTINEL_PASSWORD, the
 * sentinels' requirepass) each sentinel connection starts with
 * "AUTH <password>"; without, none is sent.
 */
#ifndef IBPIPE_REDIS_SENTINEL_H
#define IBPIPE_REDIS_SENTINEL_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#define IB_SENTINELS_MAX 8
#define IB_SENTINEL_PORT 26379   /* when a sentinel is given without one */

typedef struct ib_sentinels {
	int n;
	struct {
		char host[256];
		int port;
	} s[IB_SENTINELS_MAX];
} ib_sentinels;

/* "host[:port],[v6]:port,...": IB_OK, or IB_EINVAL with the reason in err. */
int ib_sentinels_parse(const char *list, ib_sentinels *out, char *err, size_t errlen);

/* A master name as Sentinel takes it (no spaces or control bytes, 1..63): IB_OK or IB_EINVAL. */
int ib_sentinel_master_name_check(const char *name, char *err, size_t errlen);

/*
 * The reply to SENTINEL get-master-addr-by-name: true with host:port, false
 * (with the reason in err) for nil (the sentinel does not know that name),
 * an error, or anything malformed.
 */
bool ib_sentinel_addr_reply(const redisReply *r, char *host, size_t cap, int *port, char *err, size_t errlen);

/* The reply to ROLE says master. */
bool ib_redis_role_is_master(const redisReply *r);

/*
 * Blocking: ask the sentinels in turn, each within timeout_ms, for the
 * master's address; password is the sentinels' own (NULL or "": none).
 * IB_OK, or IB_EIO with the reasons in err.
 */
int ib_sentinel_ask(const ib_sentinels *s, const char *master, const char *password, int timeout_ms, char *host,
		    size_t cap, int *port, char *err, size_t errlen);

#endif
