/*
 * test_metrics.c - the metrics listener (metrics_listen): /metrics scraped
 * over loopback from a real ibpipe (ibsim + redis-server) and held to the
 * Prometheus text format by a strict checker (and by `promtool check
 * metrics` when Debian's prometheus package is installed); /healthz and
 * /readyz flipping as the gate closes and opens and as a thread hangs.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "testutil.h"

/* ---- a strict reader of the text exposition format 0.0.4 ---- */

#define MAXFAM 128

struct fam {
	char name[96], type[16];
	bool help, typed, closed;  /* closed: its samples ended; more later would be interleaving */
};

struct chk {
	struct fam f[MAXFAM];
	int nf, cur;                 /* cur: the family whose samples are being read, -1 none */
	char series[512][160];       /* name{labels} seen, for duplicates */
	int nseries;
	/* histogram bookkeeping for the current family */
	double last_le, last_bucket, inf_bucket, count;
	bool have_inf, have_count, have_sum;
};

static int
fam_find(struct chk *c, const char *name)
{
	for (int i = 0; i < c->nf; i++)
		if (strcmp(c->f[i].name, name) == 0)
			return i;
	return -1;
}

static bool
valid_name(const char *s, size_t n, bool label)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || (!label && s[0] == ':')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || (!label && s[i] == ':')))
			return false;
	return true;
}

static bool
parse_value(const char *s, double *v)
{
	char *end;

	if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0 || strcmp(s, "NaN") == 0) {
		*v = strcmp(s, "-Inf") == 0 ? -INFINITY : strcmp(s, "NaN") == 0 ? NAN : INFINITY;
		return true;
	}
	*v = strtod(s, &end);
	return end != s && *end == '\0' && !isspace((unsigned char)s[0]);
}

static int
bad(char *err, size_t cap, int line, const char *what, const char *text)
{
	snprintf(err, cap, "line %d: %s: %.80s", line, what, text);
	return -1;
}

/* Close the histogram being read: +Inf bucket present and equal to _count, _sum present. */
static int
end_family(struct chk *c, char *err, size_t cap, int line)
{
	if (c->cur < 0)
		return 0;
	struct fam *f = &c->f[c->cur];
	f->closed = true;
	if (strcmp(f->type, "histogram") == 0) {
		if (!c->have_inf || !c->have_count || !c->have_sum)
			return bad(err, cap, line, "histogram without a +Inf bucket, _sum or _count", f->name);
		if (c->inf_bucket != c->count)
			return bad(err, cap, line, "histogram +Inf bucket differs from _count", f->name);
	}
	c->cur = -1;
	return 0;
}

static int
comment(struct chk *c, char *l, int line, char *err, size_t cap)
{
	char kind[8], name[96];
	int off = 0;

	if (sscanf(l, "# %7s %95s %n", kind, name, &off) < 2 || (strcmp(kind, "HELP") != 0 && strcmp(kind, "TYPE") != 0))
		return 0; /* a plain comment */
	if (!valid_name(name, strlen(name), false))
		return bad(err, cap, line, "bad metric name", name);
	int i = fam_find(c, name);
	if (i < 0) {
		if (c->nf == MAXFAM)
			return bad(err, cap, line, "too many families", name);
		i = c->nf++;
		snprintf(c->f[i].name, sizeof(c->f[i].name), "%s", name);
	}
	struct fam *f = &c->f[i];
	if (f->closed || c->cur == i)
		return bad(err, cap, line, "HELP/TYPE after the family's samples", name);
	if (end_family(c, err, cap, line) != 0)  /* a new family's comments end the one being read */
		return -1;
	if (strcmp(kind, "HELP") == 0) {
		if (f->help)
			return bad(err, cap, line, "second HELP", name);
		f->help = true;
		return 0;
	}
	if (f->typed)
		return bad(err, cap, line, "second TYPE", name);
	const char *t = l + off;
	static const char *const types[] = { "counter", "gauge", "histogram", "summary", "untyped" };
	bool known = false;
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		known |= strcmp(t, types[k]) == 0;
	if (!known)
		return bad(err, cap, line, "unknown type", t);
	if (strcmp(t, "counter") == 0 && (strlen(name) < 6 || strcmp(name + strlen(name) - 6, "_total") != 0))
		return bad(err, cap, line, "counter not named *_total", name);
	snprintf(f->type, sizeof(f->type), "%s", t);
	f->typed = true;
	return 0;
}

