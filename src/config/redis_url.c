/*
 * redis_url.c - parse a Redis URL and open an authenticated connection.
 *
 * The parser is strict about what it understands (a wrong port or db is an
 * error, not a silent default) and never copies the password into an error
 * message.  The userinfo ends at the last '@', so a password may contain
 * '@' or '/' unescaped; %XX escapes are decoded too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/ib.h"
#include "config/redis_sentinel.h"
#include "config/redis_url.h"
#include "util/str.h"
#include "config/redis_keys.h"

static int
fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return IB_EINVAL;
}

/* Digits only, value in [lo, hi]. */
static bool
parse_uint(const char *s, size_t n, long lo, long hi, int *out)
{
	long v = 0;

	if (n == 0 || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode [s, s+n) into dst; false if it does not fit. */
static bool
pct_decode(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		if (o + 1 >= cap)
			return false;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return true;
}

static int
parse_unix(const char *path, ib_redis_url *out, char *err, size_t errlen)
{
	const char *q = strchr(path, '?');
	size_t n = q ? (size_t)(q - path) : strlen(path);

	if (n == 0 || path[0] != '/')
		return fail(err, errlen, "unix: URL needs an absolute socket path (unix:/path/to/redis.sock)");
	if (n >= sizeof(out->host))
		return fail(err, errlen, "unix socket path too long");
	memcpy(out->host, path, n);
	out->host[n] = '\0';
	out->unix_socket = true;
	if (q) {
		if (strncmp(q + 1, "db=", 3) != 0 || !parse_uint(q + 4, strlen(q + 4), 0, 1000000, &out->db))
			return fail(err, errlen, "unix: URL accepts only ?db=N after the path");
	}
	return IB_OK;
}

int
ib_redis_url_parse(const char *url, ib_redis_url *out, char *err, size_t errlen)
{
	const char *s, *at, *host, *hend, *p;

	memset(out, 0, sizeof(*out));
	out->port = IB_REDIS_DEFAULT_PORT;
	if (url == NULL || *url == '\0')
		return fail(err, errlen, "empty Redis URL");
	if (strncmp(url, "unix:", 5) == 0)
		return parse_unix(url + 5, out, err, errlen);
	if (strncmp(url, "rediss://", 9) == 0)
		return fail(err, errlen, "rediss:// (TLS) is not supported: this hiredis has no TLS");
	if (strncmp(url, "redis://", 8) != 0)
		return fail(err, errlen, "Redis URL must be redis://[user@]host[:port][/db] or unix:/path");
	s = url + 8;
	at = strrchr(s, '@');
	host = s;
	if (at) {
		const char *colon = memchr(s, ':', (size_t)(at - s));
		/* user:password, :password, or user alone (RFC 3986 userinfo; the password then comes
		   from IBPIPE_REDIS_PASSWORD or redis_password_file) */
		const char *uend = colon ? colon : at;
		if (uend > s && !pct_decode(out->user, sizeof(out->user), s, (size_t)(uend - s)))
			return fail(err, errlen, "Redis URL user name too long");
		if (colon && !pct_decode(out->password, sizeof(out->password), colon + 1, (size_t)(at - colon - 1)))
			return fail(err, errlen, "Redis password too long");
		host = at + 1;
	}
	if (*host == '[') {
		hend = strchr(host, ']');
		if (hend == NULL)
			return fail(err, errlen, "Redis URL: unterminated [IPv6] address");
		host++;
		p = hend + 1;
	} else {
		hend = host + strcspn(host, ":/?");
		p = hend;
	}
	if (hend == host)
		return fail(err, errlen, "Redis URL has no host");
	if ((size_t)(hend - host) >= sizeof(out->host))
		return fail(err, errlen, "Redis host name too long");
	memcpy(out->host, host, (size_t)(hend - host));
	out->host[hend - host] = '\0';
	if (*p == ':') {
		size_t n = strcspn(p + 1, "/?");
		if (!parse_uint(p + 1, n, 1, 65535, &out->port))
			return fail(err, errlen, "Redis URL: port must be 1..65535");
		p += 1 + n;
	}
	if (*p == '/') {
		size_t n = strcspn(p + 1, "?");
		if (n > 0 && !parse_uint(p + 1, n, 0, 1000000, &out->db))
			return fail(err, errlen, "Redis URL: db must be a number (redis://host:port/0)");
		p += 1 + n;
	}
	if (*p != '\0')
		return fail(err, errlen, "Redis URL: unexpected text after host:port/db");
	return IB_OK;
}

void
ib_redis_url_describe(const ib_redis_url *u, char *buf, size_t cap)
{
	if (u->unix_socket)
		snprintf(buf, cap, "unix:%s%s", u->host, u->db ? "?db=" : "");
	else if (strchr(u->host, ':'))
		snprintf(buf, cap, "[%s]:%d", u->host, u->port);
	else
		snprintf(buf, cap, "%s:%d", u->host, u->port);
	if (u->db) {
		size_t n = strlen(buf);
		snprintf(buf + n, cap > n ? cap - n : 0, "%s%d", u->unix_socket ? "" : "/", u->db);
	}
}

/*
 * Connect to u, or to host:port instead of u's address when host is not NULL
 * (the master a sentinel named), then AUTH, PING and SELECT as u says.
 */
static redisContext *
connect_node(const ib_redis_url *u, const char *host, int port, const char *password, int timeout_ms, char *err,
	     size_t errlen)
{
	struct timeval tv = { timeout_ms / 1000, (suseconds_t)(timeout_ms % 1000) * 1000 };
	ib_redis_url at = *u;
	char desc[300];
	const char *pw;
	redisContext *c;
	redisReply *r;

	if (host) {
		at.unix_socket = false;
		ib_strlcpy(at.host, host, sizeof(at.host));
		at.port = port;
	}
	ib_redis_url_describe(&at, desc, sizeof(desc));
	c = at.unix_socket ? redisConnectUnixWithTimeout(at.host, tv) : redisConnectWithTimeout(at.host, at.port, tv);
	if (c == NULL || c->err) {
		if (err && errlen)
			snprintf(err, errlen, "cannot connect to Redis at %s: %s", desc, c ? c->errstr : "out of memory");
		if (c)
			redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	pw = password && *password ? password : u->password;
	if (*pw || u->user[0]) { /* a user alone: AUTH user "" (an ACL nopass user takes any password) */
		r = u->user[0] ? redisCommand(c, "AUTH %s %s", u->user, pw) : redisCommand(c, "AUTH %s", pw);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			if (err && errlen)
				snprintf(err, errlen, "Redis at %s refused AUTH: %s", desc,
					 r ? r->str : c->errstr);
			goto bad;
		}
		freeReplyObject(r);
	}
	/* A Redis that wants a password answers every command NOAUTH: say so here, where the reason is
	   known, rather than as an "unexpected reply" to whatever the caller sends first. */
	r = redisCommand(c, "PING");
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		if (err && errlen)
			snprintf(err, errlen, "Redis at %s: %s%s", desc, r ? r->str : c->errstr,
				 r && strncmp(r->str, "NOAUTH", 6) == 0
					 ? " (give the password in IBPIPE_REDIS_PASSWORD or redis_password_file)"
					 : "");
		goto bad;
	}
	freeReplyObject(r);
	if (u->db) {
		r = redisCommand(c, "SELECT %d", u->db);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			if (err && errlen)
				snprintf(err, errlen, "Redis at %s refused SELECT %d: %s", desc, u->db,
					 r ? r->str : c->errstr);
			goto bad;
		}
		freeReplyObject(r);
	}
	if (host) { /* a sentinel's answer may be stale (no failover heard of yet): the node must agree */
		r = redisCommand(c, "ROLE");
		if (r == NULL || !ib_redis_role_is_master(r)) {
			if (err && errlen && (r == NULL || r->type == REDIS_REPLY_ERROR)) /* NOPERM: the user needs +role */
				snprintf(err, errlen, "Redis at %s: ROLE refused: %s", desc, r ? r->str : c->errstr);
			else if (err && errlen)
				snprintf(err, errlen, "Redis at %s is not the master (ROLE says %s)", desc,
					 r->type == REDIS_REPLY_ARRAY && r->elements && r->element[0]->str ? r->element[0]->str
													    : "?");
			goto bad;
		}
		freeReplyObject(r);
	}
	return c;
bad:
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return NULL;
}

