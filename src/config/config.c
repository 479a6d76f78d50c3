/*
 * config.c - defaults < file < IBPIPE_* environment < command-line flags.
 *
 * Every setting is one row of the key table below: its name, how to parse
 * it, where it lives in ib_config, how to print it and a line of help.
 * File, environment and flags all go through ib_config_set, so they cannot
 * disagree about what a value means.
 *
 * Invariants: a setter either stores a fully validated value or leaves the
 * config untouched and explains why (naming the key); the Redis password
 * only ever enters through IBPIPE_REDIS_PASSWORD or redis_password_file and
 * never leaves through an error message or ib_config_print.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/config.h"
#include "config/strategy_list.h"
#include "ibpipe/ib.h"
#include "ibpipe/log.h"
#include "config/redis_sentinel.h"
#include "config/redis_keys.h"
#include "config/redis_url.h"
#include "codec/contract_spec.h"
#include "codec/wire.h"
#include "util/str.h"

#define KEY_MAX 48 /* longest key name we accept, with room to spare */

enum kind { K_STR, K_INT, K_DBL, K_BOOL, K_SPECIAL };

/* A special key's parser: store v or explain in why (without the key name). */
typedef int (*key_set_fn)(ib_config *c, const char *v, char *why, size_t cap);
/* A special key's printer: the value as it would be written in a file. */
typedef void (*key_show_fn)(const ib_config *c, char *out, size_t cap);

struct key {
	const char *name;
	enum kind kind;
	size_t off;   /* offset in ib_config (not for K_SPECIAL) */
	size_t size;  /* K_STR: buffer size */
	double lo, hi;
	key_set_fn set;
	key_show_fn show;
	const char *help;
};

static int set_host(ib_config *, const char *, char *, size_t);
static int set_gateway(ib_config *, const char *, char *, size_t);
static int set_client_id_range(ib_config *, const char *, char *, size_t);
static int set_on_sync_timeout(ib_config *, const char *, char *, size_t);
static int set_symbols(ib_config *, const char *, char *, size_t);
static int set_tbt(ib_config *, const char *, char *, size_t);
static int set_depth(ib_config *, const char *, char *, size_t);
static int set_bars(ib_config *, const char *, char *, size_t);
static int set_strategy(ib_config *, const char *, char *, size_t);
static int set_strategies(ib_config *, const char *, char *, size_t);
static int set_param(ib_config *, const char *, char *, size_t);
static int set_redis_url(ib_config *, const char *, char *, size_t);
static int set_redis_prefix(ib_config *, const char *, char *, size_t);
static int set_redis_sentinels(ib_config *, const char *, char *, size_t);
static int set_redis_master(ib_config *, const char *, char *, size_t);
static int set_redis_password_file(ib_config *, const char *, char *, size_t);
static int set_log_level(ib_config *, const char *, char *, size_t);
static int set_metrics_listen(ib_config *, const char *, char *, size_t);
static void show_metrics_listen(const ib_config *, char *, size_t);
static int set_log_format(ib_config *, const char *, char *, size_t);
static int set_wait(ib_config *, const char *, char *, size_t);
static int set_wait_net(ib_config *, const char *, char *, size_t);
static int set_wait_md(ib_config *, const char *, char *, size_t);
static int set_wait_account(ib_config *, const char *, char *, size_t);
static int set_wait_strategy(ib_config *, const char *, char *, size_t);
static void show_wait(const ib_config *, char *, size_t);
static void show_wait_net(const ib_config *, char *, size_t);
static void show_wait_md(const ib_config *, char *, size_t);
static void show_wait_account(const ib_config *, char *, size_t);
static void show_wait_strategy(const ib_config *, char *, size_t);
static void show_host(const ib_config *, char *, size_t);
static void show_gateway(const ib_config *, char *, size_t);
static void show_client_id_range(const ib_config *, char *, size_t);
static void show_on_sync_timeout(const ib_config *, char *, size_t);
static void show_symbols(const ib_config *, char *, size_t);
static void show_tbt(const ib_config *, char *, size_t);
static void show_depth(const ib_config *, char *, size_t);
static void show_bars(const ib_config *, char *, size_t);
static void show_strategy(const ib_config *, char *, size_t);
static void show_strategies(const ib_config *, char *, size_t);
static void show_param(const ib_config *, char *, size_t);
static void show_redis_url(const ib_config *, char *, size_t);
static void show_redis_prefix(const ib_config *, char *, size_t);
static void show_redis_sentinels(const ib_config *, char *, size_t);
static void show_redis_master(const ib_config *, char *, size_t);
static void show_redis_password_file(const ib_config *, char *, size_t);
static void show_log_level(const ib_config *, char *, size_t);
static void show_log_format(const ib_config *, char *, size_t);

#define FIELD(f) offsetof(ib_config, f)
#define STR(n, f, h) { n, K_STR, FIELD(f), sizeof(((ib_config *)0)->f), 0, 0, NULL, NULL, h }
#define INT(n, f, lo, hi, h) { n, K_INT, FIELD(f), 0, lo, hi, NULL, NULL, h }
#define DBL(n, f, lo, hi, h) { n, K_DBL, FIELD(f), 0, lo, hi, NULL, NULL, h }
#define BOOL(n, f, h) { n, K_BOOL, FIELD(f), 0, 0, 0, NULL, NULL, h }
#define SPECIAL(n, h) { #n, K_SPECIAL, 0, 0, 0, 0, set_##n, show_##n, h }

/*
 * Order matters twice: ib_config_print and --help list keys in this order,
 * and the environment is applied in this order, so IBPIPE_GATEWAY (after
 * host and port) and IBPIPE_CLIENT_ID_RANGE (after client_id) win over the
 * narrower keys when both are set.
 */
