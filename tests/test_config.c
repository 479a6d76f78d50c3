/*
 * test_config.c - the settings contract: defaults, the precedence chain
 * (defaults < file < IBPIPE_* env < flags), every key's refusals naming
 * the key, file errors naming file and line, the password rules, and that
 * ib_config_print output loads back unchanged.
 *
 * The suite saves and clears every IBPIPE_* variable before it runs and
 * puts them back afterwards; each test restores what it set.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "testutil.h"

static char tmpdir[64];
static char written[32][256]; /* removed by suite_cleanup */
static int nwritten;

/* ---- environment bookkeeping ---- */

#define MAX_SAVED 64
static struct {
	char *name, *value; /* value NULL: was unset */
} saved[MAX_SAVED];
static int nsaved;
static __typeof__(saved[0]) suite_saved[MAX_SAVED];
static int nsuite_saved;

/* setenv that remembers the previous value for env_restore(); val NULL unsets. */
static void
env_set(const char *name, const char *val)
{
	const char *old = getenv(name);

	if (nsaved < MAX_SAVED) {
		saved[nsaved].name = strdup(name);
		saved[nsaved].value = old ? strdup(old) : NULL;
		nsaved++;
	}
	if (val)
		setenv(name, val, 1);
	else
		unsetenv(name);
}

static void
env_restore(void)
{
	while (nsaved > 0) {
		nsaved--;
		if (saved[nsaved].value)
			setenv(saved[nsaved].name, saved[nsaved].value, 1);
		else
			unsetenv(saved[nsaved].name);
		free(saved[nsaved].name);
		free(saved[nsaved].value);
	}
}

static int
suite_init(void)
{
	extern char **environ;
	char names[MAX_SAVED][128];
	int n = 0;

	/* A developer's own IBPIPE_CONFIG or IBPIPE_PORT must not leak into the expectations. */
	for (char **e = environ; *e && n < MAX_SAVED; e++) {
		const char *eq = strchr(*e, '=');
		if (strncmp(*e, "IBPIPE_", 7) == 0 && eq && (size_t)(eq - *e) < sizeof(names[0])) {
			memcpy(names[n], *e, (size_t)(eq - *e));
			names[n++][eq - *e] = '\0';
		}
	}
	for (int i = 0; i < n; i++)
		env_set(names[i], NULL);
	/* move them aside: per-test env_restore() must not bring them back early */
	memcpy(suite_saved, saved, sizeof(saved[0]) * (size_t)nsaved);
	nsuite_saved = nsaved;
	nsaved = 0;
	return 0;
}

static int
suite_cleanup(void)
{
	for (int i = 0; i < nwritten; i++)
		unlink(written[i]);
	if (tmpdir[0])
		rmdir(tmpdir);
	env_restore();
	memcpy(saved, suite_saved, sizeof(saved[0]) * (size_t)nsuite_saved);
	nsaved = nsuite_saved;
	env_restore();
	return 0;
}

/* ---- helpers ---- */

static const char *
write_file(const char *name, const char *text)
{
	static char paths[4][256];
	static unsigned next;
	char *p = paths[next++ % 4];
	FILE *f;

	if (!tmpdir[0])
		snprintf(tmpdir, sizeof(tmpdir), "%s", tu_tmpdir());
	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	if (nwritten < 32)
		snprintf(written[nwritten++], sizeof(written[0]), "%s", p);
	f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* ib_config_print into a malloc'd string. */
static char *
printed(const ib_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ib_config_print(c, f);
	fclose(f);
	return buf;
}

static char *
usage_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ib_config_usage(f);
	fclose(f);
	return buf;
}

/* from_args on a NULL-terminated list of strings. */
static int
from_args(ib_config *c, char *err, size_t errlen, const char **args, char **rest, int *nrest)
{
	char *argv[64], *dummy[8];
	int argc = 0, dn;

	while (args && args[argc] && argc < 63) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	err[0] = '\0';
	return ib_config_from_args(c, argc, argv, rest ? rest : dummy, 8, nrest ? nrest : &dn, err, errlen);
}

/* ---- tests ---- */

static void
test_defaults(void)
{
	ib_config c;

	ib_config_defaults(&c);
	CU_ASSERT_STRING_EQUAL(c.host, "127.0.0.1");
	CU_ASSERT_EQUAL(c.port, 4002);
	CU_ASSERT_EQUAL(c.client_id, 1);
	CU_ASSERT_EQUAL(c.client_id_max, 1);
	CU_ASSERT_FALSE(c.readonly);
	CU_ASSERT_EQUAL(c.connect_timeout_ms, 5000);
	CU_ASSERT_EQUAL(c.reconnect_min_ms, 500);
	CU_ASSERT_EQUAL(c.reconnect_max_ms, 30000);
	CU_ASSERT_EQUAL(c.pacing_per_s, 50);
	CU_ASSERT_DOUBLE_EQUAL(c.sync_timeout_s, 30, 0);
	CU_ASSERT_EQUAL(c.on_sync_timeout, IB_TIMEOUT_WAIT);
	CU_ASSERT_TRUE(c.require_download_end);
	CU_ASSERT_EQUAL(c.download_quiet_ms, 3000);
	CU_ASSERT_EQUAL_FATAL(c.nsymbols, 3);
	CU_ASSERT_STRING_EQUAL(c.symbols[0], "AAPL");
	CU_ASSERT_STRING_EQUAL(c.symbols[1], "MSFT");
	CU_ASSERT_STRING_EQUAL(c.symbols[2], "NVDA");
	CU_ASSERT_EQUAL(c.market_data_type, 1);
	CU_ASSERT_EQUAL(c.ntbt, 0);
	CU_ASSERT_EQUAL(c.ndepth, 0);
	CU_ASSERT_EQUAL(c.max_tbt, 3);
	CU_ASSERT_EQUAL(c.max_depth, 3);
	CU_ASSERT_EQUAL(c.strategies, 1);
	CU_ASSERT_STRING_EQUAL(c.strategy, "example");
	CU_ASSERT_DOUBLE_EQUAL(c.risk.max_order_qty, 1000, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.risk.max_position, 0, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.risk.max_notional, 0, 0);
	CU_ASSERT_EQUAL(c.risk.max_open_orders, 0);
	CU_ASSERT_EQUAL(c.risk.max_orders_per_s, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.risk.price_collar_pct, 0, 0);
	CU_ASSERT_STRING_EQUAL(c.state_dir, "/var/lib/ibpipe");
	CU_ASSERT_TRUE(c.redis);
	CU_ASSERT_STRING_EQUAL(c.redis_url, "redis://127.0.0.1:6379");
	CU_ASSERT_STRING_EQUAL(c.redis_prefix, "ibpipe");
	CU_ASSERT_STRING_EQUAL(c.redis_password, "");
	CU_ASSERT_STRING_EQUAL(c.record, "");
	CU_ASSERT_STRING_EQUAL(c.log_level, "info");
	CU_ASSERT_STRING_EQUAL(c.log_format, "text");
	CU_ASSERT_FALSE(c.progress);
	CU_ASSERT_DOUBLE_EQUAL(c.run_seconds, 0, 0);
}