/* name{a="x",b="y"} value: name, the le label (histograms) and the value. */
static int
sample(struct chk *c, char *l, int line, char *err, size_t cap)
{
	size_t n = strcspn(l, "{ ");
	char name[96], le[32] = "", series[160];
	char *p = l + n;
	double v;

	if (n == 0 || n >= sizeof(name) || !valid_name(l, n, false))
		return bad(err, cap, line, "bad sample name", l);
	memcpy(name, l, n);
	name[n] = '\0';
	if (*p == '{') {
		p++;
		while (*p != '}') {
			size_t ln = strcspn(p, "=");
			if (!valid_name(p, ln, true) || p[ln] != '=' || p[ln + 1] != '"')
				return bad(err, cap, line, "bad label", l);
			bool is_le = ln == 2 && strncmp(p, "le", 2) == 0;
			char *q = p + ln + 2, *vs = q;
			while (*q && *q != '"') {
				if (*q == '\\' && (q[1] == '\\' || q[1] == '"' || q[1] == 'n'))
					q++;
				else if (*q == '\\' || *q == '\n')
					return bad(err, cap, line, "bad escape in label value", l);
				q++;
			}
			if (*q != '"')
				return bad(err, cap, line, "unterminated label value", l);
			if (is_le)
				snprintf(le, sizeof(le), "%.*s", (int)(q - vs), vs);
			p = q + 1;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return bad(err, cap, line, "expected , or } after a label", l);
		}
		p++;
	}
	if (*p != ' ' || !parse_value(p + 1, &v))
		return bad(err, cap, line, "bad value", l);
	snprintf(series, sizeof(series), "%.*s", (int)(p - l), l);
	for (int i = 0; i < c->nseries; i++)
		if (strcmp(c->series[i], series) == 0)
			return bad(err, cap, line, "duplicate series", series);
	if (c->nseries < 512)
		snprintf(c->series[c->nseries++], sizeof(c->series[0]), "%s", series);

	/* which family: the name itself, or a histogram's _bucket / _sum / _count */
	int fi = fam_find(c, name);
	const char *suffix = "";
	if (fi < 0) {
		static const char *const sfx[] = { "_bucket", "_sum", "_count" };
		for (int k = 0; k < 3 && fi < 0; k++) {
			size_t sl = strlen(sfx[k]);
			if (n > sl && strcmp(name + n - sl, sfx[k]) == 0) {
				char base[96];
				snprintf(base, sizeof(base), "%.*s", (int)(n - sl), name);
				fi = fam_find(c, base);
				if (fi >= 0 && strcmp(c->f[fi].type, "histogram") == 0)
					suffix = sfx[k];
				else
					fi = -1;
			}
		}
	}
	if (fi < 0 || !c->f[fi].typed)
		return bad(err, cap, line, "sample without a TYPE before it", name);
	if (c->f[fi].closed)
		return bad(err, cap, line, "samples of a family not together", name);
	if (c->cur != fi) {
		if (end_family(c, err, cap, line) != 0)
			return -1;
		c->cur = fi;
		c->last_le = -INFINITY;
		c->last_bucket = 0;
		c->have_inf = c->have_count = c->have_sum = false;
	}
	const char *type = c->f[fi].type;
	if (strcmp(type, "counter") == 0 && !(v >= 0))
		return bad(err, cap, line, "negative or NaN counter", l);
	if (strcmp(type, "histogram") == 0) {
		if (*suffix == '\0')
			return bad(err, cap, line, "histogram sample without _bucket/_sum/_count", l);
		if (strcmp(suffix, "_bucket") == 0) {
			double lev;
			if (!le[0] || !parse_value(le, &lev))
				return bad(err, cap, line, "bucket without a numeric le", l);
			if (lev <= c->last_le || v < c->last_bucket || c->have_inf)
				return bad(err, cap, line, "buckets not in increasing le with cumulative counts", l);
			c->last_le = lev;
			c->last_bucket = v;
			if (isinf(lev)) {
				c->have_inf = true;
				c->inf_bucket = v;
			}
		} else if (strcmp(suffix, "_count") == 0) {
			c->have_count = true;
			c->count = v;
		} else {
			c->have_sum = true;
		}
	}
	return 0;
}

