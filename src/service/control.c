/*
 * control.c - the process around a pipeline: signals, publisher, progress,
 * kill switch, and the probe's JSON verdict.
 */
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service/commands.h"
#include "service/control.h"
#include "util/str.h"
#include "util/json.h"
#include "ibpipe/log.h"
#include "service/metrics.h"
#include "config/redis_url.h"
#include "service/supervisor.h"
#include "record/record.h"
#include "core/sync.h" /* IB_SYNC_JSON_MAX: the diagnostics' size */
#include "service/strategies.h"
#include "util/clock.h"
#include "config/redis_keys.h"

#define TICK_MS 250

static void
block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * The kill switch in Redis: P:control = halt | resume.  Its own connection, read 4x a second.
 * A change of the value is acted on (and the value found at start), not the value itself: a
 * signal or a halt/resume command since then holds until the key says something new.
 */
struct killswitch {
	redisContext *c;
	char key[64];
	char last[16];
	int64_t next_try;
};

static void
killswitch_poll(struct killswitch *k, const ib_config *cfg, ib_pipeline *p)
{
	int64_t now = ib_now_mono_ns();
	redisReply *r;

	if (!cfg->redis)
		return;
	if (k->c == NULL) {
		if (now < k->next_try)
			return;
		k->next_try = now + 2000000000LL;
		k->c = ib_redis_open(&(ib_redis_where){ cfg->redis_url, cfg->redis_sentinels, cfg->redis_master,
							cfg->redis_password, cfg->redis_sentinel_password },
				     500, NULL, 0);
		if (k->c == NULL)
			return;
		ib_key(k->key, sizeof(k->key), cfg->redis_prefix, IB_KEY_CONTROL);
	}
	r = redisCommand(k->c, "GET %s", k->key);
	if (r == NULL) {
		redisFree(k->c);
		k->c = NULL;
		return;
	}
	if (r->type == REDIS_REPLY_STRING && strcmp(r->str, k->last) != 0) {
		int halt = strcmp(r->str, "halt") == 0, resume = strcmp(r->str, "resume") == 0;
		ib_strlcpy(k->last, r->str, sizeof(k->last));
		if (halt && !ib_pipeline_halted(p)) {
			ib_pipeline_halt(p, true);
			ib_log(IB_LL_WARN, "control", "kill switch: %s = halt -- no new orders", k->key);
		} else if (resume && ib_pipeline_halted(p)) {
			ib_pipeline_halt(p, false);
			ib_log(IB_LL_WARN, "control", "kill switch: %s = resume -- orders allowed", k->key);
		}
	}
	freeReplyObject(r);
}

void
ib_app_progress_line(ib_pipeline *p, ib_pub *pub, char *buf, size_t cap)
{
	static uint64_t last_msgs;
	static int64_t last_ns;
	char text[512], accts[256];
	int64_t now = ib_now_mono_ns();
	const ib_stats *st = ib_pipeline_stats(p);
	uint64_t msgs = IB_STAT_GET(st->net.msgs_in);
	double rate = last_ns ? (double)(msgs - last_msgs) * IB_NS_PER_S / (double)(now - last_ns) : 0;
	ib_pub_stats ps = { 0 };

	last_msgs = msgs;
	last_ns = now;
	ib_pipeline_diag(p, text, sizeof(text), NULL, 0);
	ib_pipeline_diag_accounts(p, accts, sizeof(accts));
	if (pub)
		ib_pub_get_stats(pub, &ps);
	bool conn = ck_pr_load_32((const uint32_t *)&st->net.connected) != 0;
	bool open = ib_pipeline_gate_open(p);
	uint64_t quotes = IB_STAT_GET(st->md.quotes);
	snprintf(buf, cap, "%s | gate %s | %s | %.0f msg/s | %llu quotes | coalesced %llu | redis %s p99 %.0f us%s",
		 conn ? "connected" : "disconnected", open ? "OPEN" : "closed",
		 open ? (accts[0] ? accts : "synced") : text, rate, (unsigned long long)quotes,
		 (unsigned long long)ib_stats_coalesced(st),
		 !pub ? "off" : ps.connected ? "up" : "DOWN", ps.staleness_p99_us,
		 ib_pipeline_halted(p) ? " | HALTED" : "");
}