redisContext *
ib_redis_connect_url_err(const char *url, const char *password, int timeout_ms, char *err, size_t errlen)
{
	ib_redis_url u;
	char why[160];

	if (ib_redis_url_parse(url, &u, why, sizeof(why)) != IB_OK) {
		fail(err, errlen, why);
		return NULL;
	}
	return connect_node(&u, NULL, 0, password, timeout_ms, err, errlen);
}

redisContext *
ib_redis_open(const ib_redis_where *w, int timeout_ms, char *err, size_t errlen)
{
	ib_redis_url u;
	ib_sentinels s;
	char why[400], host[256];
	int port = 0;

	if (w->sentinels == NULL || w->sentinels[0] == '\0')
		return ib_redis_connect_url_err(w->url, w->password, timeout_ms, err, errlen);
	if (ib_redis_url_parse(w->url, &u, why, sizeof(why)) != IB_OK ||
	    ib_sentinels_parse(w->sentinels, &s, why, sizeof(why)) != IB_OK ||
	    ib_sentinel_master_name_check(w->master, why, sizeof(why)) != IB_OK) {
		fail(err, errlen, why);
		return NULL;
	}
	if (u.unix_socket) {
		fail(err, errlen, "with sentinels, the Redis URL must be redis://[user@]host[:port][/db] (its host is not used)");
		return NULL;
	}
	if (ib_sentinel_ask(&s, w->master, w->sentinel_password, timeout_ms, host, sizeof(host), &port, why,
			    sizeof(why)) != IB_OK) {
		if (err && errlen)
			snprintf(err, errlen, "no sentinel named the master '%s': %s", w->master, why);
		return NULL;
	}
	return connect_node(&u, host, port, w->password, timeout_ms, err, errlen);
}

redisContext *
ib_redis_connect_url(const char *url, const char *password, int timeout_ms)
{
	return ib_redis_connect_url_err(url, password, timeout_ms, NULL, 0);
}
