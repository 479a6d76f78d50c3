/*
 * redis_sentinel.c - parse the sentinel list, read the sentinels' and the
 * master's replies, and (blocking) ask the sentinels for the master.
 *
 * Runs on whichever thread connects: the publisher uses the parsing and the
 * reply readers inside its own non-blocking state machine; `ibpipe status`,
 * the kill switch and the dashboard use ib_sentinel_ask through
 * ib_redis_open.  Nothing here keeps state between calls: every reconnect
 * asks again, which is what follows a failover.
 */
#include <stdio.h>
#include <string.h>

#include "codec/wire.h"
#include "ibpipe/ib.h"
#include "config/redis_sentinel.h"

static int
fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, arg);
	return IB_EINVAL;
}

static bool
parse_port(const char *s, size_t n, int *out)
{
	int v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*out = v;
	return true;
}

/* One "host[:port]" or "[v6]:port" of length n. */
static int
parse_one(const char *s, size_t n, ib_sentinels *out, char *err, size_t errlen)
{
	char item[300];
	const char *h = s, *colon;
	size_t hn = n;
	int port = IB_SENTINEL_PORT;

	snprintf(item, sizeof(item), "%.*s", (int)(n < 299 ? n : 299), s);
	if (out->n >= IB_SENTINELS_MAX)
		return fail(err, errlen, "more than 8 sentinels (at '%s')", item);
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (close == NULL)
			return fail(err, errlen, "sentinel '%s': unterminated [IPv6] address", item);
		h = s + 1;
		hn = (size_t)(close - h);
		if (close + 1 < s + n) {
			if (close[1] != ':' || !parse_port(close + 2, (size_t)(s + n - close - 2), &port))
				return fail(err, errlen, "sentinel '%s': expected [ADDRESS]:PORT", item);
		}
	} else if ((colon = memchr(s, ':', n)) != NULL) {
		if (memchr(colon + 1, ':', (size_t)(s + n - colon - 1)))
			return fail(err, errlen, "sentinel '%s': write an IPv6 address as [ADDRESS]:PORT", item);
		hn = (size_t)(colon - s);
		if (!parse_port(colon + 1, (size_t)(s + n - colon - 1), &port))
			return fail(err, errlen, "sentinel '%s': port must be 1..65535", item);
	}
	if (hn == 0)
		return fail(err, errlen, "sentinel '%s' has no host", item);
	if (hn >= sizeof(out->s[0].host))
		return fail(err, errlen, "sentinel '%s': host name too long", item);
	for (size_t i = 0; i < hn; i++)
		if ((unsigned char)h[i] <= ' ' || h[i] == '/' || h[i] == '@')
			return fail(err, errlen, "sentinel '%s': bad character in the host", item);
	memcpy(out->s[out->n].host, h, hn);
	out->s[out->n].host[hn] = '\0';
	out->s[out->n].port = port;
	out->n++;
	return IB_OK;
}

int
ib_sentinels_parse(const char *list, ib_sentinels *out, char *err, size_t errlen)
{
	const char *p = list;

	memset(out, 0, sizeof(*out));
	if (list == NULL || *list == '\0')
		return fail(err, errlen, "%sempty sentinel list", "");
	for (;;) {
		size_t n = strcspn(p, ",");
		/* spaces around the commas are fine: "a:1, b:2" */
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		size_t m = n;
		while (m > 0 && p[m - 1] == ' ')
			m--;
		if (m == 0)
			return fail(err, errlen, "%sempty entry in the sentinel list", "");
		if (parse_one(p, m, out, err, errlen) != IB_OK)
			return IB_EINVAL;
		if (p[n] == '\0')
			return IB_OK;
		p += n + 1;
	}
}

int
ib_sentinel_master_name_check(const char *name, char *err, size_t errlen)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return fail(err, errlen, "%sredis_master (the name the sentinels monitor) is empty", "");
	if (n > 63)
		return fail(err, errlen, "master name '%.63s...' longer than 63 characters", name);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 0x7f)
			return fail(err, errlen, "master name '%s': only printable characters, no spaces", name);
	return IB_OK;
}

bool
ib_sentinel_addr_reply(const redisReply *r, char *host, size_t cap, int *port, char *err, size_t errlen)
{
	if (r == NULL) {
		fail(err, errlen, "%sno reply", "");
		return false;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		fail(err, errlen, "%s", r->str);
		return false;
	}
	if (r->type == REDIS_REPLY_NIL) {
		fail(err, errlen, "%sthe sentinel does not monitor a master of that name", "");
		return false;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING || r->element[0]->len == 0 || r->element[0]->len >= cap ||
	    !parse_port(r->element[1]->str, r->element[1]->len, port)) {
		fail(err, errlen, "%sunexpected reply to SENTINEL get-master-addr-by-name", "");
		return false;
	}
	memcpy(host, r->element[0]->str, r->element[0]->len);
	host[r->element[0]->len] = '\0';
	return true;
}

bool
ib_redis_role_is_master(const redisReply *r)
{
	return r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	       (r->element[0]->type == REDIS_REPLY_STRING || r->element[0]->type == REDIS_REPLY_STATUS) &&
	       strcmp(r->element[0]->str, "master") == 0;
}

/* One sentinel: its answer, or false with the reason in why. */
static bool
ask_one(const char *shost, int sport, const char *master, const char *password, int timeout_ms, char *host,
	size_t cap, int *port, char *why, size_t whylen)
{
	struct timeval tv = { timeout_ms / 1000, (suseconds_t)(timeout_ms % 1000) * 1000 };
	redisContext *c = redisConnectWithTimeout(shost, sport, tv);
	redisReply *r;
	bool ok = false;

	if (c == NULL || c->err) {
		snprintf(why, whylen, "%s", c ? c->errstr : "out of memory");
		redisFree(c);
		return false;
	}
	redisSetTimeout(c, tv);
	if (password && *password) {
		r = redisCommand(c, "AUTH %s", password);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			snprintf(why, whylen, "AUTH refused: %s", r ? r->str : c->errstr);
			freeReplyObject(r);
			redisFree(c);
			return false;
		}
		freeReplyObject(r);
	}
	r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", master);
	if (r == NULL)
		snprintf(why, whylen, "%s", c->errstr);
	else
		ok = ib_sentinel_addr_reply(r, host, cap, port, why, whylen);
	freeReplyObject(r);
	redisFree(c);
	return ok;
}

int
ib_sentinel_ask(const ib_sentinels *s, const char *master, const char *password, int timeout_ms, char *host,
		size_t cap, int *port, char *err, size_t errlen)
{
	size_t o = 0;

	if (err && errlen)
		err[0] = '\0';
	for (int i = 0; i < s->n; i++) {
		char why[160];
		if (ask_one(s->s[i].host, s->s[i].port, master, password, timeout_ms, host, cap, port, why, sizeof(why)))
			return IB_OK;
		if (err && o < errlen) {
			int k = snprintf(err + o, errlen - o, "%ssentinel %s:%d: %s", i ? "; " : "", s->s[i].host,
					 s->s[i].port, why);
			o += k > 0 ? (size_t)k : 0;
		}
	}
	return IB_EIO;
}