/* One key through all three layers: each layer beats the one below it. */
static void
test_precedence(void)
{
	const char *file = write_file("prec.conf", "port = 4100\nredis_prefix = fromfile\nreadonly = true\n");
	const char *cfg_args[] = { "--config", file, NULL };
	const char *flag_args[] = { "--config", file, "--port", "4300", "--redis-prefix=fromflag", "--no-readonly", NULL };
	ib_config c;
	char err[512];

	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.port, 4002); /* defaults only */

	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), cfg_args, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.port, 4100); /* file over default */
	CU_ASSERT_STRING_EQUAL(c.redis_prefix, "fromfile");
	CU_ASSERT_TRUE(c.readonly);

	env_set("IBPIPE_PORT", "4200");
	env_set("IBPIPE_REDIS_PREFIX", "fromenv");
	env_set("IBPIPE_READONLY", "no");
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), cfg_args, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.port, 4200); /* env over file */
	CU_ASSERT_STRING_EQUAL(c.redis_prefix, "fromenv");
	CU_ASSERT_FALSE(c.readonly);

	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), flag_args, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.port, 4300); /* flag over env */
	CU_ASSERT_STRING_EQUAL(c.redis_prefix, "fromflag");
	CU_ASSERT_FALSE(c.readonly);
	const char *bare[] = { "--config", file, "--readonly", NULL };
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), bare, NULL, NULL), 0);
	CU_ASSERT_TRUE(c.readonly); /* a bare flag over env "no" */
	env_restore();

	/* IBPIPE_CONFIG names the file when --config does not; --config wins when both do. */
	const char *other = write_file("prec2.conf", "port = 4111\n");
	env_set("IBPIPE_CONFIG", other);
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.port, 4111);
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), cfg_args, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.port, 4100);
	/* the file is read before env even when --config comes after other flags */
	const char *late[] = { "--port", "4301", "--config", file, NULL };
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), late, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.port, 4301);
	env_restore();

	/* env: table order makes the outcome independent of environ order; gateway covers host and port */
	env_set("IBPIPE_GATEWAY", "10.0.0.5:4001");
	env_set("IBPIPE_PORT", "4999");
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), NULL, NULL, NULL), 0);
	CU_ASSERT_STRING_EQUAL(c.host, "10.0.0.5");
	CU_ASSERT_EQUAL(c.port, 4001);
	env_restore();

	/* an empty variable counts as unset (compose passes ${X:-} as "") */
	env_set("IBPIPE_PORT", "");
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.port, 4002);
	env_restore();
}

struct bad {
	const char *key, *value;
};

