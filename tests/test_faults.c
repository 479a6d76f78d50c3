/*
 * test_faults.c - faults injected into a running stack (real redis-server,
 * bin/ibsim, bin/ibpipe, loopback sockets): IB connectivity lost and
 * restored (1100/1102), a malformed frame, a stalled gateway, the Redis
 * kill switch, a strategy callback that blocks for seconds, Redis refusing
 * writes (OOM, MISCONF), Redis blocked (DEBUG SLEEP) or busy (a script,
 * then SCRIPT KILL), a connection cut inside a frame, and a handshake
 * reset.
 *
 * Each fault test asserts that ibpipe stays up and says what happened,
 * recovers within a stated bound (measured and printed), and then, at
 * quiescence (ibsim stalled), that its counters balance -- ibsim's frames =
 * decoded + refused + skipped (+ one handshake reply per connection), and
 * md_in = md_processed + md_coalesced_net with nothing dropped -- and that
 * nothing of the account, positions, orders or executions was lost:
 * Redis holds what ibsim holds, every fill exactly once in the stream.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* sc_* (the strict test client) are compiled into test_sim's unit, which includes simclient.c */
#include "simclient.h"
#include "testutil.h"
#include "util/str.h"

#define ACCOUNT "DU111111"
#define MAX_EXECS 64
#define MAX_POS 32
/* ibsim sends nothing more (until it is stopped): every count settles, however slowly the checks run */
#define QUIESCE "stall 600000"

/* ---- starting ---- */

struct fault_opts {
	const char *script;              /* the trader's IB_TRADER_SCRIPT */
	enum tu_redis_mode redis;
	const char *const *sim_args;     /* NULL: --tick-rate 500 */
	const char *const *redis_args;   /* a private redis-server's extra flags */
	bool all_quotes;                 /* the strategy log gets every quote (IB_RECORDER_ALL) */
};

/*
 * The stack of a fault test: ibsim, ibpipe running the trader with quick
 * reconnects, Redis as asked.  Returns once the gate is open (with Redis:
 * once P:sync says ready), with a connection to that Redis (NULL without).
 */
static redisContext *
up(struct tu_stack *s, const struct fault_opts *f)
{
	static const char *const ticks[] = { "--tick-rate", "500", NULL };
	const struct tu_opts o = { .sim_args = f->sim_args ? f->sim_args : ticks, .redis_args = f->redis_args,
				   .strategy = "trader", .script = f->script, .redis = f->redis, .fast_reconnect = true };
	redisContext *c = NULL;

	if (f->all_quotes)
		setenv("IB_RECORDER_ALL", "1", 1);
	int rc = tu_stack_start(s, &o);
	unsetenv("IB_RECORDER_ALL");
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	if (f->redis == TU_REDIS_OFF) {
		CU_ASSERT_EQUAL_FATAL(tu_stack_ready(s, 10000), 0);
		return NULL;
	}
	c = tu_rconn(s->redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(c, tu_key(s, "sync"), "ready", 10000), 0);
	return c;
}

/* ibsim's control port: one command, the answer in out; 0 if it said ok (or answered JSON). */
static int
ctl(const struct tu_stack *s, const char *cmd, char *out, size_t cap)
{
	if (tu_control(s->sim.ctl, cmd, out, cap) != 0)
		return -1;
	return strncmp(out, "ok", 2) == 0 || out[0] == '{' ? 0 : -1;
}

/* A number from ibsim's stats JSON ("total_msgs_out", "executions", ...); -1 if absent. */
static long long
sim_stat(const struct tu_stack *s, const char *name)
{
	static char out[1 << 16];
	char pat[64];

	if (ctl(s, "stats", out, sizeof(out)) != 0)
		return -1;
	snprintf(pat, sizeof(pat), "\"%s\":", name);
	const char *p = strstr(out, pat);
	return p ? atoll(p + strlen(pat)) : -1;
}

/* ---- reading logs ---- */

