/*
 * metrics_text.c - the /metrics page in the Prometheus text exposition
 * format (version 0.0.4): # HELP and # TYPE before each family, counters
 * named *_total, times in seconds, one histogram in cumulative le buckets.
 *
 * Runs on the metrics listener's thread.  Pipeline counters are read with
 * atomic loads; everything a lock guards comes from the supervisor's
 * snapshot (supervisor.h), so nothing here waits for a pipeline thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "service/metrics.h"
#include "util/clock.h"

struct out {
	char *buf;
	size_t cap, len;
};

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP ibpipe_%s %s\n# TYPE ibpipe_%s %s\n", name, help, name, type);
}

static void
counter(struct out *o, const char *name, uint64_t v, const char *help)
{
	family(o, name, "counter", help);
	put(o, "ibpipe_%s %llu\n", name, (unsigned long long)v);
}

/* Whole numbers as such; fractions with microsecond precision even for epoch timestamps. */
static void
value(struct out *o, double v)
{
	if (v == (double)(int64_t)v && v > -9e15 && v < 9e15)
		put(o, " %lld\n", (long long)v);
	else
		put(o, " %.6f\n", v);
}

static void
gauge(struct out *o, const char *name, double v, const char *help)
{
	family(o, name, "gauge", help);
	put(o, "ibpipe_%s", name);
	value(o, v);
}

static void
health_counters(struct out *o, const ib_pipeline *p, const ib_sv_snapshot *s)
{
	const ib_stats *st = ib_pipeline_stats(p);
	int64_t real = ib_now_real_ns();
	uint64_t last = IB_STAT_GET(st->net.last_msg_ns);

	/* The P:health fields, under Prometheus names (P:health name in the help text). */
	gauge(o, "connected", ck_pr_load_32((uint32_t *)&st->net.connected), "1 while connected to the gateway (connected)");
	gauge(o, "server_version", (int32_t)ck_pr_load_32((uint32_t *)&st->net.server_version),
	      "API server version negotiated (server_version)");
	gauge(o, "client_id", (int32_t)ck_pr_load_32((uint32_t *)&st->net.client_id), "API client id in use (client_id)");
	counter(o, "messages_total", IB_STAT_GET(st->net.msgs_in), "gateway messages decoded (msgs_in)");
	gauge(o, "messages_per_second", s->msgs_per_s, "gateway messages per second over the last second (msgs_per_s)");
	counter(o, "coalesced_total", ib_stats_coalesced(st), "market-data updates folded into later ones (coalesced)");
	counter(o, "dropped_total", IB_STAT_GET(st->acct.dropped), "account/order events lost; must stay 0 (dropped)");
	counter(o, "md_in_total", IB_STAT_GET(st->net.md_in), "market-data messages routed (md_in)");
	counter(o, "md_processed_total", IB_STAT_GET(st->md.quotes), "market-data updates applied (md_processed)");
	counter(o, "md_coalesced_net_total", IB_STAT_GET(st->net.md_coalesced),
		"market-data updates folded by the network thread (md_coalesced_net)");
	counter(o, "acct_in_total", IB_STAT_GET(st->net.acct_in), "account and position messages routed (acct_in)");
	counter(o, "order_in_total", IB_STAT_GET(st->net.order_in), "order and execution messages routed (order_in)");
	counter(o, "frames_bad_total", IB_STAT_GET(st->net.frames_bad), "malformed frames skipped (frames_bad)");
	counter(o, "unknown_ids_total", IB_STAT_GET(st->net.unknown_ids), "frames with an id ibpipe skips (unknown_ids)");
	counter(o, "book_errors_total", IB_STAT_GET(st->md.book_errors),
		"depth operations on rows that do not exist (book_errors)");
	uint64_t mark_failures, refused_no_id;
	ib_pipeline_order_id_failures(p, &mark_failures, &refused_no_id);
	counter(o, "order_id_mark_failures_total", mark_failures,
		"order-id mark stores that failed: order placement stopped at the first");
	counter(o, "orders_refused_no_id_total", refused_no_id,
		"new orders refused because no order id was reserved on disk");
	counter(o, "reconnects_total", IB_STAT_GET(st->net.reconnects), "gateway connections lost and retried");
	counter(o, "orders_untracked_total", IB_STAT_GET(st->acct.orders_untracked),
		"order events for new orders not followed: every order table slot held a live order (orders_untracked)");
	counter(o, "exec_ids_bad_total", IB_STAT_GET(st->net.exec_ids_bad),
		"executions whose execId was empty (published, not de-duplicated) or cut to fit (exec_ids_bad)");
	counter(o, "write_stalls_total", IB_STAT_GET(st->net.write_stalls),
		"sessions ended because the gateway stopped reading (write_stalls)");
	counter(o, "commands_total", IB_STAT_GET(st->cmd.in), "commands read from P:stream:commands (cmd_in)");
	counter(o, "commands_refused_total", IB_STAT_GET(st->cmd.refused), "commands answered refused (cmd_refused)");
	counter(o, "commands_malformed_total", IB_STAT_GET(st->cmd.malformed),
		"commands refused as malformed entries (cmd_malformed)");
	counter(o, "commands_repeated_total", IB_STAT_GET(st->cmd.repeats),
		"commands whose cmd_id was seen before: answered, not executed (cmd_repeats)");
	gauge(o, "last_message_timestamp_seconds", ib_ns_to_s(last),
	      "wall-clock time of the last gateway frame, 0 before the first (last_msg_at)");
	gauge(o, "uptime_seconds", ib_ns_to_s((real - (int64_t)st->start_ns)), "seconds since start (uptime_s)");
	gauge(o, "pid", (double)getpid(), "process id (pid)");
}