/* At least one refused value per key; the loop below checks every printed key has one. */
static const struct bad bads[] = {
	{ "host", "" },
	{ "host", "a b" },
	{ "port", "0" },
	{ "port", "65536" },
	{ "port", "x" },
	{ "port", "4002x" },
	{ "port", "" },
	{ "port", " 4002" },
	{ "port", "-4002" },
	{ "port", "99999999999999999999999" },
	{ "gateway", "nohost" },
	{ "gateway", "h:0" },
	{ "gateway", "h:x" },
	{ "gateway", ":4002" },
	{ "gateway", "::1:4002" },
	{ "client_id", "-1" },
	{ "client_id", "2147483648" },
	{ "client_id", "1.5" },
	{ "client_id_range", "7" },
	{ "client_id_range", "9-7" },
	{ "client_id_range", "a-b" },
	{ "client_id_range", "7-9x" },
	{ "client_id_range", "-1-5" },
	{ "readonly", "maybe" },
	{ "readonly", "2" },
	{ "readonly", "" },
	{ "connect_timeout_ms", "99" },
	{ "connect_timeout_ms", "600001" },
	{ "connect_timeout_ms", "5s" },
	{ "reconnect_min_ms", "9" },
	{ "reconnect_min_ms", "abc" },
	{ "reconnect_max_ms", "3600001" },
	{ "reconnect_max_ms", "1e3" },
	{ "pacing_per_s", "0" },
	{ "pacing_per_s", "fifty" },
	{ "sync_timeout", "0" },
	{ "sync_timeout", "0.05" },
	{ "sync_timeout", "86401" },
	{ "sync_timeout", "30s" },
	{ "sync_timeout", "nan" },
	{ "sync_timeout", "inf" },
	{ "sync_timeout", "0x10" },
	{ "sync_timeout", " 30" },
	{ "sync_timeout", "1e" },
	{ "sync_timeout", "." },
	{ "wait", "busy" },
	{ "wait", "" },
	{ "wait_net", "yield" },
	{ "wait_md", "spinning" },
	{ "wait_account", "0" },
	{ "wait_strategy", "block,spin" },
	{ "wait_spin_us", "-1" },
	{ "wait_spin_us", "1000001" },
	{ "wait_spin_us", "50us" },
	{ "cpu_net", "-2" },
	{ "cpu_md", "1024" },
	{ "cpu_account", "first" },
	{ "cpu_strategy", "0,1" },
	{ "on_sync_timeout", "quit" },
	{ "on_sync_timeout", "" },
	{ "require_download_end", "y" },
	{ "download_quiet_ms", "99" },
	{ "download_quiet_ms", "x" },
	{ "symbols", "aapl" },
	{ "symbols", "AAPL,msft" },
	{ "symbols", "ABCDEFGHIJKLMNOPQRSTUVWX" }, /* 24 characters */
	{ "symbols", "A  B" }, /* one inner space is IB's own (BRK B); two are not */
	{ "symbols", "A-B" },
	{ "market_data_type", "0" },
	{ "market_data_type", "5" },
	{ "market_data_type", "live" },
	{ "tbt", "AAPL" },
	{ "tbt", "AAPL:Foo" },
	{ "tbt", "aapl:Last" },
	{ "tbt", "AAPL:" },
	{ "depth", "AAPL" },
	{ "depth", "AAPL:0" },
	{ "depth", "AAPL:51" },
	{ "depth", "AAPL:x" },
	{ "depth", "AAPL:5,AAPL:10" },
	{ "max_tbt", "-1" },
	{ "max_tbt", "65" },
	{ "max_tbt", "x" },
	{ "max_depth", "-1" },
	{ "max_depth", "x" },
	{ "redis_book_levels", "0" },
	{ "bars", "AAPL" },
	{ "bars", "AAPL:1min" },
	{ "bars", "AAPL:7min:1D" },
	{ "bars", "FUT:ES:1min:1D" },
	{ "hist_pacing_scale", "0" },
	{ "hist_pacing_scale", "2" },
	{ "redis_bars_maxlen", "0" },
	{ "redis_book_levels", "51" },
	{ "md_lossless", "sometimes" },
	{ "strategies", "-1" },
	{ "write_stall_ms", "99" },
	{ "write_stall_ms", "x" },
	{ "strategies", "65" },
	{ "strategies", "x y" },   /* "x" is a list since the SDK (issue 16): one thread of x */
	{ "strategies", "momentum.so x0" },
	{ "strategies", "momentum.so x65" },
	{ "strategies", "a.so x40, b.so x25" },
	{ "strategies", "a.so,,b.so" },
	{ "param", "window=20" },
	{ "param", "momentum.window" },
	{ "param", ".window=1" },
	{ "param", "momentum.=1" },
	{ "param", "mo mentum.window=1" },
	{ "strategy", "" },
	{ "strategy", "bad name" },
	{ "strategy", "a.b" },   /* "a/b" is a plugin path since the SDK (issue 16) */
	{ "max_order_qty", "-1" },
	{ "max_order_qty", "x" },
	{ "max_order_qty", "1e13" },
	{ "max_position", "-5" },
	{ "max_notional", "abc" },
	{ "max_open_orders", "-1" },
	{ "max_open_orders", "1.5" },
	{ "max_orders_per_s", "-1" },
	{ "max_orders_per_s", "100001" },
	{ "price_collar_pct", "-0.1" },
	{ "price_collar_pct", "101" },
	{ "price_collar_pct", "5%" },
	{ "price_collar_ticks", "-1" },
	{ "price_collar_ticks", "ten" },
	{ "pnl", "daily" },
	{ "state_dir", NULL }, /* NULL: a value longer than any buffer */
	{ "redis", "perhaps" },
	{ "redis_url", "http://x" },
	{ "redis_url", "redis://h:99999" },
	{ "redis_url", "redis://:pw@h:6379" },
	{ "redis_url", NULL },
	{ "redis_prefix", "" },
	{ "redis_prefix", "a:b" },
	{ "redis_prefix", "abcdefghijklmnopqrstuvwxyz012345" }, /* 32 */
	{ "redis_prefix", "a b" },
	{ "redis_sentinels", "h:0" },
	{ "redis_sentinels", "a:1,,b:2" },
	{ "redis_master", "my master" },
	{ "redis_password_file", "/nonexistent/ibpipe/password" },
	{ "record", NULL },
	{ "metrics_listen", "65536" },
	{ "metrics_listen", "x" },
	{ "metrics_listen", "::1:9464" },
	{ "metrics_listen", "[::1:9464" },
	{ "metrics_listen", "a b:9464" },
	{ "log_level", "verbose" },
	{ "log_level", "" },
	{ "log_format", "xml" },
	{ "progress", "sure" },
	{ "commands", "maybe" },
	{ "command_journal_keep", "-1" },
	{ "run_seconds", "-1" },
	{ "run_seconds", "x" },
	{ "run_seconds", "1e10" },
};

static void
test_bad_values_name_the_key(void)
{
	char long_value[600], err[512], want[64];
	ib_config c;
	char *before, *after, *list, *line, *save = NULL;

	memset(long_value, 'x', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	ib_config_defaults(&c);
	before = printed(&c);
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const char *v = bads[i].value ? bads[i].value : long_value;
		err[0] = '\0';
		int rc = ib_config_set(&c, bads[i].key, v, err, sizeof(err));
		snprintf(want, sizeof(want), "key '%s'", bads[i].key);
		if (rc != -1 || strstr(err, want) == NULL)
			fprintf(stderr, "\n  %s = '%.20s' -> rc %d, err '%s'\n", bads[i].key, v, rc, err);
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
		after = printed(&c);
		if (strcmp(before, after) != 0)
			fprintf(stderr, "\n  %s = '%.20s' changed the config although refused\n", bads[i].key, v);
		CU_ASSERT_STRING_EQUAL(before, after); /* a refused value changes nothing */
		free(after);
	}

	/* every key ib_config_print knows has at least one refusal above */
	list = strdup(before);
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		bool found = false;
		if (line[0] == '#' || sscanf(line, "%63s =", key) != 1)
			continue;
		for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
			found |= strcmp(bads[i].key, key) == 0;
		if (!found)
			fprintf(stderr, "\n  key %s has no bad-value case\n", key);
		CU_ASSERT_TRUE(found);
	}
	free(list);
	free(before);
}