static const struct key keys[] = {
	SPECIAL(host, "gateway host name or address (IB Gateway / TWS)"),
	INT("port", port, 1, 65535, "gateway API port: 4001 live / 4002 paper gateway, 7496 / 7497 TWS"),
	SPECIAL(gateway, "HOST:PORT (or [v6addr]:PORT): sets host and port in one value"),
	INT("client_id", client_id, 0, 2147483647, "API client id (the first one tried)"),
	SPECIAL(client_id_range, "A-B: on error 326 (client id in use) try the next id, up to B"),
	BOOL("readonly", readonly, "never send an order message (enforced in the encoder)"),
	INT("connect_timeout_ms", connect_timeout_ms, 100, 600000, "TCP connect + API handshake timeout, ms"),
	INT("reconnect_min_ms", reconnect_min_ms, 10, 3600000, "first reconnect delay, ms (doubles, with jitter)"),
	INT("reconnect_max_ms", reconnect_max_ms, 10, 3600000,
	    "longest reconnect delay, ms (raised to reconnect_min_ms if below it)"),
	INT("write_stall_ms", write_stall_ms, 100, 3600000,
	    "bytes to the gateway unacknowledged this long, ms: it stopped reading; reconnect and reconcile"),
	INT("pacing_per_s", pacing_per_s, 1, 10000, "outbound messages per second (IB allows 50)"),
	DBL("sync_timeout", sync_timeout_s, 0.1, 86400,
	    "seconds to wait for full account sync before reporting what is missing (fractions ok)"),
	SPECIAL(on_sync_timeout, "wait | exit: keep waiting (logging what is missing) or exit with status 3"),
	BOOL("require_download_end", require_download_end,
	     "false: accept a quiet period as an account's download end (multi-account logins)"),
	INT("download_quiet_ms", download_quiet_ms, 100, 600000,
	    "the quiet period, ms, used when require_download_end is false"),
	SPECIAL(symbols, "what to quote, comma-separated: stock symbols [A-Z0-9. ]{1,23} (BRK B, SMART/USD) or contract specs "
		"(FUT:ES@CME:202603, CASH:EUR.USD@IDEALPRO, OPT:SPY@SMART:20261218:500:C, conid:265598; docs/contracts.md); "
		"duplicates dropped"),
	INT("market_data_type", market_data_type, 1, 4, "1 live, 2 frozen, 3 delayed, 4 delayed-frozen"),
	SPECIAL(tbt, "tick-by-tick subscriptions SYM:Last|AllLast|BidAsk|MidPoint,... (at most max_tbt)"),
	SPECIAL(depth, "market-depth subscriptions SYM:ROWS,... with ROWS 1-50 (at most max_depth)"),
	INT("max_tbt", max_tbt, 0, IB_CFG_MAX_SUBS, "per-account limit of simultaneous tick-by-tick subscriptions"),
	INT("max_depth", max_depth, 0, IB_CFG_MAX_SUBS, "per-account limit of simultaneous depth subscriptions"),
	INT("redis_book_levels", redis_book_levels, 1, 50, "rows per side written to P:book:SYM (the top of each depth book)"),
	BOOL("pnl", pnl, "P&L: reqPnL per managed account and reqPnLSingle per position, into P:pnl:{A}, P:positions:{A} and the SDK"),
	SPECIAL(bars, "bar series CONTRACT:SIZE[:DURATION][:WHAT],... (AAPL:5s real-time, ES:1min:2D history "
		"first, held before the gate; README \"Bars\")"),
	DBL("hist_pacing_scale", hist_pacing_scale, 0.0001, 1,
	    "IB's historical pacing windows (10 min, 15 s, 2 s) times this: 1 at IB; less only against a simulator "
	    "scaled the same (ibsim --hist-pacing-scale)"),
	INT("redis_bars_maxlen", redis_bars_maxlen, 1, 100000000, "P:bars:<key>:<size> streams keep about this many bars"),
	BOOL("md_lossless", md_lossless, "never coalesce market data: the network thread waits instead (replay)"),
	/* wait before the per-thread keys: the environment applies in this order, so the narrower key wins */
	SPECIAL(wait, "block | spin | hybrid: how every pipeline thread waits for work (the wait_* keys set one)"),
	SPECIAL(wait_net, "block | spin | hybrid: the network thread (block: poll; spin: non-blocking reads in a loop)"),
	SPECIAL(wait_md, "block | spin | hybrid: the market-data thread (block: futex at once; spin: poll its ring)"),
	SPECIAL(wait_account, "block | spin | hybrid: the account thread"),
	SPECIAL(wait_strategy, "block | spin | hybrid: every strategy thread"),
	INT("wait_spin_us", wait_spin_us, 0, 1000000, "hybrid: microseconds a thread spins for work before it parks"),
	INT("cpu_net", cpu_net, -1, 1023, "pin the network thread to this CPU (-1: not pinned; with wait_net = spin)"),
	INT("cpu_md", cpu_md, -1, 1023, "pin the market-data thread to this CPU (-1: not pinned)"),
	INT("cpu_account", cpu_account, -1, 1023, "pin the account thread to this CPU (-1: not pinned)"),
	INT("cpu_strategy", cpu_strategy, -1, 1023, "pin strategy thread i to CPU cpu_strategy + i (-1: not pinned)"),
	SPECIAL(strategies, "strategy threads, 0-64 (0: a pure data bridge), or what runs: NAME [xN], ... with built-ins and plugins (momentum.so x2, example)"),
	SPECIAL(strategy, "strategy the `strategies` threads run: a built-in (`ibpipe run --help` lists them) or a plugin (./x.so)"),
	SPECIAL(param, "a strategy parameter STRATEGY.KEY=VALUE (momentum.window=20); repeat it, or a comma list"),
	DBL("max_order_qty", risk.max_order_qty, 0, 1e12, "risk: largest order quantity, shares (0 = off)"),
	DBL("max_position", risk.max_position, 0, 1e12, "risk: largest absolute position per contract (conId), all accounts (0 = off)"),
	DBL("max_notional", risk.max_notional, 0, 1e15, "risk: largest order notional, qty * price * multiplier (FX: qty in the base currency; 0 = off)"),
	INT("max_open_orders", risk.max_open_orders, 0, 1000000, "risk: most live orders at once (0 = off)"),
	INT("max_orders_per_s", risk.max_orders_per_s, 0, 100000, "risk: most new orders per second per strategy (0 = off)"),
	DBL("price_collar_pct", risk.price_collar_pct, 0, 100, "risk: LMT price within this % of the quote mid (0 = off)"),
	DBL("price_collar_ticks", risk.price_collar_ticks, 0, 1e9, "risk: LMT price within this many min ticks of the quote mid (0 = off)"),
	STR("state_dir", state_dir, "directory for the order-id high-water mark (must survive restarts)"),
	BOOL("redis", redis, "publish state to Redis (--no-redis: don't)"),
	SPECIAL(redis_url, "redis://HOST[:PORT][/DB] or unix:/path/to/socket (no password in it)"),
	SPECIAL(redis_prefix, "key prefix [A-Za-z0-9_.-]{1,31}; one per instance"),
	SPECIAL(redis_sentinels, "HOST:PORT,...: find the master through these Redis Sentinels (the URL's host is "
		"then unused; empty: off)"),
	SPECIAL(redis_master, "the master's name the sentinels monitor (with redis_sentinels; their password, if "
		"they have one: env IBPIPE_REDIS_SENTINEL_PASSWORD)"),
	SPECIAL(redis_password_file, "file whose first line is the Redis password; empty: none (or env IBPIPE_REDIS_PASSWORD)"),
	BOOL("commands", commands, "take orders from P:stream:commands (README \"Sending orders from other services\")"),
	INT("command_journal_keep", command_journal_keep, 0, 100000000,
	    "commands kept in the command journal at start, the newest (and every order not yet settled); "
	    "an older cmd_id is forgotten (0: keep all)"),
	STR("record", record, "record every inbound frame to this file (empty: off)"),
	SPECIAL(metrics_listen, "[HOST:]PORT: serve /metrics, /healthz, /readyz over HTTP (HOST default 127.0.0.1; "
		"empty: off)"),
	SPECIAL(log_level, "debug | info | warn | error"),
	SPECIAL(log_format, "text | json (one object per line)"),
	BOOL("progress", progress, "draw a live status line on stderr"),
	DBL("run_seconds", run_seconds, 0, 1e9, "stop after this many seconds (0 = until signalled)"),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char password_rule[] =
	"the Redis password is not accepted in a config file or on the command line (files get copied "
	"and backed up; flags show in `ps` and shell history): use env IBPIPE_REDIS_PASSWORD or "
	"redis_password_file";

void
ib_config_defaults(ib_config *c)
{
	static const char *syms[] = { "AAPL", "MSFT", "NVDA" };

	memset(c, 0, sizeof(*c));
	ib_strlcpy(c->host, "127.0.0.1", sizeof(c->host));
	c->port = 4002;
	c->client_id = 1;
	c->client_id_max = 1;
	c->readonly = false;
	c->connect_timeout_ms = 5000;
	c->reconnect_min_ms = 500;
	c->reconnect_max_ms = 30000;
	c->write_stall_ms = 10000;
	c->pacing_per_s = 50;
	c->sync_timeout_s = 30;
	c->on_sync_timeout = IB_TIMEOUT_WAIT;
	c->require_download_end = true;
	c->download_quiet_ms = 3000;
	for (int i = 0; i < 3; i++)
		ib_strlcpy(c->symbols[i], syms[i], IB_CFG_SYMBOL_LEN);
	c->nsymbols = 3;
	c->market_data_type = 1;
	c->max_tbt = 3;
	c->max_depth = 3;
	c->redis_book_levels = IB_REDIS_BOOK_LEVELS;
	c->hist_pacing_scale = 1;
	c->redis_bars_maxlen = IB_REDIS_BARS_MAXLEN;
	c->strategies = 1;
	ib_strlcpy(c->strategy, "example", sizeof(c->strategy));
	c->risk.max_order_qty = 1000;
	ib_strlcpy(c->state_dir, "/var/lib/ibpipe", sizeof(c->state_dir));
	c->wait_net = c->wait_md = c->wait_account = c->wait_strategy = IB_WAIT_BLOCK;
	c->wait_spin_us = 50;
	c->cpu_net = c->cpu_md = c->cpu_account = c->cpu_strategy = -1;
	c->metrics_port = -1; /* off */
	c->command_journal_keep = 100000;
	c->redis = true;
	c->pnl = true;
	ib_strlcpy(c->redis_url, IB_REDIS_DEFAULT_URL, sizeof(c->redis_url));
	ib_strlcpy(c->redis_prefix, IB_REDIS_DEFAULT_PREFIX, sizeof(c->redis_prefix));
	ib_strlcpy(c->log_level, "info", sizeof(c->log_level));
	ib_strlcpy(c->log_format, "text", sizeof(c->log_format));
}

/* ---- small parsers ---- */

static int
why(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
why(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	return -1;
}

/* Key spelling: dashes and upper case are accepted everywhere, stored as snake_case. */
static bool
normalize_key(const char *in, size_t n, char *out, size_t cap)
{
	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = in[i] == '-' ? '_' : (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	return true;
}

static const struct key *
find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *yes[] = { "1", "true", "yes", "on" }, *no[] = { "0", "false", "no", "off" };

	for (int i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

/* Digits only (an optional leading '+', or '-' for a key that takes -1), no spaces, no trailing garbage. */
static int
parse_int(const char *v, long long lo, long long hi, long long *out, char *w, size_t cap)
{
	const bool neg = *v == '-' && lo < 0;
	const char *p = v + (*v == '+' || neg);
	long long n = 0;

	if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
		return why(w, cap, "'%s' is not a whole number", v);
	for (; *p; p++) {
		if (n > (hi - (*p - '0')) / 10) /* (a negative key's -lo is never above its hi) */
			return why(w, cap, "'%s' is out of range %lld..%lld", v, lo, hi);
		n = n * 10 + (*p - '0');
	}
	if (neg)
		n = -n;
	if (n < lo || n > hi)
		return why(w, cap, "'%s' is out of range %lld..%lld", v, lo, hi);
	*out = n;
	return 0;
}

/*
 * Plain decimal: [+-]digits[.digits][e[+-]digits].  The shape check keeps
 * out what a C number parser would also take (inf, nan, hex floats, leading
 * spaces); ib_parse_f64 then converts without looking at the locale.
 */
static int
parse_num(const char *v, double lo, double hi, double *out, char *w, size_t cap)
{
	const char *p = v;
	size_t intd, fracd = 0;
	double d;

	if (*p == '+' || *p == '-')
		p++;
	intd = strspn(p, "0123456789");
	p += intd;
	if (*p == '.') {
		fracd = strspn(p + 1, "0123456789");
		p += 1 + fracd;
	}
	if (intd + fracd > 0 && (*p == 'e' || *p == 'E')) {
		const char *e = p + 1 + (p[1] == '+' || p[1] == '-');
		size_t ed = strspn(e, "0123456789");
		p = ed ? e + ed : p;
	}
	if (intd + fracd == 0 || *p != '\0' || ib_parse_f64(v, strlen(v), &d) != IB_OK || !isfinite(d))
		return why(w, cap, "'%s' is not a number", v);
	if (d < lo || d > hi)
		return why(w, cap, "'%s' is out of range %g..%g", v, lo, hi);
	*out = d;
	return 0;
}

/* IB's own symbols hold a space ("BRK B", "BF B"): one between two other characters is taken. */
static bool
valid_symbol(const char *s, size_t n)
{
	if (n == 0 || n >= IB_SYMBOL_LEN || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= '0' && s[i] <= '9') && s[i] != '.' &&
		    !(s[i] == ' ' && s[i + 1] != ' '))
			return false;
	return true;
}

/*
 * Walk a comma list, trimming blanks around items; calls fn for each
 * non-empty item (so "A, B," is two items).  Stops at the first error.
 */
static int
each_item(const char *v, int (*fn)(void *ctx, const char *item, size_t n, char *w, size_t cap), void *ctx, char *w,
	  size_t cap)
{
	const char *p = v;

	while (*p) {
		size_t len = strcspn(p, ",");
		const char *s = p, *e = p + len;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s && fn(ctx, s, (size_t)(e - s), w, cap) != 0)
			return -1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* ---- special keys ---- */

static int
check_host(const char *v, size_t n, size_t cap_host, char *w, size_t cap)
{
	if (n == 0)
		return why(w, cap, "empty; expected a host name or address");
	if (n >= cap_host)
		return why(w, cap, "host longer than %zu characters", cap_host - 1);
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)v[i]) || !isprint((unsigned char)v[i]))
			return why(w, cap, "'%.*s' contains a blank or control character", (int)n, v);
	return 0;
}

static int
set_host(ib_config *c, const char *v, char *w, size_t cap)
{
	if (check_host(v, strlen(v), sizeof(c->host), w, cap) != 0)
		return -1;
	ib_strlcpy(c->host, v, sizeof(c->host));
	return 0;
}

static void
show_host(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->host);
}

