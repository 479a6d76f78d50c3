/*
 * config.c - defaults < file < IBPIPE_* environment < command-line flags.
 *
 * Every setting is one row of the key table below: its name, how to parse
 * it, where it lives in ib_config and a line of help.  File, environment
 * and flags all go through ib_config_set, so they cannot disagree.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ibpipe/config.h"
#include "ibpipe/wire.h"

extern char **environ;

enum kind { K_STR, K_INT, K_DBL, K_BOOL, K_SPECIAL };

struct key {
	const char *name;
	enum kind kind;
	size_t off;   /* offset in ib_config (not for K_SPECIAL) */
	size_t size;  /* K_STR: buffer size */
	double lo, hi;
	const char *help;
};

#define STR(n, field, h) { n, K_STR, offsetof(ib_config, field), sizeof(((ib_config *)0)->field), 0, 0, h }
#define INT(n, field, lo, hi, h) { n, K_INT, offsetof(ib_config, field), 0, lo, hi, h }
#define DBL(n, field, lo, hi, h) { n, K_DBL, offsetof(ib_config, field), 0, lo, hi, h }
#define BOOL(n, field, h) { n, K_BOOL, offsetof(ib_config, field), 0, 0, 0, h }
#define SPECIAL(n, h) { n, K_SPECIAL, 0, 0, 0, 0, h }

static const struct key keys[] = {
	STR("host", host, "gateway host (IB Gateway / TWS)"),
	INT("port", port, 1, 65535, "gateway port: 4001 live / 4002 paper gateway, 7496 / 7497 TWS"),
	SPECIAL("gateway", "host:port in one value"),
	INT("client_id", client_id, 0, 2147483647, "API client id (first one tried)"),
	SPECIAL("client_id_range", "A-B: on error 326 (client id in use) try the next id up to B"),
	BOOL("readonly", readonly, "never send an order message (enforced in the encoder)"),
	INT("connect_timeout_ms", connect_timeout_ms, 100, 600000, "TCP connect + handshake timeout"),
	INT("reconnect_min_ms", reconnect_min_ms, 10, 3600000, "first reconnect delay (doubles, with jitter)"),
	INT("reconnect_max_ms", reconnect_max_ms, 10, 3600000, "longest reconnect delay"),
	INT("pacing_per_s", pacing_per_s, 1, 10000000, "outbound messages per second (IB allows 50)"),
	DBL("sync_timeout", sync_timeout_s, 0.1, 86400, "seconds to wait for full account sync before reporting what is missing"),
	SPECIAL("on_sync_timeout", "wait | exit: keep waiting (logging what is missing) or exit with status 3"),
	BOOL("require_download_end", require_download_end, "false: accept a quiet period as an account's download end"),
	INT("download_quiet_ms", download_quiet_ms, 100, 600000, "the quiet period used when require_download_end is false"),
	SPECIAL("symbols", "comma-separated stock symbols to subscribe (SMART/USD)"),
	INT("market_data_type", market_data_type, 1, 4, "1 live, 2 frozen, 3 delayed, 4 delayed-frozen"),
	SPECIAL("tbt", "tick-by-tick subscriptions, SYM:Last|AllLast|BidAsk|MidPoint,..."),
	SPECIAL("depth", "market-depth subscriptions, SYM:ROWS,..."),
	INT("max_tbt", max_tbt, 0, 1000, "per-account limit of simultaneous tick-by-tick subscriptions"),
	INT("max_depth", max_depth, 0, 1000, "per-account limit of simultaneous depth subscriptions"),
	BOOL("md_lossless", md_lossless, "never coalesce market data (the network thread waits instead)"),
	INT("strategies", strategies, 0, 64, "number of strategy threads"),
	STR("strategy", strategy, "built-in strategy: example, recorder, trader, bench"),
	DBL("max_order_qty", risk.max_order_qty, 0, 1e12, "risk: largest order quantity (0 = off)"),
	DBL("max_position", risk.max_position, 0, 1e12, "risk: largest absolute position per symbol (0 = off)"),
	DBL("max_notional", risk.max_notional, 0, 1e15, "risk: largest order notional (0 = off)"),
	INT("max_open_orders", risk.max_open_orders, 0, 1000000, "risk: most live orders (0 = off)"),
	INT("max_orders_per_s", risk.max_orders_per_s, 0, 100000, "risk: most orders per second per strategy (0 = off)"),
	DBL("price_collar_pct", risk.price_collar_pct, 0, 100, "risk: LMT price within this % of the quote mid (0 = off)"),
	STR("state_dir", state_dir, "where the order-id high-water mark is kept"),
	BOOL("redis", redis, "publish state to Redis"),
	SPECIAL("redis_url", "redis://host:port[/db] or unix:/path/to/socket"),
	SPECIAL("redis_prefix", "key prefix, [A-Za-z0-9_.-]{1,31}"),
	SPECIAL("redis_password_file", "file whose first line is the Redis password (or env IBPIPE_REDIS_PASSWORD)"),
	STR("record", record, "record every inbound frame to this file"),
	SPECIAL("log_level", "debug | info | warn | error"),
	SPECIAL("log_format", "text | json"),
	BOOL("progress", progress, "draw a live status line on stderr"),
	DBL("run_seconds", run_seconds, 0, 1e9, "stop after this many seconds (0 = until signalled)"),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void
ib_config_defaults(ib_config *c)
{
	memset(c, 0, sizeof(*c));
	ib_strlcpy(c->host, "127.0.0.1", sizeof(c->host));
	c->port = 4002;
	c->client_id = 1;
	c->client_id_max = 1;
	c->connect_timeout_ms = 5000;
	c->reconnect_min_ms = 500;
	c->reconnect_max_ms = 30000;
	c->pacing_per_s = 50;
	c->sync_timeout_s = 30;
	c->on_sync_timeout = IB_TIMEOUT_WAIT;
	c->require_download_end = true;
	c->download_quiet_ms = 3000;
	const char *syms[] = { "AAPL", "MSFT", "NVDA" };
	for (int i = 0; i < 3; i++)
		ib_strlcpy(c->symbols[i], syms[i], IB_SYMBOL_LEN);
	c->nsymbols = 3;
	c->market_data_type = 1;
	c->max_tbt = 3;
	c->max_depth = 3;
	c->strategies = 1;
	ib_strlcpy(c->strategy, "example", sizeof(c->strategy));
	c->risk.max_order_qty = 1000;
	ib_strlcpy(c->state_dir, "/var/lib/ibpipe", sizeof(c->state_dir));
	c->redis = true;
	ib_strlcpy(c->redis_url, "redis://127.0.0.1:6379", sizeof(c->redis_url));
	ib_strlcpy(c->redis_prefix, "ibpipe", sizeof(c->redis_prefix));
	ib_strlcpy(c->log_level, "info", sizeof(c->log_level));
	ib_strlcpy(c->log_format, "text", sizeof(c->log_format));
}

static int
bad(char *err, size_t errlen, const char *key, const char *fmt, const char *val)
{
	char why[200];

	snprintf(why, sizeof(why), fmt, val);
	snprintf(err, errlen, "key '%s': %s", key, why);
	return -1;
}

static int
parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
		return *out = true, 0;
	if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"))
		return *out = false, 0;
	return -1;
}