/* Strategy-log lines holding needle whose t_ns lies in [from, to]. */
static int
lines_between(const char *path, const char *needle, long long from, long long to)
{
	char *txt = tu_read_file(path, NULL), *line, *save = NULL;
	int n = 0;

	for (line = txt ? strtok_r(txt, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		long long t = strncmp(line, "{\"t_ns\":", 8) == 0 ? atoll(line + 8) : -1;
		if (t >= from && t <= to && strstr(line, needle))
			n++;
	}
	free(txt);
	return n;
}

/* t_ns of the last strategy-log line holding needle (and that line in out); -1 if none. */
static long long
last_line(const char *path, const char *needle, char *out, size_t cap)
{
	return tu_last_line(path, needle, out, cap) == 0 ? atoll(out + 8) : -1;
}

/* ---- what ibpipe says about itself: P:health ---- */

struct health {
	long long msgs_in, md_in, md_processed, md_coalesced_net, coalesced, dropped, redis_reconnects;
};

/* false when the record is not there (expired, deleted, not written yet) */
static bool
health_get(redisContext *c, const struct tu_stack *s, struct health *h)
{
	static const char *const names[] = { "msgs_in", "md_in", "md_processed", "md_coalesced_net", "coalesced",
					      "dropped", "redis_reconnects" };
	long long *v[] = { &h->msgs_in, &h->md_in, &h->md_processed, &h->md_coalesced_net, &h->coalesced, &h->dropped,
			   &h->redis_reconnects };
	redisReply *r = redisCommand(c, "HGETALL %s", tu_key(s, "health"));
	bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0;

	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
		*v[k] = -1;
	for (size_t i = 0; ok && i + 1 < r->elements; i += 2)
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			if (strcmp(r->element[i]->str, names[k]) == 0)
				*v[k] = atoll(r->element[i + 1]->str);
	if (r)
		freeReplyObject(r);
	return ok;
}

/* Until a health record written from now on is there (the current one is deleted first). */
static bool
health_fresh(redisContext *c, const struct tu_stack *s, struct health *h, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;

	tu_rcmd(c, "DEL %s", tu_key(s, "health"));
	do {
		if (health_get(c, s, h))
			return true;
		tu_sleep_ms(20);
	} while (tu_now_ms() < deadline);
	return false;
}

/* ---- the end of every fault test: quiescence, balance, and Redis against ibsim ---- */

/*
 * ibsim stalled: nothing arrives, every count settles, and a health record
 * written now must balance.  A record written in the instant the stall
 * began may not: then the next one is taken.
 */
static void
assert_md_balance(redisContext *c, const struct tu_stack *s, struct health *out)
{
	struct health h = { 0 };
	bool balanced = false;
	long long deadline = tu_now_ms() + 20000; /* a failure bound: health is refreshed every second */

	while (!balanced && tu_now_ms() < deadline && health_fresh(c, s, &h, 10000))
		balanced = h.md_in > 0 && h.md_in == h.md_processed + h.md_coalesced_net;
	printf("\n      counters: msgs_in %lld, md_in %lld = md_processed %lld + md_coalesced_net %lld, coalesced %lld, "
	       "dropped %lld, redis_reconnects %lld",
	       h.msgs_in, h.md_in, h.md_processed, h.md_coalesced_net, h.coalesced, h.dropped, h.redis_reconnects);
	CU_ASSERT(balanced);
	CU_ASSERT_EQUAL(h.dropped, 0);
	if (out)
		*out = h;
}

/*
 * Every frame ibsim sent went somewhere: decoded (msgs_in), refused (bad
 * frames) or skipped (unknown ids) -- plus one handshake reply per
 * connection, which ibsim counts as a frame and ibpipe reads before it
 * counts.  A frame cut in half (drop-mid) is counted by neither.
 */
static void
assert_wire_balance(const struct tu_stack *s, long long sim_out)
{
	long long in = tu_log_number(s->ib.log, "stopped: ", "stopped: ");
	long long bad = tu_log_number(s->ib.log, "stopped: ", "msgs in, ");
	long long unknown = tu_log_number(s->ib.log, "stopped: ", "bad frames, ");
	long long conns = tu_log_number(s->ib.log, "stopped: ", "dropped, ") + 1; /* sessions: reconnects + the last */

	printf("\n      wire: ibsim sent %lld = %lld decoded + %lld bad + %lld unknown + %lld handshakes", sim_out, in,
	       bad, unknown, conns);
	CU_ASSERT(in > 0 && bad >= 0 && unknown >= 0 && conns >= 1);
	CU_ASSERT_EQUAL(sim_out, in + bad + unknown + conns);
}

/* What ibsim holds for the account of client 1 (ibpipe's client id): read once ibpipe is gone. */
struct truth {
	int nexec, npos;
	char exec_id[MAX_EXECS][48];
	int32_t exec_order[MAX_EXECS];
	double exec_cum[MAX_EXECS];
	int32_t con_id[MAX_POS];
	double pos[MAX_POS];
	char cash[64];
};

static int
sim_truth(const struct tu_stack *s, struct truth *t)
{
	simclient sc;
	ib_req r;
	bool pos_end = false, acct_end = false, exec_end = false;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (sc_connect(&sc, s->sim.port, 1) != 0)
		goto out;
	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_POSITIONS;
	sc_send(&sc, &r);
	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_ACCT_DATA;
	r.u.acct_data.subscribe = true;
	ib_strlcpy(r.u.acct_data.account, ACCOUNT, sizeof(r.u.acct_data.account));
	sc_send(&sc, &r);
	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_EXECUTIONS;
	r.u.executions.req_id = 42;
	sc_send(&sc, &r);
	while (!(pos_end && acct_end && exec_end)) {
		if (sc_next(&sc, 5000) != IB_OK)
			goto out;
		if (sc.decode_rc != IB_OK)
			continue;
		const ib_msg *m = &sc.msg;
		if (sc.id == IB_IN_POSITION && t->npos < MAX_POS && ib_str_eq(m->u.position.account, ACCOUNT)) {
			t->con_id[t->npos] = m->u.position.contract.con_id;
			t->pos[t->npos++] = m->u.position.position;
		} else if (sc.id == IB_IN_ACCT_VALUE && ib_str_eq(m->u.acct_value.key, "CashBalance") &&
			   ib_str_eq(m->u.acct_value.currency, "USD")) {
			ib_str_copy(t->cash, sizeof(t->cash), m->u.acct_value.value);
		} else if (sc.id == IB_IN_EXEC_DETAILS && m->u.exec_details.req_id == 42 && t->nexec < MAX_EXECS) {
			ib_str_copy(t->exec_id[t->nexec], sizeof(t->exec_id[0]), m->u.exec_details.exec_id);
			t->exec_order[t->nexec] = m->u.exec_details.order_id;
			t->exec_cum[t->nexec++] = m->u.exec_details.cum_qty;
		}
		pos_end |= sc.id == IB_IN_POSITION_END;
		acct_end |= sc.id == IB_IN_ACCT_DOWNLOAD_END;
		exec_end |= sc.id == IB_IN_EXEC_DETAILS_END;
	}
	rc = 0;
out:
	sc_close(&sc);
	return rc;
}

/* The value of field in a stream entry's field list. */
static const char *
entry_field(const redisReply *fields, const char *name)
{
	for (size_t k = 0; k + 1 < fields->elements; k += 2)
		if (strcmp(fields->element[k]->str, name) == 0)
			return fields->element[k + 1]->str;
	return "";
}

/* Entries of a kind ("exec", "status") in the Redis stream whose field equals value (all: field NULL). */
static int
stream_count(redisContext *c, const struct tu_stack *s, const char *kind, const char *field, const char *value)
{
	redisReply *x = redisCommand(c, "XRANGE %s - +", tu_key(s, "stream:orders"));
	int n = 0;

	for (size_t i = 0; x && x->type == REDIS_REPLY_ARRAY && i < x->elements; i++) {
		const redisReply *f = x->element[i]->element[1];
		if (strcmp(entry_field(f, "kind"), kind) == 0 &&
		    (field == NULL || strcmp(entry_field(f, field), value) == 0))
			n++;
	}
	if (x)
		freeReplyObject(x);
	return n;
}

/* Executions in the stream whose exec_id is id (all executions when id is NULL). */
static int
stream_execs(redisContext *c, const struct tu_stack *s, const char *id)
{
	return stream_count(c, s, "exec", id ? "exec_id" : NULL, id);
}

/* The position in Redis' JSON for conId (NAN-free: -1e300 when missing). */
static double
redis_position(redisContext *c, const struct tu_stack *s, int32_t con_id)
{
	char field[16], json[1024];
	const char *p;

	snprintf(field, sizeof(field), "%d", con_id);
	tu_rhget(c, tu_key(s, "positions:{" ACCOUNT "}"), field, json, sizeof(json));
	p = strstr(json, "\"position\":");
	return p ? atof(p + 11) : -1e300;
}

/* Nothing lost: Redis' positions, cash, orders and executions are ibsim's, every fill exactly once. */
static void
assert_redis_matches_sim(redisContext *c, const struct tu_stack *s)
{
	struct truth t;
	char v[128], key[64];

	static char stats[1 << 16];
	/* end QUIESCE's quiet (ibpipe is gone by now): ibsim answers the client that asks it */
	CU_ASSERT_EQUAL(ctl(s, "stall 1", stats, sizeof(stats)), 0);
	CU_ASSERT(TU_UNTIL(ctl(s, "stats", stats, sizeof(stats)) == 0 && strstr(stats, "\"stalled\":false"), 10000));
	CU_ASSERT_EQUAL_FATAL(sim_truth(s, &t), 0);
	printf("\n      ibsim: %d executions, %d positions, CashBalance %s", t.nexec, t.npos, t.cash);
	CU_ASSERT_EQUAL(tu_rint(c, "HLEN %s", tu_key(s, "positions:{" ACCOUNT "}")), t.npos);
	for (int i = 0; i < t.npos; i++)
		CU_ASSERT_EQUAL(redis_position(c, s, t.con_id[i]), t.pos[i]);
	CU_ASSERT(t.cash[0] != '\0');
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, tu_key(s, "account:{" ACCOUNT "}"), "CashBalance:USD", v, sizeof(v)), t.cash);
	CU_ASSERT_EQUAL(stream_execs(c, s, NULL), t.nexec);
	for (int i = 0; i < t.nexec; i++) {
		CU_ASSERT_EQUAL(stream_execs(c, s, t.exec_id[i]), 1);
		double cum = 0;
		for (int k = 0; k < t.nexec; k++)
			if (t.exec_order[k] == t.exec_order[i] && t.exec_cum[k] > cum)
				cum = t.exec_cum[k];
		snprintf(key, sizeof(key), "order:%d", t.exec_order[i]);
		CU_ASSERT_EQUAL(atof(tu_rhget(c, tu_key(s, key), "filled", v, sizeof(v))), cum);
	}
}