/* The host of "HOST:PORT" or "[V6]:PORT" (colon: the last one), without brackets, into *h / *hn. */
static int
split_host(const char *v, const char *colon, const char **h, size_t *hn, char *w, size_t cap)
{
	*h = v;
	*hn = (size_t)(colon - v);
	if (v[0] == '[') { /* [::1]:4002 */
		if (*hn < 3 || v[*hn - 1] != ']')
			return why(w, cap, "'%s': expected [ADDRESS]:PORT for IPv6", v);
		*h = v + 1;
		*hn -= 2;
	} else if (memchr(v, ':', *hn)) {
		return why(w, cap, "'%s': write an IPv6 address as [ADDRESS]:PORT", v);
	}
	return 0;
}

static int
set_gateway(ib_config *c, const char *v, char *w, size_t cap)
{
	const char *colon = strrchr(v, ':'), *h = v;
	size_t hn;
	long long port;

	if (colon == NULL || colon == v)
		return why(w, cap, "'%s': expected HOST:PORT", v);
	if (split_host(v, colon, &h, &hn, w, cap) != 0 || check_host(h, hn, sizeof(c->host), w, cap) != 0)
		return -1;
	if (parse_int(colon + 1, 1, 65535, &port, w, cap) != 0)
		return why(w, cap, "'%s': port must be 1..65535", v);
	memcpy(c->host, h, hn);
	c->host[hn] = '\0';
	c->port = (int)port;
	return 0;
}

static void
show_gateway(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, strchr(c->host, ':') ? "[%s]:%d" : "%s:%d", c->host, c->port);
}

/* "" / "off": no listener; "PORT": loopback; "HOST:PORT" or "[V6]:PORT".  Port 0: any free one (logged). */
static int
set_metrics_listen(ib_config *c, const char *v, char *w, size_t cap)
{
	const char *colon = strrchr(v, ':'), *h = "127.0.0.1", *ps = v;
	size_t hn = strlen(h);
	long long port;

	if (*v == '\0' || strcmp(v, "off") == 0) {
		c->metrics_host[0] = '\0';
		c->metrics_port = -1;
		return 0;
	}
	if (colon != NULL) {
		ps = colon + 1;
		if (split_host(v, colon, &h, &hn, w, cap) != 0 ||
		    check_host(h, hn, sizeof(c->metrics_host), w, cap) != 0)
			return -1;
	}
	if (parse_int(ps, 0, 65535, &port, w, cap) != 0)
		return why(w, cap, "'%s': expected [HOST:]PORT with PORT 0..65535 (0: any free port)", v);
	memcpy(c->metrics_host, h, hn);
	c->metrics_host[hn] = '\0';
	c->metrics_port = (int)port;
	return 0;
}