static bool
valid_symbol(const char *s, size_t n)
{
	if (n == 0 || n >= IB_SYMBOL_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '.')
			return false;
	return true;
}

static int
set_symbols(ib_config *c, const char *v, char *err, size_t errlen)
{
	int n = 0;
	const char *p = v;

	while (*p) {
		size_t len = strcspn(p, ",");
		if (len > 0) {
			if (!valid_symbol(p, len))
				return bad(err, errlen, "symbols", "'%s' has a symbol that is not [A-Z0-9.]{1,23}", v);
			bool dup = false;
			for (int i = 0; i < n; i++)
				dup |= strlen(c->symbols[i]) == len && memcmp(c->symbols[i], p, len) == 0;
			if (!dup) {
				if (n >= IB_CFG_MAX_SYMBOLS)
					return bad(err, errlen, "symbols", "more than %s symbols", "1024");
				memcpy(c->symbols[n], p, len);
				c->symbols[n][len] = '\0';
				n++;
			}
		}
		p += len;
		if (*p == ',')
			p++;
	}
	c->nsymbols = n;
	return 0;
}

static int
set_subs(ib_sub *subs, int *nsubs, const char *key, const char *v, char *err, size_t errlen)
{
	const char *p = v;
	int n = 0;

	while (*p) {
		size_t len = strcspn(p, ",");
		char item[64], *colon;
		if (len == 0 || len >= sizeof(item))
			return bad(err, errlen, key, "bad item in '%s'", v);
		memcpy(item, p, len);
		item[len] = '\0';
		colon = strchr(item, ':');
		if (!colon || !valid_symbol(item, (size_t)(colon - item)) || n >= IB_CFG_MAX_SUBS)
			return bad(err, errlen, key, "'%s': expected SYMBOL:VALUE items", v);
		*colon = '\0';
		ib_sub *s = &subs[n];
		memset(s, 0, sizeof(*s));
		ib_strlcpy(s->symbol, item, sizeof(s->symbol));
		if (strcmp(key, "tbt") == 0) {
			const char *k = colon + 1;
			if (strcmp(k, "Last") && strcmp(k, "AllLast") && strcmp(k, "BidAsk") && strcmp(k, "MidPoint"))
				return bad(err, errlen, key, "'%s': type must be Last, AllLast, BidAsk or MidPoint", v);
			ib_strlcpy(s->kind, k, sizeof(s->kind));
		} else {
			char *end;
			long rows = strtol(colon + 1, &end, 10);
			if (*end || rows < 1 || rows > 50)
				return bad(err, errlen, key, "'%s': rows must be 1..50", v);
			s->rows = (int)rows;
		}
		n++;
		p += len;
		if (*p == ',')
			p++;
	}
	*nsubs = n;
	return 0;
}

