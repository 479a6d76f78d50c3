/*
 * cmd_status.c - `ibpipe status`: read back what the publisher wrote to
 * Redis and print it for a human (or as one JSON object with --json).
 *
 * --wait-ready blocks until P:sync is "ready": it SUBSCRIBEs to P:events
 * first and only then GETs P:sync, so a change between the two cannot be
 * missed.  Everything read from Redis is treated as untrusted text: values
 * become JSON numbers only when they are numbers, and the sync detail is
 * embedded only when it is well-formed JSON.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd.h"
#include "config/config.h"
#include "ibpipe/ib.h"
#include "util/json.h"
#include "config/redis_url.h"
#include "core/sync.h"
#include "util/str.h"
#include "util/clock.h"
#include "config/redis_keys.h"

#define MAX_QUOTES_SHOWN 20
#define MAX_QUOTES 20000
#define MAX_ACCTS IB_MAX_ACCOUNTS

struct opts {
	char url[256];
	char prefix[64];
	char password[128];
	char sentinels[256], master[64];  /* redis_sentinels / redis_master: follow the master */
	char sentinel_password[128];
	bool json, wait;
	double timeout_s;
};

/* The URL's Redis, or the master the sentinels name now (redis_url.h): every connection here. */
static redisContext *
status_connect(const struct opts *o, int ms, char *err, size_t errlen)
{
	ib_redis_where w = { o->url, o->sentinels, o->master, o->password, o->sentinel_password };

	return ib_redis_open(&w, ms, err, errlen);
}

struct acct_row {
	char id[64];
	char netliq[64], cur[16];
	long long positions;
	long long updated_at;
};

struct quote_row {
	char sym[64];
	char bid[32], ask[32], last[32];
	long long updated_at;
};

struct view {
	char desc[300];
	bool have_sync;
	char sync[32];
	char detail[IB_SYNC_JSON_MAX];
	int naccts;
	struct acct_row accts[MAX_ACCTS];
	int nquotes;
	struct quote_row *quotes;
	int nhealth;
	char health[32][2][64];
	long long health_ttl;
};

static int
usage(FILE *f)
{
	fprintf(f, "usage: ibpipe status [--config FILE] [--redis-url URL] [--redis-prefix P] [--redis-password-file F]\n"
		   "                     [--redis-sentinels H:P,... --redis-master NAME]\n"
		   "                     [--json] [--wait-ready] [--timeout S]\n"
		   "\n"
		   "Print the state ibpipe published to Redis: sync state, accounts (NetLiquidation, positions),\n"
		   "quotes (bid ask last, age) and health (connected, msgs/s, coalesced, dropped, staleness).\n"
		   "\n"
		   "  Redis settings are read exactly as `ibpipe run` reads them: --config FILE (or\n"
		   "  IBPIPE_CONFIG), then IBPIPE_* variables, then flags; redis_url, redis_prefix and\n"
		   "  redis_password_file matter here (`ibpipe run --help` lists every key).  The password comes\n"
		   "  from redis_password_file, IBPIPE_REDIS_PASSWORD, or systemd's credential\n"
		   "  $CREDENTIALS_DIRECTORY/redis.password; a URL holding a password is refused, as in run.\n"
		   "  An ACL user goes in the URL without a password: redis://reader:@127.0.0.1:6379.\n"
		   "  --json              one JSON object instead of the human view\n"
		   "  --wait-ready        block until P:sync is \"ready\", then print; exit 1 on timeout\n"
		   "  --timeout S         how long --wait-ready waits (default 30)\n"
		   "\n"
		   "  Exit: 0 ok, 1 Redis unreachable or not ready in time, 2 usage or configuration error.\n");
	return f == stdout ? 0 : 2;
}