/* P:health's latency_*: the strategies' frame read -> callback histogram (publisher thread). */
static void
strategy_latency(const void *p, ib_hist *out)
{
	ib_pipeline_strategy_latency(p, out);
}

static void
probe_report(ib_pipeline *p, bool ok)
{
	char *json = malloc(IB_SYNC_JSON_MAX), head[512];
	const ib_config *cfg = ib_pipeline_config(p);
	const ib_stats *st = ib_pipeline_stats(p);
	ib_pipeline_times t;
	double hs, sy;
	ib_json h;

	if (json == NULL) {
		printf("{\"ok\":false,\"error\":\"out of memory\"}\n");
		return;
	}
	ib_pipeline_diag(p, NULL, 0, json, IB_SYNC_JSON_MAX);
	ib_pipeline_get_times(p, &t);
	hs = (double)t.handshake_ns / IB_NS_PER_MS;
	sy = (double)t.synced_ns / IB_NS_PER_MS;
	ib_json_init(&h, head, sizeof(head));
	ib_json_printf(&h, "{\"ok\":%s,\"host\":", ok ? "true" : "false");
	ib_json_str(&h, cfg->host);
	ib_json_printf(&h, ",\"port\":%d,\"server_version\":%d,\"client_id\":%d,\"handshake_ms\":%.1f,\"sync_ms\":%s%.1f",
		       cfg->port, (int)ck_pr_load_32((const uint32_t *)&st->net.server_version),
		       (int)ck_pr_load_32((const uint32_t *)&st->net.client_id), hs, ok ? "" : "-", ok ? sy : 1.0);
	/* json is {"managedAccounts":[..],"nextValidId":N,"missing":[..],"waiting_s":x}: splice it in */
	size_t jl = strlen(json);
	if (jl >= 2 && json[0] == '{' && json[jl - 1] == '}')
		printf("%s,%s\n", head, json + 1);
	else
		printf("%s,\"error\":\"no diagnostics\"}\n", head);
	fflush(stdout);
	free(json);
}