static int
read_password_file(ib_config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[sizeof(c->redis_password)];

	if (f == NULL)
		return bad(err, errlen, "redis_password_file", "cannot read %s", path);
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	ib_strlcpy(c->redis_password, line, sizeof(c->redis_password));
	ib_strlcpy(c->redis_password_file, path, sizeof(c->redis_password_file));
	return 0;
}

static int
set_special(ib_config *c, const char *k, const char *v, char *err, size_t errlen)
{
	if (strcmp(k, "gateway") == 0) {
		const char *colon = strrchr(v, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;
		if (!colon || colon == v || *end || port < 1 || port > 65535 || (size_t)(colon - v) >= sizeof(c->host))
			return bad(err, errlen, k, "'%s': expected host:port", v);
		memcpy(c->host, v, (size_t)(colon - v));
		c->host[colon - v] = '\0';
		c->port = (int)port;
	} else if (strcmp(k, "client_id_range") == 0) {
		long a, b;
		int n = 0;
		if (sscanf(v, "%ld-%ld%n", &a, &b, &n) != 2 || v[n] || a < 0 || b < a || b > 2147483647L)
			return bad(err, errlen, k, "'%s': expected A-B with 0 <= A <= B", v);
		c->client_id = (int)a;
		c->client_id_max = (int)b;
	} else if (strcmp(k, "on_sync_timeout") == 0) {
		if (strcmp(v, "wait") == 0)
			c->on_sync_timeout = IB_TIMEOUT_WAIT;
		else if (strcmp(v, "exit") == 0)
			c->on_sync_timeout = IB_TIMEOUT_EXIT;
		else
			return bad(err, errlen, k, "'%s': expected wait or exit", v);
	} else if (strcmp(k, "symbols") == 0) {
		return set_symbols(c, v, err, errlen);
	} else if (strcmp(k, "tbt") == 0) {
		return set_subs(c->tbt, &c->ntbt, k, v, err, errlen);
	} else if (strcmp(k, "depth") == 0) {
		return set_subs(c->depth, &c->ndepth, k, v, err, errlen);
	} else if (strcmp(k, "redis_url") == 0) {
		if ((strncmp(v, "redis://", 8) != 0 || strlen(v) <= 8) && (strncmp(v, "unix:", 5) != 0 || strlen(v) <= 5))
			return bad(err, errlen, k, "'%s': expected redis://host:port or unix:/path", v);
		if (strlen(v) >= sizeof(c->redis_url))
			return bad(err, errlen, k, "%s", "too long");
		ib_strlcpy(c->redis_url, v, sizeof(c->redis_url));
	} else if (strcmp(k, "redis_prefix") == 0) {
		size_t n = strlen(v);
		if (n == 0 || n > 31 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
			return bad(err, errlen, k, "'%s': expected [A-Za-z0-9_.-]{1,31}", v);
		ib_strlcpy(c->redis_prefix, v, sizeof(c->redis_prefix));
	} else if (strcmp(k, "redis_password_file") == 0) {
		return read_password_file(c, v, err, errlen);
	} else if (strcmp(k, "log_level") == 0) {
		if (strcmp(v, "debug") && strcmp(v, "info") && strcmp(v, "warn") && strcmp(v, "error"))
			return bad(err, errlen, k, "'%s': expected debug, info, warn or error", v);
		ib_strlcpy(c->log_level, v, sizeof(c->log_level));
	} else if (strcmp(k, "log_format") == 0) {
		if (strcmp(v, "text") && strcmp(v, "json"))
			return bad(err, errlen, k, "'%s': expected text or json", v);
		ib_strlcpy(c->log_format, v, sizeof(c->log_format));
	}
	return 0;
}

int
ib_config_set(ib_config *c, const char *key, const char *value, char *err, size_t errlen)
{
	char k[64];
	size_t n = strlen(key);

	if (n >= sizeof(k))
		return bad(err, errlen, key, "%s", "unknown key");
	for (size_t i = 0; i <= n; i++)
		k[i] = key[i] == '-' ? '_' : (char)tolower((unsigned char)key[i]);
	if (strcmp(k, "redis_password") == 0)
		return bad(err, errlen, k, "%s",
			   "not accepted in files or flags (they end up in shell history and ps); use env "
			   "IBPIPE_REDIS_PASSWORD or redis_password_file");
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *d = &keys[i];
		char *field = (char *)c + d->off, *end;
		if (strcmp(d->name, k) != 0)
			continue;
		switch (d->kind) {
		case K_STR:
			if (strlen(value) >= d->size)
				return bad(err, errlen, k, "'%s' is too long", value);
			ib_strlcpy(field, value, d->size);
			return 0;
		case K_INT: {
			errno = 0;
			long long v = strtoll(value, &end, 10);
			if (!*value || *end || errno)
				return bad(err, errlen, k, "'%s' is not a whole number", value);
			if (v < d->lo || v > d->hi)
				return bad(err, errlen, k, "'%s' is out of range", value);
			*(int *)field = (int)v;
			return 0;
		}
		case K_DBL: {
			errno = 0;
			double v = strtod(value, &end);
			if (!*value || *end || errno || !isfinite(v))
				return bad(err, errlen, k, "'%s' is not a number", value);
			if (v < d->lo || v > d->hi)
				return bad(err, errlen, k, "'%s' is out of range", value);
			*(double *)field = v;
			return 0;
		}
		case K_BOOL:
			if (parse_bool(value, (bool *)field) != 0)
				return bad(err, errlen, k, "'%s' is not true/false/yes/no/1/0", value);
			return 0;
		case K_SPECIAL:
			return set_special(c, k, value, err, errlen);
		}
	}
	return bad(err, errlen, k, "%s", "unknown key");
}

int
ib_config_load_file(ib_config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[8192], inner[512];
	int lineno = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *eq, *k, *v, *e;
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		eq = strchr(p, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		k = p;
		for (e = eq - 1; e >= k && isspace((unsigned char)*e); e--)
			*e = '\0';
		v = eq + 1;
		while (isspace((unsigned char)*v))
			v++;
		for (e = v + strlen(v) - 1; e >= v && isspace((unsigned char)*e); e--)
			*e = '\0';
		if (ib_config_set(c, k, v, inner, sizeof(inner)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, inner);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

int
ib_config_load_env(ib_config *c, char *err, size_t errlen)
{
	char inner[512];

	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, "IBPIPE_", 7) != 0)
			continue;
		const char *eq = strchr(*e, '=');
		char key[64];
		size_t n = eq ? (size_t)(eq - *e) - 7 : 0;
		if (!eq || n == 0 || n >= sizeof(key))
			continue;
		memcpy(key, *e + 7, n);
		key[n] = '\0';
		if (strcmp(key, "CONFIG") == 0)
			continue;
		if (strcmp(key, "REDIS_PASSWORD") == 0) {
			ib_strlcpy(c->redis_password, eq + 1, sizeof(c->redis_password));
			continue;
		}
		if (ib_config_set(c, key, eq + 1, inner, sizeof(inner)) != 0) {
			snprintf(err, errlen, "environment IBPIPE_%s: %s", key, inner);
			return -1;
		}
	}
	return 0;
}

static const struct key *
find_key(const char *flag)
{
	char k[64];
	size_t n = strlen(flag);

	if (n >= sizeof(k))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		k[i] = flag[i] == '-' ? '_' : flag[i];
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, k) == 0)
			return &keys[i];
	return NULL;
}