/*
 * An ib_hist as a Prometheus histogram in seconds.  _count and the +Inf bucket are the sum of the
 * buckets, so they agree whatever moved while the copy was taken.
 */
static void
histogram(struct out *o, const char *name, const ib_hist *h, const double *le_s, size_t nle, const char *help)
{
	uint64_t n = ib_hist_count_le(h, UINT64_MAX);

	family(o, name, "histogram", help);
	for (size_t i = 0; i < nle; i++)
		put(o, "ibpipe_%s_bucket{le=\"%g\"} %llu\n", name, le_s[i],
		    (unsigned long long)ib_hist_count_le(h, (uint64_t)ib_s_to_ns(le_s[i])));
	put(o, "ibpipe_%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)n);
	put(o, "ibpipe_%s_sum %.9f\n", name, ib_ns_to_s(h->sum));
	put(o, "ibpipe_%s_count %llu\n", name, (unsigned long long)n);
}

static const double le_latency[] = { 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
				     0.0025,  0.005,    0.01,    0.025,  0.05,    0.1,    0.25, 1 };
static const double le_staleness[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
				       0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,  5, 10 };

/* Redis: connection, what the publisher counts, and how stale Redis is (tick arrival -> acknowledged). */
static void
redis_metrics(struct out *o, const ib_sv_snapshot *s)
{

	gauge(o, "redis_enabled", s->have_pub, "1 when publishing to Redis is on");
	if (!s->have_pub)
		return;
	gauge(o, "redis_connected", s->pub.connected, "1 while the publisher's Redis connection is up");
	counter(o, "redis_reconnects_total", s->pub.reconnects, "Redis connections lost and re-made (redis_reconnects)");
	counter(o, "redis_errors_total", s->pub_counts.redis_errors, "commands Redis refused (redis_errors)");
	counter(o, "redis_commands_total", s->pub.commands, "Redis commands sent");
	counter(o, "redis_snapshots_total", s->pub.snapshots, "full snapshots written after a (re)connect");
	gauge(o, "redis_stream_waiting", (double)s->pub_counts.stream_waiting,
	      "P:stream:orders entries Redis has not acknowledged yet");
	gauge(o, "redis_staleness_p50_seconds", s->pub.staleness_p50_us / IB_US_PER_S,
	      "median tick arrival -> acknowledged by Redis, whole run (staleness_p50_us)");
	gauge(o, "redis_staleness_p99_seconds", s->pub.staleness_p99_us / IB_US_PER_S,
	      "99th percentile tick arrival -> acknowledged by Redis, whole run (staleness_p99_us)");
	histogram(o, "redis_staleness_seconds", &s->staleness, le_staleness, sizeof(le_staleness) / sizeof(le_staleness[0]),
		  "quote staleness in Redis: tick arrival -> value acknowledged by Redis (refreshed every second)");
}

static void
gate_metrics(struct out *o, const ib_sv_snapshot *s, bool open)
{
	static const char *const states[] = { "disconnected", "syncing", "ready" };
	bool conn = s->connected;
	int state = open ? 2 : conn ? 1 : 0;
	int64_t real = ib_now_real_ns();

	family(o, "sync_state", "gauge", "P:sync: 1 for the current state (disconnected, syncing, ready)");
	for (int i = 0; i < 3; i++)
		put(o, "ibpipe_sync_state{state=\"%s\"} %d\n", states[i], i == state);
	gauge(o, "gate_open", open, "1 while the sync gate is open (strategies may trade)");
	counter(o, "gate_opens_total", s->gate_opens, "times the sync gate opened");
	gauge(o, "gate_last_open_timestamp_seconds", ib_ns_to_s(s->gate_opened_real_ns),
	      "wall-clock time the gate last opened, 0 never");
	gauge(o, "gate_open_seconds", open && s->gate_opened_real_ns ? ib_ns_to_s(real - s->gate_opened_real_ns) : 0,
	      "how long the gate has been open, 0 while closed");
	gauge(o, "gate_last_sync_seconds", s->last_sync_s, "connect -> gate open, the last time it opened");
}

static double
thread_cpu_s(pthread_t th)
{
	clockid_t cid;
	struct timespec ts;

	if (pthread_getcpuclockid(th, &cid) != 0 || clock_gettime(cid, &ts) != 0)
		return -1;
	return (double)ts.tv_sec + ib_ns_to_s(ts.tv_nsec);
}

static void
thread_metrics(struct out *o, ib_pipeline *p, ib_supervisor *sv, const ib_sv_snapshot *s)
{
	struct timespec ts;

	family(o, "thread_cpu_seconds_total", "counter", "CPU time used by each pipeline thread");
	for (int t = 0; t < IB_SV_NTHREADS; t++) {
		pthread_t th;
		double v;
		if (ib_supervisor_thread_id(sv, (enum ib_sv_thread)t, &th) && (v = thread_cpu_s(th)) >= 0)
			put(o, "ibpipe_thread_cpu_seconds_total{thread=\"%s\"} %.6f\n", ib_sv_thread_name[t], v);
	}
	for (int i = 0; i < ib_pipeline_nstrategies(p); i++) {
		pthread_t th;
		double v;
		if (ib_pipeline_strategy_thread(p, i, &th) && (v = thread_cpu_s(th)) >= 0)
			put(o, "ibpipe_thread_cpu_seconds_total{thread=\"strategy-%d\"} %.6f\n", i, v);
	}
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
	{
		family(o, "process_cpu_seconds_total", "counter", "CPU time of the whole process, every thread included");
		put(o, "ibpipe_process_cpu_seconds_total %.6f\n", (double)ts.tv_sec + ib_ns_to_s(ts.tv_nsec));
	}
	family(o, "thread_heartbeat_age_seconds", "gauge",
	       "seconds since each watched thread last went round its loop (hung above hang_limit)");
	for (int t = 0; t < IB_SV_NTHREADS; t++)
		if (s->watched[t])
			put(o, "ibpipe_thread_heartbeat_age_seconds{thread=\"%s\"} %.3f\n", ib_sv_thread_name[t], s->idle_s[t]);
	gauge(o, "thread_hang_limit_seconds", s->hang_s, "a watched thread idle longer than this is hung");
	gauge(o, "healthy", s->healthy, "1 while every watched thread makes progress (/healthz)");
	counter(o, "watchdog_pings_total", s->watchdog_pings, "WATCHDOG=1 sent to systemd");
}

size_t
ib_metrics_render(char *buf, size_t cap, ib_pipeline *p, ib_supervisor *sv, const ib_sv_snapshot *s)
{
	struct out o = { buf, cap, 0 };

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	family(&o, "build_info", "gauge", "version and git commit of this binary");
	put(&o, "ibpipe_build_info{version=\"%s\",commit=\"%s\"} 1\n", IB_VERSION, IB_GIT_SHA);
	health_counters(&o, p, s);
	histogram(&o, "md_latency_seconds", &s->md_latency, le_latency, sizeof(le_latency) / sizeof(le_latency[0]),
		  "market-data latency inside ibpipe: gateway frame read -> applied by the market-data thread");
	histogram(&o, "strategy_latency_seconds", &s->strategy_latency, le_latency,
		  sizeof(le_latency) / sizeof(le_latency[0]),
		  "gateway frame read -> a strategy's market-data callback (every strategy thread)");
	gate_metrics(&o, s, ib_pipeline_gate_open(p));
	redis_metrics(&o, s);
	thread_metrics(&o, p, sv, s);
	return o.len;
}