int
ib_app_run(const ib_config *cfg_in, enum ib_app_mode mode, ib_app_done_fn done, void *done_arg)
{
	ib_config cfg = *cfg_in;
	char err[256];
	sigset_t set;
	ib_pub *pub = NULL;
	ib_pipeline *p;
	struct killswitch ks = { 0 };
	ib_supervisor *sv = NULL;
	ib_metrics *metrics = NULL;
	ib_commands *commands = NULL;
	ib_recorder *recorder = NULL;
	bool tty = isatty(STDERR_FILENO);
	int64_t start = ib_now_mono_ns(), last_progress = 0;
	int rc;
	enum ib_log_level lvl = IB_LL_INFO;

	ib_log_level_parse(cfg.log_level, &lvl);
	if (mode == IB_APP_PROBE && lvl == IB_LL_INFO)
		lvl = IB_LL_WARN; /* a probe's output is its JSON line; say only what went wrong */
	ib_log_setup(lvl, strcmp(cfg.log_format, "json") == 0 ? IB_LOG_JSON : IB_LOG_TEXT);
	if (mode == IB_APP_PROBE) {
		cfg.strategies = 0;
		cfg.redis = false;
		cfg.nsymbols = 0;
		cfg.ntbt = cfg.ndepth = 0;
		cfg.readonly = true;
		cfg.progress = false;
		cfg.reconnect_min_ms = cfg.reconnect_max_ms = 200;
		cfg.on_sync_timeout = IB_TIMEOUT_WAIT;
		/* a silent gateway holds the handshake for connect_timeout: never past the probe's own limit */
		if (cfg.connect_timeout_ms > (int)(cfg.sync_timeout_s * 1000))
			cfg.connect_timeout_ms = (int)(cfg.sync_timeout_s * 1000);
	}
	if (mode == IB_APP_REPLAY) {
		cfg.readonly = true;      /* a replay never sends an order anywhere */
		cfg.md_lossless = true;   /* every tick reaches the strategies, as in a lossless live run */
		cfg.pacing_per_s = 1000000;
	}
	block_signals(&set);
	const ib_strategy_vtable *vts[64];
	if (ib_strategies_resolve(&cfg, vts, err, sizeof(err)) != IB_OK) {
		fprintf(stderr, "ibpipe: strategy: %s\n", err);
		return 2;
	}
	p = ib_pipeline_create_mixed(&cfg, vts, err, sizeof(err));
	if (p == NULL) {
		fprintf(stderr, "ibpipe: %s\n", err);
		return 2;
	}
	if (cfg.redis) {
		ib_pub_config pc;
		ib_pub_config_defaults(&pc);
		ib_strlcpy(pc.url, cfg.redis_url, sizeof(pc.url));
		ib_strlcpy(pc.prefix, cfg.redis_prefix, sizeof(pc.prefix));
		ib_strlcpy(pc.password, cfg.redis_password, sizeof(pc.password));
		ib_strlcpy(pc.sentinels, cfg.redis_sentinels, sizeof(pc.sentinels));
		ib_strlcpy(pc.master, cfg.redis_master, sizeof(pc.master));
		ib_strlcpy(pc.sentinel_password, cfg.redis_sentinel_password, sizeof(pc.sentinel_password));
		pc.book_levels = cfg.redis_book_levels;
		pc.bars_maxlen = cfg.redis_bars_maxlen;
		pub = ib_pub_create(&pc, ib_pipeline_quotes(p), ib_pipeline_stats(p));
		if (pub)
			ib_pub_set_books(pub, ib_pipeline_books(p)), ib_pub_set_greeks(pub, ib_pipeline_greeks(p)),
				ib_pub_set_latency(pub, strategy_latency, p);
		if (pub == NULL || ib_pub_start(pub) != IB_OK) {
			fprintf(stderr, "ibpipe: cannot start the Redis publisher\n");
			ib_pub_free(pub);
			ib_pipeline_free(p);
			return 2;
		}
		ib_pub_sink sink;
		ib_pub_as_sink(pub, &sink);
		ib_pipeline_set_sink(p, &sink);
	}
	/* record=FILE: the network thread hands every inbound frame to the recorder */
	if (cfg.record[0]) {
		recorder = ib_record_open(cfg.record, IB_CLIENT_MAX, err, sizeof(err));
		if (recorder == NULL) {
			ib_log(IB_LL_ERROR, "record", "%s", err);
			fprintf(stderr, "ibpipe: cannot start the pipeline threads\n");
			rc = 2;
			goto out;
		}
		ib_pipeline_set_frame_tap(p, ib_record_frame, recorder);
	}
	if (ib_pipeline_start(p) != IB_OK) {
		fprintf(stderr, "ibpipe: cannot start the pipeline threads\n");
		ib_pipeline_request_stop(p);
		rc = 2;
		goto out;
	}
	/* `run` only: the supervisor (systemd readiness + watchdog) and the metrics / health listener */
	if (mode == IB_APP_RUN &&
	    ((sv = ib_supervisor_create(p, pub, err, sizeof(err))) == NULL ||
	     (cfg.metrics_port >= 0 && (metrics = ib_metrics_start(&cfg, p, sv, err, sizeof(err))) == NULL) ||
	     ib_supervisor_start(sv, err, sizeof(err)) != IB_OK)) {
		fprintf(stderr, "ibpipe: %s\n", err);
		ib_pipeline_request_stop(p);
		rc = 2;
		goto out;
	}
	if (mode == IB_APP_RUN && cfg.commands && !cfg.redis)
		ib_log(IB_LL_WARN, "commands", "commands = true needs Redis (redis = false): no command stream is read");
	/* orders from other services: `run` with Redis, and only when asked for */
	if (mode == IB_APP_RUN && cfg.redis && cfg.commands &&
	    (commands = ib_commands_start(&cfg, p, pub, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ibpipe: %s\n", err);
		ib_pipeline_request_stop(p);
		rc = 2;
		goto out;
	}
	ib_log(IB_LL_INFO, "main", "ibpipe %s (%s) %s %s:%d, client id %d%s, %d symbol(s), %d strategy thread(s)",
	       IB_VERSION, IB_GIT_SHA, mode == IB_APP_PROBE ? "probing" : "running against", cfg.host, cfg.port,
	       cfg.client_id, cfg.readonly ? ", readonly" : "", cfg.nsymbols, cfg.strategies);

	for (;;) {
		struct timespec ts = { 0, TICK_MS * IB_NS_PER_MS };
		int sig = sigtimedwait(&set, NULL, &ts);
		int64_t now = ib_now_mono_ns();

		if (sig == SIGINT || sig == SIGTERM) {
			ib_log(IB_LL_INFO, "main", "%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
			break;
		}
		if (sig == SIGUSR1) {
			ib_pipeline_halt(p, true);
			ib_log(IB_LL_WARN, "control", "SIGUSR1: kill switch on -- no new orders");
		} else if (sig == SIGUSR2) {
			ib_pipeline_halt(p, false);
			ib_log(IB_LL_WARN, "control", "SIGUSR2: kill switch off -- orders allowed");
		}
		if (ib_pipeline_stopping(p))
			break;
		if (done && done(p, done_arg))
			break;
		if (mode == IB_APP_PROBE) {
			if (ib_pipeline_gate_open(p)) {
				probe_report(p, true);
				break;
			}
			if (now - start > ib_s_to_ns(cfg.sync_timeout_s)) {
				char text[512];
				ib_pipeline_diag(p, text, sizeof(text), NULL, 0);
				ib_log(IB_LL_ERROR, "probe", "no full sync after %.1f s: %s", cfg.sync_timeout_s, text);
				probe_report(p, false);
				ib_pipeline_set_exit_code(p, 1);
				break;
			}
			continue;
		}
		killswitch_poll(&ks, &cfg, p);
		if (cfg.run_seconds > 0 && now - start >= ib_s_to_ns(cfg.run_seconds)) {
			ib_log(IB_LL_INFO, "main", "run_seconds %.0f reached: shutting down", cfg.run_seconds);
			break;
		}
		if (cfg.progress && now - last_progress >= IB_NS_PER_S) {
			char line[768];
			ib_app_progress_line(p, pub, line, sizeof(line));
			if (tty)
				fprintf(stderr, "\r\033[K%s", line);
			else
				fprintf(stderr, "progress: %s\n", line);
			last_progress = now;
		}
	}
	if (cfg.progress && tty)
		fputc('\n', stderr);
	rc = 0;
out:
	ib_commands_stop(commands); /* first: it places orders and waits for the publisher */
	ib_metrics_stop(metrics); /* before the joins: a scrape reads the threads' CPU clocks */
	ib_supervisor_stop(sv);   /* STOPPING=1 */
	ib_pipeline_request_stop(p);
	rc = ib_pipeline_join(p) ? ib_pipeline_exit_code(p) : rc;
	ib_record_close(recorder); /* after the join: the network thread wrote its last frame */
	ib_pub_counts pc = { 0 };
	if (pub) {
		ib_pub_stop(pub);
		ib_pub_get_counts(pub, &pc); /* after the stop: with what Redis never got */
		ib_pub_free(pub);
	}
	if (ks.c)
		redisFree(ks.c);
	const ib_stats *st = ib_pipeline_stats(p);
	if (mode == IB_APP_RUN)
		ib_log(IB_LL_INFO, "main",
		       "stopped: %llu msgs in, %llu bad frames, %llu unknown ids, %llu coalesced, %llu dropped, %llu reconnects; "
		       "md_in %llu = md_processed %llu + md_coalesced_net %llu; depth_ops %llu book_errors %llu "
		       "trades %llu bbos %llu redis_unwritten %llu",
		       (unsigned long long)IB_STAT_GET(st->net.msgs_in),
		       (unsigned long long)IB_STAT_GET(st->net.frames_bad),
		       (unsigned long long)IB_STAT_GET(st->net.unknown_ids),
		       (unsigned long long)ib_stats_coalesced(st),
		       (unsigned long long)IB_STAT_GET(st->acct.dropped),
		       (unsigned long long)IB_STAT_GET(st->net.reconnects),
		       (unsigned long long)IB_STAT_GET(st->net.md_in),
		       (unsigned long long)IB_STAT_GET(st->md.quotes),
		       (unsigned long long)IB_STAT_GET(st->net.md_coalesced),
		       (unsigned long long)IB_STAT_GET(st->md.depth_ops),
		       (unsigned long long)IB_STAT_GET(st->md.book_errors),
		       (unsigned long long)IB_STAT_GET(st->md.trades),
		       (unsigned long long)IB_STAT_GET(st->md.bbos), (unsigned long long)pc.unwritten);
	ib_pipeline_free(p);
	return rc;
}
