/*
 * redis_url.c - parse a Redis URL and open an authenticated connection.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/redis_url.h"

static bool
ok_reply(redisContext *c, const char *fmt, const char *arg)
{
	redisReply *r = redisCommand(c, fmt, arg);
	bool ok = r && r->type != REDIS_REPLY_ERROR;

	if (r)
		freeReplyObject(r);
	return ok;
}

redisContext *
ib_redis_connect_url(const char *url, const char *password, int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	char host[256] = "127.0.0.1", pass[128] = "", db[16] = "";
	int port = 6379;
	redisContext *c;

	if (strncmp(url, "unix:", 5) == 0) {
		c = redisConnectUnixWithTimeout(url + 5, tv);
	} else {
		const char *h = strncmp(url, "redis://", 8) == 0 ? url + 8 : url;
		const char *at = strchr(h, '@');
		if (at) {
			const char *colon = memchr(h, ':', (size_t)(at - h));
			if (colon && (size_t)(at - colon - 1) < sizeof(pass)) {
				memcpy(pass, colon + 1, (size_t)(at - colon - 1));
				pass[at - colon - 1] = '\0';
			}
			h = at + 1;
		}
		if (sscanf(h, "%255[^:/]:%d/%15s", host, &port, db) < 1)
			return NULL;
		c = redisConnectWithTimeout(host, port, tv);
	}
	if (c == NULL || c->err) {
		if (c)
			redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	if (password && *password)
		snprintf(pass, sizeof(pass), "%s", password);
	if ((pass[0] && !ok_reply(c, "AUTH %s", pass)) || (db[0] && !ok_reply(c, "SELECT %s", db))) {
		redisFree(c);
		return NULL;
	}
	return c;
}