static void
show_metrics_listen(const ib_config *c, char *out, size_t cap)
{
	if (c->metrics_port < 0)
		snprintf(out, cap, "%s", "");
	else
		snprintf(out, cap, strchr(c->metrics_host, ':') ? "[%s]:%d" : "%s:%d", c->metrics_host, c->metrics_port);
}

static int
set_client_id_range(ib_config *c, const char *v, char *w, size_t cap)
{
	const char *dash = strchr(v, '-');
	char a[16];
	long long lo, hi;

	if (dash == NULL || (size_t)(dash - v) >= sizeof(a))
		return why(w, cap, "'%s': expected A-B, e.g. 7-9", v);
	memcpy(a, v, (size_t)(dash - v));
	a[dash - v] = '\0';
	if (parse_int(a, 0, 2147483647, &lo, w, cap) != 0 || parse_int(dash + 1, 0, 2147483647, &hi, w, cap) != 0)
		return why(w, cap, "'%s': expected A-B with whole numbers 0..2147483647", v);
	if (hi < lo)
		return why(w, cap, "'%s': the end of the range is below its start", v);
	c->client_id = (int)lo;
	c->client_id_max = (int)hi;
	return 0;
}

static void
show_client_id_range(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%d-%d", c->client_id, c->client_id_max > c->client_id ? c->client_id_max : c->client_id);
}

static int
set_on_sync_timeout(ib_config *c, const char *v, char *w, size_t cap)
{
	if (strcasecmp(v, "wait") == 0)
		c->on_sync_timeout = IB_TIMEOUT_WAIT;
	else if (strcasecmp(v, "exit") == 0)
		c->on_sync_timeout = IB_TIMEOUT_EXIT;
	else
		return why(w, cap, "'%s': expected wait or exit", v);
	return 0;
}

static const char *const wait_names[] = { [IB_WAIT_BLOCK] = "block", [IB_WAIT_SPIN] = "spin", [IB_WAIT_HYBRID] = "hybrid" };

static int
parse_wait(const char *v, enum ib_wait_mode *out, char *w, size_t cap)
{
	for (size_t i = 0; i < sizeof(wait_names) / sizeof(wait_names[0]); i++)
		if (strcasecmp(v, wait_names[i]) == 0) {
			*out = (enum ib_wait_mode)i;
			return 0;
		}
	return why(w, cap, "'%s': expected block, spin or hybrid", v);
}

static int
set_wait(ib_config *c, const char *v, char *w, size_t cap)
{
	enum ib_wait_mode m = IB_WAIT_BLOCK;

	if (parse_wait(v, &m, w, cap) != 0)
		return -1;
	c->wait_net = c->wait_md = c->wait_account = c->wait_strategy = m;
	return 0;
}

static int
set_wait_net(ib_config *c, const char *v, char *w, size_t cap)
{
	return parse_wait(v, &c->wait_net, w, cap);
}

static int
set_wait_md(ib_config *c, const char *v, char *w, size_t cap)
{
	return parse_wait(v, &c->wait_md, w, cap);
}

static int
set_wait_account(ib_config *c, const char *v, char *w, size_t cap)
{
	return parse_wait(v, &c->wait_account, w, cap);
}

static int
set_wait_strategy(ib_config *c, const char *v, char *w, size_t cap)
{
	return parse_wait(v, &c->wait_strategy, w, cap);
}

/* The market-data thread's: printed before the per-thread lines, which then say the rest. */
static void
show_wait(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", wait_names[c->wait_md]);
}

static void
show_wait_net(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", wait_names[c->wait_net]);
}

static void
show_wait_md(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", wait_names[c->wait_md]);
}

static void
show_wait_account(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", wait_names[c->wait_account]);
}

static void
show_wait_strategy(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", wait_names[c->wait_strategy]);
}

static void
show_on_sync_timeout(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->on_sync_timeout == IB_TIMEOUT_EXIT ? "exit" : "wait");
}

/*
 * A symbols / tbt / depth item's instrument: a bare stock symbol as it is,
 * or a contract spec in canonical form (two spellings of one contract are
 * one item) into spec.  A stock written as a spec (STK:AMBIG, AMBIG@SMART)
 * keeps a spec's form, as it is resolved like any contract; only a bare
 * symbol is quoted by symbol alone, unresolved.  0 with *s, *n pointing at
 * the result, or -1 with w set.
 */
static int
instrument_item(const char **s, size_t *n, char spec[IB_SPEC_BUF], char *w, size_t cap)
{
	ib_contract k;
	int len;

	if (!memchr(*s, ':', *n) && !memchr(*s, '@', *n)) {
		if (!valid_symbol(*s, *n))
			return why(w, cap, "'%.*s' is not a symbol ([A-Z0-9.]{1,23}, upper case, single inner spaces as in "
				   "BRK B) or a contract spec (FUT:ES@CME)", (int)(*n > 40 ? 40 : *n), *s);
		return 0;
	}
	if (ib_spec_parse(*s, *n, &k, w, cap) != IB_OK)
		return -1;
	if ((len = ib_spec_format(&k, spec, IB_SPEC_BUF)) < 0)
		return why(w, cap, "contract spec \"%.*s\": cannot be written back", (int)(*n > 48 ? 48 : *n), *s);
	if (!strchr(spec, ':') && !strchr(spec, '@') && len + 4 < IB_SPEC_BUF) {
		memmove(spec + 4, spec, (size_t)len + 1);
		memcpy(spec, "STK:", 4);
		len += 4;
	}
	if ((size_t)len >= IB_CFG_SYMBOL_LEN)
		return why(w, cap, "contract spec \"%.48s\": longer than %d characters in canonical form", spec,
			   IB_CFG_SYMBOL_LEN - 1);
	*s = spec;
	*n = (size_t)len;
	return 0;
}

/* Symbols are validated in one pass and stored in a second, so a bad list changes nothing. */
struct sym_ctx {
	ib_config *c;
	int n;
	bool store;
};

static int
sym_item(void *ctx, const char *s, size_t n, char *w, size_t cap)
{
	struct sym_ctx *x = ctx;
	char spec[IB_SPEC_BUF];

	if (instrument_item(&s, &n, spec, w, cap) != 0)
		return -1;
	if (!x->store) {
		x->n++;
		return 0;
	}
	for (int i = 0; i < x->n; i++)
		if (strlen(x->c->symbols[i]) == n && memcmp(x->c->symbols[i], s, n) == 0)
			return 0; /* a duplicate: one quote line is enough */
	memcpy(x->c->symbols[x->n], s, n);
	x->c->symbols[x->n][n] = '\0';
	x->n++;
	return 0;
}

static int
set_symbols(ib_config *c, const char *v, char *w, size_t cap)
{
	struct sym_ctx x = { c, 0, false };

	if (each_item(v, sym_item, &x, w, cap) != 0)
		return -1;
	if (x.n > IB_CFG_MAX_SYMBOLS) /* counted before dropping duplicates: a list that long is a mistake anyway */
		return why(w, cap, "%d symbols; at most %d", x.n, IB_CFG_MAX_SYMBOLS);
	x = (struct sym_ctx){ c, 0, true };
	each_item(v, sym_item, &x, w, cap);
	c->nsymbols = x.n;
	return 0;
}