/* The good side of the same keys, with the normalizations that go with them. */
static void
test_good_values(void)
{
	ib_config c;
	char err[512];

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_set(&c, "sync_timeout", "2.5", err, sizeof(err)), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.sync_timeout_s, 2.5, 0);
	CU_ASSERT_EQUAL(ib_config_set(&c, "sync-timeout", "1e1", err, sizeof(err)), 0); /* dashes too */
	CU_ASSERT_DOUBLE_EQUAL(c.sync_timeout_s, 10, 0);
	CU_ASSERT_EQUAL(ib_config_set(&c, "SYNC_TIMEOUT", ".5", err, sizeof(err)), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.sync_timeout_s, 0.5, 0);
	CU_ASSERT_EQUAL(ib_config_set(&c, "port", "65535", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.port, 65535);
	CU_ASSERT_EQUAL(ib_config_set(&c, "client_id", "2147483647", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.client_id, 2147483647);
	for (int i = 0; i < 8; i++) {
		static const char *t[] = { "1", "true", "YES", "on" }, *f[] = { "0", "False", "no", "OFF" };
		c.readonly = false;
		CU_ASSERT_EQUAL(ib_config_set(&c, "readonly", t[i % 4], err, sizeof(err)), 0);
		CU_ASSERT_TRUE(c.readonly);
		CU_ASSERT_EQUAL(ib_config_set(&c, "readonly", f[i % 4], err, sizeof(err)), 0);
		CU_ASSERT_FALSE(c.readonly);
	}
	CU_ASSERT_EQUAL(ib_config_set(&c, "on_sync_timeout", "exit", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.on_sync_timeout, IB_TIMEOUT_EXIT);
	CU_ASSERT_EQUAL(ib_config_set(&c, "on_sync_timeout", "wait", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.on_sync_timeout, IB_TIMEOUT_WAIT);
	CU_ASSERT_EQUAL(ib_config_set(&c, "log_level", "WARN", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.log_level, "warn");
	CU_ASSERT_EQUAL(ib_config_set(&c, "log_format", "json", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.log_format, "json");

	CU_ASSERT_EQUAL(ib_config_set(&c, "gateway", "gw.example:4001", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.host, "gw.example");
	CU_ASSERT_EQUAL(c.port, 4001);
	CU_ASSERT_EQUAL(ib_config_set(&c, "gateway", "[::1]:7497", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.host, "::1");
	CU_ASSERT_EQUAL(c.port, 7497);

	CU_ASSERT_EQUAL(ib_config_set(&c, "tbt", "AAPL:bidask, NVDA:AllLast,AAPL:BidAsk,AAPL:Last", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(c.ntbt, 3); /* the exact duplicate is dropped; two feeds on AAPL stay */
	CU_ASSERT_STRING_EQUAL(c.tbt[0].symbol, "AAPL");
	CU_ASSERT_STRING_EQUAL(c.tbt[0].kind, "BidAsk"); /* canonical spelling */
	CU_ASSERT_STRING_EQUAL(c.tbt[1].symbol, "NVDA");
	CU_ASSERT_STRING_EQUAL(c.tbt[1].kind, "AllLast");
	CU_ASSERT_STRING_EQUAL(c.tbt[2].kind, "Last");
	CU_ASSERT_EQUAL(ib_config_set(&c, "depth", "AAPL:10,MSFT:50,AAPL:10", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(c.ndepth, 2);
	CU_ASSERT_EQUAL(c.depth[0].rows, 10);
	CU_ASSERT_STRING_EQUAL(c.depth[1].symbol, "MSFT");
	CU_ASSERT_EQUAL(c.depth[1].rows, 50);
	CU_ASSERT_EQUAL(ib_config_set(&c, "tbt", "", err, sizeof(err)), 0); /* empty clears */
	CU_ASSERT_EQUAL(c.ntbt, 0);

	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_url", "unix:/run/redis/redis.sock", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.redis_url, "unix:/run/redis/redis.sock");
	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_url", "redis://10.1.2.3:6380/2", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_prefix", "ib.paper-7_x", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ib_config_set(&c, "strategies", "64", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ib_config_set(&c, "strategy", "recorder", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.strategy, "recorder");
	/* a plugin (the SDK): any value with '/' or ending in .so */
	CU_ASSERT_EQUAL(ib_config_set(&c, "strategy", "/opt/strategies/momentum v2.so", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.strategy, "/opt/strategies/momentum v2.so");
	CU_ASSERT_EQUAL(ib_config_set(&c, "strategy", "twap.so", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.strategy, "twap.so");
	/* the strategies list: what runs, and how many threads of each */
	CU_ASSERT_EQUAL(ib_config_set(&c, "strategies", " momentum.so x2 , example,./twap.so x3", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.strategies, 6);
	CU_ASSERT_EQUAL(ib_config_set(&c, "strategies", "2", err, sizeof(err)), 0);   /* a count, as before */
	CU_ASSERT_EQUAL(c.strategies, 2);
	CU_ASSERT_STRING_EQUAL(c.strategy_list, "");
	/* parameters: a later value of the same key replaces it (flags after the file win) */
	CU_ASSERT_EQUAL(ib_config_set(&c, "param", "momentum.window=20,twap.parent=100", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ib_config_set(&c, "param", "momentum.window=50", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.nparams, 2);
	CU_ASSERT_STRING_EQUAL(c.params[0].strategy, "momentum");
	CU_ASSERT_STRING_EQUAL(c.params[0].key, "window");
	CU_ASSERT_STRING_EQUAL(c.params[0].value, "50");
	CU_ASSERT_STRING_EQUAL(c.params[1].value, "100");
	CU_ASSERT_EQUAL(ib_config_set(&c, "param", "", err, sizeof(err)), 0);   /* empty clears */
	CU_ASSERT_EQUAL(c.nparams, 0);
}

static void
test_cross_key_checks(void)
{
	ib_config c;
	char err[512];
	const char *too_many[] = { "--tbt", "AAPL:Last,MSFT:Last,NVDA:Last,TSLA:Last", NULL };
	const char *raised[] = { "--tbt", "AAPL:Last,MSFT:Last,NVDA:Last,TSLA:Last", "--max-tbt", "4", NULL };
	const char *depth[] = { "--max-depth", "1", "--depth", "AAPL:5,MSFT:5", NULL };
	const char *rc[] = { "--reconnect-min-ms", "60000", NULL };

	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), too_many, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'tbt'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "max_tbt"));
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), raised, NULL, NULL), 0); /* order of flags does not matter */
	CU_ASSERT_EQUAL(c.ntbt, 4);
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), depth, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'depth'"));
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), rc, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.reconnect_min_ms, 60000);
	CU_ASSERT_EQUAL(c.reconnect_max_ms, 60000); /* raised, never below min */
}

static void
test_file_errors_name_file_and_line(void)
{
	ib_config c;
	char err[512], want[400];
	const char *p;

	p = write_file("bad1.conf", "# a comment\n\nhost = 127.0.0.1\n\n  port = 4002x\n");
	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:5: key 'port': ", p);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "4002x"));

	p = write_file("bad2.conf", "port = 4100\nsync_timeout = 3\nprot = 4002\n");
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: unknown key 'prot'", p);
	CU_ASSERT_STRING_EQUAL(err, want);

	p = write_file("bad3.conf", "port 4100\n");
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: expected 'key = value'", p);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);

	p = write_file("bad4.conf", "= 4100\n");
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1:", p);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);

	CU_ASSERT_EQUAL(ib_config_load_file(&c, "/nonexistent/ibpipe.conf", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/ibpipe.conf"));

	/* through from_args the same message comes out */
	p = write_file("bad5.conf", "\n\nsymbols = AAPL,msft\n");
	const char *args[] = { "--config", p, NULL };
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), args, NULL, NULL), -1);
	snprintf(want, sizeof(want), "%s:3: key 'symbols': 'msft'", p);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
	const char *missing[] = { "--config", NULL };
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), missing, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--config"));
}

static void
test_unknown_keys(void)
{
	ib_config c;
	char err[512];
	const char *flag[] = { "--sync-timout", "3", NULL };
	const char *eqflag[] = { "--nope=1", NULL };

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_set(&c, "nope", "1", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "unknown key 'nope'");
	CU_ASSERT_EQUAL(ib_config_set(&c, "", "1", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key"));

	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), flag, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key 'sync_timout'"));
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), eqflag, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key 'nope'"));

	/* a misspelt variable is an error, not silently ignored */
	env_set("IBPIPE_SYNC_TIMOUT", "3");
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), NULL, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "IBPIPE_SYNC_TIMOUT"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key 'sync_timout'"));
	env_restore();
	/* and a bad value in a real variable names the variable and the key */
	env_set("IBPIPE_MARKET_DATA_TYPE", "9");
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), NULL, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "IBPIPE_MARKET_DATA_TYPE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'market_data_type'"));
	env_restore();
}

static void
test_password_rules(void)
{
	static const char secret[] = "hunter2-Secret";
	ib_config c;
	char err[512];
	char *out;
	const char *p;

	ib_config_defaults(&c);
	/* not as a key: file, flag (both spellings), set() */
	p = write_file("pw.conf", "port = 4100\nredis_password = hunter2-Secret\n");
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: key 'redis_password'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "IBPIPE_REDIS_PASSWORD"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "redis_password_file"));
	CU_ASSERT_PTR_NULL(strstr(err, secret)); /* never echoed */
	const char *f1[] = { "--redis-password", secret, NULL }, *f2[] = { "--redis-password=hunter2-Secret", NULL };
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), f1, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "IBPIPE_REDIS_PASSWORD"));
	CU_ASSERT_PTR_NULL(strstr(err, secret));
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), f2, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "redis_password_file"));
	CU_ASSERT_PTR_NULL(strstr(err, secret));
	/* nor hidden in the URL */
	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_url", "redis://:hunter2-Secret@127.0.0.1:6379", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'redis_url'"));
	CU_ASSERT_PTR_NULL(strstr(err, secret));

	/* from the environment: stored, printed only as (set) */
	env_set("IBPIPE_REDIS_PASSWORD", secret);
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), NULL, NULL, NULL), 0);
	CU_ASSERT_STRING_EQUAL(c.redis_password, secret);
	out = printed(&c);
	CU_ASSERT_PTR_NULL(strstr(out, secret));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "redis_password = (set)"));
	free(out);
	env_restore();
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), NULL, NULL, NULL), 0);
	out = printed(&c);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "redis_password = (unset)"));
	free(out);

	/* from a file: the first line only, line end stripped */
	const char *pwf = write_file("redis.pw", "first-line\r\nsecond-line\n");
	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_password_file", pwf, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.redis_password, "first-line");
	CU_ASSERT_STRING_EQUAL(c.redis_password_file, pwf);
	/* an unreadable file is refused and changes nothing */
	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_password_file", "/nonexistent/pw", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'redis_password_file'"));
	CU_ASSERT_STRING_EQUAL(c.redis_password, "first-line");
	/* an empty first line is no password (the unit's always-present credential, Redis without AUTH) */
	const char *empty = write_file("empty.pw", "\nsecond\n");
	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_password_file", empty, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.redis_password, "");
	/* a password longer than the buffer is refused, not cut */
	char longpw[300];
	memset(longpw, 'p', sizeof(longpw) - 2);
	longpw[sizeof(longpw) - 2] = '\n';
	longpw[sizeof(longpw) - 1] = '\0';
	const char *lp = write_file("long.pw", longpw);
	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_password_file", lp, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "longer than"));
	CU_ASSERT_PTR_NULL(strstr(err, "pppppppp"));
	CU_ASSERT_STRING_EQUAL(c.redis_password, "");

	/* precedence: file key (config file) < env password < --redis-password-file flag */
	char text[400];
	snprintf(text, sizeof(text), "redis_password_file = %s\n", pwf);
	p = write_file("pwf.conf", text);
	const char *pw2 = write_file("redis2.pw", "from-flag-file\n");
	const char *a1[] = { "--config", p, NULL };
	const char *a2[] = { "--config", p, "--redis-password-file", pw2, NULL };
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), a1, NULL, NULL), 0);
	CU_ASSERT_STRING_EQUAL(c.redis_password, "first-line");
	env_set("IBPIPE_REDIS_PASSWORD", "from-env");
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), a1, NULL, NULL), 0);
	CU_ASSERT_STRING_EQUAL(c.redis_password, "from-env");
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), a2, NULL, NULL), 0);
	CU_ASSERT_STRING_EQUAL(c.redis_password, "from-flag-file");
	env_restore();
}