int
ib_config_from_args(ib_config *c, int argc, char **argv, char **rest, int maxrest, int *nrest, char *err,
		    size_t errlen)
{
	const char *file = getenv("IBPIPE_CONFIG");
	char inner[512];

	ib_config_defaults(c);
	*nrest = 0;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			file = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			file = argv[i] + 9;
	if (file && *file && ib_config_load_file(c, file, err, errlen) != 0)
		return -1;
	if (ib_config_load_env(c, err, errlen) != 0)
		return -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0) {
			if (*nrest < maxrest)
				rest[(*nrest)++] = argv[i];
			continue;
		}
		a += 2;
		if (strcmp(a, "config") == 0) {
			i++;
			continue;
		}
		if (strncmp(a, "config=", 7) == 0)
			continue;
		char name[64];
		const char *val = strchr(a, '=');
		size_t n = val ? (size_t)(val - a) : strlen(a);
		if (n >= sizeof(name)) {
			snprintf(err, errlen, "unknown option '--%s'", a);
			return -1;
		}
		memcpy(name, a, n);
		name[n] = '\0';
		const struct key *k = find_key(name);
		if (!k && strncmp(name, "no-", 3) == 0 && (k = find_key(name + 3)) && k->kind == K_BOOL && !val) {
			if (ib_config_set(c, name + 3, "false", inner, sizeof(inner)) != 0)
				goto fail;
			continue;
		}
		if (!k) {
			snprintf(err, errlen, "unknown option '--%s' (ibpipe run --help lists them)", name);
			return -1;
		}
		if (!val && k->kind == K_BOOL && (i + 1 >= argc || parse_bool(argv[i + 1], &(bool){ 0 }) != 0)) {
			val = "=true"; /* a bare boolean flag */
		} else if (!val) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "option '--%s' needs a value", name);
				return -1;
			}
			if (ib_config_set(c, name, argv[++i], inner, sizeof(inner)) != 0)
				goto fail;
			continue;
		}
		if (ib_config_set(c, name, val + 1, inner, sizeof(inner)) != 0)
			goto fail;
	}
	if (c->reconnect_max_ms < c->reconnect_min_ms)
		c->reconnect_max_ms = c->reconnect_min_ms;
	if (c->client_id_max < c->client_id)
		c->client_id_max = c->client_id;
	return 0;