static void
show_symbols(const ib_config *c, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < c->nsymbols && o + 1 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "", c->symbols[i]);
}

static const char *tbt_kinds[] = { "Last", "AllLast", "BidAsk", "MidPoint" };

struct sub_ctx {
	ib_sub subs[IB_CFG_MAX_SUBS];
	int n;
	bool depth;
};

static int
sub_item(void *ctx, const char *s, size_t n, char *w, size_t cap)
{
	struct sub_ctx *x = ctx;
	const char *colon = memrchr(s, ':', n), *sym = s; /* the last colon: a spec holds colons too */
	char val[16], spec[IB_SPEC_BUF];
	ib_sub sub;
	int shown = (int)(n > 40 ? 40 : n);
	size_t symn;

	memset(&sub, 0, sizeof(sub));
	if (colon == NULL)
		return why(w, cap, "'%.*s': expected SYMBOL:%s", shown, s, x->depth ? "ROWS" : "TYPE");
	symn = (size_t)(colon - s);
	if (symn == 0 || (!memchr(s, ':', symn) && !memchr(s, '@', symn) && !valid_symbol(s, symn)))
		return why(w, cap, "'%.*s': the symbol is not [A-Z0-9. ]{1,23} or a contract spec", shown, s);
	if (instrument_item(&sym, &symn, spec, w, cap) != 0)
		return -1;
	size_t vn = n - (size_t)(colon - s) - 1;
	if (vn >= sizeof(val))
		return why(w, cap, "'%.*s': value too long", shown, s);
	memcpy(val, colon + 1, vn);
	val[vn] = '\0';
	memcpy(sub.symbol, sym, symn);
	if (x->depth) {
		long long rows;
		if (parse_int(val, 1, 50, &rows, w, cap) != 0)
			return why(w, cap, "'%.*s': rows must be a whole number 1..50", shown, s);
		sub.rows = (int)rows;
	} else {
		int k;
		for (k = 0; k < 4 && strcasecmp(val, tbt_kinds[k]) != 0; k++)
			;
		if (k == 4)
			return why(w, cap, "'%.*s': type must be Last, AllLast, BidAsk or MidPoint", shown, s);
		ib_strlcpy(sub.kind, tbt_kinds[k], sizeof(sub.kind));
	}
	for (int i = 0; i < x->n; i++) {
		if (strcmp(x->subs[i].symbol, sub.symbol) != 0)
			continue;
		if (!x->depth && strcmp(x->subs[i].kind, sub.kind) != 0)
			continue; /* BidAsk and AllLast on one symbol are two feeds */
		if (x->depth && x->subs[i].rows != sub.rows)
			return why(w, cap, "%s is listed twice with different rows", sub.symbol);
		return 0; /* an exact duplicate */
	}
	if (x->n >= IB_CFG_MAX_SUBS)
		return why(w, cap, "more than %d subscriptions", IB_CFG_MAX_SUBS);
	x->subs[x->n++] = sub;
	return 0;
}

static int
set_subs(ib_sub *subs, int *nsubs, bool is_depth, const char *v, char *w, size_t cap)
{
	struct sub_ctx x;

	x.n = 0;
	x.depth = is_depth;
	if (each_item(v, sub_item, &x, w, cap) != 0)
		return -1;
	memcpy(subs, x.subs, sizeof(x.subs[0]) * (size_t)x.n);
	*nsubs = x.n;
	return 0;
}

int
ib_config_add_sub(ib_config *c, bool is_depth, const char *item, char *err, size_t errlen)
{
	struct sub_ctx x;
	ib_sub *subs = is_depth ? c->depth : c->tbt;
	int *n = is_depth ? &c->ndepth : &c->ntbt;
	int limit = is_depth ? c->max_depth : c->max_tbt;
	const char *key = is_depth ? "depth" : "tbt";
	char w[200];

	x.n = *n;
	x.depth = is_depth;
	memcpy(x.subs, subs, sizeof(x.subs[0]) * (size_t)x.n);
	if (sub_item(&x, item, strlen(item), w, sizeof(w)) != 0) {
		snprintf(err, errlen, "key '%s': %s", key, w);
		return -1;
	}
	if (x.n > limit) {
		snprintf(err, errlen, "key '%s': adding %s makes %d subscriptions but max_%s is %d (IB refuses the excess)",
			 key, item, x.n, key, limit);
		return -1;
	}
	memcpy(subs, x.subs, sizeof(x.subs[0]) * (size_t)x.n);
	*n = x.n;
	return 0;
}

static int
set_tbt(ib_config *c, const char *v, char *w, size_t cap)
{
	return set_subs(c->tbt, &c->ntbt, false, v, w, cap);
}

static int
set_depth(ib_config *c, const char *v, char *w, size_t cap)
{
	return set_subs(c->depth, &c->ndepth, true, v, w, cap);
}

static void
show_subs(const ib_sub *subs, int n, bool is_depth, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < n && o + 1 < cap; i++) {
		if (is_depth)
			o += (size_t)snprintf(out + o, cap - o, "%s%s:%d", i ? "," : "", subs[i].symbol, subs[i].rows);
		else
			o += (size_t)snprintf(out + o, cap - o, "%s%s:%s", i ? "," : "", subs[i].symbol, subs[i].kind);
	}
}

static void
show_tbt(const ib_config *c, char *out, size_t cap)
{
	show_subs(c->tbt, c->ntbt, false, out, cap);
}

static void
show_depth(const ib_config *c, char *out, size_t cap)
{
	show_subs(c->depth, c->ndepth, true, out, cap);
}

static int
set_bars(ib_config *c, const char *v, char *w, size_t cap)
{
	return ib_bar_list_parse(v, c->bars, IB_CFG_MAX_BARS, &c->nbars, w, cap) == IB_OK ? 0 : -1;
}

static void
show_bars(const ib_config *c, char *out, size_t cap)
{
	ib_bar_list_show(c->bars, c->nbars, out, cap);
}

static int
set_strategy(ib_config *c, const char *v, char *w, size_t cap)
{
	/* Which names exist is the registry's (strategies/registry.c, checked before the pipeline is
	   built): config/ sits below the boxes it configures.  Here only the shape. */
	if (ib_strategy_value_check(v, w, cap) != 0)
		return -1;
	ib_strlcpy(c->strategy, v, sizeof(c->strategy));
	return 0;
}

/* A count (N threads of `strategy`, as before the SDK) or a list of what runs. */
static int
set_strategies(ib_config *c, const char *v, char *w, size_t cap)
{
	ib_strategy_item items[64];
	char *end;

	if ((*v >= '0' && *v <= '9') || *v == '-' || *v == '+') {
		long n = strtol(v, &end, 10);
		if (*end != '\0' || n < 0 || n > 64)
			return why(w, cap, "'%s': expected 0-64 or NAME [xN], ... (momentum.so x2, example)", v);
		c->strategies = (int)n;
		c->strategy_list[0] = '\0';
		return 0;
	}
	if (strlen(v) >= sizeof(c->strategy_list))
		return why(w, cap, "'%.40s...': longer than %zu bytes", v, sizeof(c->strategy_list) - 1);
	int n = ib_strategy_list_parse(v, items, 64, w, cap);
	if (n < 0)
		return -1;
	int total = 0;
	for (int i = 0; i < n; i++)
		total += items[i].count;
	c->strategies = total;
	ib_strlcpy(c->strategy_list, v, sizeof(c->strategy_list));
	return 0;
}

static void
show_strategies(const ib_config *c, char *out, size_t cap)
{
	if (c->strategy_list[0])
		snprintf(out, cap, "%s", c->strategy_list);
	else
		snprintf(out, cap, "%d", c->strategies);
}