static void
test_client_id_range(void)
{
	ib_config c;
	char err[512];
	const char *lone[] = { "--client-id", "5", NULL };
	const char *range[] = { "--client-id-range", "7-9", NULL };
	const char *both[] = { "--client-id-range", "7-9", "--client-id", "12", NULL };

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_set(&c, "client_id_range", "7-9", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.client_id, 7);
	CU_ASSERT_EQUAL(c.client_id_max, 9);
	CU_ASSERT_EQUAL(ib_config_set(&c, "client_id_range", "0-0", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.client_id, 0);
	CU_ASSERT_EQUAL(c.client_id_max, 0);
	CU_ASSERT_EQUAL(ib_config_set(&c, "client_id_range", "9-7", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(c.client_id, 0); /* refused: unchanged */

	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), lone, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.client_id, 5);
	CU_ASSERT_EQUAL(c.client_id_max, 5); /* a range of one, not 5..1 */
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), range, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.client_id, 7);
	CU_ASSERT_EQUAL(c.client_id_max, 9);
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), both, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.client_id, 12);
	CU_ASSERT_EQUAL(c.client_id_max, 12);
}

static void
test_symbols(void)
{
	ib_config c;
	char err[512];
	static char big[1100 * 8];
	size_t o = 0;

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", "AAPL, MSFT ,AAPL,,BRK.B,", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(c.nsymbols, 3); /* blanks trimmed, duplicate and empty items dropped */
	CU_ASSERT_STRING_EQUAL(c.symbols[0], "AAPL");
	CU_ASSERT_STRING_EQUAL(c.symbols[1], "MSFT");
	CU_ASSERT_STRING_EQUAL(c.symbols[2], "BRK.B");
	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", "ABCDEFGHIJKLMNOPQRSTUVW", err, sizeof(err)), 0); /* 23 */
	CU_ASSERT_EQUAL(c.nsymbols, 1);

	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", "AAPL,MSFT", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", "NVDA,tsla,AMZN", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'tsla'")); /* names the bad one, not the list */
	CU_ASSERT_EQUAL(c.nsymbols, 2);                 /* and leaves the old list whole */
	CU_ASSERT_STRING_EQUAL(c.symbols[0], "AAPL");
	CU_ASSERT_STRING_EQUAL(c.symbols[1], "MSFT");

	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", "", err, sizeof(err)), 0); /* account data only */
	CU_ASSERT_EQUAL(c.nsymbols, 0);

	/* IB_CFG_MAX_SYMBOLS distinct symbols fit; one more does not */
	for (int i = 0; i < IB_CFG_MAX_SYMBOLS; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%sS%d", i ? "," : "", i);
	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", big, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.nsymbols, IB_CFG_MAX_SYMBOLS);
	CU_ASSERT_STRING_EQUAL(c.symbols[IB_CFG_MAX_SYMBOLS - 1], "S1023");
	snprintf(big + o, sizeof(big) - o, ",EXTRA");
	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", big, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'symbols'"));
	CU_ASSERT_EQUAL(c.nsymbols, IB_CFG_MAX_SYMBOLS);
}