fail:
	snprintf(err, errlen, "%s", inner);
	return -1;
}

void
ib_config_print(const ib_config *c, void *file)
{
	FILE *f = file;

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		const char *field = (const char *)c + k->off;
		switch (k->kind) {
		case K_STR: fprintf(f, "%s = %s\n", k->name, field); break;
		case K_INT: fprintf(f, "%s = %d\n", k->name, *(const int *)field); break;
		case K_DBL: fprintf(f, "%s = %g\n", k->name, *(const double *)field); break;
		case K_BOOL: fprintf(f, "%s = %s\n", k->name, *(const bool *)field ? "true" : "false"); break;
		case K_SPECIAL: break;
		}
	}
	fprintf(f, "client_id_range = %d-%d\n", c->client_id, c->client_id_max);
	fprintf(f, "on_sync_timeout = %s\n", c->on_sync_timeout == IB_TIMEOUT_EXIT ? "exit" : "wait");
	fprintf(f, "symbols = ");
	for (int i = 0; i < c->nsymbols; i++)
		fprintf(f, "%s%s", i ? "," : "", c->symbols[i]);
	fprintf(f, "\nredis_url = %s\nredis_prefix = %s\nredis_password = %s\nlog_level = %s\nlog_format = %s\n",
		c->redis_url, c->redis_prefix, c->redis_password[0] ? "(set)" : "(unset)", c->log_level, c->log_format);
}

void
ib_config_usage(void *file)
{
	FILE *f = file;

	for (size_t i = 0; i < NKEYS; i++) {
		char flag[64], env[64];
		size_t n = strlen(keys[i].name);
		for (size_t j = 0; j <= n; j++) {
			flag[j] = keys[i].name[j] == '_' ? '-' : keys[i].name[j];
			env[j] = (char)toupper((unsigned char)keys[i].name[j]);
		}
		fprintf(f, "  --%-22s IBPIPE_%-22s %s\n", flag, env, keys[i].help);
	}
	fprintf(f, "\n  --config FILE (or IBPIPE_CONFIG): key = value lines.  Precedence: defaults < file < env < flags.\n"
		   "  Booleans also take --no-<key>.  The Redis password comes only from IBPIPE_REDIS_PASSWORD or\n"
		   "  redis_password_file.\n");
}