/* Each value (or comma-list of them) adds a parameter; the same STRATEGY.KEY again replaces it, so a
   flag given after the config file wins, as every other setting does. */
static int
set_param(ib_config *c, const char *v, char *w, size_t cap)
{
	ib_cfg_param got[IB_CFG_MAX_PARAMS];
	int n = 0;
	char buf[1024];

	if (strlen(v) >= sizeof(buf))
		return why(w, cap, "'%.40s...': longer than %zu bytes", v, sizeof(buf) - 1);
	if (*v == '\0') {   /* empty clears, as for symbols */
		c->nparams = 0;
		return 0;
	}
	ib_strlcpy(buf, v, sizeof(buf));
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (n == IB_CFG_MAX_PARAMS)
			return why(w, cap, "more than %d parameters", IB_CFG_MAX_PARAMS);
		if (ib_param_parse(t, &got[n], w, cap) != 0)
			return -1;
		n++;
	}
	if (n == 0)
		return why(w, cap, "'%s': expected STRATEGY.KEY=VALUE (momentum.window=20)", v);
	/* all or nothing: a refused value changes nothing */
	int room = c->nparams;
	for (int i = 0; i < n; i++) {
		int j = 0;
		while (j < c->nparams && (strcmp(c->params[j].strategy, got[i].strategy) != 0 || strcmp(c->params[j].key, got[i].key) != 0))
			j++;
		if (j == c->nparams)
			room++;
	}
	if (room > IB_CFG_MAX_PARAMS)
		return why(w, cap, "more than %d parameters", IB_CFG_MAX_PARAMS);
	for (int i = 0; i < n; i++) {
		int j = 0;
		while (j < c->nparams && (strcmp(c->params[j].strategy, got[i].strategy) != 0 || strcmp(c->params[j].key, got[i].key) != 0))
			j++;
		c->params[j] = got[i];
		if (j == c->nparams)
			c->nparams++;
	}
	return 0;
}

static void
show_param(const ib_config *c, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < c->nparams && len < cap; i++) {
		int k = snprintf(out + len, cap - len, "%s%s.%s=%s", i ? "," : "", c->params[i].strategy, c->params[i].key,
				 c->params[i].value);
		if (k < 0)
			break;
		len += (size_t)k;
	}
}

static void
show_strategy(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->strategy);
}

static int
set_redis_url(ib_config *c, const char *v, char *w, size_t cap)
{
	ib_redis_url u;
	char perr[160];

	/* Never echo the value: a malformed URL may still carry a password. */
	if (strlen(v) >= sizeof(c->redis_url))
		return why(w, cap, "longer than %zu characters", sizeof(c->redis_url) - 1);
	if (ib_redis_url_parse(v, &u, perr, sizeof(perr)) != IB_OK)
		return why(w, cap, "%s (expected redis://HOST[:PORT][/DB] or unix:/path)", perr);
	if (u.password[0]) {
		memset(&u, 0, sizeof(u));
		return why(w, cap, "the URL carries a password; %s", password_rule);
	}
	ib_strlcpy(c->redis_url, v, sizeof(c->redis_url));
	return 0;
}

static void
show_redis_url(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->redis_url);
}

static int
set_redis_prefix(ib_config *c, const char *v, char *w, size_t cap)
{
	size_t n = strlen(v);

	if (n == 0 || n > 31 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
		return why(w, cap, "'%s': expected [A-Za-z0-9_.-]{1,31}", v);
	ib_strlcpy(c->redis_prefix, v, sizeof(c->redis_prefix));
	return 0;
}

static void
show_redis_prefix(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->redis_prefix);
}

static int
set_redis_sentinels(ib_config *c, const char *v, char *w, size_t cap)
{
	ib_sentinels s;
	char perr[200];

	if (strlen(v) >= sizeof(c->redis_sentinels))
		return why(w, cap, "longer than %zu characters", sizeof(c->redis_sentinels) - 1);
	if (*v && ib_sentinels_parse(v, &s, perr, sizeof(perr)) != IB_OK)
		return why(w, cap, "%s (expected HOST:PORT,HOST:PORT,...)", perr);
	ib_strlcpy(c->redis_sentinels, v, sizeof(c->redis_sentinels));
	return 0;
}

static void
show_redis_sentinels(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->redis_sentinels);
}

static int
set_redis_master(ib_config *c, const char *v, char *w, size_t cap)
{
	char perr[160];

	if (*v && ib_sentinel_master_name_check(v, perr, sizeof(perr)) != IB_OK)
		return why(w, cap, "%s", perr);
	ib_strlcpy(c->redis_master, v, sizeof(c->redis_master));
	return 0;
}

static void
show_redis_master(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->redis_master);
}

/*
 * The first line of the file, without its line end; the file is read now,
 * once.  An empty first line is an empty password (no AUTH), so a unit can
 * always pass a credential file, empty for a Redis without requirepass.
 */
static int
set_redis_password_file(ib_config *c, const char *v, char *w, size_t cap)
{
	char line[sizeof(c->redis_password) + 2];
	FILE *f;
	size_t n;

	if (*v == '\0') { /* empty: forget the file (and what came from it) */
		if (c->redis_password_file[0])
			memset(c->redis_password, 0, sizeof(c->redis_password));
		c->redis_password_file[0] = '\0';
		return 0;
	}
	if (strlen(v) >= sizeof(c->redis_password_file))
		return why(w, cap, "path longer than %zu characters", sizeof(c->redis_password_file) - 1);
	if ((f = fopen(v, "r")) == NULL)
		return why(w, cap, "cannot read %s: %s", v, strerror(errno));
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	n = strcspn(line, "\r\n");
	/* An empty file means "no password": the systemd unit always passes one (LoadCredential=). */
	if (n >= sizeof(c->redis_password)) {
		memset(line, 0, sizeof(line));
		return why(w, cap, "%s: the password is longer than %zu bytes", v, sizeof(c->redis_password) - 1);
	}
	memset(c->redis_password, 0, sizeof(c->redis_password));
	memcpy(c->redis_password, line, n);
	memset(line, 0, sizeof(line));
	ib_strlcpy(c->redis_password_file, v, sizeof(c->redis_password_file));
	return 0;
}

static void
show_redis_password_file(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->redis_password_file);
}

static int
set_log_level(ib_config *c, const char *v, char *w, size_t cap)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	enum ib_log_level l;

	if (ib_log_level_parse(v, &l) != 0)
		return why(w, cap, "'%s': expected debug, info, warn or error", v);
	ib_strlcpy(c->log_level, names[l], sizeof(c->log_level));
	return 0;
}

static void
show_log_level(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->log_level);
}

static int
set_log_format(ib_config *c, const char *v, char *w, size_t cap)
{
	if (strcasecmp(v, "text") == 0)
		ib_strlcpy(c->log_format, "text", sizeof(c->log_format));
	else if (strcasecmp(v, "json") == 0)
		ib_strlcpy(c->log_format, "json", sizeof(c->log_format));
	else
		return why(w, cap, "'%s': expected text or json", v);
	return 0;
}

static void
show_log_format(const ib_config *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s", c->log_format);
}

/* ---- the generic part ---- */

/* Shortest decimal that reads back as the same double, so a printed config loads back unchanged. */
static void
show_double(double d, char *out, size_t cap)
{
	for (int prec = 6; prec <= 17; prec++) {
		double back;
		snprintf(out, cap, "%.*g", prec, d);
		if (ib_parse_f64(out, strlen(out), &back) == IB_OK && back == d)
			return;
	}
}

