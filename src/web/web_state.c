/*
 * web_state.c - read what ibpipe published under a prefix and render it as
 * the dashboard's JSON picture.  Runs on the hub thread.
 *
 * Every string in the picture comes from Redis and goes through the
 * json.c escaper, so the picture is valid JSON whatever bytes Redis holds;
 * values are passed on as the strings ibpipe wrote (the page turns them into
 * numbers), and the JSON values ibpipe stores (P:sync:detail, positions,
 * books) travel as strings the page parses, never spliced in raw.
 *
 *   {"seq":N,"now_ms":N,"prefix":"..","redis":{"ok":true,"at":"..","error":null},
 *    "event":{"text":"..","at_ms":N}|null,
 *    "sync":".."|null,"sync_detail":".."|null,"control":".."|null,
 *    "accounts":[{"id":"..","values":{"NetLiquidation:USD":"..",..}}],
 *    "positions":[{"account":"..","con_id":"..","data":"<P:positions JSON>"}],
 *    "quotes":[{"symbol":"..","bid":"..","ask":"..","last":"..","bid_size":"..",
 *               "ask_size":"..","last_size":"..","volume":"..","updated_at":".."}],
 *    "books":[{"symbol":"..","data":"<P:book JSON>"}],
 *    "orders":[{"id":"<stream id>","f":{"kind":"status",..}}],   newest first
 *    "health":{..}|null,"health_ttl":N}
 *
 * Reading is one pipelined round trip for the fixed keys, one for the
 * per-account hashes, one SCAN walk each for quotes and books and one for
 * their values: at 4 Hz that is a few hundred microseconds of a local Redis.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "web/web_state.h"
#include "config/redis_keys.h"

#define KEY_CAP 512
#define FIRST_CAP ((size_t)64 * 1024)
#define MAX_CAP ((size_t)64 * 1024 * 1024)

static const char *const quote_fields[] = { "bid",	"ask",	  "last",	"bid_size",
					    "ask_size", "last_size", "volume", "updated_at" };
#define NQUOTE_FIELDS (sizeof(quote_fields) / sizeof(quote_fields[0]))

/* Fixed keys, in the order they are appended to the pipeline. */
enum { R_SYNC, R_DETAIL, R_CONTROL, R_ACCOUNTS, R_HEALTH, R_TTL, R_ORDERS, R_FIXED };

struct names {
	char **v;
	size_t n;
};

struct snap {
	redisReply *fixed[R_FIXED];
	const char *acct[WEB_MAX_ACCOUNTS];
	size_t nacct;
	redisReply *values[WEB_MAX_ACCOUNTS], *pos[WEB_MAX_ACCOUNTS];
	struct names quotes, books;
	redisReply **qv, **bv;
};