/* The last quote of sym the strategy saw equals P:quote:sym (at quiescence). */
static void
assert_latest_quote(redisContext *c, const struct tu_stack *s, const char *sym)
{
	char needle[64], line[512], key[64], v[64];
	const char *p;

	snprintf(needle, sizeof(needle), "\"cb\":\"quote\",\"symbol\":\"%s\"", sym);
	CU_ASSERT_FATAL(last_line(tu_slog(&s->ib, 0), needle, line, sizeof(line)) > 0);
	snprintf(key, sizeof(key), "quote:%s", sym);
	p = strstr(line, "\"bid\":");
	CU_ASSERT(p && fabs(atof(p + 6) - atof(tu_rhget(c, tu_key(s, key), "bid", v, sizeof(v)))) < 1e-6);
	p = strstr(line, "\"ask\":");
	CU_ASSERT(p && fabs(atof(p + 6) - atof(tu_rhget(c, tu_key(s, key), "ask", v, sizeof(v)))) < 1e-6);
}

/*
 * Quiesce, check both balances (and with quotes, that Redis holds the last
 * quote the strategy saw), stop ibpipe cleanly, then compare Redis with
 * ibsim.  c may be NULL for a run without Redis (wire balance only).
 */
static void
finish(struct tu_stack *s, redisContext *c, bool quotes)
{
	char out[256];

	CU_ASSERT_EQUAL(ctl(s, QUIESCE, out, sizeof(out)), 0);
	if (c)
		assert_md_balance(c, s, NULL);
	if (c && quotes) {
		assert_latest_quote(c, s, "AAPL");
		assert_latest_quote(c, s, "MSFT");
	}
	long long sim_out = sim_stat(s, "total_msgs_out");
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&s->ib)));
	assert_wire_balance(s, sim_out);
	if (c)
		assert_redis_matches_sim(c, s);
	tu_stack_stop(s);
	printf("\n    ");
}

/* ---- the gateway's faults ---- */

static void
test_connectivity_lost_and_restored(void)
{
	struct tu_stack s;
	char out[256];

	up(&s, &(struct fault_opts){ .script = "" });
	CU_ASSERT_EQUAL(ctl(&s, "notice 1100", out, sizeof(out)), 0);
	/* 1100: IB is away, the account data may be stale: strategies pause */
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"cb\":\"pause\"", 10000), 0);
	CU_ASSERT_EQUAL(ctl(&s, "notice 1102", out, sizeof(out)), 0);
	/* 1102: restored; ibpipe resyncs accounts, positions, orders and reopens */
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"n\":2", 10000), 0);
	CU_ASSERT(tu_count_in_file(s.ib.log, "1100") >= 1);
	finish(&s, NULL, false);
}