static void
test_file_syntax(void)
{
	ib_config c;
	char err[512];
	const char *p = write_file("syntax.conf",
				   "\xEF\xBB\xBF# written by an editor that adds a BOM\r\n"
				   "\r\n"
				   "   # indented comment\n"
				   "; semicolon comment\n"
				   "\tport\t=\t4100\t\n"
				   "sync-timeout = 2.5\n"        /* dashes in a file key */
				   "SYMBOLS = AAPL,MSFT # two\n" /* upper case key, inline comment */
				   "redis_prefix = \"quoted\"\n"
				   "strategy = 'recorder'\r\n"
				   "record =\n" /* empty value */
				   "host = gw.internal\n"
				   "host = gw2.internal\n"); /* the later line wins */

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), 0);
	if (err[0] && c.port != 4100)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_EQUAL(c.port, 4100);
	CU_ASSERT_DOUBLE_EQUAL(c.sync_timeout_s, 2.5, 0);
	CU_ASSERT_EQUAL(c.nsymbols, 2);
	CU_ASSERT_STRING_EQUAL(c.redis_prefix, "quoted");
	CU_ASSERT_STRING_EQUAL(c.strategy, "recorder");
	CU_ASSERT_STRING_EQUAL(c.record, "");
	CU_ASSERT_STRING_EQUAL(c.host, "gw2.internal");

	/* a '#' that is not after a blank is part of the value (and here refused as such) */
	p = write_file("hash.conf", "redis_prefix = a#b\n");
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'a#b'"));
}

