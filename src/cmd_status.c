/*
 * cmd_status.c - `ibpipe status`: read what ibpipe published to Redis and
 * show it to a person (or as JSON); `--wait-ready` blocks until the sync
 * gate has opened, which is how a dependent service should start.  It
 * subscribes to P:events first and reads P:sync second, so a change that
 * happens in between cannot be missed.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/cmd.h"
#include "ibpipe/redis_url.h"
#include "ibpipe/wake.h"
#include "ibpipe/wire.h"

struct status_opts {
	char url[256], prefix[32];
	bool json, wait_ready;
	double timeout_s;
};

static redisReply *
cmdf(redisContext *c, const char *fmt, const char *a, const char *b)
{
	return redisCommand(c, fmt, a, b);
}

static char *
get_str(redisContext *c, const char *key, char *out, size_t cap)
{
	redisReply *r = cmdf(c, "GET %s", key, NULL);

	out[0] = '\0';
	if (r && r->type == REDIS_REPLY_STRING)
		ib_strlcpy(out, r->str, cap);
	if (r)
		freeReplyObject(r);
	return out;
}

static void
json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

static int
show(redisContext *c, const struct status_opts *o)
{
	char key[128], sync[32], detail[600];
	redisReply *accts, *r;

	snprintf(key, sizeof(key), "%s:sync", o->prefix);
	get_str(c, key, sync, sizeof(sync));
	snprintf(key, sizeof(key), "%s:sync:detail", o->prefix);
	get_str(c, key, detail, sizeof(detail));
	snprintf(key, sizeof(key), "%s:accounts", o->prefix);
	accts = cmdf(c, "SMEMBERS %s", key, NULL);
	if (accts == NULL) {
		fprintf(stderr, "ibpipe status: Redis: %s\n", c->errstr);
		return 1;
	}
	if (o->json) {
		printf("{\"sync\":");
		json_str(sync[0] ? sync : "unknown");
		printf(",\"detail\":%s,\"accounts\":{", detail[0] ? detail : "null");
	} else {
		printf("sync: %s\n", sync[0] ? sync : "unknown (nothing published under this prefix)");
		if (detail[0] && strcmp(sync, "ready") != 0)
			printf("  %s\n", detail);
	}
	for (size_t i = 0; accts->type == REDIS_REPLY_ARRAY && i < accts->elements; i++) {
		const char *id = accts->element[i]->str;
		char akey[128], pkey[128];
		snprintf(akey, sizeof(akey), "%s:account:{%s}", o->prefix, id);
		snprintf(pkey, sizeof(pkey), "%s:positions:{%s}", o->prefix, id);
		redisReply *nl = cmdf(c, "HGET %s %s", akey, "NetLiquidation:USD");
		if (nl && nl->type != REDIS_REPLY_STRING) {
			freeReplyObject(nl);
			nl = cmdf(c, "HGET %s %s", akey, "NetLiquidation:BASE");
		}
		redisReply *np = cmdf(c, "HLEN %s", pkey, NULL);
		redisReply *nv = cmdf(c, "HLEN %s", akey, NULL);
		const char *v = nl && nl->type == REDIS_REPLY_STRING ? nl->str : "?";
		long long npos = np && np->type == REDIS_REPLY_INTEGER ? np->integer : 0;
		long long nval = nv && nv->type == REDIS_REPLY_INTEGER ? nv->integer : 0;
		if (o->json) {
			printf("%s", i ? "," : "");
			json_str(id);
			printf(":{\"NetLiquidation\":");
			json_str(v);
			printf(",\"values\":%lld,\"positions\":%lld}", nval, npos);
		} else {
			printf("account %s: NetLiquidation %s, %lld values, %lld positions\n", id, v, nval, npos);
		}
		if (nl)
			freeReplyObject(nl);
		if (np)
			freeReplyObject(np);
		if (nv)
			freeReplyObject(nv);
	}
	freeReplyObject(accts);

	/* quotes: SCAN, never KEYS */
	char pattern[96], cursor[32] = "0";
	snprintf(pattern, sizeof(pattern), "%s:quote:*", o->prefix);
	if (o->json)
		printf("},\"quotes\":{");
	int nq = 0;
	int64_t now = ib_now_real_ns();
	do {
		r = redisCommand(c, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
			break;
		ib_strlcpy(cursor, r->element[0]->str, sizeof(cursor));
		for (size_t i = 0; i < r->element[1]->elements; i++) {
			const char *k = r->element[1]->element[i]->str;
			redisReply *q = redisCommand(c, "HMGET %s bid ask last updated_at", k);
			if (q && q->type == REDIS_REPLY_ARRAY && q->elements == 4) {
				const char *v[4];
				for (int j = 0; j < 4; j++)
					v[j] = q->element[j]->type == REDIS_REPLY_STRING ? q->element[j]->str : "";
				double age = v[3][0] ? (double)(now - atoll(v[3])) / 1e9 : -1;
				const char *sym = k + strlen(o->prefix) + 7;
				if (o->json) {
					printf("%s", nq ? "," : "");
					json_str(sym);
					printf(":{\"bid\":%s,\"ask\":%s,\"last\":%s,\"age_s\":%.3f}", v[0][0] ? v[0] : "null",
					       v[1][0] ? v[1] : "null", v[2][0] ? v[2] : "null", age);
				} else {
					printf("quote %-8s bid %-10s ask %-10s last %-10s age %.1f s\n", sym, v[0], v[1], v[2], age);
				}
				nq++;
			}
			if (q)
				freeReplyObject(q);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);

	snprintf(key, sizeof(key), "%s:health", o->prefix);
	r = cmdf(c, "HGETALL %s", key, NULL);
	if (o->json)
		printf("},\"health\":{");
	else
		printf("health:");
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
		if (o->json) {
			printf("%s", i ? "," : "");
			json_str(r->element[i]->str);
			putchar(':');
			json_str(r->element[i + 1]->str);
		} else {
			printf(" %s=%s", r->element[i]->str, r->element[i + 1]->str);
		}
	}
	if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 0 && !o->json)
		printf(" (absent: ibpipe not running, or its health key expired)");
	if (r)
		freeReplyObject(r);
	printf(o->json ? "}}\n" : "\n");
	return 0;
}

