/*
 * cmd_web.c - `ibpipe web`: the live dashboard, a process of its own that
 * reads only Redis (src/web/), so the trader never serves HTTP.
 *
 * The main thread parses the options, starts the server with SIGINT and
 * SIGTERM blocked (the server's threads inherit the mask), then waits for
 * one of them with sigwait and stops everything: the streams end, the
 * sockets close, exit 0.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "util/str.h"
#include "config/config.h"
#include "ibpipe/log.h"
#include "web/web.h"

#define DEFAULT_LISTEN "127.0.0.1:5555"

static int
usage(FILE *f)
{
	fprintf(f, "usage: ibpipe web [--listen [HOST:]PORT] [--config FILE] [--redis-url URL] [--redis-prefix P]\n"
		   "                  [--redis-password-file F] [--redis-sentinels H:P,... --redis-master NAME]\n"
		   "                  [--refresh-ms N] [--orders N]\n"
		   "\n"
		   "Serve a live dashboard of what ibpipe publishes to Redis: the sync state and what it waits\n"
		   "for, accounts (NetLiquidation, cash, buying power), positions with P&L, quotes with their\n"
		   "age, depth ladders, the tail of the orders stream, health and staleness.  The page updates\n"
		   "itself through Server-Sent Events, on every P:events message and 4 times a second.\n"
		   "\n"
		   "  --listen [HOST:]PORT  where to serve (default " DEFAULT_LISTEN "; HOST defaults to 127.0.0.1;\n"
		   "                        PORT 0: any free port, printed on stdout)\n"
		   "  --refresh-ms N        how often the picture is read from Redis (default 250)\n"
		   "  --orders N            entries of P:stream:orders shown (default 25)\n"
		   "  Redis settings are read exactly as `ibpipe run` and `ibpipe status` read them: --config FILE\n"
		   "  (or IBPIPE_CONFIG), IBPIPE_* variables, then flags; redis_url, redis_prefix,\n"
		   "  redis_password_file, redis_sentinels, redis_master, log_level and log_format matter here\n"
		   "  (with sentinels the dashboard follows the master through a failover).  A read-only ACL\n"
		   "  user is enough.\n"
		   "\n"
		   "  Only this process reads Redis for the page; the trader process is never contacted.\n"
		   "  SIGINT/SIGTERM stop it cleanly.  Exit: 0 ok, 1 cannot listen, 2 usage or configuration error.\n");
	return f == stdout ? 0 : 2;
}

/* An integer flag value in lo..hi; false (with a message) otherwise. */
static bool
int_arg(const char *flag, const char *v, int lo, int hi, int *out)
{
	char *end;
	long n;

	if (v == NULL) {
		fprintf(stderr, "ibpipe web: %s needs a value\n", flag);
		return false;
	}
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < lo || n > hi) {
		fprintf(stderr, "ibpipe web: %s wants %d..%d, got '%s'\n", flag, lo, hi, v);
		return false;
	}
	*out = (int)n;
	return true;
}

/* --listen goes through the config's own [HOST:]PORT parser (metrics_listen's), on a scratch config. */
static bool
listen_arg(const char *v, ib_web_config *wc, ib_config *scratch)
{
	char err[256];

	ib_config_defaults(scratch);
	if (ib_config_set(scratch, "metrics_listen", v, err, sizeof(err)) != 0) {
		fprintf(stderr, "ibpipe web: --listen %s\n", err);
		return false;
	}
	if (scratch->metrics_port < 0) {
		fprintf(stderr, "ibpipe web: --listen '%s': expected [HOST:]PORT\n", v);
		return false;
	}
	ib_strlcpy(wc->host, scratch->metrics_host, sizeof(wc->host));
	wc->port = scratch->metrics_port;
	return true;
}

/* 0 to run, 1 to exit 0 (--help), 2 on a usage error.  The rest of argv goes to the config chain. */
static int
parse_opts(int argc, char **argv, ib_web_config *wc, ib_config *cfg)
{
	char err[512], *pass[64], *rest[8];
	const char *listen = DEFAULT_LISTEN;
	int npass = 0, nrest = 0;

	memset(wc, 0, sizeof(*wc));
	wc->refresh_ms = IB_WEB_DEFAULT_REFRESH_MS;
	wc->orders_tail = IB_WEB_DEFAULT_ORDERS;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t name = eq ? (size_t)(eq - a) : strlen(a);
		const char *v = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
#define FLAG(s) (name == strlen(s) && strncmp(a, s, name) == 0 && (eq || ++i))
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return usage(stdout), 1;
		if (FLAG("--listen")) {
			listen = v;
			if (listen == NULL)
				return usage(stderr);
		} else if (FLAG("--refresh-ms")) {
			if (!int_arg("--refresh-ms", v, 20, 60000, &wc->refresh_ms))
				return 2;
		} else if (FLAG("--orders")) {
			if (!int_arg("--orders", v, 0, 1000, &wc->orders_tail))
				return 2;
		} else if (npass < (int)(sizeof(pass) / sizeof(pass[0]))) {
			pass[npass++] = argv[i];
		} else {
			fprintf(stderr, "ibpipe web: too many arguments\n");
			return 2;
		}
#undef FLAG
	}
	if (!listen_arg(listen, wc, cfg))
		return 2;
	if (ib_config_from_args(cfg, npass, pass, rest, 8, &nrest, err, sizeof(err)) != 0) {
		fprintf(stderr, "ibpipe web: %s\n", err);
		return 2;
	}
	if (nrest > 0) {
		fprintf(stderr, "ibpipe web: unexpected argument '%s'\n", rest[0]);
		return usage(stderr);
	}
	ib_strlcpy(wc->redis_url, cfg->redis_url, sizeof(wc->redis_url));
	ib_strlcpy(wc->redis_sentinels, cfg->redis_sentinels, sizeof(wc->redis_sentinels));
	ib_strlcpy(wc->redis_master, cfg->redis_master, sizeof(wc->redis_master));
	ib_strlcpy(wc->prefix, cfg->redis_prefix, sizeof(wc->prefix));
	memcpy(wc->redis_password, cfg->redis_password, sizeof(wc->redis_password));
	return 0;
}

int
ib_cmd_web(int argc, char **argv)
{
	ib_web_config wc;
	ib_config *cfg = calloc(1, sizeof(*cfg));
	enum ib_log_level lvl = IB_LL_INFO;
	sigset_t stop;
	char err[512];
	ib_web *w;
	int rc, sig = 0;

	if (cfg == NULL)
		return 1;
	rc = parse_opts(argc, argv, &wc, cfg);
	ib_log_level_parse(cfg->log_level, &lvl);
	ib_log_setup(lvl, strcmp(cfg->log_format, "json") == 0 ? IB_LOG_JSON : IB_LOG_TEXT);
	memset(cfg->redis_password, 0, sizeof(cfg->redis_password));
	free(cfg);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	/* blocked before any thread starts, so only sigwait below sees them */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN); /* a browser that left mid-write is an EPIPE, not a death */
	w = ib_web_start(&wc, err, sizeof(err));
	memset(wc.redis_password, 0, sizeof(wc.redis_password));
	if (w == NULL) {
		fprintf(stderr, "ibpipe web: %s\n", err);
		return 1;
	}
	printf("ibpipe web: dashboard on http://%s%s%s:%d/\n", strchr(wc.host, ':') ? "[" : "", wc.host,
	       strchr(wc.host, ':') ? "]" : "", ib_web_port(w));
	fflush(stdout);
	while (sigwait(&stop, &sig) != 0)
		;
	ib_log(IB_LL_INFO, "web", "%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	ib_web_stop(w);
	return 0;
}