static void
test_malformed_frame_in_stream(void)
{
	struct tu_stack s;
	char out[256];

	up(&s, &(struct fault_opts){ .script = "" });
	CU_ASSERT_EQUAL(ctl(&s, "malformed", out, sizeof(out)), 0);
	/* logged with message id and field, skipped; the connection and the gate stay up */
	CU_ASSERT_EQUAL(tu_wait_for_text(s.ib.log, "bad frame (id 1, field 4)", 10000), 0);
	/* the stream goes on past it: more quotes reach the strategy on the same connection */
	int quotes = tu_count_in_file(tu_slog(&s.ib, 0), "\"cb\":\"quote\"");
	CU_ASSERT(TU_UNTIL(tu_count_in_file(tu_slog(&s.ib, 0), "\"cb\":\"quote\"") >= quotes + 20, 15000));
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&s.ib, 0), "\"cb\":\"pause\""), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(s.ib.log, "disconnected"), 0);
	finish(&s, NULL, false);
	CU_ASSERT(tu_count_in_file(s.ib.log, "1 bad frames") == 1);
}

static void
test_stalled_gateway(void)
{
	struct tu_stack s;
	char out[256];

	up(&s, &(struct fault_opts){ .script = "" });
	static char stats[1 << 16];
	CU_ASSERT_EQUAL(ctl(&s, "stall 10000", out, sizeof(out)), 0);
	/* the 10 s are over when ibsim says so, and the stream is back when a quote arrives after that */
	CU_ASSERT(TU_UNTIL(ctl(&s, "stats", stats, sizeof(stats)) == 0 && strstr(stats, "\"stalled\":false"), 60000));
	int quotes = tu_count_in_file(tu_slog(&s.ib, 0), "\"cb\":\"quote\"");
	CU_ASSERT(TU_UNTIL(tu_count_in_file(tu_slog(&s.ib, 0), "\"cb\":\"quote\"") > quotes, 15000));
	/* a quiet socket is not a dead one: no reconnect, no pause */
	CU_ASSERT_EQUAL(tu_count_in_file(s.ib.log, "disconnected"), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&s.ib, 0), "\"cb\":\"pause\""), 0);
	finish(&s, NULL, false);
}

static void
test_redis_kill_switch(void)
{
	struct tu_stack s;
	/* the order 4 s after the gate opened: room for a loaded machine to read the switch first */
	redisContext *c = up(&s, &(struct fault_opts){ .script = "WAIT 4000; BUY AAPL 1 MKT", .redis = TU_REDIS_SHARED });

	tu_rcmd(c, "SET %s halt", tu_key(&s, "control"));
	CU_ASSERT_EQUAL(tu_wait_for_text(s.ib.log, "kill switch", 10000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"code\":-100", 10000), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&s.ib, 0), "\"status\":\"Filled\""), 0);
	tu_rcmd(c, "DEL %s", tu_key(&s, "control"));
	finish(&s, c, false);
	redisFree(c);
}

/* ---- a strategy that blocks ---- */

/* Until the health record's msgs_in passes min; false after timeout_ms. */
static bool
health_wait_msgs(redisContext *c, const struct tu_stack *s, long long min, struct health *h, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;

	do {
		if (health_get(c, s, h) && h->msgs_in > min)
			return true;
		tu_sleep_ms(50);
	} while (tu_now_ms() < deadline);
	return false;
}

/* Until strategy log path holds more than n lines with needle stamped from t0 on; false after timeout_ms. */
static bool
wait_lines_since(const char *path, const char *needle, long long t0, int n, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;

	do {
		if (lines_between(path, needle, t0, LLONG_MAX) > n)
			return true;
		tu_sleep_ms(50);
	} while (tu_now_ms() < deadline);
	return false;
}

/*
 * Driven by events, not by the clock, so it holds at any speed (under TSan's slowdown the old 3 s
 * stall began after the order had filled): strategy 0 places its order in an on_quote and stalls in
 * that same callback, and the stall lasts until the test has seen, while it still sleeps, the order
 * filled at the gateway, the network thread reading on and strategy 1 getting quotes.
 */