static void
test_flag_forms(void)
{
	ib_config c;
	char err[512], *rest[8];
	int nrest;
	const char *a[] = { "--port=4100", "--readonly", "--symbols", "AAPL", "--no-redis", "--progress",
			    "positional", "--sync-timeout=0.5", "--log-format", "json", "--", "--port", "9", NULL };
	const char *b[] = { "--readonly", "no", "--progress=false", "--redis", "--md-lossless", "1", NULL };
	const char *c3[] = { "--host", NULL };
	const char *d[] = { "--readonly=maybe", NULL };
	const char *e[] = { "--no-redis=1", NULL };

	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), a, rest, &nrest), 0);
	CU_ASSERT_EQUAL(c.port, 4100);
	CU_ASSERT_TRUE(c.readonly);
	CU_ASSERT_EQUAL(c.nsymbols, 1);
	CU_ASSERT_FALSE(c.redis);
	CU_ASSERT_TRUE(c.progress);
	CU_ASSERT_DOUBLE_EQUAL(c.sync_timeout_s, 0.5, 0);
	CU_ASSERT_STRING_EQUAL(c.log_format, "json");
	CU_ASSERT_EQUAL_FATAL(nrest, 3); /* non-options, and everything after "--" */
	CU_ASSERT_STRING_EQUAL(rest[0], "positional");
	CU_ASSERT_STRING_EQUAL(rest[1], "--port");
	CU_ASSERT_STRING_EQUAL(rest[2], "9");

	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), b, rest, &nrest), 0);
	CU_ASSERT_FALSE(c.readonly); /* a boolean word after a bare flag is its value */
	CU_ASSERT_FALSE(c.progress);
	CU_ASSERT_TRUE(c.redis);
	CU_ASSERT_TRUE(c.md_lossless);
	CU_ASSERT_EQUAL(nrest, 0);

	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), c3, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'host'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs a value"));
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), d, NULL, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'readonly'"));
	CU_ASSERT_EQUAL(from_args(&c, err, sizeof(err), e, NULL, NULL), -1);
}

