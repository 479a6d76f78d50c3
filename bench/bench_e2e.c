/*
 * bench_e2e.c - `ibbench e2e`: ibsim blasts ticks over loopback into the
 * whole pipeline (network -> market data -> strategies), in this process so
 * each thread's CPU time can be read.
 *
 *   ibbench e2e [--quick] [--msgs N] [--strategies S] [--instruments K]
 *               [--rate R (offered msgs/s, 0 = as fast as possible)]
 *               [--depth ROWS (a depth + tick-by-tick blast instead of ticks)]
 *               [--wait block|spin|hybrid [--wait-spin-us US]] (every thread's wait strategy)
 *               [--lossless (md_lossless: every frame reaches the strategy, none coalesced)]
 *               [--pin CPU (the pipeline's threads on CPU -- strategy thread i on CPU + i --, ibsim on the
 *                others: names get _pinned)]
 *               [--plugin PATH (the bench strategy as a plugin)]
 *               [--compare-plugin PATH [--reps N] (built-in vs plugin, N pairs)]
 *
 * Reports msgs/s through the network thread, quotes delivered to
 * strategies, coalesced updates, CPU-ms per million messages per thread,
 * and with a paced rate the send->strategy latency percentiles, with how
 * many of the frames sent were measured (coalesced ones are not, unless
 * --lossless: then every frame is, and the run waits for the last), and
 * read -> market-data thread, the first hop alone.  With
 * --depth, ibsim's depth blast (updateMktDepth plus the BidAsk and trades
 * they imply) goes through book maintenance to on_book / on_bbo /
 * on_trade; latency is then network read -> callback (the depth frames
 * carry no send stamp), reported for plain ticks too so the two compare.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "bench.h"
#include "util/str.h"
#include "config/config.h"
#include "ibpipe/log.h"
#include "core/pipeline.h"
#include "strategies/bench.h"
#include "loader/plugin.h"
#include "loader/registry.h"
#include "util/clock.h"

/*
 * bin/ibsim on a port it binds itself (--port 0), written to dir/port:
 * nothing can take it between choice and use.  Returns its pid once the
 * port file is there (then *port is set), or -1.
 */