static void
test_blocking_strategy_callback(void)
{
	struct tu_stack s;
	char out[512], wake_file[300], v[32];
	struct health h0, h1;
	static const char *const sim[] = { "--tick-rate", "5000", NULL };
	static const char *const two[] = { "--strategies", "2", NULL };
	const struct tu_opts o = { .sim_args = sim, .args = two, .strategy = "stall", .script = "WAIT 1; BUY AAPL 700 MKT",
				   .symbols = "AAPL,MSFT,NVDA,TSLA,AMZN,META", .redis = TU_REDIS_SHARED,
				   .fast_reconnect = true };
	redisContext *c = tu_rconn(tu_redis_port());

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	snprintf(wake_file, sizeof(wake_file), "%s/wake", tu_tmpdir());
	/* strategy 0 places 700 AAPL (filled in slices) in an on_quote and blocks there until wake_file
	   exists (60 s at most); strategy 1 records */
	setenv("IB_STALL_MS", "60000", 1);
	setenv("IB_STALL_ON_ORDER", "1", 1);
	setenv("IB_STALL_UNTIL", wake_file, 1);
	setenv("IB_STALL_INDEX", "0", 1);
	setenv("IB_RECORDER_ALL", "1", 1);
	int rc = tu_stack_start(&s, &o);
	unsetenv("IB_STALL_MS");
	unsetenv("IB_STALL_ON_ORDER");
	unsetenv("IB_STALL_UNTIL");
	unsetenv("IB_STALL_INDEX");
	unsetenv("IB_RECORDER_ALL");
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(s.ib.log, "stall: strategy 0 sleeping", 30000), 0);
	long long t0 = tu_log_number(s.ib.log, "stall: strategy 0 sleeping", ") at ");
	CU_ASSERT_FATAL(health_fresh(c, &s, &h0, 10000));
	/* while it sleeps: its order fills at the gateway and the account thread publishes every update */
	long long deadline = tu_now_ms() + 30000;
	while (strcmp(tu_rhget(c, tu_key(&s, "order:1"), "status", v, sizeof(v)), "Filled") != 0 && tu_now_ms() < deadline)
		tu_sleep_ms(50);
	CU_ASSERT_STRING_EQUAL(v, "Filled");
	/* the network thread reads on (5000 ticks/s) and the market-data thread fans out to strategy 1 */
	CU_ASSERT(health_wait_msgs(c, &s, h0.msgs_in + 2000, &h1, 30000));
	CU_ASSERT(wait_lines_since(tu_slog(&s.ib, 1), "\"cb\":\"quote\"", t0, 1000, 30000));
	CU_ASSERT_EQUAL(tu_count_in_file(s.ib.log, "stall: strategy 0 awake"), 0); /* all of that during the stall */
	FILE *f = fopen(wake_file, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	CU_ASSERT_EQUAL(tu_wait_for_text(s.ib.log, "stall: strategy 0 awake", 30000), 0);
	CU_ASSERT_FATAL(health_fresh(c, &s, &h1, 10000));
	long long t1 = tu_log_number(s.ib.log, "stall: strategy 0 awake", "ms at ");
	CU_ASSERT(t0 > 0 && t1 > t0);
	printf("\n      stall %.0f ms: msgs_in %lld -> %lld", (t1 - t0) / 1e6, h0.msgs_in, h1.msgs_in);
	/* strategy 0 got nothing while it slept; on waking, every update of its order, the fill included */
	CU_ASSERT_EQUAL(lines_between(tu_slog(&s.ib, 0), "\"cb\"", t0 + 1000000, t1 - 1000000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"status\":\"Filled\",\"filled\":700", 30000), 0);
	long long filled = last_line(tu_slog(&s.ib, 0), "\"status\":\"Filled\",\"filled\":700", out, sizeof(out));
	printf("\n      strategy 0: Filled delivered %.1f ms after it woke", (filled - t1) / 1e6);
	CU_ASSERT(filled > t1);
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&s.ib, 0), "\"cb\":\"error\""), 0);
	CU_ASSERT_EQUAL(ctl(&s, QUIESCE, out, sizeof(out)), 0);
	assert_md_balance(c, &s, &h1);
	long long sim_out = sim_stat(&s, "total_msgs_out");
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&s.ib)));
	assert_wire_balance(&s, sim_out);
	/* what each strategy got: the same account updates; strategy 0 every update of its order; fewer quotes */
	long long q0 = tu_log_number(s.ib.log, "stall: strategy 0 stop:", "stop: ");
	long long q1 = tu_log_number(s.ib.log, "stall: strategy 1 stop:", "stop: ");
	long long o0 = tu_log_number(s.ib.log, "stall: strategy 0 stop:", "quotes, ");
	long long o1 = tu_log_number(s.ib.log, "stall: strategy 1 stop:", "quotes, ");
	long long a0 = tu_log_number(s.ib.log, "stall: strategy 0 stop:", "order updates, ");
	long long a1 = tu_log_number(s.ib.log, "stall: strategy 1 stop:", "order updates, ");
	printf("\n      strategy 0: %lld quotes, %lld order, %lld account updates; strategy 1: %lld, %lld, %lld", q0, o0,
	       a0, q1, o1, a1);
	/* PendingSubmit, PreSubmitted, Submitted, 2 x PartiallyFilled, Filled: each in the stream, each delivered */
	CU_ASSERT(o0 >= 6 && o0 == stream_count(c, &s, "status", "order_id", "1"));
	CU_ASSERT_EQUAL(o1, 0); /* strategy 1 only records: it placed nothing */
	CU_ASSERT(a0 > 0 && a0 == a1);
	/* its market data was coalesced (none reached it during the stall, while strategy 1 got over 1000
	   then: checked above), and every quote it missed that strategy 1 got was counted as folded */
	CU_ASSERT(q0 > 0);
	CU_ASSERT(h1.coalesced >= q1 - q0);
	CU_ASSERT_EQUAL(h1.md_coalesced_net, 0); /* the network thread never had to fold: nothing held it up */
	assert_redis_matches_sim(c, &s);
	tu_stack_stop(&s);
	redisFree(c);
	printf("\n    ");
}

/* ---- Redis refusing writes, blocked, busy ---- */

/* Until Redis holds the whole state again: sync ready, every execution ibsim made, cash as ibsim says. */
static long long
wait_redis_caught_up(redisContext *c, const struct tu_stack *s, int timeout_ms)
{
	long long t0 = tu_now_ms();
	char v[32];

	do {
		if (strcmp(tu_rget(c, tu_key(s, "sync"), v, sizeof(v)), "ready") == 0 &&
		    stream_execs(c, s, NULL) == sim_stat(s, "executions"))
			return tu_now_ms() - t0;
		tu_sleep_ms(20);
	} while (tu_now_ms() - t0 < timeout_ms);
	return -1;
}

/* Orders a script places while Redis is unusable (from 0.8 s after the gate opened). */
#define TRADES_DURING "WAIT 800; BUY AAPL 5 MKT; WAIT 300; BUY MSFT 7 MKT; WAIT 300; SELL AAPL 5 MKT"

/* The account update that follows the third fill of TRADES_DURING has reached the strategy (the publisher got it too). */
static bool
fills_moved_account(const struct tu_stack *s)
{
	char line[4096];

	return TU_UNTIL(last_line(tu_slog(&s->ib, 0), "\"key\":\"CashBalance\"", line, sizeof(line)) >
				last_line(tu_slog(&s->ib, 0), "\"id\":3,\"symbol\":\"AAPL\",\"status\":\"Filled\"", line,
					  sizeof(line)),
			10000);
}

/* The three orders of TRADES_DURING filled: ibpipe kept trading. */
static void
assert_kept_trading(const struct tu_stack *s, int timeout_ms)
{
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s->ib, 0), "\"symbol\":\"AAPL\",\"status\":\"Filled\"", timeout_ms), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s->ib, 0), "\"symbol\":\"MSFT\",\"status\":\"Filled\"", timeout_ms), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s->ib, 0), "\"id\":3,\"symbol\":\"AAPL\",\"status\":\"Filled\"",
					 timeout_ms),
			0);
}