/* The status flags here; everything else goes to the config chain `run` uses. */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	ib_config *cfg;
	char err[512], *pass[64], *rest[8];
	int npass = 0, nrest = 0, rc = 0;

	memset(o, 0, sizeof(*o));
	o->timeout_s = 30;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return usage(stdout), 1;
		if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "--wait-ready") == 0) {
			o->wait = true;
		} else if (strcmp(a, "--timeout") == 0 || strncmp(a, "--timeout=", 10) == 0) {
			const char *v = a[9] == '=' ? a + 10 : i + 1 < argc ? argv[++i] : NULL;
			char *end;
			if (v == NULL) {
				fprintf(stderr, "ibpipe status: --timeout needs a value\n");
				return 2;
			}
			errno = 0;
			o->timeout_s = strtod(v, &end);
			if (errno || *end || end == v || o->timeout_s < 0 || o->timeout_s > 86400) {
				fprintf(stderr, "ibpipe status: --timeout wants seconds (0..86400), got '%s'\n", v);
				return 2;
			}
		} else if (npass < (int)(sizeof(pass) / sizeof(pass[0]))) {
			pass[npass++] = argv[i];
		} else {
			fprintf(stderr, "ibpipe status: too many arguments\n");
			return 2;
		}
	}
	if ((cfg = malloc(sizeof(*cfg))) == NULL)
		return 2;
	if (ib_config_from_args(cfg, npass, pass, rest, 8, &nrest, err, sizeof(err)) != 0) {
		fprintf(stderr, "ibpipe status: %s\n", err);
		rc = 2;
	} else if (nrest > 0) {
		fprintf(stderr, "ibpipe status: unexpected argument '%s'\n", rest[0]);
		rc = usage(stderr);
	} else {
		ib_strlcpy(o->url, cfg->redis_url, sizeof(o->url));
		ib_strlcpy(o->prefix, cfg->redis_prefix, sizeof(o->prefix));
		memcpy(o->password, cfg->redis_password, sizeof(o->password));
		ib_strlcpy(o->sentinels, cfg->redis_sentinels, sizeof(o->sentinels));
		ib_strlcpy(o->master, cfg->redis_master, sizeof(o->master));
		memcpy(o->sentinel_password, cfg->redis_sentinel_password, sizeof(o->sentinel_password));
	}
	memset(cfg->redis_password, 0, sizeof(cfg->redis_password));
	memset(cfg->redis_sentinel_password, 0, sizeof(cfg->redis_sentinel_password));
	free(cfg);
	return rc;
}

static double
now_s(clockid_t clock)
{
	return (double)ib_now_ns(clock) / IB_NS_PER_S;
}

/* ---- JSON helpers ---- */

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	ib_json_fputs(f, s, strlen(s));
	fputc('"', f);
}

/* JSON's number grammar exactly: what passes can be emitted bare. */
static bool
is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static void
json_val(FILE *f, const char *s)
{
	if (s == NULL || *s == '\0')
		fputs("null", f);
	else if (is_json_number(s))
		fputs(s, f);
	else
		json_str(f, s);
}

/* A small validator so text from Redis is embedded only when it is JSON. */
static const char *jv_value(const char *s, int depth);

static const char *
jv_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static const char *
jv_string(const char *s)
{
	if (*s++ != '"')
		return NULL;
	while (*s && *s != '"') {
		if ((unsigned char)*s < 0x20)
			return NULL;
		if ((unsigned char)*s >= 0x80) {
			/* text from Redis is embedded only when it is valid UTF-8 too */
			size_t u = ib_json_utf8_len((const unsigned char *)s, strnlen(s, 4));
			if (u == 0)
				return NULL;
			s += u;
			continue;
		}
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", s[i]) || s[i] == '\0')
						return NULL;
				s += 4;
			} else if (!*s || !strchr("\"\\/bfnrt", *s)) {
				return NULL;
			}
		}
		s++;
	}
	return *s == '"' ? s + 1 : NULL;
}

static const char *
jv_number(const char *s)
{
	char buf[64];
	size_t n = strspn(s, "-+.0123456789eE");

	if (n == 0 || n >= sizeof(buf))
		return NULL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return is_json_number(buf) ? s + n : NULL;
}