static pid_t
start_sim(const char *dir, int *port, long long msgs, int rate, int instruments, int depth, int avoid_cpu, char *syms,
	  size_t cap)
{
	char pf[256], n[32], r[32], k[16];
	pid_t pid;

	syms[0] = '\0';
	for (int i = 0; i < instruments; i++)
		snprintf(syms + strlen(syms), cap - strlen(syms), "%sS%04d", i ? "," : "", i);
	snprintf(pf, sizeof(pf), "%s/port", dir);
	snprintf(n, sizeof(n), "%lld", msgs);
	snprintf(r, sizeof(r), "%d", rate);
	snprintf(k, sizeof(k), "%d", 2 * instruments); /* BidAsk and AllLast on each */
	pid = fork();
	if (pid == 0) {
		char *ticks[] = { "bin/ibsim", "--port", "0", "--port-file", pf, "--symbols", syms, "--blast", n, "--stamp",
				  "--blast-rate", r, "--account-delay-ms", "0", NULL };
		char *books[] = { "bin/ibsim", "--port", "0", "--port-file", pf, "--symbols", syms, "--depth-blast", n,
				  "--blast-rate", r, "--max-depth", k, "--max-tbt", k, "--depth-rate", "0", "--tick-rate", "0",
				  "--account-delay-ms", "0", NULL };
		char **argv = depth ? books : ticks;
		const char *bin = getenv("IB_BIN");
		char path[256];
		snprintf(path, sizeof(path), "%s/ibsim", bin && *bin ? bin : "bin");
		argv[0] = path;
		int devnull = open("/dev/null", 1);
		if (devnull >= 0)
			dup2(devnull, 1);
		if (avoid_cpu >= 0) { /* --pin: the gateway stand-in off the pipeline's CPU */
			cpu_set_t set;
			if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1) {
				CPU_CLR(avoid_cpu, &set);
				sched_setaffinity(0, sizeof(set), &set);
			}
		}
		execv(path, argv);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 1000; i++) { /* 10 s */
		FILE *f = fopen(pf, "r");
		if (f) {
			int ok = fscanf(f, "%d", port) == 1 && *port > 0;
			fclose(f);
			if (ok)
				return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		usleep(10000);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

/* Remove dir and the files in it (the port file, the order-id file): a run leaves nothing behind. */
static void
remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Send->strategy samples the strategies have taken so far (while they run). */
static uint64_t
measured(ib_pipeline *p)
{
	uint64_t n = 0;

	for (int i = 0; i < ib_pipeline_nstrategies(p); i++) {
		struct ib_bench_strategy *b = ib_pipeline_strategy_self(p, i);
		n += __atomic_load_n(&b->measured, __ATOMIC_RELAXED);
	}
	return n;
}

/* What one run blasts (the command line's options). */
struct e2e_opts {
	long long msgs;
	int nstrat, ninst, rate, depth;
	const char *wait, *spin_us;   /* --wait, --wait-spin-us: NULL for the default */
	int pin;                      /* --pin CPU: every pipeline thread on CPU, ibsim off it; -1: none */
	bool lossless;                /* --lossless: md_lossless */
};

/*
 * One blast through a fresh pipeline running vt.  report: print the full
 * figures under its name (tag: "_plugin" or "") and record them (bench_result); otherwise only
 * *mps_out is set (the plugin/built-in comparison's repetitions).  0 when
 * the blast completed.
 */
static int
e2e_once(const struct e2e_opts *o, const ib_strategy_vtable *vt, const char *tag, bool report, double *mps_out)
{
	long long msgs = o->msgs;
	int nstrat = o->nstrat, ninst = o->ninst, rate = o->rate, depth = o->depth;
	const char *wait = o->wait, *spin_us = o->spin_us;
	int port = 0;
	static char syms[16384 * 8];
	const char *tmp = getenv("TMPDIR");
	char dir[256];
	ib_config cfg;
	char err[256], *rest[4];
	int nrest;
	char *noargs[] = { NULL };

	*mps_out = 0;
	if (ib_config_from_args(&cfg, 0, noargs, rest, 4, &nrest, err, sizeof(err)) != 0) {
		fprintf(stderr, "e2e: %s\n", err);
		return 1;
	}
	if ((wait && ib_config_set(&cfg, "wait", wait, err, sizeof(err)) != 0) ||
	    (spin_us && ib_config_set(&cfg, "wait_spin_us", spin_us, err, sizeof(err)) != 0)) {
		fprintf(stderr, "e2e: %s\n", err);
		return 2;
	}
	if (depth && ninst > IB_CFG_MAX_SUBS / 2)
		ninst = IB_CFG_MAX_SUBS / 2;
	snprintf(dir, sizeof(dir), "%s/ibbench-e2e-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("e2e: mkdtemp");
		return 1;
	}
	pid_t sim = start_sim(dir, &port, msgs, rate, ninst, depth, o->pin, syms, sizeof(syms));
	if (sim < 0) {
		fprintf(stderr, "e2e: ibsim did not start\n");
		remove_dir(dir);
		return 1;
	}
	ib_strlcpy(cfg.host, "127.0.0.1", sizeof(cfg.host));
	cfg.port = port;
	cfg.redis = false;
	cfg.readonly = true;
	cfg.strategies = nstrat;
	cfg.md_lossless = o->lossless;
	if (o->pin >= 0)
		cfg.cpu_net = cfg.cpu_md = cfg.cpu_account = cfg.cpu_strategy = o->pin;
	ib_strlcpy(cfg.strategy, "bench", sizeof(cfg.strategy));
	cfg.pacing_per_s = 100000; /* subscribing 10,000 instruments at IB's 50/s would take minutes */
	ib_strlcpy(cfg.state_dir, dir, sizeof(cfg.state_dir));
	cfg.nsymbols = 0;
	cfg.max_depth = ninst;
	cfg.max_tbt = 2 * ninst;
	for (char *save = NULL, *t = strtok_r(syms, ",", &save); t && cfg.nsymbols < IB_CFG_MAX_SYMBOLS;
	     t = strtok_r(NULL, ",", &save)) {
		char item[48];
		if (!depth) {
			ib_strlcpy(cfg.symbols[cfg.nsymbols++], t, IB_SYMBOL_LEN);
			continue;
		}
		/* depth-only instruments: the book feed, its BidAsk and its trades, no reqMktData line */
		snprintf(item, sizeof(item), "%s:%d", t, depth);
		ib_config_add_sub(&cfg, true, item, err, sizeof(err));
		snprintf(item, sizeof(item), "%s:BidAsk", t);
		ib_config_add_sub(&cfg, false, item, err, sizeof(err));
		snprintf(item, sizeof(item), "%s:AllLast", t);
		ib_config_add_sub(&cfg, false, item, err, sizeof(err));
	}

	ib_pipeline *p = ib_pipeline_create(&cfg, vt, err, sizeof(err));
	if (!p || ib_pipeline_start(p) != IB_OK) {
		fprintf(stderr, "e2e: %s\n", p ? "start failed" : err);
		kill(sim, SIGTERM);
		waitpid(sim, NULL, 0);
		remove_dir(dir);
		return 1;
	}
	/*
	 * Time from the first market-data message to the last.  A tick blast is
	 * exactly msgs frames; a depth blast is msgs depth updates plus the
	 * tick-by-tick they imply, so it is over when the count stops moving.
	 */
	int64_t t0 = 0, t1 = 0, deadline = ib_now_mono_ns() + 120000000000LL, moved = 0;
	uint64_t md0 = 0, last = 0;
	while (ib_now_mono_ns() < deadline) {
		uint64_t md = IB_STAT_GET(ib_pipeline_stats(p)->net.md_in);
		int64_t now = ib_now_mono_ns();
		if (!t0 && md > 0) {
			t0 = now;
			md0 = md;
		}
		if (md != last)
			moved = now, last = md;
		if (!depth && md >= (uint64_t)msgs) {
			t1 = now;
			break;
		}
		if (depth && md >= (uint64_t)msgs && now - moved > 300000000LL) {
			t1 = moved;
			break;
		}
		usleep(1000);
	}
	/* lossless: every blast frame becomes a sample in every strategy; wait for the last one
	   (bounded: a lost frame is reported, not waited for forever) */
	uint64_t due = (uint64_t)msgs * (uint64_t)ib_pipeline_nstrategies(p);
	for (int64_t until = ib_now_mono_ns() + 30000000000LL; o->lossless && !depth && t1 && ib_now_mono_ns() < until;
	     usleep(1000))
		if (measured(p) >= due)
			break;
	/* let the market-data thread and strategies drain */
	usleep(200000);
	pthread_t th_net = 0, th_md = 0, th;
	ib_pipeline_thread_id(p, IB_PT_NET, &th_net);
	ib_pipeline_thread_id(p, IB_PT_MD, &th_md);
	double cpu_net = bench_thread_cpu_s(th_net), cpu_md = bench_thread_cpu_s(th_md), cpu_st = 0;
	for (int i = 0; i < ib_pipeline_nstrategies(p); i++)
		if (ib_pipeline_strategy_thread(p, i, &th))
			cpu_st += bench_thread_cpu_s(th);
	ib_pipeline_request_stop(p);
	ib_pipeline_join(p);
	kill(sim, SIGTERM);
	waitpid(sim, NULL, 0);
	remove_dir(dir);

	uint64_t md = IB_STAT_GET(ib_pipeline_stats(p)->net.md_in) - md0;
	double secs = t1 && t0 ? (double)(t1 - t0) / 1e9 : 0;
	double mps = secs > 0 ? (double)md / secs : 0;
	ib_hist e2e = { 0 }, internal = { 0 };
	uint64_t quotes = 0, books = 0, bbos = 0, trades = 0, unstamped = 0;
	for (int i = 0; i < ib_pipeline_nstrategies(p); i++) {
		struct ib_bench_strategy *b = ib_pipeline_strategy_self(p, i);
		ib_hist_merge(&e2e, &b->end_to_end);
		ib_hist_merge(&internal, &b->internal);
		quotes += b->quotes;
		unstamped += b->unstamped;
		books += b->books;
		bbos += b->bbos;
		trades += b->trades;
	}
	double million = (double)md / 1e6;
	*mps_out = mps;
	if (!report) {
		ib_pipeline_free(p);
		return t1 ? 0 : 1;
	}
	char name[96], wtag[32] = "";
	if (wait && cfg.wait_md != IB_WAIT_BLOCK) /* block keeps the names earlier results have */
		snprintf(wtag, sizeof(wtag), "_%s", cfg.wait_md == IB_WAIT_SPIN ? "spin" : "hybrid");
	if (o->pin >= 0)
		snprintf(wtag + strlen(wtag), sizeof(wtag) - strlen(wtag), "_pinned");
	if (o->lossless)
		snprintf(wtag + strlen(wtag), sizeof(wtag) - strlen(wtag), "_lossless");
	if (depth)
		snprintf(name, sizeof(name), "e2e_depth_s%d_i%d_r%d%s", nstrat, ninst, rate, wtag);
	else
		snprintf(name, sizeof(name), "e2e%s_s%d_i%d_r%d%s", tag, nstrat, ninst, rate, wtag);
	printf("%-24s %12.0f msgs/s  %s  to strategies: quotes %llu books %llu bbo %llu trades %llu  coalesced %llu  "
	       "cpu-ms/M: net %.0f md %.0f strat %.0f total %.0f\n",
	       name, mps, t1 ? "complete" : "TIMEOUT", (unsigned long long)quotes, (unsigned long long)books,
	       (unsigned long long)bbos, (unsigned long long)trades, (unsigned long long)ib_stats_coalesced(ib_pipeline_stats(p)),
	       cpu_net * 1e3 / million, cpu_md * 1e3 / million, cpu_st * 1e3 / million,
	       (cpu_net + cpu_md + cpu_st) * 1e3 / million);
	if (depth)
		printf("%-24s depth ops %llu, book errors %llu, balance md_in %llu = processed %llu + coalesced %llu\n", name,
		       (unsigned long long)IB_STAT_GET(ib_pipeline_stats(p)->md.depth_ops),
		       (unsigned long long)IB_STAT_GET(ib_pipeline_stats(p)->md.book_errors),
		       (unsigned long long)IB_STAT_GET(ib_pipeline_stats(p)->net.md_in), (unsigned long long)IB_STAT_GET(ib_pipeline_stats(p)->md.quotes),
		       (unsigned long long)IB_STAT_GET(ib_pipeline_stats(p)->net.md_coalesced));
	if (internal.count)
		printf("%-24s latency read->strategy p50 %.1f us  p99 %.1f us  p99.9 %.1f us  (%llu samples)\n", name,
		       ib_hist_quantile(&internal, 0.5) / 1e3, ib_hist_quantile(&internal, 0.99) / 1e3,
		       ib_hist_quantile(&internal, 0.999) / 1e3, (unsigned long long)internal.count);
	ib_hist mdl;
	ib_pipeline_md_latency(p, &mdl);
	if (mdl.count) /* the first hop alone: where the read->strategy time goes */
		printf("%-24s latency read->market-data thread p50 %.1f us  p99 %.1f us  (%llu samples)\n", name,
		       ib_hist_quantile(&mdl, 0.5) / 1e3, ib_hist_quantile(&mdl, 0.99) / 1e3, (unsigned long long)mdl.count);
	if (e2e.count)
		printf("%-24s latency send->strategy p50 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us  (%llu samples; "
		       "%llu quotes without a new stamp, from ibsim's own ticks, not measured)\n",
		       name, ib_hist_quantile(&e2e, 0.5) / 1e3, ib_hist_quantile(&e2e, 0.99) / 1e3,
		       ib_hist_quantile(&e2e, 0.999) / 1e3, (double)e2e.max / 1e3, (unsigned long long)e2e.count,
		       (unsigned long long)unstamped);
	uint64_t coalesced = ib_stats_coalesced(ib_pipeline_stats(p));
	if (!depth) {
		/* every stamped blast frame is one send->strategy sample in each strategy unless coalescing
		   merged it */
		printf("%-24s measured %llu of %llu frames sent%s (%.1f %%), coalesced %llu%s\n", name,
		       (unsigned long long)e2e.count, (unsigned long long)due, nstrat > 1 ? " x strategies" : "",
		       due ? 100.0 * (double)e2e.count / (double)due : 0, (unsigned long long)coalesced,
		       o->lossless ? " (lossless)" : "");
		bench_result(name, "latency_samples", (double)e2e.count);
		bench_result(name, "frames_sent", (double)due); /* frames sent x strategies */
		bench_result(name, "coalesced", (double)coalesced);
	}
	bench_result(name, "msgs_per_s", mps);
	bench_result(name, "cpu_ms_per_million", (cpu_net + cpu_md + cpu_st) * 1e3 / million);
	bench_result(name, "cpu_ms_per_million_net", cpu_net * 1e3 / million);
	bench_result(name, "cpu_ms_per_million_md", cpu_md * 1e3 / million);
	bench_result(name, "cpu_ms_per_million_strategies", cpu_st * 1e3 / million);
	bench_result(name, "quotes_delivered", (double)quotes);
	if (depth) {
		bench_result(name, "books_delivered", (double)books);
		bench_result(name, "book_errors", (double)IB_STAT_GET(ib_pipeline_stats(p)->md.book_errors));
	}
	if (internal.count) {
		bench_result(name, "internal_p50_us", ib_hist_quantile(&internal, 0.5) / 1e3);
		bench_result(name, "internal_p99_us", ib_hist_quantile(&internal, 0.99) / 1e3);
		bench_result(name, "internal_p999_us", ib_hist_quantile(&internal, 0.999) / 1e3);
		bench_result(name, "internal_samples", (double)internal.count);
	}
	if (e2e.count) {
		bench_result(name, "latency_p50_us", ib_hist_quantile(&e2e, 0.5) / 1e3);
		bench_result(name, "latency_p99_us", ib_hist_quantile(&e2e, 0.99) / 1e3);
		bench_result(name, "latency_p999_us", ib_hist_quantile(&e2e, 0.999) / 1e3);
		bench_result(name, "latency_max_us", (double)e2e.max / 1e3);
	}
	ib_pipeline_free(p);
	return t1 ? 0 : 1;
}

/* The median of n values (sorted in place). */
static double
median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_REPS 32

/*
 * --compare-plugin PATH: the bench strategy built in and the same file as a
 * plugin, in reps pairs in this one process, alternating and in ABBA order
 * (built-in first in even pairs, plugin first in odd ones) so that a load
 * that drifts during the run weighs on both alike.  Reports each run, the
 * median of each side, their ratio and the median of the per-pair ratios.
 */
static int
compare_plugin(const struct e2e_opts *o, const ib_strategy_vtable *builtin, const ib_strategy_vtable *plugin, int reps)
{
	double b[MAX_REPS], p[MAX_REPS], r[MAX_REPS];
	char name[96];
	int n = 0;

	snprintf(name, sizeof(name), "e2e_plugin_vs_builtin_s%d_i%d", o->nstrat, o->ninst);
	for (int k = 0; k < reps; k++) {
		bool plugin_first = k % 2;
		double first, second;
		int rc = e2e_once(o, plugin_first ? plugin : builtin, "", false, &first);
		rc |= e2e_once(o, plugin_first ? builtin : plugin, "", false, &second);
		if (rc != 0 || first <= 0 || second <= 0) {
			fprintf(stderr, "e2e: pair %d did not complete\n", k + 1);
			return 1;
		}
		b[n] = plugin_first ? second : first;
		p[n] = plugin_first ? first : second;
		r[n] = p[n] / b[n];
		printf("%-32s pair %2d (%s first): built-in %10.0f  plugin %10.0f msgs/s  plugin/built-in %.3f\n", name, k + 1,
		       plugin_first ? "plugin" : "built-in", b[n], p[n], r[n]);
		n++;
	}
	double mb = median(b, n), mp = median(p, n), mr = median(r, n);
	printf("%-32s median of %d: built-in %.0f msgs/s, plugin %.0f msgs/s: plugin/built-in throughput %.3f "
	       "(median of the pairs' ratios %.3f; issue 16: >= 0.95)\n",
	       name, n, mb, mp, mp / mb, mr);
	bench_result(name, "builtin_msgs_per_s_median", mb);
	bench_result(name, "plugin_msgs_per_s_median", mp);
	bench_result(name, "throughput_ratio", mp / mb);
	bench_result(name, "pair_ratio_median", mr);
	bench_result(name, "pairs", n);
	return 0;
}

int
bench_e2e(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	struct e2e_opts o = {
		.msgs = atoll(bench_arg(argc, argv, "--msgs", quick ? "2000000" : "20000000")),
		.nstrat = atoi(bench_arg(argc, argv, "--strategies", "1")),
		.ninst = atoi(bench_arg(argc, argv, "--instruments", "10")),
		.rate = atoi(bench_arg(argc, argv, "--rate", "0")),
		.depth = atoi(bench_arg(argc, argv, "--depth", "0")),
		.wait = bench_arg(argc, argv, "--wait", NULL),
		.spin_us = bench_arg(argc, argv, "--wait-spin-us", NULL),
		.pin = atoi(bench_arg(argc, argv, "--pin", "-1")),
		.lossless = bench_flag(argc, argv, "--lossless"),
	};
	const char *plugin = bench_arg(argc, argv, "--plugin", NULL);
	const char *compare = bench_arg(argc, argv, "--compare-plugin", NULL);
	int reps = atoi(bench_arg(argc, argv, "--reps", quick ? "3" : "5"));
	static ib_strategy_vtable plugin_vt;
	const ib_strategy_vtable *vt = ib_strategy_find("bench");
	char err[256];
	double mps;

	ib_log_setup(IB_LL_WARN, IB_LOG_TEXT);
	/* --plugin / --compare-plugin PATH: the bench strategy loaded through the SDK */
	if (plugin || compare) {
		if (ib_plugin_load(compare ? compare : plugin, &plugin_vt, err, sizeof(err)) != IB_OK) {
			fprintf(stderr, "e2e: %s\n", err);
			return 1;
		}
	}
	if (compare) {
		if (reps < 1 || reps > MAX_REPS || o.depth) {
			fprintf(stderr, "e2e: --compare-plugin takes --reps 1..%d and no --depth\n", MAX_REPS);
			return 2;
		}
		return compare_plugin(&o, vt, &plugin_vt, reps);
	}
	if (plugin)
		vt = &plugin_vt;
	return e2e_once(&o, vt, plugin ? "_plugin" : "", true, &mps);
}
