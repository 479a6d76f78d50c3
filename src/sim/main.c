/*
 * main.c - bin/ibsim: a simulated IB Gateway (the server side of the TWS
 * API socket protocol) on loopback, for `make run`, the integration tests
 * and the benchmarks.  This file parses options and hands over to the loop
 * in sim_server.c; docs/ibsim.md describes every option and command.
 *
 * stdout is ibsim's output proper: the "listening on" line first, then one
 * line per finished blast and per closed client.  Diagnostics go through
 * ib_log to stderr.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/ib.h"
#include "ibpipe/log.h"
#include "sim/sim.h"
#include "util/str.h"

double
sim_rand(struct sim *s)
{
	/* xorshift64*: reproducible per --seed, no libc state */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (double)((s->rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

void
sim_utc_time(char *buf, size_t cap, const char *fmt)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	if (strftime(buf, cap, fmt, &tm) == 0 && cap)
		buf[0] = '\0';
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ibsim [options]   a simulated IB Gateway (see docs/ibsim.md)\n"
		"  --bind ADDR             listen address (default 127.0.0.1)\n"
		"  --port N                API port (default 4002; 0 = ephemeral)\n"
		"  --port-file PATH        write the bound port to PATH once listening\n"
		"  --control-port N        line-based control port on 127.0.0.1 (0 = ephemeral)\n"
		"  --server-version N      highest server version served, %d..%d (default %d)\n"
		"  --accounts A,B          managed accounts (default DU111111)\n"
		"  --accounts-hex HEX      the same list as hex bytes: ids with any bytes (quotes, newlines,\n"
		"                          invalid UTF-8), as a hostile gateway might send\n"
		"  --account-count N       N managed accounts DU0000001..DU000000N instead (up to 1100)\n"
		"  --account-delay-ms N    account download and positions N ms after the handshake\n"
		"  --account-jitter-ms J   plus a uniform random 0..J ms\n"
		"  --no-download-end       never send acctDownloadEnd\n"
		"  --contract-delay-ms N   answer reqContractDetails N ms late (a slow contract lookup)\n"
		"  --symbols A,B,...       known symbols (default: 30 US stocks and ETFs)\n"
		"  --tick-rate N           market-data messages/s over all subscriptions (default 200)\n"
		"  --partial-fill-above N  orders above N shares fill in slices (default 500)\n"
		"  --blast N               on subscription, send N pre-encoded tickPrice messages\n"
		"  --blast-rate R          pace the blast at R msgs/s (default: as fast as possible)\n"
		"  --stamp                 blasted tickPrice size = a send stamp (ibpipe/stamp.h)\n"
		"  --depth-rate N          book changes/s over instruments with depth or tick-by-tick\n"
		"                          subscribers (default 200; 0 = books move only with the walk)\n"
		"  --depth-blast N         once depth subscriptions settle, blast N depth updates with\n"
		"                          the tick-by-tick messages they imply\n"
		"  --max-tbt N             tick-by-tick subscriptions per client (default 3; error 10190)\n"
		"  --max-depth N           depth subscriptions per client (default 3; error 309)\n"
		"  --restart-rollback      nextValidId goes back after a 'restart'\n"
		"  --drop-sessions         close every connection right after a good handshake\n"
		"  --rcvbuf BYTES          SO_RCVBUF of client connections (small: a deaf one fills fast)\n"
		"  --deaf-after-orders N   stop reading a connection after its N-th order (a gateway that\n"
		"                          stops reading: the client's send queue fills)\n"
		"  --rtbar-ms MS           real-time bar and keepUpToDate period (default 5000, IB's)\n"
		"  --pnl-ms MS             reqPnL / reqPnLSingle update period (default 1000)\n"
		"  --hist-pacing-scale F   historical pacing windows (10 min, 15 s, 2 s) times F (default 1)\n"
		"  --seed N                random seed (default 1)\n"
		"  --log-level L           debug, info, warn, error (default info)\n",
		SIM_SV_MIN, SIM_SV_MAX, SIM_SV_MAX);
}