/* Recursive, and bounded: nesting deeper than 32 is rejected before the next call. */
static const char *
jv_value(const char *s, int depth) /* NOLINT(misc-no-recursion) */
{
	if (depth > 32)
		return NULL;
	s = jv_ws(s);
	if (*s == '{' || *s == '[') {
		char close = *s == '{' ? '}' : ']';
		bool obj = *s == '{';
		s = jv_ws(s + 1);
		if (*s == close)
			return s + 1;
		for (;;) {
			if (obj) {
				if ((s = jv_string(jv_ws(s))) == NULL)
					return NULL;
				s = jv_ws(s);
				if (*s++ != ':')
					return NULL;
			}
			if ((s = jv_value(s, depth + 1)) == NULL)
				return NULL;
			s = jv_ws(s);
			if (*s == close)
				return s + 1;
			if (*s++ != ',')
				return NULL;
		}
	}
	if (*s == '"')
		return jv_string(s);
	if (strncmp(s, "true", 4) == 0 || strncmp(s, "null", 4) == 0)
		return s + 4;
	if (strncmp(s, "false", 5) == 0)
		return s + 5;
	return jv_number(s);
}

static bool
is_json(const char *s)
{
	const char *e = jv_value(s, 0);
	return e && *jv_ws(e) == '\0';
}

/* ---- reading Redis ---- */

static void
copy_reply(char *dst, size_t cap, const redisReply *r)
{
	if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS))
		ib_strlcpy(dst, r->str, cap);
	else
		dst[0] = '\0';
}

static int
cmp_acct(const void *a, const void *b)
{
	return strcmp(((const struct acct_row *)a)->id, ((const struct acct_row *)b)->id);
}

static int
cmp_quote(const void *a, const void *b)
{
	return strcmp(((const struct quote_row *)a)->sym, ((const struct quote_row *)b)->sym);
}

static bool
read_sync(redisContext *c, const char *prefix, struct view *v)
{
	redisReply *r = redisCommand(c, "GET %s:" IB_KEY_SYNC, prefix);

	if (r == NULL)
		return false;
	v->have_sync = r->type == REDIS_REPLY_STRING;
	copy_reply(v->sync, sizeof(v->sync), r);
	freeReplyObject(r);
	if ((r = redisCommand(c, "GET %s:" IB_KEY_SYNC_DETAIL, prefix)) == NULL)
		return false;
	copy_reply(v->detail, sizeof(v->detail), r);
	freeReplyObject(r);
	return true;
}

static bool
read_accounts(redisContext *c, const char *prefix, struct view *v)
{
	static const char *const netliq[][2] = {
		{ "NetLiquidation:USD", "USD" },
		{ "NetLiquidation:BASE", "BASE" },
		{ "NetLiquidationByCurrency:BASE", "BASE" },
		{ "NetLiquidation", "" },
	};
	redisReply *r = redisCommand(c, "SMEMBERS %s:" IB_KEY_ACCOUNTS, prefix);

	if (r == NULL)
		return false;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements && v->naccts < MAX_ACCTS; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			ib_strlcpy(v->accts[v->naccts++].id, r->element[i]->str, sizeof(v->accts[0].id));
	freeReplyObject(r);
	qsort(v->accts, (size_t)v->naccts, sizeof(v->accts[0]), cmp_acct);
	for (int i = 0; i < v->naccts; i++) {
		struct acct_row *a = &v->accts[i];
		char k[160], pk[160];
		ib_key_account(k, sizeof(k), prefix, a->id);
		ib_key_positions(pk, sizeof(pk), prefix, a->id);
		for (size_t j = 0; j < sizeof(netliq) / sizeof(netliq[0]) && !a->netliq[0]; j++) {
			if ((r = redisCommand(c, "HGET %s %s", k, netliq[j][0])) == NULL)
				return false;
			copy_reply(a->netliq, sizeof(a->netliq), r);
			if (a->netliq[0])
				ib_strlcpy(a->cur, netliq[j][1], sizeof(a->cur));
			freeReplyObject(r);
		}
		if ((r = redisCommand(c, "HGET %s updated_at", k)) == NULL)
			return false;
		a->updated_at = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0;
		freeReplyObject(r);
		if ((r = redisCommand(c, "HLEN %s", pk)) == NULL)
			return false;
		a->positions = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
		freeReplyObject(r);
	}
	return true;
}