static void
test_redis_out_of_memory(void)
{
	struct tu_stack s;
	struct health h;

	redisContext *c = up(&s, &(struct fault_opts){ .script = TRADES_DURING, .redis = TU_REDIS_PRIVATE });

	/* every write refused from now on: OOM */
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET maxmemory-policy noeviction"), 0);
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET maxmemory 1"), 0);
	long long t_oom = tu_now_ms();
	CU_ASSERT_EQUAL(tu_wait_for_text(s.ib.log, "Redis refuses writes: OOM", 10000), 0);
	assert_kept_trading(&s, 5000);
	CU_ASSERT_EQUAL(tu_rint(c, "EXISTS %s", tu_key(&s, "order:1")), 0); /* the fault did bite */
	CU_ASSERT(fills_moved_account(&s)); /* the fills' account updates are refused too */
	long long refused_ms = tu_now_ms() - t_oom;
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET maxmemory 0"), 0);
	/* reconnect backoff is at most 2 s, then one full snapshot (the wait is a failure bound) */
	long long took = wait_redis_caught_up(c, &s, 30000);
	printf("\n      Redis refused writes for %lld ms; complete again %lld ms after it took them", refused_ms, took);
	CU_ASSERT(took >= 0);
	CU_ASSERT(health_fresh(c, &s, &h, 10000));
	/* counted, and backed off: not a reconnect every 100 ms for as long as writes were refused */
	printf("\n      redis_reconnects %lld over %lld ms of refusals", h.redis_reconnects, refused_ms);
	CU_ASSERT(h.redis_reconnects >= 1 && h.redis_reconnects <= 2 + refused_ms / 500);
	CU_ASSERT_EQUAL(tu_count_in_file(s.ib.log, "disconnected"), 0); /* the gateway side never noticed */
	finish(&s, c, false);
	redisFree(c);
}

/* Until the log holds n lines with needle; 0 or -1. */
static int
wait_count(const char *path, const char *needle, int n, int timeout_ms)
{
	return TU_UNTIL(tu_count_in_file(path, needle) >= n, timeout_ms) ? 0 : -1;
}

/*
 * Redis out of memory refuses every write that may grow it, but takes
 * EXPIRE and DEL.  "ready" must not outlive the writes Redis refuses: with
 * nothing of ibpipe's landing, P:health and P:sync expire (their TTLs are
 * no longer refreshed), and a gate that closes meanwhile leaves no "ready"
 * behind.  The waits are failure bounds: the health TTL is 5 s.
 */
static void
test_redis_oom_readiness(void)
{
	struct tu_stack s;
	char out[256];
	redisContext *c = up(&s, &(struct fault_opts){ .redis = TU_REDIS_PRIVATE });

	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET maxmemory-policy noeviction"), 0);
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET maxmemory 1"), 0);
	long long t0 = tu_now_ms();
	CU_ASSERT_EQUAL(wait_count(s.ib.log, "Redis refuses writes: OOM", 1, 10000), 0);
	CU_ASSERT_EQUAL(tu_rwait(c, tu_key(&s, "sync"), "", 20000), 0);
	CU_ASSERT_EQUAL(tu_rint(c, "EXISTS %s", tu_key(&s, "health")), 0);
	printf("\n      synced, Redis refusing writes: P:sync gone after %lld ms", tu_now_ms() - t0);

	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET maxmemory 0"), 0);
	CU_ASSERT_EQUAL(tu_rwait(c, tu_key(&s, "sync"), "ready", 30000), 0);

	/* refusing again, and the gate closes (IB lost its connectivity) */
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET maxmemory 1"), 0);
	CU_ASSERT_EQUAL(wait_count(s.ib.log, "Redis refuses writes: OOM", 2, 10000), 0);
	CU_ASSERT_EQUAL(ctl(&s, "notice 1100", out, sizeof(out)), 0);
	t0 = tu_now_ms();
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"cb\":\"pause\"", 10000), 0);
	CU_ASSERT_EQUAL(tu_rwait(c, tu_key(&s, "sync"), "", 20000), 0);
	printf("\n      gate closed, Redis refusing writes: P:sync gone after %lld ms", tu_now_ms() - t0);

	/* writes taken: the truth (not ready), then ready once IB is back and synced */
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET maxmemory 0"), 0);
	CU_ASSERT_EQUAL(tu_rwait(c, tu_key(&s, "sync"), "syncing", 30000), 0);
	CU_ASSERT_EQUAL(ctl(&s, "notice 1102", out, sizeof(out)), 0);
	CU_ASSERT(wait_redis_caught_up(c, &s, 30000) >= 0);
	finish(&s, c, false);
	redisFree(c);
}

/* redis-server that may change its dir at run time (MISCONF recovery), and run DEBUG (DEBUG SLEEP). */
static const char *const redis_unlocked[] = { "--enable-protected-configs", "yes", "--enable-debug-command", "yes",
					      NULL };

/* INFO persistence's rdb_last_bgsave_status is want ("ok" / "err"): 0, or -1 after timeout_ms. */
static int
wait_bgsave(redisContext *c, const char *want, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;
	char pat[64];

	snprintf(pat, sizeof(pat), "rdb_last_bgsave_status:%s", want);
	do {
		redisReply *r = redisCommand(c, "INFO persistence");
		bool ok = r && r->str && strstr(r->str, pat) && !strstr(r->str, "rdb_bgsave_in_progress:1");
		if (r)
			freeReplyObject(r);
		if (ok)
			return 0;
		tu_sleep_ms(20);
	} while (tu_now_ms() < deadline);
	return -1;
}