/* 0 if text is valid exposition format; -1 with err naming the line. */
static int
prom_check(const char *text, char *err, size_t cap)
{
	static struct chk c;
	char *copy = strdup(text), *save = NULL;
	int line = 0, rc = 0;

	memset(&c, 0, sizeof(c));
	c.cur = -1;
	if (copy == NULL)
		return bad(err, cap, 0, "out of memory", "");
	if (text[0] == '\0' || text[strlen(text) - 1] != '\n')
		rc = bad(err, cap, 0, "empty, or no newline at the end", "");
	for (char *l = strtok_r(copy, "\n", &save); rc == 0 && l; l = strtok_r(NULL, "\n", &save)) {
		line++;
		if (strchr(l, '\r') || l[strlen(l) - 1] == ' ')
			rc = bad(err, cap, line, "carriage return or trailing blank", l);
		else if (l[0] == '#')
			rc = comment(&c, l, line, err, cap);
		else
			rc = sample(&c, l, line, err, cap);
	}
	if (rc == 0)
		rc = end_family(&c, err, cap, line);
	free(copy);
	return rc;
}

static void
test_checker_rejects(void)
{
	static const char *const badtext[] = {
		"x 1\n",                                                       /* no TYPE */
		"# TYPE x counter\nx 1\n",                                      /* counter not *_total */
		"# TYPE x_total counter\nx_total -1\n",                         /* negative counter */
		"# TYPE x gauge\nx 1\nx 2\n",                                   /* duplicate */
		"# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx{a=\"b\"} 1\n",     /* interleaved */
		"# TYPE x gauge\nx{a=\"b\\q\"} 1\n",                            /* bad escape */
		"# TYPE x gauge\nx one\n",                                      /* bad value */
		"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n",
		"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
		"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", /* no +Inf */
		"# TYPE x gauge\nx 1",                                          /* no final newline */
		"# TYPE x gauge\nx 1\n# HELP x again\n",                      /* HELP after samples */
	};
	char err[200];

	for (size_t i = 0; i < sizeof(badtext) / sizeof(badtext[0]); i++)
		CU_ASSERT(prom_check(badtext[i], err, sizeof(err)) != 0);
	CU_ASSERT(prom_check("# HELP h a histogram\n# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\n"
			     "h_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n# TYPE g gauge\ng{a=\"x\\\"y\"} 1e-3\n",
			     err, sizeof(err)) == 0);
}

/* ---- against a running ibpipe ---- */

static int
metrics_port(const struct tu_stack *s)
{
	char line[512];

	if (tu_wait_for_text(s->ib.log, "listening on http://127.0.0.1:", 10000) != 0 ||
	    tu_last_line(s->ib.log, "listening on http://127.0.0.1:", line, sizeof(line)) != 0)
		return -1;
	return atoi(strstr(line, "127.0.0.1:") + 10);
}

/* Until GET path answers want (and its body holds needle, if given); 0 or -1. */
static int
http_wait(int port, const char *path, int want, const char *needle, char *body, size_t cap, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;

	do {
		if (tu_http_get(port, path, body, cap) == want && (needle == NULL || strstr(body, needle)))
			return 0;
		tu_sleep_ms(50);
	} while (tu_now_ms() < deadline);
	return -1;
}