static void
show_key(const ib_config *c, const struct key *k, char *out, size_t cap)
{
	const char *field = (const char *)c + k->off;

	switch (k->kind) {
	case K_STR: snprintf(out, cap, "%s", field); break;
	case K_INT: snprintf(out, cap, "%d", *(const int *)field); break;
	case K_DBL: show_double(*(const double *)field, out, cap); break;
	case K_BOOL: snprintf(out, cap, "%s", *(const bool *)field ? "true" : "false"); break;
	case K_SPECIAL: k->show(c, out, cap); break;
	}
}

static int
set_key(ib_config *c, const struct key *k, const char *v, char *w, size_t cap)
{
	char *field = (char *)c + k->off;
	long long iv = 0;
	double dv = 0;
	bool bv;

	switch (k->kind) {
	case K_STR:
		if (strlen(v) >= k->size)
			return why(w, cap, "longer than %zu characters", k->size - 1);
		ib_strlcpy(field, v, k->size);
		return 0;
	case K_INT:
		if (parse_int(v, (long long)k->lo, (long long)k->hi, &iv, w, cap) != 0)
			return -1;
		*(int *)field = (int)iv;
		return 0;
	case K_DBL:
		if (parse_num(v, k->lo, k->hi, &dv, w, cap) != 0)
			return -1;
		*(double *)field = dv;
		return 0;
	case K_BOOL:
		if (parse_bool(v, &bv) != 0)
			return why(w, cap, "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", v);
		*(bool *)field = bv;
		return 0;
	case K_SPECIAL:
		return k->set(c, v, w, cap);
	}
	return -1;
}

int
ib_config_set(ib_config *c, const char *key, const char *value, char *err, size_t errlen)
{
	char k[KEY_MAX], w[400];
	const struct key *d;

	if (!normalize_key(key, strlen(key), k, sizeof(k))) {
		snprintf(err, errlen, "unknown key '%.*s'", KEY_MAX, key);
		return -1;
	}
	if (strcmp(k, "redis_password") == 0) {
		snprintf(err, errlen, "key 'redis_password': %s", password_rule);
		return -1;
	}
	if ((d = find_key(k)) == NULL) {
		snprintf(err, errlen, "unknown key '%s'", k);
		return -1;
	}
	if (set_key(c, d, value, w, sizeof(w)) != 0) {
		snprintf(err, errlen, "key '%s': %s", k, w);
		return -1;
	}
	if (strcmp(d->name, "client_id") == 0 && c->client_id_max < c->client_id)
		c->client_id_max = c->client_id; /* a lone --client-id is a range of one */
	return 0;
}

int
ib_config_validate(ib_config *c, char *err, size_t errlen)
{
	/* Only relations between keys here; each key's own range was checked when it was set. */
	if (c->reconnect_max_ms < c->reconnect_min_ms)
		c->reconnect_max_ms = c->reconnect_min_ms;
	if (c->client_id_max < c->client_id)
		c->client_id_max = c->client_id;
	if (c->ntbt > c->max_tbt) {
		snprintf(err, errlen, "key 'tbt': %d subscriptions but max_tbt is %d (IB refuses the excess)", c->ntbt,
			 c->max_tbt);
		return -1;
	}
	if (c->ndepth > c->max_depth) {
		snprintf(err, errlen, "key 'depth': %d subscriptions but max_depth is %d (IB refuses the excess)",
			 c->ndepth, c->max_depth);
		return -1;
	}
	if (c->redis_sentinels[0] && (c->redis_master[0] == '\0' || strncmp(c->redis_url, "unix:", 5) == 0)) {
		snprintf(err, errlen, "key 'redis_sentinels': %s", c->redis_master[0] ? "the sentinels name a TCP master: "
			 "redis_url must be redis://... (only its user and db are used)" : "needs redis_master, the name "
			 "the sentinels monitor");
		return -1;
	}
	return 0;
}

/* Trim in place; returns the start. */
static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

#define FILE_MAX (1u << 20) /* no real config is near this; /dev/zero and friends stop here */

/*
 * One line into line[cap] without its '\n'.  1: a line, 0: end of file,
 * -1: why says what is wrong.  A NUL byte would cut the line as a C string
 * without a word, so it and the other control characters are refused, not
 * read past; so are a line or a file too long (/dev/zero ends here, at once).
 */
static int
read_line(FILE *f, char *line, size_t cap, size_t *total, char *why_, size_t wcap)
{
	size_t n = 0;
	int ch;

	line[0] = '\0';
	while ((ch = getc(f)) != EOF) {
		if (++*total > FILE_MAX) {
			why(why_, wcap, "file larger than %u bytes (not a config file?)", FILE_MAX);
			return -1;
		}
		if (ch == '\n')
			break;
		if (ch < 0x20 && ch != '\t' && ch != '\r') {
			why(why_, wcap, "byte %zu is a control character (0x%02x): a config file is text", n + 1,
			    (unsigned)ch);
			return -1;
		}
		if (n + 1 >= cap) {
			why(why_, wcap, "line longer than %zu characters", cap - 1);
			return -1;
		}
		line[n++] = (char)ch;
	}
	if (ch == EOF && ferror(f)) {
		why(why_, wcap, "read error: %s", strerror(errno));
		return -1;
	}
	line[n] = '\0';
	return ch == EOF && n == 0 ? 0 : 1;
}