/* wait sets every thread's strategy, a wait_* key one thread's; file < env < flag as for every key. */
static void
test_wait_strategies(void)
{
	const char *file = write_file("wait.conf", "wait = hybrid\nwait_strategy = block\n");
	const char *args[] = { "--config", file, "--wait-md", "SPIN", NULL };
	ib_config c;
	char err[256], *out;

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(c.wait_net, IB_WAIT_BLOCK); /* the default: park at once, least CPU */
	CU_ASSERT_EQUAL(c.wait_md, IB_WAIT_BLOCK);
	CU_ASSERT_EQUAL(c.wait_account, IB_WAIT_BLOCK);
	CU_ASSERT_EQUAL(c.wait_strategy, IB_WAIT_BLOCK);
	CU_ASSERT_EQUAL(c.wait_spin_us, 50);
	CU_ASSERT_EQUAL(ib_config_set(&c, "wait", "spin", err, sizeof(err)), 0);
	CU_ASSERT(c.wait_net == IB_WAIT_SPIN && c.wait_md == IB_WAIT_SPIN && c.wait_account == IB_WAIT_SPIN &&
		  c.wait_strategy == IB_WAIT_SPIN);
	CU_ASSERT_EQUAL(ib_config_set(&c, "wait-net", "hybrid", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.wait_net, IB_WAIT_HYBRID);
	CU_ASSERT_EQUAL(c.wait_md, IB_WAIT_SPIN);
	CU_ASSERT_EQUAL(c.cpu_md, -1); /* not pinned */
	CU_ASSERT_EQUAL(ib_config_set(&c, "cpu_md", "3", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.cpu_md, 3);
	CU_ASSERT_EQUAL(ib_config_set(&c, "cpu_md", "-1", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.cpu_md, -1);
	CU_ASSERT_EQUAL(ib_config_set(&c, "port", "-1", err, sizeof(err)), -1); /* '-' only where -1 is allowed */
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a whole number"));
	CU_ASSERT_EQUAL(ib_config_set(&c, "wait_md", "busy", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "wait_md"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected block, spin or hybrid"));

	/* file: hybrid for all but the strategies; env: the account thread spins; flag: md spins */
	env_set("IBPIPE_WAIT_ACCOUNT", "spin");
	env_set("IBPIPE_WAIT_SPIN_US", "7");
	CU_ASSERT_EQUAL_FATAL(from_args(&c, err, sizeof(err), args, NULL, NULL), 0);
	CU_ASSERT_EQUAL(c.wait_net, IB_WAIT_HYBRID);
	CU_ASSERT_EQUAL(c.wait_md, IB_WAIT_SPIN);
	CU_ASSERT_EQUAL(c.wait_account, IB_WAIT_SPIN);
	CU_ASSERT_EQUAL(c.wait_strategy, IB_WAIT_BLOCK);
	CU_ASSERT_EQUAL(c.wait_spin_us, 7);
	/* printed, it loads back as it was: `wait` first, then each thread's own line */
	out = printed(&c);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "wait_net = hybrid\nwait_md = spin\nwait_account = spin\n"
					    "wait_strategy = block\nwait_spin_us = 7\n"));
	free(out);
	env_restore();
}

/* What ib_config_print writes loads back to the same configuration. */
static void
test_print_round_trip(void)
{
	const char *pwf = write_file("rt.pw", "pw\n");
	const char *args[] = { "--gateway", "gw.example:4001", "--client-id-range", "7-9", "--readonly",
			       "--sync-timeout", "0.1", "--on-sync-timeout", "exit", "--require-download-end", "false",
			       "--symbols", "AAPL,BRK.B", "--tbt", "AAPL:BidAsk,AAPL:AllLast", "--depth", "MSFT:10",
			       "--price-collar-pct", "0.123456789", "--max-notional", "250000.5",
			       "--redis-url", "unix:/run/redis.sock", "--redis-prefix", "acct7", "--redis-password-file",
			       pwf, "--record", "/tmp/rec.bin", "--log-level", "debug", "--run-seconds", "1.25", NULL };
	ib_config c, back;
	char err[512], *one, *two;
	const char *p;

	CU_ASSERT_EQUAL_FATAL(from_args(&c, err, sizeof(err), args, NULL, NULL), 0);
	one = printed(&c);
	p = write_file("roundtrip.conf", one);
	ib_config_defaults(&back);
	CU_ASSERT_EQUAL(ib_config_load_file(&back, p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ib_config_validate(&back, err, sizeof(err)), 0);
	two = printed(&back);
	CU_ASSERT_STRING_EQUAL(one, two);
	CU_ASSERT_DOUBLE_EQUAL(back.risk.price_collar_pct, 0.123456789, 0); /* exact, not %g's 6 digits */
	CU_ASSERT_EQUAL(back.client_id_max, 9);
	CU_ASSERT_EQUAL(back.ntbt, 2);
	CU_ASSERT_STRING_EQUAL(back.redis_password, "pw");
	CU_ASSERT_PTR_NOT_NULL(strstr(one, "gateway = gw.example:4001\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(one, "client_id_range = 7-9\n"));
	free(one);
	free(two);
}

/* --help lists every key with its flag and environment spelling. */
static void
test_usage_lists_every_key(void)
{
	ib_config c;
	char *keys, *usage = usage_text(), *line, *save = NULL;

	ib_config_defaults(&c);
	keys = printed(&c);
	int n = 0;
	for (line = strtok_r(keys, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64], flag[80], env[80];
		if (line[0] == '#' || sscanf(line, "%63s =", key) != 1)
			continue;
		snprintf(flag, sizeof(flag), "--");
		snprintf(env, sizeof(env), "IBPIPE_");
		for (size_t i = 0; key[i]; i++) {
			size_t fl = strlen(flag), el = strlen(env);
			flag[fl] = key[i] == '_' ? '-' : key[i];
			flag[fl + 1] = '\0';
			env[el] = (char)(key[i] >= 'a' && key[i] <= 'z' ? key[i] - 32 : key[i]);
			env[el + 1] = '\0';
		}
		/* whole word: --redis must not be satisfied by --redis-url */
		snprintf(flag + strlen(flag), sizeof(flag) - strlen(flag), " ");
		snprintf(env + strlen(env), sizeof(env) - strlen(env), " ");
		CU_ASSERT_PTR_NOT_NULL(strstr(usage, flag));
		CU_ASSERT_PTR_NOT_NULL(strstr(usage, env));
		n++;
	}
	if (n < 39)
		fprintf(stderr, "\n  only %d keys\n", n);
	CU_ASSERT(n >= 39);
	free(keys);
	free(usage);
}

/* deploy/ibpipe.conf loads, and documents every key (set, or shown commented out). */
static void
test_example_config(void)
{
	const char *path = "deploy/ibpipe.conf"; /* make test runs from the top of the tree */
	ib_config c;
	char err[512], *text, *keys, *line, *save = NULL;
	int n = 0;

	text = tu_read_file(path, NULL);
	if (text == NULL)
		CU_FAIL_FATAL("deploy/ibpipe.conf not found (run from the top of the tree)");
	ib_config_defaults(&c);
	err[0] = '\0';
	CU_ASSERT_EQUAL(ib_config_load_file(&c, path, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_EQUAL(ib_config_validate(&c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.port, 4002);
	CU_ASSERT_TRUE(c.readonly);

	keys = printed(&c);
	for (line = strtok_r(keys, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64], set[80], shown[80];
		if (line[0] == '#' || sscanf(line, "%63s =", key) != 1)
			continue;
		snprintf(set, sizeof(set), "\n%s = ", key);
		snprintf(shown, sizeof(shown), "\n# %s = ", key);
		if (!strstr(text, set) && !strstr(text, shown))
			fprintf(stderr, "\n  deploy/ibpipe.conf does not mention key %s\n", key);
		CU_ASSERT_TRUE(strstr(text, set) || strstr(text, shown));
		n++;
	}
	CU_ASSERT(n >= 39);
	free(keys);
	free(text);
}

void
test_config_register(void)
{
	CU_pSuite s = CU_add_suite("config", suite_init, suite_cleanup);

	CU_add_test(s, "defaults", test_defaults);
	CU_add_test(s, "precedence file < env < flag", test_precedence);
	CU_add_test(s, "bad values name the key", test_bad_values_name_the_key);
	CU_add_test(s, "good values and normalization", test_good_values);
	CU_add_test(s, "cross-key checks", test_cross_key_checks);
	CU_add_test(s, "file errors name file and line", test_file_errors_name_file_and_line);
	CU_add_test(s, "unknown keys", test_unknown_keys);
	CU_add_test(s, "password rules", test_password_rules);
	CU_add_test(s, "client_id_range", test_client_id_range);
	CU_add_test(s, "symbols", test_symbols);
	CU_add_test(s, "file syntax", test_file_syntax);
	CU_add_test(s, "flag forms", test_flag_forms);
	CU_add_test(s, "wait strategies and cpu pinning: all threads, one thread, file < env < flag", test_wait_strategies);
	CU_add_test(s, "print round trip", test_print_round_trip);
	CU_add_test(s, "usage lists every key", test_usage_lists_every_key);
	CU_add_test(s, "deploy/ibpipe.conf loads and lists every key", test_example_config);
}