/* The value of one sample line "name value" (exact name incl. labels); NAN if absent. */
static double
metric(const char *page, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = page; (p = strstr(p, series)) != NULL; p += n)
		if ((p == page || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return NAN;
}

static void
promtool_check(const char *page)
{
	char path[256], out[4096];

	char *which[] = { "/bin/sh", "-c", "command -v promtool", NULL };
	if (!tu_exited_ok(tu_run(which, out, sizeof(out), 10000))) {
		fprintf(stderr, "\n  (promtool not installed: the strict checker above is the only format check)\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/metrics.txt", tu_tmpdir());
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(page, f);
	fclose(f);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' 2>&1", path);
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	int st = tu_run(argv, out, sizeof(out), 30000);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "\n  promtool: %s\n", out);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(path);
}

/* P:health's latency_samples, latency_p50_us, latency_p99_us, latency_p999_us, read at once. */
static bool
health_latency(redisContext *c, const char *key, double q[4])
{
	redisReply *r = redisCommand(c, "HMGET %s latency_samples latency_p50_us latency_p99_us latency_p999_us", key);
	bool ok = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 4;

	for (size_t i = 0; ok && i < 4; i++)
		q[i] = r->element[i]->type == REDIS_REPLY_STRING ? atof(r->element[i]->str) : 0;
	if (r)
		freeReplyObject(r);
	return ok;
}

static void
test_scrape(void)
{
	static const char *const args[] = { "--metrics-listen", "0", "--connect-timeout-ms", "500", NULL };
	static const char *const sim_args[] = { "--tick-rate", "500", NULL };
	struct tu_opts o = { .args = args, .sim_args = sim_args, .redis = TU_REDIS_PRIVATE, .fast_reconnect = true };
	static char page[256 * 1024];
	char err[256], body[1024];
	struct tu_stack s;

	CU_ASSERT_FATAL(tu_stack_start(&s, &o) == 0);
	int port = metrics_port(&s);
	CU_ASSERT_FATAL(port > 0);
	CU_ASSERT(tu_stack_ready(&s, 20000) == 0);
	/* quotes reach Redis: the staleness histogram has samples once the publisher's next health write ran */
	long long deadline = tu_now_ms() + 15000;
	do {
		CU_ASSERT_FATAL(tu_http_get(port, "/metrics", page, sizeof(page)) == 200);
	} while (!(metric(page, "ibpipe_redis_staleness_seconds_count") > 0) && tu_now_ms() < deadline &&
		 (tu_sleep_ms(100), 1));

	if (prom_check(page, err, sizeof(err)) != 0)
		fprintf(stderr, "\n  /metrics: %s\n", err);
	CU_ASSERT(prom_check(page, err, sizeof(err)) == 0);
	promtool_check(page);

	/* every P:health field, the sync state, the gate, the histogram, per-thread CPU, Redis staleness */
	static const char *const present[] = {
		"ibpipe_connected", "ibpipe_server_version", "ibpipe_client_id", "ibpipe_messages_total",
		"ibpipe_messages_per_second", "ibpipe_coalesced_total", "ibpipe_dropped_total", "ibpipe_redis_reconnects_total",
		"ibpipe_last_message_timestamp_seconds", "ibpipe_uptime_seconds", "ibpipe_pid",
		"ibpipe_redis_staleness_p50_seconds", "ibpipe_redis_staleness_p99_seconds", "ibpipe_redis_errors_total",
		"ibpipe_md_in_total", "ibpipe_md_processed_total", "ibpipe_md_coalesced_net_total", "ibpipe_acct_in_total",
		"ibpipe_order_in_total", "ibpipe_frames_bad_total", "ibpipe_unknown_ids_total", "ibpipe_book_errors_total",
		"ibpipe_commands_total", "ibpipe_commands_refused_total", "ibpipe_commands_malformed_total",
		"ibpipe_commands_repeated_total",
		"ibpipe_gate_open", "ibpipe_gate_last_open_timestamp_seconds", "ibpipe_gate_open_seconds",
		"ibpipe_redis_staleness_seconds_sum", "ibpipe_redis_staleness_seconds_bucket{le=\"+Inf\"}",
		"ibpipe_thread_cpu_seconds_total{thread=\"network\"}", "ibpipe_thread_cpu_seconds_total{thread=\"market-data\"}",
		"ibpipe_thread_cpu_seconds_total{thread=\"account\"}", "ibpipe_thread_cpu_seconds_total{thread=\"publisher\"}",
		"ibpipe_thread_cpu_seconds_total{thread=\"strategy-0\"}",
	};
	for (size_t i = 0; i < sizeof(present) / sizeof(present[0]); i++) {
		if (isnan(metric(page, present[i])))
			fprintf(stderr, "\n  missing from /metrics: %s\n", present[i]);
		CU_ASSERT(!isnan(metric(page, present[i])));
	}
	CU_ASSERT(metric(page, "ibpipe_sync_state{state=\"ready\"}") == 1);
	CU_ASSERT(metric(page, "ibpipe_sync_state{state=\"syncing\"}") == 0);
	CU_ASSERT(metric(page, "ibpipe_gate_open") == 1);
	CU_ASSERT(metric(page, "ibpipe_connected") == 1);
	CU_ASSERT(metric(page, "ibpipe_redis_connected") == 1);
	CU_ASSERT(metric(page, "ibpipe_messages_total") > 0);
	CU_ASSERT(metric(page, "ibpipe_redis_staleness_seconds_count") > 0);
	CU_ASSERT(metric(page, "ibpipe_redis_staleness_seconds_bucket{le=\"+Inf\"}") ==
		  metric(page, "ibpipe_redis_staleness_seconds_count"));
	CU_ASSERT(metric(page, "ibpipe_healthy") == 1);
	/* the market-data latency histogram: one sample per market-data message applied */
	CU_ASSERT(metric(page, "ibpipe_md_latency_seconds_count") > 0);
	CU_ASSERT(metric(page, "ibpipe_md_latency_seconds_count") <= metric(page, "ibpipe_md_processed_total"));
	CU_ASSERT(metric(page, "ibpipe_md_latency_seconds_bucket{le=\"+Inf\"}") ==
		  metric(page, "ibpipe_md_latency_seconds_count"));
	CU_ASSERT(metric(page, "ibpipe_md_latency_seconds_bucket{le=\"0.001\"}") <=
		  metric(page, "ibpipe_md_latency_seconds_bucket{le=\"0.01\"}"));
	/* frame read -> strategy callback (the example strategy's on_quote): at most one sample per message */
	deadline = tu_now_ms() + 15000;
	while (!(metric(page, "ibpipe_strategy_latency_seconds_count") > 0) && tu_now_ms() < deadline) {
		tu_sleep_ms(100);
		CU_ASSERT_FATAL(tu_http_get(port, "/metrics", page, sizeof(page)) == 200);
	}
	CU_ASSERT(metric(page, "ibpipe_strategy_latency_seconds_count") > 0);
	CU_ASSERT(metric(page, "ibpipe_strategy_latency_seconds_count") <= metric(page, "ibpipe_md_processed_total"));
	CU_ASSERT(metric(page, "ibpipe_strategy_latency_seconds_bucket{le=\"+Inf\"}") ==
		  metric(page, "ibpipe_strategy_latency_seconds_count"));
	{ /* and P:health has the same figure over its last interval */
		redisContext *rc = tu_rconn(s.redis_port);
		CU_ASSERT_FATAL(rc != NULL);
		double q[4] = { 0 }; /* samples, p50, p99, p999 of one health write (one HMGET) */
		CU_ASSERT(TU_UNTIL(health_latency(rc, tu_key(&s, "health"), q) && q[0] > 0, 15000));
		CU_ASSERT(q[1] > 0 && q[2] >= q[1] && q[3] >= q[2]);
		redisFree(rc);
	}
	/* the page is fresh: msgs_in agrees with what P:health says within the traffic of a second or two */
	CU_ASSERT(tu_http_get(port, "/nope", body, sizeof(body)) == 404);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&s)));
}