static bool
read_quotes(redisContext *c, const char *prefix, struct view *v)
{
	char pat[160], cursor[32] = "0";
	size_t plen = strlen(prefix) + strlen(":" IB_KEY_QUOTE);
	redisReply *r;

	v->quotes = calloc(MAX_QUOTES, sizeof(*v->quotes));
	if (v->quotes == NULL)
		return false;
	ib_key_scan_pattern(pat, sizeof(pat), prefix, IB_KEY_QUOTE);
	do {
		if ((r = redisCommand(c, "SCAN %s MATCH %s COUNT 1000", cursor, pat)) == NULL)
			return false;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
			freeReplyObject(r);
			return false;
		}
		copy_reply(cursor, sizeof(cursor), r->element[0]);
		const redisReply *keys = r->element[1];
		for (size_t i = 0; keys->type == REDIS_REPLY_ARRAY && i < keys->elements; i++) {
			const redisReply *k = keys->element[i];
			if (k->type != REDIS_REPLY_STRING || k->len <= plen || v->nquotes >= MAX_QUOTES)
				continue;
			ib_strlcpy(v->quotes[v->nquotes++].sym, k->str + plen, sizeof(v->quotes[0].sym));
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	qsort(v->quotes, (size_t)v->nquotes, sizeof(v->quotes[0]), cmp_quote);
	/* pipelined: one round trip for all of them */
	for (int i = 0; i < v->nquotes; i++)
		redisAppendCommand(c, "HMGET %s:" IB_KEY_QUOTE "%s bid ask last updated_at", prefix, v->quotes[i].sym);
	for (int i = 0; i < v->nquotes; i++) {
		struct quote_row *q = &v->quotes[i];
		if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL)
			return false;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 4) {
			copy_reply(q->bid, sizeof(q->bid), r->element[0]);
			copy_reply(q->ask, sizeof(q->ask), r->element[1]);
			copy_reply(q->last, sizeof(q->last), r->element[2]);
			q->updated_at = r->element[3]->type == REDIS_REPLY_STRING ? strtoll(r->element[3]->str, NULL, 10) : 0;
		}
		freeReplyObject(r);
	}
	return true;
}

static bool
read_health(redisContext *c, const char *prefix, struct view *v)
{
	redisReply *r = redisCommand(c, "HGETALL %s:" IB_KEY_HEALTH, prefix);

	if (r == NULL)
		return false;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements && v->nhealth < 32; i += 2) {
		copy_reply(v->health[v->nhealth][0], sizeof(v->health[0][0]), r->element[i]);
		copy_reply(v->health[v->nhealth][1], sizeof(v->health[0][1]), r->element[i + 1]);
		v->nhealth++;
	}
	freeReplyObject(r);
	if ((r = redisCommand(c, "TTL %s:" IB_KEY_HEALTH, prefix)) == NULL)
		return false;
	v->health_ttl = r->type == REDIS_REPLY_INTEGER ? r->integer : -2;
	freeReplyObject(r);
	return true;
}

static const char *
health(const struct view *v, const char *k)
{
	for (int i = 0; i < v->nhealth; i++)
		if (strcmp(v->health[i][0], k) == 0)
			return v->health[i][1];
	return "";
}

/* ---- printing ---- */

static double
age_s(long long updated_ns)
{
	return updated_ns > 0 ? now_s(CLOCK_REALTIME) - ib_ns_to_s(updated_ns) : -1;
}