static bool
is_str(const redisReply *r)
{
	return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
names_free(struct names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

/* Every key "<prefix>:<kind><name>" (kind: IB_KEY_QUOTE, IB_KEY_BOOK; SCAN), as sorted names, at most max of them.
   -1 on a Redis error (why in err). */
static int
scan_names(redisContext *c, const char *prefix, const char *kind, size_t max, struct names *out, char *err,
	   size_t errlen)
{
	char pat[KEY_CAP], cursor[32] = "0";
	size_t skip = strlen(prefix) + strlen(kind) + 1;

	out->v = calloc(max ? max : 1, sizeof(*out->v));
	out->n = 0;
	if (out->v == NULL)
		return -1;
	ib_key_scan_pattern(pat, sizeof(pat), prefix, kind);
	do {
		redisReply *r = redisCommand(c, "SCAN %s MATCH %s COUNT 1000", cursor, pat);
		if (r == NULL) {
			snprintf(err, errlen, "SCAN: %s", c->errstr[0] ? c->errstr : "no reply");
			return -1;
		}
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || !is_str(r->element[0]) ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			/* an ACL without SCAN says NOPERM here: the page shows it */
			snprintf(err, errlen, "SCAN: %.200s", r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
			freeReplyObject(r);
			return -1;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (size_t i = 0; i < r->element[1]->elements && out->n < max; i++) {
			const redisReply *k = r->element[1]->element[i];
			if (k->type != REDIS_REPLY_STRING || k->len <= skip || memchr(k->str, '\0', k->len))
				continue;
			if ((out->v[out->n] = strdup(k->str + skip)) != NULL)
				out->n++;
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0 && out->n < max);
	qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return 0;
}

/* Collect n pipelined replies into out[]; -1 (the rest NULL) when the connection failed. */
static int
collect(redisContext *c, redisReply **out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *r = NULL;
		if (redisGetReply(c, &r) != REDIS_OK || r == NULL)
			return -1;
		out[i] = r;
	}
	return 0;
}

static void
snap_free(struct snap *s)
{
	for (int i = 0; i < R_FIXED; i++)
		if (s->fixed[i])
			freeReplyObject(s->fixed[i]);
	for (size_t i = 0; i < s->nacct; i++) {
		if (s->values[i])
			freeReplyObject(s->values[i]);
		if (s->pos[i])
			freeReplyObject(s->pos[i]);
	}
	for (size_t i = 0; s->qv && i < s->quotes.n; i++)
		if (s->qv[i])
			freeReplyObject(s->qv[i]);
	for (size_t i = 0; s->bv && i < s->books.n; i++)
		if (s->bv[i])
			freeReplyObject(s->bv[i]);
	free(s->qv);
	free(s->bv);
	names_free(&s->quotes);
	names_free(&s->books);
}

static int
read_fixed(redisContext *c, const char *p, int tail, struct snap *s)
{
	redisAppendCommand(c, "GET %s:" IB_KEY_SYNC, p);
	redisAppendCommand(c, "GET %s:" IB_KEY_SYNC_DETAIL, p);
	redisAppendCommand(c, "GET %s:" IB_KEY_CONTROL, p);
	redisAppendCommand(c, "SMEMBERS %s:" IB_KEY_ACCOUNTS, p);
	redisAppendCommand(c, "HGETALL %s:" IB_KEY_HEALTH, p);
	redisAppendCommand(c, "TTL %s:" IB_KEY_HEALTH, p);
	redisAppendCommand(c, "XREVRANGE %s:" IB_KEY_ORDERS_STREAM " + - COUNT %d", p, tail);
	return collect(c, s->fixed, R_FIXED);
}

static int
read_accounts(redisContext *c, const char *p, struct snap *s)
{
	const redisReply *m = s->fixed[R_ACCOUNTS];

	for (size_t i = 0; m->type == REDIS_REPLY_ARRAY && i < m->elements && s->nacct < WEB_MAX_ACCOUNTS; i++) {
		const redisReply *e = m->element[i];
		/* the ids stay in the SMEMBERS reply, which lives as long as s */
		if (e->type == REDIS_REPLY_STRING && !memchr(e->str, '\0', e->len))
			s->acct[s->nacct++] = e->str;
	}
	qsort(s->acct, s->nacct, sizeof(s->acct[0]), cmp_str);
	for (size_t i = 0; i < s->nacct; i++) {
		redisAppendCommand(c, "HGETALL %s:" IB_KEY_ACCOUNT "{%s}", p, s->acct[i]);
		redisAppendCommand(c, "HGETALL %s:" IB_KEY_POSITIONS "{%s}", p, s->acct[i]);
	}
	for (size_t i = 0; i < s->nacct; i++) {
		redisReply *two[2] = { NULL, NULL };
		int rc = collect(c, two, 2);
		s->values[i] = two[0];
		s->pos[i] = two[1];
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int
read_market(redisContext *c, const char *p, struct snap *s, char *err, size_t errlen)
{
	if (scan_names(c, p, IB_KEY_QUOTE, WEB_MAX_QUOTES, &s->quotes, err, errlen) != 0 ||
	    scan_names(c, p, IB_KEY_BOOK, WEB_MAX_BOOKS, &s->books, err, errlen) != 0)
		return -1;
	s->qv = calloc(s->quotes.n + 1, sizeof(redisReply *));
	s->bv = calloc(s->books.n + 1, sizeof(redisReply *));
	if (s->qv == NULL || s->bv == NULL)
		return -1;
	for (size_t i = 0; i < s->quotes.n; i++)
		redisAppendCommand(c, "HMGET %s:" IB_KEY_QUOTE "%s bid ask last bid_size ask_size last_size volume updated_at", p,
				   s->quotes.v[i]);
	for (size_t i = 0; i < s->books.n; i++)
		redisAppendCommand(c, "GET %s:" IB_KEY_BOOK "%s", p, s->books.v[i]);
	if (collect(c, s->qv, s->quotes.n) != 0)
		return -1;
	return collect(c, s->bv, s->books.n);
}

/* ---- rendering ---- */

static void
put_reply_str(ib_json *j, const redisReply *r)
{
	if (r && r->type == REDIS_REPLY_STRING)
		ib_json_strn(j, r->str, r->len);
	else
		ib_json_raw(j, "null");
}

/* A hash reply (HGETALL: field, value, ...) as an object of strings. */
static void
put_hash(ib_json *j, const redisReply *r)
{
	bool first = true;

	ib_json_raw(j, "{");
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
		if (!is_str(r->element[i]))
			continue;
		ib_json_raw(j, first ? "" : ",");
		first = false;
		ib_json_strn(j, r->element[i]->str, r->element[i]->len);
		ib_json_raw(j, ":");
		put_reply_str(j, r->element[i + 1]);
	}
	ib_json_raw(j, "}");
}

static void
put_accounts(ib_json *j, const struct snap *s)
{
	bool first = true;

	ib_json_raw(j, ",\"accounts\":[");
	for (size_t i = 0; i < s->nacct; i++) {
		ib_json_raw(j, i ? ",{\"id\":" : "{\"id\":");
		ib_json_str(j, s->acct[i]);
		ib_json_raw(j, ",\"values\":");
		put_hash(j, s->values[i]);
		ib_json_raw(j, "}");
	}
	ib_json_raw(j, "],\"positions\":[");
	for (size_t i = 0; i < s->nacct; i++) {
		const redisReply *r = s->pos[i];
		for (size_t k = 0; r && r->type == REDIS_REPLY_ARRAY && k + 1 < r->elements; k += 2) {
			ib_json_raw(j, first ? "{\"account\":" : ",{\"account\":");
			first = false;
			ib_json_str(j, s->acct[i]);
			ib_json_raw(j, ",\"con_id\":");
			put_reply_str(j, r->element[k]);
			ib_json_raw(j, ",\"data\":");
			put_reply_str(j, r->element[k + 1]);
			ib_json_raw(j, "}");
		}
	}
	ib_json_raw(j, "]");
}

static void
put_market(ib_json *j, const struct snap *s)
{
	ib_json_raw(j, ",\"quotes\":[");
	for (size_t i = 0; i < s->quotes.n; i++) {
		const redisReply *r = s->qv[i];
		ib_json_raw(j, i ? ",{\"symbol\":" : "{\"symbol\":");
		ib_json_str(j, s->quotes.v[i]);
		for (size_t f = 0; f < NQUOTE_FIELDS; f++) {
			ib_json_raw(j, ",");
			ib_json_str(j, quote_fields[f]);
			ib_json_raw(j, ":");
			put_reply_str(j, r && r->type == REDIS_REPLY_ARRAY && f < r->elements ? r->element[f] : NULL);
		}
		ib_json_raw(j, "}");
	}
	ib_json_raw(j, "],\"books\":[");
	for (size_t i = 0; i < s->books.n; i++) {
		ib_json_raw(j, i ? ",{\"symbol\":" : "{\"symbol\":");
		ib_json_str(j, s->books.v[i]);
		ib_json_raw(j, ",\"data\":");
		put_reply_str(j, s->bv[i]);
		ib_json_raw(j, "}");
	}
	ib_json_raw(j, "]");
}

static void
put_orders(ib_json *j, const redisReply *r)
{
	bool first = true;

	ib_json_raw(j, ",\"orders\":[");
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *e = r->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || !is_str(e->element[0]))
			continue;
		ib_json_raw(j, first ? "{\"id\":" : ",{\"id\":");
		first = false;
		ib_json_strn(j, e->element[0]->str, e->element[0]->len);
		ib_json_raw(j, ",\"f\":");
		put_hash(j, e->element[1]);
		ib_json_raw(j, "}");
	}
	ib_json_raw(j, "]");
}

static void
put_head(ib_json *j, const struct web_meta *m, bool ok)
{
	ib_json_printf(j, "{\"seq\":%llu,\"now_ms\":%lld,\"prefix\":", (unsigned long long)m->seq, (long long)m->now_ms);
	ib_json_str(j, m->prefix);
	ib_json_raw(j, ",\"redis\":{\"ok\":");
	ib_json_raw(j, ok ? "true" : "false");
	ib_json_raw(j, ",\"at\":");
	ib_json_str(j, m->redis_at ? m->redis_at : "");
	ib_json_raw(j, ",\"error\":");
	if (m->redis_err)
		ib_json_str(j, m->redis_err);
	else
		ib_json_raw(j, "null");
	ib_json_raw(j, "},\"event\":");
	if (m->event) {
		ib_json_raw(j, "{\"text\":");
		ib_json_str(j, m->event);
		ib_json_printf(j, ",\"at_ms\":%lld}", (long long)m->event_ms);
	} else {
		ib_json_raw(j, "null");
	}
}

static void
render(ib_json *j, const struct web_meta *m, const struct snap *s)
{
	const redisReply *ttl = s ? s->fixed[R_TTL] : NULL;

	put_head(j, m, s != NULL);
	if (s == NULL) {
		ib_json_raw(j, "}");
		return;
	}
	ib_json_raw(j, ",\"sync\":");
	put_reply_str(j, s->fixed[R_SYNC]);
	ib_json_raw(j, ",\"sync_detail\":");
	put_reply_str(j, s->fixed[R_DETAIL]);
	ib_json_raw(j, ",\"control\":");
	put_reply_str(j, s->fixed[R_CONTROL]);
	put_accounts(j, s);
	put_market(j, s);
	put_orders(j, s->fixed[R_ORDERS]);
	ib_json_raw(j, ",\"health\":");
	if (s->fixed[R_HEALTH]->type == REDIS_REPLY_ARRAY && s->fixed[R_HEALTH]->elements > 0)
		put_hash(j, s->fixed[R_HEALTH]);
	else
		ib_json_raw(j, "null");
	ib_json_printf(j, ",\"health_ttl\":%lld}", ttl && ttl->type == REDIS_REPLY_INTEGER ? ttl->integer : -2LL);
}

/* Render into a buffer that grows until the picture fits (the builder never emits a cut text). */
static int
render_alloc(const struct web_meta *m, const struct snap *s, char **out, size_t *len)
{
	for (size_t cap = FIRST_CAP; cap <= MAX_CAP; cap *= 2) {
		char *buf = malloc(cap);
		ib_json j;
		if (buf == NULL)
			return -1;
		ib_json_init(&j, buf, cap);
		render(&j, m, s);
		if (!j.overflow) {
			*out = buf;
			*len = j.len;
			return 0;
		}
		free(buf);
	}
	return -1;
}

int
web_state_render(redisContext *c, const struct web_meta *m, char **out, size_t *len, char *err, size_t errlen)
{
	struct snap s;
	int rc;

	snprintf(err, errlen, "out of memory");
	if (m->redis_err != NULL || c == NULL)
		return render_alloc(m, NULL, out, len);
	memset(&s, 0, sizeof(s));
	rc = read_fixed(c, m->prefix, m->orders_tail, &s);
	if (rc == 0)
		rc = read_accounts(c, m->prefix, &s);
	if (rc != 0)
		snprintf(err, errlen, "%s", c->errstr[0] ? c->errstr : "connection lost");
	if (rc == 0 && (rc = read_market(c, m->prefix, &s, err, errlen)) != 0 && c->err)
		snprintf(err, errlen, "%s", c->errstr);
	if (rc == 0)
		rc = render_alloc(m, &s, out, len);
	snap_free(&s);
	return rc;
}