static void
test_health_ready_flip(void)
{
	static const char *const args[] = { "--metrics-listen", "0", "--connect-timeout-ms", "500", NULL };
	struct tu_opts o = { .args = args, .redis = TU_REDIS_OFF, .fast_reconnect = true };
	char body[2048], reply[256];
	struct tu_stack s;

	CU_ASSERT_FATAL(tu_stack_start(&s, &o) == 0);
	int port = metrics_port(&s);
	CU_ASSERT_FATAL(port > 0);
	CU_ASSERT(http_wait(port, "/readyz", 200, "gate open", body, sizeof(body), 20000) == 0);
	CU_ASSERT(tu_http_get(port, "/healthz", body, sizeof(body)) == 200);

	/* the gateway goes away for 4 s: not ready, still healthy (the threads keep reconnecting) */
	CU_ASSERT(tu_control(s.sim.ctl, "restart 4000", reply, sizeof(reply)) == 0);
	CU_ASSERT(http_wait(port, "/readyz", 503, "gate closed", body, sizeof(body), 5000) == 0);
	CU_ASSERT(http_wait(port, "/healthz", 200, "disconnected (reconnecting)", body, sizeof(body), 3000) == 0);
	/* ... and ready again once it is back and the account data is complete */
	CU_ASSERT(http_wait(port, "/readyz", 200, "gate open", body, sizeof(body), 20000) == 0);

	/* a hung market-data thread: unhealthy, naming it, within the hang limit (5 s here) */
	int tid = tu_thread_hang(s.ib.pid, "ibpipe-mktdata");
	CU_ASSERT_FATAL(tid > 0);
	int rc = http_wait(port, "/healthz", 503, "market-data thread: no progress", body, sizeof(body), 15000);
	CU_ASSERT(rc == 0);
	if (rc != 0)
		fprintf(stderr, "\n  /healthz while hung: %s\n", body);
	CU_ASSERT(tu_http_get(port, "/metrics", body, sizeof(body)) == 200);
	tu_thread_release(tid);
	CU_ASSERT(http_wait(port, "/healthz", 200, "every thread makes progress", body, sizeof(body), 5000) == 0);
	CU_ASSERT(tu_count_in_file(s.ib.log, "market-data thread: no progress") >= 1);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&s)));
}