static void
print_human(const struct opts *o, const struct view *v)
{
	printf("redis     %s  prefix %s\n", v->desc, o->prefix);
	if (!v->have_sync)
		printf("sync      unknown (no %s:" IB_KEY_SYNC " key: nothing published here yet)\n", o->prefix);
	else if (strcmp(v->sync, "ready") == 0)
		printf("sync      ready\n");
	else
		printf("sync      %s  %s\n", v->sync, v->detail[0] ? v->detail : "(no detail)");
	printf("accounts  %d\n", v->naccts);
	for (int i = 0; i < v->naccts; i++) {
		const struct acct_row *a = &v->accts[i];
		double age = age_s(a->updated_at);
		printf("  %-12s NetLiquidation %s%s%s  positions %lld", a->id, a->netliq[0] ? a->netliq : "-",
		       a->cur[0] ? " " : "", a->cur, a->positions);
		if (age >= 0)
			printf("  (updated %.1f s ago)", age);
		printf("\n");
	}
	printf("quotes    %d\n", v->nquotes);
	if (v->nquotes > 0)
		printf("  %-12s %14s %14s %14s %9s\n", "SYMBOL", "BID", "ASK", "LAST", "AGE");
	for (int i = 0; i < v->nquotes && i < MAX_QUOTES_SHOWN; i++) {
		const struct quote_row *q = &v->quotes[i];
		double age = age_s(q->updated_at);
		char agebuf[32] = "-";
		if (age >= 0)
			snprintf(agebuf, sizeof(agebuf), "%.1fs", age);
		printf("  %-12s %14s %14s %14s %9s\n", q->sym, q->bid[0] ? q->bid : "-", q->ask[0] ? q->ask : "-",
		       q->last[0] ? q->last : "-", agebuf);
	}
	if (v->nquotes > MAX_QUOTES_SHOWN)
		printf("  ... %d more (--json lists all)\n", v->nquotes - MAX_QUOTES_SHOWN);
	if (v->nhealth == 0) {
		printf("health    none (ibpipe is not publishing here, or stopped more than the health TTL ago)\n");
		return;
	}
	printf("health    connected %s (server %s, client %s)  msgs/s %s  msgs %s  coalesced %s  dropped %s\n",
	       strcmp(health(v, "connected"), "1") == 0 ? "yes" : "NO", health(v, "server_version"),
	       health(v, "client_id"), *health(v, "msgs_per_s") ? health(v, "msgs_per_s") : "-",
	       *health(v, "msgs_in") ? health(v, "msgs_in") : "-", *health(v, "coalesced") ? health(v, "coalesced") : "-",
	       *health(v, "dropped") ? health(v, "dropped") : "-");
	printf("          staleness p50 %s us p99 %s us  redis reconnects %s  pid %s  up %s s\n",
	       *health(v, "staleness_p50_us") ? health(v, "staleness_p50_us") : "-",
	       *health(v, "staleness_p99_us") ? health(v, "staleness_p99_us") : "-", health(v, "redis_reconnects"),
	       health(v, "pid"), health(v, "uptime_s"));
}

static void
print_json(const struct opts *o, const struct view *v)
{
	printf("{\"redis\":");
	json_str(stdout, v->desc);
	printf(",\"prefix\":");
	json_str(stdout, o->prefix);
	printf(",\"sync\":");
	if (v->have_sync)
		json_str(stdout, v->sync);
	else
		printf("null");
	printf(",\"sync_detail\":");
	if (v->detail[0] && is_json(v->detail))
		fputs(v->detail, stdout);
	else
		json_val(stdout, v->detail[0] ? v->detail : NULL);
	printf(",\"accounts\":[");
	for (int i = 0; i < v->naccts; i++) {
		const struct acct_row *a = &v->accts[i];
		printf("%s{\"id\":", i ? "," : "");
		json_str(stdout, a->id);
		printf(",\"net_liquidation\":");
		json_val(stdout, a->netliq);
		printf(",\"currency\":");
		json_val(stdout, a->cur);
		printf(",\"positions\":%lld,\"updated_at\":%lld}", a->positions, a->updated_at);
	}
	printf("],\"quotes\":[");
	for (int i = 0; i < v->nquotes; i++) {
		const struct quote_row *q = &v->quotes[i];
		double age = age_s(q->updated_at);
		printf("%s{\"symbol\":", i ? "," : "");
		json_str(stdout, q->sym);
		printf(",\"bid\":");
		json_val(stdout, q->bid);
		printf(",\"ask\":");
		json_val(stdout, q->ask);
		printf(",\"last\":");
		json_val(stdout, q->last);
		if (age >= 0)
			printf(",\"age_s\":%.3f}", age);
		else
			printf(",\"age_s\":null}");
	}
	printf("],\"health\":");
	if (v->nhealth == 0) {
		printf("null");
	} else {
		printf("{");
		for (int i = 0; i < v->nhealth; i++) {
			printf("%s", i ? "," : "");
			json_str(stdout, v->health[i][0]);
			putchar(':');
			json_val(stdout, v->health[i][1]);
		}
		printf(",\"ttl_s\":%lld}", v->health_ttl);
	}
	printf("}\n");
}