static void
test_redis_misconf(void)
{
	struct tu_stack s;
	char dir[160];

	redisContext *c = up(&s, &(struct fault_opts){ .script = TRADES_DURING, .redis = TU_REDIS_PRIVATE,
						       .redis_args = redis_unlocked });

	/*
	 * A snapshot that cannot be written: its directory is gone (as root,
	 * permissions would not stop it; a missing directory does).  With a save
	 * point configured and stop-writes-on-bgsave-error, Redis answers every
	 * write with MISCONF.
	 */
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET save %s", "3600 1"), 0);
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET stop-writes-on-bgsave-error yes"), 0);
	CU_ASSERT_EQUAL(rmdir(s.redis.dir), 0);
	CU_ASSERT_EQUAL(tu_rcmd(c, "BGSAVE"), 0);
	CU_ASSERT_EQUAL_FATAL(wait_bgsave(c, "err", 3000), 0);
	long long t_bad = tu_now_ms();
	CU_ASSERT_EQUAL(tu_wait_for_text(s.ib.log, "Redis refuses writes: MISCONF", 10000), 0);
	assert_kept_trading(&s, 5000);
	CU_ASSERT_EQUAL(tu_rint(c, "EXISTS %s", tu_key(&s, "order:1")), 0);
	CU_ASSERT(fills_moved_account(&s)); /* the fills' account updates are refused too */
	long long refused_ms = tu_now_ms() - t_bad;
	/* the operator gives it a directory; a snapshot succeeds and writes are taken again */
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET dir %s", dir), 0);
	CU_ASSERT_EQUAL(tu_rcmd(c, "BGSAVE"), 0);
	CU_ASSERT_EQUAL_FATAL(wait_bgsave(c, "ok", 3000), 0);
	long long took = wait_redis_caught_up(c, &s, 30000);
	printf("\n      Redis refused writes (MISCONF) for %lld ms; complete again %lld ms after", refused_ms, took);
	CU_ASSERT(took >= 0);
	snprintf(s.redis.dir, sizeof(s.redis.dir), "%s", dir);
	finish(&s, c, false);
	redisFree(c);
}

/* Send a command (argc words) on its own connection without waiting for the reply (end_async reads it). */
static redisContext *
begin_async(int port, int argc, const char *const argv[])
{
	redisContext *b = tu_rconn(port);
	int done = 0;

	if (b == NULL)
		return NULL;
	redisAppendCommandArgv(b, argc, (const char **)argv, NULL);
	while (!done)
		if (redisBufferWrite(b, &done) != REDIS_OK)
			break;
	return b;
}

/* The reply of begin_async's command; ms from call to reply in *ms. */
static void
end_async(redisContext *b, char *out, size_t cap, long long *ms)
{
	long long t0 = tu_now_ms();
	void *r = NULL;

	out[0] = '\0';
	if (b && redisGetReply(b, &r) == REDIS_OK && r) {
		redisReply *rr = r;
		snprintf(out, cap, "%s", rr->str ? rr->str : "");
		freeReplyObject(rr);
	}
	*ms = tu_now_ms() - t0;
	if (b)
		redisFree(b);
}

static void
test_redis_blocked(void)
{
	struct tu_stack s;
	char out[256];
	struct health h;
	long long slept;

	redisContext *c = up(&s, &(struct fault_opts){ .script = "WAIT 500; BUY AAPL 5 MKT", .redis = TU_REDIS_PRIVATE,
						       .redis_args = redis_unlocked, .all_quotes = true });

	/* another client holds Redis for 2 s; the order fills meanwhile */
	long long t0 = tu_now_ms();
	static const char *const sleep2[] = { "DEBUG", "SLEEP", "2" };
	redisContext *b = begin_async(s.redis_port, 3, sleep2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	end_async(b, out, sizeof(out), &slept);
	long long t1 = tu_now_ms();
	CU_ASSERT(t1 - t0 >= 1900);
	/*
	 * The market-data path kept going: quotes reached the strategy in every half second of it.  Had
	 * it waited for Redis, a window would hold none; how many it holds depends on how much CPU the
	 * machine gives ibsim and ibpipe (about 250 when idle, under 20 seen in make test-stress).
	 */
	printf("\n      quotes per half second while Redis was blocked:");
	for (long long from = t0 + 50; from + 500 <= t1 - 50; from += 500) {
		int n = lines_between(tu_slog(&s.ib, 0), "\"cb\":\"quote\"", from * 1000000LL, (from + 500) * 1000000LL);
		printf(" %d", n);
		CU_ASSERT(n > 0);
	}
	CU_ASSERT(tu_count_in_file(tu_slog(&s.ib, 0), "\"status\":\"Filled\"") == 1);
	long long took = wait_redis_caught_up(c, &s, 30000);
	printf("\n      Redis blocked %lld ms; complete again %lld ms after", t1 - t0, took);
	CU_ASSERT(took >= 0);
	/* slow is not dead: the publisher waited (5 s allowed) instead of reconnecting */
	CU_ASSERT(health_fresh(c, &s, &h, 10000));
	CU_ASSERT_EQUAL(h.redis_reconnects, 0);
	CU_ASSERT_EQUAL(tu_count_in_file(s.ib.log, "redis    connection to"), 0);
	finish(&s, c, true);
	redisFree(c);
}

static void
test_redis_busy_script(void)
{
	struct tu_stack s;
	char out[256], v[32];
	long long ms;
	static const char *const forever[] = { "EVAL", "while true do end", "0" };

	redisContext *c = up(&s, &(struct fault_opts){ .script = "BUY AAPL 5 MKT", .redis = TU_REDIS_PRIVATE });

	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"status\":\"Filled\"", 10000), 0);
	CU_ASSERT_FATAL(wait_redis_caught_up(c, &s, 3000) >= 0); /* the fill is in Redis */
	/* a script that never ends; after 100 ms every other client gets BUSY until SCRIPT KILL */
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET busy-reply-threshold 100"), 0);
	redisContext *b = begin_async(s.redis_port, 3, forever);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(tu_wait_for_text(s.ib.log, "BUSY", 10000), 0);
	/* meanwhile IB goes away: the gate closes, and P:sync must stop saying ready */
	CU_ASSERT_EQUAL(ctl(&s, "notice 1100", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"cb\":\"pause\"", 10000), 0);
	tu_sleep_ms(300); /* let the new sync state meet BUSY */
	CU_ASSERT_EQUAL(tu_rcmd(c, "SCRIPT KILL"), 0);
	end_async(b, out, sizeof(out), &ms);
	long long t_kill = tu_now_ms();
	CU_ASSERT(strstr(out, "killed") != NULL);
	/* Redis tells the truth again: IB is still away, so not ready */
	CU_ASSERT_EQUAL(tu_rwait(c, tu_key(&s, "sync"), "syncing", 30000), 0);
	printf("\n      after SCRIPT KILL: P:sync %s after %lld ms", tu_rget(c, tu_key(&s, "sync"), v, sizeof(v)),
	       tu_now_ms() - t_kill);
	CU_ASSERT_EQUAL(ctl(&s, "notice 1102", out, sizeof(out)), 0);
	long long took = wait_redis_caught_up(c, &s, 30000);
	printf("\n      1102: ready in Redis %lld ms later", took);
	CU_ASSERT(took >= 0);
	finish(&s, c, false);
	redisFree(c);
}