static int
wait_ready(redisContext *c, const struct status_opts *o)
{
	char key[128], chan[128], sync[32];
	int64_t deadline = ib_now_mono_ns() + (int64_t)(o->timeout_s * 1e9);
	redisReply *r;

	snprintf(chan, sizeof(chan), "%s:events", o->prefix);
	r = cmdf(c, "SUBSCRIBE %s", chan, NULL);
	if (!r) {
		fprintf(stderr, "ibpipe status: Redis: %s\n", c->errstr);
		return 1;
	}
	freeReplyObject(r);
	/* a second connection for the GET: a subscribed connection takes no other commands */
	redisContext *g = ib_redis_connect_url(o->url, getenv("IBPIPE_REDIS_PASSWORD"), 2000);
	if (!g) {
		fprintf(stderr, "ibpipe status: cannot reach Redis at %s\n", o->url);
		return 1;
	}
	snprintf(key, sizeof(key), "%s:sync", o->prefix);
	get_str(g, key, sync, sizeof(sync));
	redisFree(g);
	while (strcmp(sync, "ready") != 0) {
		int64_t left = deadline - ib_now_mono_ns();
		if (left <= 0) {
			fprintf(stderr, "ibpipe status: not ready after %.1f s (sync is '%s')\n", o->timeout_s,
				sync[0] ? sync : "unset");
			return 1;
		}
		struct timeval tv = { left / 1000000000LL, (left % 1000000000LL) / 1000 };
		redisSetTimeout(c, tv);
		if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
			if (ib_now_mono_ns() >= deadline)
				continue;
			fprintf(stderr, "ibpipe status: Redis connection lost while waiting\n");
			return 1;
		}
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[2]->type == REDIS_REPLY_STRING &&
		    strstr(r->element[2]->str, "\"sync\":\"ready\""))
			ib_strlcpy(sync, "ready", sizeof(sync));
		freeReplyObject(r);
	}
	printf("ready\n");
	return 0;
}

int
ib_cmd_status(int argc, char **argv)
{
	struct status_opts o = { .timeout_s = 30 };
	const char *env;
	redisContext *c;
	int rc;

	ib_strlcpy(o.url, (env = getenv("IBPIPE_REDIS_URL")) ? env : "redis://127.0.0.1:6379", sizeof(o.url));
	ib_strlcpy(o.prefix, (env = getenv("IBPIPE_REDIS_PREFIX")) ? env : "ibpipe", sizeof(o.prefix));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf("usage: ibpipe status [--redis-url URL] [--redis-prefix P] [--json] [--wait-ready [--timeout S]]\n\n"
			       "Reads ibpipe's keys back from Redis: sync state (and what it waits for), accounts with\n"
			       "NetLiquidation, quotes with their age, health.  --wait-ready blocks until P:sync is\n"
			       "'ready' (exit 0) or the timeout passes (exit 1).  Env: IBPIPE_REDIS_URL,\n"
			       "IBPIPE_REDIS_PREFIX, IBPIPE_REDIS_PASSWORD.\n");
			return 0;
		} else if (strcmp(a, "--redis-url") == 0 && v) {
			ib_strlcpy(o.url, v, sizeof(o.url));
			i++;
		} else if (strcmp(a, "--redis-prefix") == 0 && v) {
			ib_strlcpy(o.prefix, v, sizeof(o.prefix));
			i++;
		} else if (strcmp(a, "--timeout") == 0 && v) {
			o.timeout_s = atof(v);
			i++;
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else if (strcmp(a, "--wait-ready") == 0) {
			o.wait_ready = true;
		} else {
			fprintf(stderr, "ibpipe status: unknown argument '%s' (see --help)\n", a);
			return 2;
		}
	}
	c = ib_redis_connect_url(o.url, getenv("IBPIPE_REDIS_PASSWORD"), 2000);
	if (c == NULL) {
		fprintf(stderr, "ibpipe status: cannot reach Redis at %s\n", o.url);
		return 1;
	}
	rc = o.wait_ready ? wait_ready(c, &o) : show(c, &o);
	redisFree(c);
	return rc;
}