int
ib_config_load_file(ib_config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[8191] = "", inner[512], bad[160]; /* zeroed: the analyzer cannot see getc fill it */
	size_t total = 0;
	int lineno = 0, got;

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while ((got = read_line(f, line, sizeof(line), &total, bad, sizeof(bad))) != 0) {
		char *p = line, *eq, *k, *v;
		size_t n;

		lineno++;
		if (got < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, bad);
			goto fail;
		}
		if (lineno == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
			p += 3; /* a UTF-8 byte-order mark some editors add */
		p = trim(p);
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		/* `value  # note`: a '#' after a blank starts a comment; no value we take contains " #" */
		for (char *h = strchr(p, '#'); h; h = strchr(h + 1, '#'))
			if (isspace((unsigned char)h[-1])) {
				*h = '\0';
				break;
			}
		if ((eq = strchr(p, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value', got '%.60s'", path, lineno, p);
			goto fail;
		}
		*eq = '\0';
		k = trim(p);
		v = trim(eq + 1);
		n = strlen(v);
		if (n >= 2 && ((v[0] == '"' && v[n - 1] == '"') || (v[0] == '\'' && v[n - 1] == '\''))) {
			v[n - 1] = '\0';
			v++;
		}
		if (*k == '\0') {
			snprintf(err, errlen, "%s:%d: a value with no key", path, lineno);
			goto fail;
		}
		if (ib_config_set(c, k, v, inner, sizeof(inner)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, inner);
			goto fail;
		}
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	return -1;
}

/* IBPIPE_SYNC_TIMEOUT from sync_timeout. */
static void
env_name(const char *key, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "IBPIPE_");

	for (; *key && o + 1 < cap; key++)
		out[o++] = (char)toupper((unsigned char)*key);
	out[o] = '\0';
}

int
ib_config_load_env(ib_config *c, char *err, size_t errlen)
{
	char name[KEY_MAX + 8], inner[512];
	const char *v;

	/* Table order, not environ order: the outcome must not depend on how the environment was built. */
	for (size_t i = 0; i < NKEYS; i++) {
		env_name(keys[i].name, name, sizeof(name));
		if ((v = getenv(name)) == NULL || *v == '\0') /* empty counts as unset (compose's ${X:-}) */
			continue;
		if (ib_config_set(c, keys[i].name, v, inner, sizeof(inner)) != 0) {
			snprintf(err, errlen, "%s: %s", name, inner);
			return -1;
		}
	}
	if ((v = getenv("IBPIPE_REDIS_PASSWORD")) != NULL && *v) {
		if (strlen(v) >= sizeof(c->redis_password)) {
			snprintf(err, errlen, "IBPIPE_REDIS_PASSWORD: longer than %zu bytes", sizeof(c->redis_password) - 1);
			return -1;
		}
		memset(c->redis_password, 0, sizeof(c->redis_password));
		ib_strlcpy(c->redis_password, v, sizeof(c->redis_password));
	}
	if ((v = getenv("IBPIPE_REDIS_SENTINEL_PASSWORD")) != NULL && *v) {
		if (strlen(v) >= sizeof(c->redis_sentinel_password)) {
			snprintf(err, errlen, "IBPIPE_REDIS_SENTINEL_PASSWORD: longer than %zu bytes",
				 sizeof(c->redis_sentinel_password) - 1);
			return -1;
		}
		ib_strlcpy(c->redis_sentinel_password, v, sizeof(c->redis_sentinel_password));
	}
	/* A misspelt variable would otherwise be silently ignored. */
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char k[KEY_MAX];
		if (strncmp(*e, "IBPIPE_", 7) != 0 || eq == NULL)
			continue;
		if (!normalize_key(*e + 7, (size_t)(eq - *e) - 7, k, sizeof(k))) {
			snprintf(err, errlen, "%.*s: unknown key (not an ibpipe setting)", (int)(eq - *e), *e);
			return -1;
		}
		if (find_key(k) || strcmp(k, "config") == 0 || strcmp(k, "redis_password") == 0 ||
		    strcmp(k, "redis_sentinel_password") == 0)
			continue;
		snprintf(err, errlen, "%.*s: unknown key '%s'", (int)(eq - *e), *e, k);
		return -1;
	}
	return 0;
}

/*
 * systemd's LoadCredential=redis.password:...: with no password from the file or the
 * environment, $CREDENTIALS_DIRECTORY/redis.password is the password file, for `run`, `status`
 * and `probe` alike, so a unit needs no shell to pass it on.  A flag may still name another.
 */
static int
credential_password(ib_config *c, char *err, size_t errlen)
{
	const char *d = getenv("CREDENTIALS_DIRECTORY");
	char path[sizeof(c->redis_password_file)], inner[512];

	if (c->redis_password_file[0] || c->redis_password[0] || d == NULL || *d == '\0')
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/redis.password", d) >= sizeof(path) || access(path, F_OK) != 0)
		return 0;
	if (ib_config_set(c, "redis_password_file", path, inner, sizeof(inner)) != 0) {
		snprintf(err, errlen, "$CREDENTIALS_DIRECTORY: %s", inner);
		return -1;
	}
	return 0;
}

int
ib_config_from_args(ib_config *c, int argc, char **argv, char **rest, int maxrest, int *nrest, char *err,
		    size_t errlen)
{
	const char *file = getenv("IBPIPE_CONFIG");
	char inner[512];
	bool options = true;

	ib_config_defaults(c);
	*nrest = 0;
	/* The file comes first whatever its place among the flags. */
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "--config: needs a file name");
				return -1;
			}
			file = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			file = argv[i] + 9;
		}
	}
	if (file && *file && ib_config_load_file(c, file, err, errlen) != 0)
		return -1;
	if (ib_config_load_env(c, err, errlen) != 0)
		return -1;
	if (credential_password(c, err, errlen) != 0)
		return -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val;
		char name[KEY_MAX];
		const struct key *k;
		size_t n;

		if (!options || strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (options && strcmp(a, "--") == 0) {
				options = false;
				continue;
			}
			if (*nrest < maxrest)
				rest[(*nrest)++] = argv[i];
			continue;
		}
		a += 2;
		val = strchr(a, '=');
		n = val ? (size_t)(val - a) : strlen(a);
		if (!normalize_key(a, n, name, sizeof(name))) {
			snprintf(err, errlen, "--%.*s: unknown key (`ibpipe run --help` lists them)", KEY_MAX, a);
			return -1;
		}
		if (strcmp(name, "config") == 0) {
			i += val ? 0 : 1;
			continue;
		}
		k = find_key(name);
		if (k == NULL && strncmp(name, "no_", 3) == 0 && (k = find_key(name + 3)) != NULL) {
			/* --no-redis, --no-readonly: only for booleans and only bare */
			if (k->kind != K_BOOL || val) {
				snprintf(err, errlen, "--%.*s: --no- is only for boolean keys, without a value", (int)n, a);
				return -1;
			}
			if (ib_config_set(c, k->name, "false", inner, sizeof(inner)) != 0)
				goto fail;
			continue;
		}
		if (k == NULL) {
			/* ib_config_set words it: unknown key, or why the password key is refused */
			ib_config_set(c, name, "", inner, sizeof(inner));
			snprintf(err, errlen, "--%.*s: %s%s", (int)n, a, inner,
				 strcmp(name, "redis_password") ? " (`ibpipe run --help` lists them)" : "");
			return -1;
		}
		if (val) {
			val++;
		} else if (k->kind == K_BOOL) {
			bool ignored;
			/* a bare --readonly means true; --readonly false is taken too */
			if (i + 1 < argc && parse_bool(argv[i + 1], &ignored) == 0)
				val = argv[++i];
			else
				val = "true";
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			snprintf(err, errlen, "--%s: key '%s': needs a value", a, k->name);
			return -1;
		}
		if (ib_config_set(c, k->name, val, inner, sizeof(inner)) != 0) {
			snprintf(err, errlen, "--%.*s: %s", (int)n, a, inner);
			return -1;
		}
	}
	return ib_config_validate(c, err, errlen);
fail:
	snprintf(err, errlen, "%s", inner);
	return -1;
}

void
ib_config_print(const ib_config *c, void *file)
{
	FILE *f = file;
	char v[IB_CFG_MAX_SYMBOLS * IB_CFG_SYMBOL_LEN];

	for (size_t i = 0; i < NKEYS; i++) {
		show_key(c, &keys[i], v, sizeof(v));
		fprintf(f, "%s = %s\n", keys[i].name, v);
	}
	/* A comment, so the output loads back as a config file. */
	fprintf(f, "# redis_password = %s\n", c->redis_password[0] ? "(set)" : "(unset)");
}

void
ib_config_usage(void *file)
{
	FILE *f = file;
	ib_config d;
	char def[64];

	ib_config_defaults(&d);
	fprintf(f, "  %-24s %-30s %s\n", "flag", "environment", "meaning [default]");
	for (size_t i = 0; i < NKEYS; i++) {
		char flag[KEY_MAX + 2], env[KEY_MAX + 8];
		size_t n = strlen(keys[i].name);
		flag[0] = flag[1] = '-';
		for (size_t j = 0; j <= n; j++)
			flag[2 + j] = keys[i].name[j] == '_' ? '-' : keys[i].name[j];
		env_name(keys[i].name, env, sizeof(env));
		show_key(&d, &keys[i], def, sizeof(def));
		if (def[0] == '\0')
			ib_strlcpy(def, "none", sizeof(def));
		else if (strlen(def) > 40)
			ib_strlcpy(def + 37, "...", sizeof(def) - 37);
		fprintf(f, "  %-24s %-30s %s [%s]\n", flag, env, keys[i].help, def);
	}
	fprintf(f, "\n  --config FILE (or IBPIPE_CONFIG): `key = value` lines, # comments.  Precedence, lowest first:\n"
		   "  defaults < file < IBPIPE_<KEY> environment < --key VALUE / --key=VALUE flags.  Booleans also\n"
		   "  take a bare --key (true) and --no-<key> (false).  The Redis password comes only from env\n"
		   "  IBPIPE_REDIS_PASSWORD or redis_password_file, never from a file key or a flag.\n");
}