/* ---- the connection to the gateway cut ---- */

static void
test_drop_mid_frame(void)
{
	struct tu_stack s;
	char out[256];
	redisContext *c = up(&s, &(struct fault_opts){ .script = "BUY AAPL 5 MKT; WAIT 1500; BUY MSFT 7 MKT",
						       .redis = TU_REDIS_SHARED });

	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"symbol\":\"AAPL\",\"status\":\"Filled\"", 10000), 0);
	long long t0 = tu_now_ms();
	CU_ASSERT_EQUAL(ctl(&s, "drop-mid", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "ok drop-mid 1\n");
	/* the gate closes, and opens again after a new connection and a full sync */
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"n\":2", 30000), 0);
	long long took = tu_now_ms() - t0;
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&s.ib, 0), "\"cb\":\"pause\""), 1);
	/* said clearly: the stream ended inside a frame */
	CU_ASSERT_EQUAL(tu_count_in_file(s.ib.log, "gateway closed the connection inside a frame"), 1);
	/* with backoff, not at once: reconnect_min_ms 100 jittered to 50..100 ms, then a handshake and a sync */
	long long paused = last_line(tu_slog(&s.ib, 0), "\"cb\":\"pause\"", out, sizeof(out));
	long long gap = last_line(tu_slog(&s.ib, 0), "\"n\":2", out, sizeof(out)) - paused;
	printf("\n      drop-mid: gate open again after %lld ms, %.1f ms after it closed", took, gap / 1e6);
	CU_ASSERT(gap >= 50000000LL);
	CU_ASSERT_EQUAL(tu_rwait(c, tu_key(&s, "sync"), "ready", 10000), 0);
	/* the order after the reconnect went through */
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"symbol\":\"MSFT\",\"status\":\"Filled\"", 10000), 0);
	CU_ASSERT_EQUAL(tu_count_tcp_state(s.sim.port, "CLOSE_WAIT"), 0);
	finish(&s, c, false);
	redisFree(c);
}

static void
test_handshake_reset(void)
{
	struct tu_stack s;
	char out[256];
	redisContext *c = up(&s, &(struct fault_opts){ .script = "BUY AAPL 5 MKT", .redis = TU_REDIS_SHARED });

	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"status\":\"Filled\"", 10000), 0);
	/* the next connection is reset during its handshake: the drop makes ibpipe open one */
	CU_ASSERT_EQUAL(ctl(&s, "reset-handshake", out, sizeof(out)), 0);
	long long t0 = tu_now_ms();
	CU_ASSERT_EQUAL(ctl(&s, "drop", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"n\":2", 30000), 0);
	long long took = tu_now_ms() - t0;
	/* said clearly: the handshake was reset; then a retry after a backoff */
	CU_ASSERT_EQUAL(tu_count_in_file(s.ib.log, "handshake reply: i/o error (Connection reset by peer)"), 1);
	CU_ASSERT_EQUAL(tu_count_in_file(s.ib.log, "retrying in"), 1);
	long long retry = tu_log_number(s.ib.log, "retrying in", "retrying in ");
	printf("\n      handshake reset: retried after %lld ms, gate open again after %lld ms", retry, took);
	CU_ASSERT(retry >= 50 && retry <= 300); /* backoff: reconnect_min_ms 100 doubled once, jittered (ibpipe's choice) */
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&s.ib, 0), "\"cb\":\"start\""), 2);
	CU_ASSERT_EQUAL(tu_rwait(c, tu_key(&s, "sync"), "ready", 10000), 0);
	CU_ASSERT_EQUAL(tu_count_tcp_state(s.sim.port, "CLOSE_WAIT"), 0);
	finish(&s, c, false);
	redisFree(c);
}

void
test_faults_register(void)
{
	CU_pSuite s = CU_add_suite("faults", NULL, NULL);
	CU_add_test(s, "1100 pauses strategies, 1102 resyncs and reopens", test_connectivity_lost_and_restored);
	CU_add_test(s, "a malformed frame in the tick stream is logged, counted and skipped", test_malformed_frame_in_stream);
	CU_add_test(s, "a gateway stalled for 10 s is waited for, not reconnected", test_stalled_gateway);
	CU_add_test(s, "Redis kill switch halts new orders", test_redis_kill_switch);
	CU_add_test(s, "a strategy blocked in on_quote holds up nobody and misses no order event",
		    test_blocking_strategy_callback);
	CU_add_test(s, "Redis OOM: logged, counted, backed off; complete again once it takes writes",
		    test_redis_out_of_memory);
	CU_add_test(s, "Redis OOM: ready is not kept alive by the writes Redis still takes", test_redis_oom_readiness);
	CU_add_test(s, "Redis MISCONF (snapshot cannot be written): complete again after the fix", test_redis_misconf);
	CU_add_test(s, "Redis blocked 2 s (DEBUG SLEEP): market data flows, Redis complete after",
		    test_redis_blocked);
	CU_add_test(s, "Redis busy with a script until SCRIPT KILL: no state lost, sync tells the truth after",
		    test_redis_busy_script);
	CU_add_test(s, "connection cut inside a frame: logged, gate reopens, nothing lost",
		    test_drop_mid_frame);
	CU_add_test(s, "handshake reset: logged, retried with backoff, gate reopens", test_handshake_reset);
}