static void
test_listen_config(void)
{
	static const struct { const char *v, *host; int port; } good[] = {
		{ "9464", "127.0.0.1", 9464 },        /* a bare port: loopback */
		{ "0.0.0.0:9464", "0.0.0.0", 9464 },  /* everywhere, when asked */
		{ "[::1]:0", "::1", 0 },              /* IPv6, any free port */
		{ "localhost:80", "localhost", 80 },
		{ "", "", -1 },                       /* off */
		{ "off", "", -1 },
	};
	char err[256];
	ib_config c;

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(c.metrics_port, -1); /* off by default */
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL(ib_config_set(&c, "metrics_listen", good[i].v, err, sizeof(err)), 0);
		CU_ASSERT_STRING_EQUAL(c.metrics_host, good[i].host);
		CU_ASSERT_EQUAL(c.metrics_port, good[i].port);
	}
}

static void
test_listen_refused(void)
{
	/* a bad listen address is a configuration error (exit 2), not a silent no-metrics run */
	char out[1024];
	char *argv[] = { (char *)tu_bin("ibpipe"), "run", "--metrics-listen", "127.0.0.1:99999", "--no-redis", NULL };
	int st = tu_run(argv, out, sizeof(out), 10000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	/* an address this host does not have (TEST-NET-1): the bind fails, the run does not start */
	char *argv2[] = { (char *)tu_bin("ibpipe"), "run", "--metrics-listen", "192.0.2.1:9464", "--no-redis",
			  "--port", "1", "--state-dir", (char *)tu_tmpdir(), NULL };
	st = tu_run(argv2, out, sizeof(out), 10000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
}

void
test_metrics_register(void)
{
	CU_pSuite s = CU_add_suite("metrics", NULL, NULL);
	CU_add_test(s, "the strict format checker rejects what Prometheus would", test_checker_rejects);
	CU_add_test(s, "/metrics over loopback: every health counter, valid exposition format", test_scrape);
	CU_add_test(s, "/readyz follows the gate, /healthz the threads (gateway down, a hung thread)",
		    test_health_ready_flip);
	CU_add_test(s, "metrics_listen: off by default, a bare port is loopback", test_listen_config);
	CU_add_test(s, "a bad metrics_listen is a configuration error", test_listen_refused);
}