static int
num(const char *name, const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	if (!v) {
		fprintf(stderr, "ibsim: %s needs a value\n", name);
		return -1;
	}
	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || d < lo || d > hi) {
		fprintf(stderr, "ibsim: %s: '%s' is not a number in %.0f..%.0f\n", name, v, lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

static int
parse_args(struct sim *s, int argc, char **argv)
{
	struct sim_opts *o = &s->o;
	enum ib_log_level ll = IB_LL_INFO;
	double d;

	ib_strlcpy(o->bind, "127.0.0.1", sizeof(o->bind));
	ib_strlcpy(o->accounts, "DU111111", sizeof(o->accounts));
	o->port = SIM_DEFAULT_PORT;
	o->control_port = -1;
	o->server_version = SIM_SV_MAX;
	o->tick_rate = 200;
	o->partial_fill_above = 500;
	o->seed = 1;
	o->depth_rate = 200;
	o->max_tbt = 3;
	o->max_depth = 3;
	o->rtbar_ms = 5000;
	o->pnl_ms = 1000;
	o->pacing_scale = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(n) (strcmp(a, n) == 0)
#define NUM(n, lo, hi) (i++, num(n, v, lo, hi, &d) == 0)
		if (OPT("-h") || OPT("--help")) { /* NOLINT(clang-analyzer-core.NonNullParamChecker): argv[i] is set for i < argc */
			usage(stdout);
			exit(0);
		} else if (OPT("--bind") && v) {
			ib_strlcpy(o->bind, v, sizeof(o->bind));
			i++;
		} else if (OPT("--port")) {
			if (!NUM(a, 0, 65535))
				return -1;
			o->port = (int)d;
		} else if (OPT("--port-file") && v) {
			ib_strlcpy(o->port_file, v, sizeof(o->port_file));
			i++;
		} else if (OPT("--control-port")) {
			if (!NUM(a, 0, 65535))
				return -1;
			o->control_port = (int)d;
		} else if (OPT("--server-version")) {
			if (!NUM(a, SIM_SV_MIN, SIM_SV_MAX))
				return -1;
			o->server_version = (int)d;
		} else if (OPT("--accounts") && v) {
			ib_strlcpy(o->accounts, v, sizeof(o->accounts));
			i++;
		} else if (OPT("--accounts-hex") && v) {
			if (sim_hex_decode(v, o->accounts, sizeof(o->accounts)) < 0) {
				fprintf(stderr, "ibsim: --accounts-hex: '%s' is not hex bytes (pairs, no 00)\n", v);
				return -1;
			}
			o->accounts_any = true;
			i++;
		} else if (OPT("--account-count")) {
			if (!NUM(a, 1, SIM_MAX_ACCOUNTS))
				return -1;
			o->account_count = (int)d;
		} else if (OPT("--account-delay-ms")) {
			if (!NUM(a, 0, INT_MAX))
				return -1;
			o->account_delay_ms = (int)d;
		} else if (OPT("--contract-delay-ms")) {
			if (!NUM(a, 0, INT_MAX))
				return -1;
			o->contract_delay_ms = (int)d;
		} else if (OPT("--account-jitter-ms")) {
			if (!NUM(a, 0, INT_MAX))
				return -1;
			o->account_jitter_ms = (int)d;
		} else if (OPT("--no-download-end")) {
			o->no_download_end = true;
		} else if (OPT("--symbols") && v) {
			o->symbols = v;
			i++;
		} else if (OPT("--tick-rate")) {
			if (!NUM(a, 0, 1e8))
				return -1;
			o->tick_rate = d;
		} else if (OPT("--partial-fill-above")) {
			if (!NUM(a, 0, 1e12))
				return -1;
			o->partial_fill_above = d;
		} else if (OPT("--blast")) {
			if (!NUM(a, 0, 1e15))
				return -1;
			o->blast = (int64_t)d;
		} else if (OPT("--blast-rate")) {
			if (!NUM(a, 0, 1e10))
				return -1;
			o->blast_rate = d;
		} else if (OPT("--depth-rate")) {
			if (!NUM(a, 0, 1e8))
				return -1;
			o->depth_rate = d;
		} else if (OPT("--depth-blast")) {
			if (!NUM(a, 0, 1e15))
				return -1;
			o->depth_blast = (int64_t)d;
		} else if (OPT("--max-tbt")) {
			if (!NUM(a, 0, SIM_MAX_FEED_PER_CLIENT))
				return -1;
			o->max_tbt = (int)d;
		} else if (OPT("--max-depth")) {
			if (!NUM(a, 0, SIM_MAX_FEED_PER_CLIENT))
				return -1;
			o->max_depth = (int)d;
		} else if (OPT("--stamp")) {
			o->stamp = true;
		} else if (OPT("--restart-rollback")) {
			o->restart_rollback = true;
		} else if (OPT("--drop-sessions")) {
			o->drop_sessions = true;
		} else if (OPT("--rcvbuf")) {
			if (!NUM(a, 0, 1 << 26))
				return -1;
			o->rcvbuf = (int)d;
		} else if (OPT("--deaf-after-orders")) {
			if (!NUM(a, 0, 1e9))
				return -1;
			o->deaf_after_orders = (int)d;
		} else if (OPT("--rtbar-ms")) {
			if (!NUM(a, 1, 3600000))
				return -1;
			o->rtbar_ms = (int)d;
		} else if (OPT("--pnl-ms")) {
			if (!NUM(a, 1, 3600000))
				return -1;
			o->pnl_ms = (int)d;
		} else if (OPT("--hist-pacing-scale")) {
			if (!NUM(a, 0, 1000))
				return -1;
			o->pacing_scale = d;
		} else if (OPT("--seed")) {
			if (!NUM(a, 0, 1e18))
				return -1;
			o->seed = (uint64_t)d;
		} else if (OPT("--log-level") && v) {
			if (ib_log_level_parse(v, &ll) != 0) {
				fprintf(stderr, "ibsim: --log-level: '%s' is not debug, info, warn or error\n", v);
				return -1;
			}
			i++;
		} else {
			fprintf(stderr, "ibsim: unknown option or missing value: '%s'\n", a);
			usage(stderr);
			return -1;
		}
#undef OPT
#undef NUM
	}
	ib_log_setup(ll, IB_LOG_TEXT);
	/* xorshift must not start at 0 */
	s->rng = (o->seed * 0x9e3779b97f4a7c15ull) | 1;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct sim s;
	char err[256] = "";

	if (parse_args(&s, argc, argv) != 0)
		return 2;
	if (sim_md_init(&s, s.o.symbols, err, sizeof(err)) != 0 || sim_contracts_init(&s) != 0 ||
	    sim_account_init(&s, s.o.accounts, err, sizeof(err)) != 0 || sim_orders_init(&s) != 0 ||
	    sim_depth_init(&s) != 0 || sim_bars_init(&s) != 0 || sim_pnl_init(&s) != 0) {
		fprintf(stderr, "ibsim: %s\n", err[0] ? err : "out of memory");
		return 2;
	}
	return sim_server_run(&s);
}