/* ---- --wait-ready ---- */

/* "sync":"<state>" from a P:events message; false if it has none. */
static bool
event_state(const char *msg, char *out, size_t cap)
{
	const char *s = strstr(msg, "\"sync\":\"");
	size_t n;

	if (s == NULL)
		return false;
	s += 8;
	n = strcspn(s, "\"");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* Wait for one message on a subscribed connection, up to ms.  1 got, 0 timeout, -1 error. */
static int
next_message(redisContext *sub, int ms, redisReply **out)
{
	void *r = NULL;
	struct pollfd pfd = { .fd = sub->fd, .events = POLLIN };

	*out = NULL;
	if (redisReaderGetReply(sub->reader, &r) != REDIS_OK)
		return -1;
	while (r == NULL) {
		int pr = poll(&pfd, 1, ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return pr < 0 ? -1 : 0;
		if (redisBufferRead(sub) != REDIS_OK || redisGetReplyFromReader(sub, &r) != REDIS_OK)
			return -1;
		ms = 1000; /* the rest of a message that started arriving */
	}
	*out = r;
	return 1;
}

/* P:health exists: the ibpipe that wrote P:sync is alive (it refreshes health every second, with a TTL). */
static bool
health_live(const struct opts *o)
{
	char err[300];
	redisContext *c = status_connect(o, 1000, err, sizeof(err));
	redisReply *r;
	bool live = false;

	if (c == NULL)
		return false;
	r = redisCommand(c, "EXISTS %s:" IB_KEY_HEALTH, o->prefix);
	live = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return live;
}

static int
wait_ready(const struct opts *o)
{
	double deadline = now_s(CLOCK_MONOTONIC) + o->timeout_s;
	char state[96] = "", detail[2048] = "", err[300] = "";

	for (int tries = 0;; tries++) {
		double left = deadline - now_s(CLOCK_MONOTONIC);
		int ms = left > 1 ? 1000 : left > 0.1 ? (int)(left * 1000) : 100;
		redisContext *sub, *c;
		redisReply *r;

		if (left <= 0 && tries > 0) /* --timeout 0 still looks once */
			break;
		sub = status_connect(o, ms, err, sizeof(err));
		if (sub == NULL) {
			struct timespec ts = { 0, 200000000L };
			nanosleep(&ts, NULL);
			continue;
		}
		err[0] = '\0';
		r = redisCommand(sub, "SUBSCRIBE %s:" IB_KEY_EVENTS, o->prefix);
		bool subscribed = r && r->type == REDIS_REPLY_ARRAY;
		if (r)
			freeReplyObject(r);
		/* subscribed first, then read: a change in between arrives as a message */
		c = subscribed ? status_connect(o, ms, err, sizeof(err)) : NULL;
		if (c) {
			struct view *v = calloc(1, sizeof(*v));
			if (v && read_sync(c, o->prefix, v)) {
				ib_strlcpy(state, v->have_sync ? v->sync : "", sizeof(state));
				ib_strlcpy(detail, v->detail, sizeof(detail));
			}
			free(v);
			redisFree(c);
		}
		while (subscribed && strcmp(state, "ready") != 0) {
			left = deadline - now_s(CLOCK_MONOTONIC);
			if (left <= 0)
				break;
			int got = next_message(sub, left > 1 ? 1000 : (int)(left * 1000) + 1, &r);
			if (got < 0) {
				snprintf(err, sizeof(err), "subscription lost: %s", sub->errstr[0] ? sub->errstr : "error");
				break;
			}
			if (got == 0)
				continue;
			if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[0]->type == REDIS_REPLY_STRING &&
			    strcmp(r->element[0]->str, "message") == 0 && r->element[2]->type == REDIS_REPLY_STRING &&
			    event_state(r->element[2]->str, state, sizeof(state))) {
				const char *d = strstr(r->element[2]->str, "\"detail\":");
				if (d) {
					ib_strlcpy(detail, d + 9, sizeof(detail));
					size_t n = strlen(detail);
					if (n && detail[n - 1] == '}')
						detail[n - 1] = '\0';
				}
			}
			freeReplyObject(r);
		}
		redisFree(sub);
		if (strcmp(state, "ready") == 0) {
			if (health_live(o))
				return 0;
			/* "ready" without a live P:health is what a killed ibpipe leaves: not ready */
			snprintf(state, sizeof(state), "ready, but %s:" IB_KEY_HEALTH " has expired", o->prefix);
			detail[0] = '\0';
			struct timespec ts = { 0, 200000000L };
			nanosleep(&ts, NULL);
		}
	}
	if (err[0])
		fprintf(stderr, "ibpipe status: not ready after %g s: %s\n", o->timeout_s, err);
	else
		fprintf(stderr, "ibpipe status: not ready after %g s: %s:" IB_KEY_SYNC " is %s%s%s\n", o->timeout_s, o->prefix,
			state[0] ? state : "not set", detail[0] ? " -- " : "", detail);
	return 1;
}

int
ib_cmd_status(int argc, char **argv)
{
	struct opts o;
	struct view *v;
	char err[300];
	redisContext *c;
	ib_redis_url u;
	int rc = parse_opts(argc, argv, &o);

	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (ib_redis_url_parse(o.url, &u, err, sizeof(err)) != IB_OK) {
		fprintf(stderr, "ibpipe status: %s\n", err);
		return 2;
	}
	if (o.wait && (rc = wait_ready(&o)) != 0)
		return rc;
	c = status_connect(&o, 2000, err, sizeof(err));
	if (c == NULL) {
		fprintf(stderr, "ibpipe status: %s\n", err);
		return 1;
	}
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		redisFree(c);
		return 1;
	}
	ib_redis_url_describe(&u, v->desc, sizeof(v->desc));
	if (o.sentinels[0]) /* where the sentinels sent us */
		snprintf(v->desc, sizeof(v->desc), strchr(c->tcp.host, ':') ? "master %s at [%s]:%d" : "master %s at %s:%d",
			 o.master, c->tcp.host, c->tcp.port);
	/* NOAUTH / NOPERM said plainly, rather than as an unexpected reply further on. */
	redisReply *pr = redisCommand(c, "GET %s:" IB_KEY_SYNC, o.prefix);
	if (pr && pr->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "ibpipe status: Redis at %s: %s\n", v->desc, pr->str);
		rc = 1;
	}
	if (pr)
		freeReplyObject(pr);
	if (rc == 0 && (!read_sync(c, o.prefix, v) || !read_accounts(c, o.prefix, v) || !read_quotes(c, o.prefix, v) ||
			!read_health(c, o.prefix, v))) {
		fprintf(stderr, "ibpipe status: reading from Redis at %s failed: %s\n", v->desc,
			c->errstr[0] ? c->errstr : "unexpected reply");
		rc = 1;
	} else if (rc == 0 && o.json) {
		print_json(&o, v);
	} else if (rc == 0) {
		print_human(&o, v);
	}
	redisFree(c);
	free(v->quotes);
	free(v);
	memset(o.password, 0, sizeof(o.password));
	memset(o.sentinel_password, 0, sizeof(o.sentinel_password));
	return rc;
}
