/*
 * test_order_state.c - the order state machine against what a real gateway
 * sends: warnings about an order (399, 404) are not its end, so an order
 * warned before its first status and then filled ends Filled everywhere
 * (P:order:ID, P:stream:orders, the strategy); and past 8192 orders the
 * table reuses finished orders' slots, so a new order is still followed,
 * while one that finds only live orders is logged and counted; executions
 * whose execIds are cut or empty are all published, logged and counted.  Real
 * bin/ibsim (or `ibpipe replay` of hand-built frames) + bin/ibpipe + a
 * private redis-server; every wait is for the event itself.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ibpipe/ib.h"
#include "record/record.h"
#include "testutil.h"

#define WAIT_MS 15000

static const char *
hex(const char *s, char *out)
{
	char *o = out;

	for (; *s; s++)
		o += sprintf(o, "%02x", (unsigned char)*s);
	*o = '\0';
	return out;
}

/*
 * P:stream:orders, read whole: the order id of cmd_id's result (0: none yet), and into
 * statuses the statuses order_id went through, space-separated.
 */
static long
orders_stream(redisContext *c, const struct tu_stack *e, const char *cmd_id, long order_id, char *statuses,
	      size_t cap)
{
	redisReply *r = redisCommand(c, "XRANGE %s - +", tu_key(e, "stream:orders"));
	long found = 0;
	size_t n = 0;

	if (cap)
		statuses[0] = '\0';
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *f = r->element[i]->element[1];
		if (cmd_id && strcmp(tu_rfield(f, "kind"), "cmd") == 0 && strcmp(tu_rfield(f, "cmd_id"), cmd_id) == 0 &&
		    strcmp(tu_rfield(f, "result"), "accepted") == 0)
			found = atol(tu_rfield(f, "order_id"));
		if (order_id && strcmp(tu_rfield(f, "kind"), "status") == 0 && atol(tu_rfield(f, "order_id")) == order_id &&
		    n < cap)
			n += (size_t)snprintf(statuses + n, cap - n, "%s%s", n ? " " : "", tu_rfield(f, "status"));
	}
	if (r)
		freeReplyObject(r);
	return found;
}

static bool
status_is(redisContext *c, const struct tu_stack *e, long id, const char *want)
{
	char key[32], v[64];

	snprintf(key, sizeof(key), "order:%ld", id);
	return strcmp(tu_rhget(c, tu_key(e, key), "status", v, sizeof(v)), want) == 0;
}

/*
 * ibsim drops the order (ignore-orders 1), so it stays PendingSubmit; the gateway then warns
 * about it: 399 (not at the exchange until the open) and 404 (held while shares are located).
 * The order is then sent again (a modify; ibsim has never heard of it, so takes it as new) and
 * fills.  Before the fix the 399 made it Rejected, a final state, and the fill was dropped.
 */
static void
test_warnings_then_fill(void)
{
	const char *const ctl[] = { "ignore-orders 1", NULL };
	const char *const args[] = { "--commands", NULL };
	const struct tu_opts o = { .args = args, .sim_control = ctl, .strategy = "trader", .script = "",
				   .redis = TU_REDIS_PRIVATE };
	struct tu_stack e;
	redisContext *c = NULL;
	char out[256], cmd[1024], h[800], id_s[16], seen[256], want[128];
	long id;

	CU_ASSERT_EQUAL_FATAL(tu_stack_start(&e, &o), 0);
	TU_REQUIRE(tu_stack_ready(&e, WAIT_MS) == 0);
	TU_REQUIRE((c = tu_rconn(e.redis_port)) != NULL);
	const char *const place[] = { "cmd", "place", "cmd_id", "warned-1", "symbol", "AAPL", "action", "BUY",
				      "qty", "10", "type", "LMT", "lmt", "100000", NULL };
	TU_REQUIRE(tu_send_cmd(c, &e, place) == 0);
	TU_REQUIRE(TU_UNTIL((id = orders_stream(c, &e, "warned-1", 0, NULL, 0)) > 0, WAIT_MS));
	TU_REQUIRE(TU_UNTIL(tu_sim_stat(&e.sim, "orders_ignored") == 1 && status_is(c, &e, id, "PendingSubmit"),
			    WAIT_MS));

	snprintf(cmd, sizeof(cmd), "error-hex %ld 399 %s", id,
		 hex("Order Message:\nBUY 10 AAPL NASDAQ.NMS\nWarning: your order will not be placed at the exchange "
		     "until 2026-12-08 09:30:00 US/Eastern", h));
	TU_REQUIRE(tu_control(e.sim.ctl, cmd, out, sizeof(out)) == 0 && strncmp(out, "ok", 2) == 0);
	snprintf(cmd, sizeof(cmd), "error-hex %ld 404 %s", id,
		 hex("Order held while securities are located.", h));
	TU_REQUIRE(tu_control(e.sim.ctl, cmd, out, sizeof(out)) == 0 && strncmp(out, "ok", 2) == 0);
	/* the same connection carries the warnings and then the modify's answers, in that order */
	snprintf(id_s, sizeof(id_s), "%ld", id);
	const char *const modify[] = { "cmd", "modify", "cmd_id", "warned-1-mod", "order_id", id_s, "symbol", "AAPL",
				       "action", "BUY", "qty", "10", "type", "LMT", "lmt", "100000", NULL };
	TU_REQUIRE(tu_send_cmd(c, &e, modify) == 0);
	CU_ASSERT(TU_UNTIL(status_is(c, &e, id, "Filled"), WAIT_MS));
	char key[32], v[64];
	snprintf(key, sizeof(key), "order:%ld", id);
	CU_ASSERT_EQUAL(atof(tu_rhget(c, tu_key(&e, key), "filled", v, sizeof(v))), 10);
	/* the stream: never Rejected, ends Filled */
	orders_stream(c, &e, NULL, id, seen, sizeof(seen));
	CU_ASSERT_PTR_NULL(strstr(seen, "Rejected"));
	CU_ASSERT_PTR_NOT_NULL(strstr(seen, "PendingSubmit"));
	CU_ASSERT(strlen(seen) >= 6 && strcmp(seen + strlen(seen) - 6, "Filled") == 0);
	/* the strategy: Filled, never Rejected */
	snprintf(want, sizeof(want), "\"cb\":\"order\",\"id\":%ld,\"symbol\":\"AAPL\",\"status\":\"Filled\"", id);
	CU_ASSERT(tu_wait_for_text(tu_slog(&e.ib, 0), want, WAIT_MS) == 0);
	snprintf(want, sizeof(want), "\"id\":%ld,\"symbol\":\"AAPL\",\"status\":\"Rejected\"", id);
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&e.ib, 0), want), 0);
	/* both warnings logged as such, naming the status they left alone */
	snprintf(want, sizeof(want), "order %ld: warning 399, status PendingSubmit kept", id);
	CU_ASSERT_EQUAL(tu_count_in_file(e.ib.log, want), 1);
	snprintf(want, sizeof(want), "order %ld: warning 404, status PendingSubmit kept", id);
	CU_ASSERT_EQUAL(tu_count_in_file(e.ib.log, want), 1);
out:
	if (c)
		redisFree(c);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

/* ---- the order table past its 8192 slots, through `ibpipe replay` ---- */

#define TABLE 8192
#define NEW_FIRST 30001L /* the orders that come after the table is full */
#define NEW 1000

struct frames {
	ib_recorder *r;
	int64_t t;
	char b[512];
	size_t n;
};

static void
put(struct frames *f, const char *v)
{
	size_t len = strlen(v) + 1;

	if (f->n + len <= sizeof(f->b)) {
		memcpy(f->b + f->n, v, len);
		f->n += len;
	}
}

static void
put_i(struct frames *f, long v)
{
	char s[24];

	snprintf(s, sizeof(s), "%ld", v);
	put(f, s);
}

static void
frame_end(struct frames *f)
{
	ib_record_frame(f->r, f->b, (uint32_t)f->n, f->t);
	f->n = 0;
}

/* orderStatus (3) as server version 176 sends it: no version field, mktCapPrice last. */
static void
order_status(struct frames *f, long id, const char *status, double filled, double remaining)
{
	char v[32];

	put_i(f, IB_IN_ORDER_STATUS);
	put_i(f, id);
	put(f, status);
	snprintf(v, sizeof(v), "%g", filled);
	put(f, v);
	snprintf(v, sizeof(v), "%g", remaining);
	put(f, v);
	put(f, filled > 0 ? "100.5" : "0");
	put_i(f, 1000000 + id); /* permId */
	put_i(f, 0);
	put(f, filled > 0 ? "100.5" : "0");
	put_i(f, 0);
	put(f, "");
	put(f, "0");
	frame_end(f);
}

/* What a gateway sends first: the account list (DU111111) and nextValidId 1. */
static void
session_start(struct frames *f)
{
	put_i(f, IB_IN_MANAGED_ACCTS);
	put_i(f, 1);
	put(f, "DU111111");
	frame_end(f);
	put_i(f, IB_IN_NEXT_VALID_ID);
	put_i(f, 1);
	put_i(f, 1);
	frame_end(f);
}

static void
write_session(const char *path)
{
	char err[256];
	/* stamps from 1 s: the replay paces from the first non-zero one */
	struct frames f = { .r = ib_record_open(path, 176, err, sizeof(err)), .t = 1000000000LL };

	CU_ASSERT_PTR_NOT_NULL_FATAL(f.r);
	session_start(&f);
	/* every slot holds a live order: the next new one cannot be followed */
	for (long id = 1; id <= TABLE; id++)
		order_status(&f, id, "Submitted", 0, 10);
	order_status(&f, 20001, "Submitted", 0, 10);
	/* half of them fill; then, a second later, NEW orders come and fill, each reusing a finished
	   order's slot.  The second is for the publisher: its own mirror of P:order (publish_mirror.c,
	   also 8192) reuses a final order's slot only once Redis has it, and a sanitized publisher on a
	   loaded machine needs the time to write the 4096 finals first (an order it cannot hold loses
	   its hash, not its stream entry) */
	for (long id = 1; id <= TABLE / 2; id++)
		order_status(&f, id, "Filled", 10, 0);
	f.t += 1000000000LL;
	for (long id = NEW_FIRST; id < NEW_FIRST + NEW; id++) {
		order_status(&f, id, "Submitted", 0, 10);
		order_status(&f, id, "Filled", 10, 0);
	}
	/* a live order of the first ones is still itself; a new order is followed */
	f.t += 500000000LL;
	order_status(&f, 8000, "Filled", 10, 0);
	order_status(&f, 20002, "Submitted", 0, 7);
	/* the replay (--speed 1) ends once every frame is in: this one keeps it up for a few P:health writes */
	f.t += 3000000000LL;
	put_i(&f, IB_IN_NEXT_VALID_ID);
	put_i(&f, 1);
	put_i(&f, 40000);
	frame_end(&f);
	ib_record_close(f.r);
}

static bool
order_is(redisContext *c, const char *prefix, long id, const char *field_name, const char *want)
{
	char key[96], v[64];

	snprintf(key, sizeof(key), "%s:order:%ld", prefix, id);
	return strcmp(tu_rhget(c, key, field_name, v, sizeof(v)), want) == 0;
}

static long
health_num(redisContext *c, const char *prefix, const char *name)
{
	char key[96], v[32];

	snprintf(key, sizeof(key), "%s:health", prefix);
	return tu_rhget(c, key, name, v, sizeof(v))[0] ? atol(v) : -1;
}

/* A status entry for id with this status on the orders stream. */
static bool
in_stream(redisContext *c, const char *prefix, long id, const char *status)
{
	char key[96];
	bool seen = false;

	snprintf(key, sizeof(key), "%s:stream:orders", prefix);
	redisReply *r = redisCommand(c, "XREVRANGE %s + - COUNT 200", key);
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements && !seen; i++) {
		const redisReply *f = r->element[i]->element[1];
		seen = atol(tu_rfield(f, "order_id")) == id && strcmp(tu_rfield(f, "status"), status) == 0;
	}
	if (r)
		freeReplyObject(r);
	return seen;
}

/*
 * `ibpipe replay --speed 1` of rec into a fresh private redis-server (rs) under prefix, its log in
 * log, dir its state dir; *c connected to that Redis.  The replay's pid, or 0.
 */
static pid_t
replay_into_redis(const char *rec, const char *dir, const char *log, const char *prefix, struct tu_redis *rs,
		  redisContext **c)
{
	char url[64];

	CU_ASSERT_EQUAL_FATAL(tu_redis_start(rs, 0, NULL, NULL), 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", rs->port);
	char *const argv[] = { (char *)tu_bin("ibpipe"), "replay", (char *)rec, "--speed", "1", "--strategies", "0",
			       "--state-dir", (char *)dir, "--redis-url", url, "--redis-prefix", (char *)prefix, NULL };
	pid_t pid = tu_spawn(argv, log);
	*c = pid > 0 ? tu_rconn(rs->port) : NULL;
	return pid > 0 ? pid : 0;
}

/*
 * 8192 live orders fill the table; a new one then is not followed (logged once, counted);
 * once orders finish, 1000 more come and go through the finished ones' slots, and a new
 * order after them all is in P:order:ID and the stream.  Before the fix the table never
 * freed a slot: everything after the 8192nd order vanished without a word.
 */
static void
test_table_reuses_finished(void)
{
	struct tu_redis rs = { 0 };
	redisContext *c = NULL;
	char rec[256], prefix[32], log[256];
	const char *dir = tu_tmpdir();
	pid_t pid = 0;

	snprintf(rec, sizeof(rec), "%s/orders.ibrec", dir);
	snprintf(log, sizeof(log), "%s/ibpipe.log", dir);
	snprintf(prefix, sizeof(prefix), "tuord%d", (int)getpid());
	write_session(rec);
	pid = replay_into_redis(rec, dir, log, prefix, &rs, &c);
	TU_REQUIRE(pid > 0 && c != NULL);
	CU_ASSERT(TU_UNTIL(order_is(c, prefix, 20002, "status", "Submitted"), 30000));
	CU_ASSERT(TU_UNTIL(health_num(c, prefix, "orders_untracked") == 1, 10000));
	CU_ASSERT(tu_exited_ok(tu_wait(pid, 30000)));
	pid = 0;
	CU_ASSERT(in_stream(c, prefix, 20002, "Submitted"));
	CU_ASSERT(order_is(c, prefix, 20002, "remaining", "7"));
	/* the one that found only live orders: not followed, said once */
	CU_ASSERT(order_is(c, prefix, 20001, "status", ""));
	CU_ASSERT_EQUAL(tu_count_in_file(log, "order table full"), 1);
	/* every later one followed to its end; a reused slot answers only for its own order */
	CU_ASSERT(order_is(c, prefix, NEW_FIRST, "status", "Filled"));
	CU_ASSERT(order_is(c, prefix, NEW_FIRST + NEW - 1, "status", "Filled"));
	CU_ASSERT(in_stream(c, prefix, NEW_FIRST + NEW - 1, "Filled"));
	CU_ASSERT(order_is(c, prefix, 1, "status", "Filled"));
	CU_ASSERT(order_is(c, prefix, 8000, "status", "Filled"));
	CU_ASSERT(in_stream(c, prefix, 8000, "Filled"));
	CU_ASSERT(order_is(c, prefix, TABLE, "status", "Submitted"));
	CU_ASSERT(order_is(c, prefix, 8001, "remaining", "10"));
out:
	if (c)
		redisFree(c);
	if (pid > 0)
		tu_stop(pid, SIGTERM, 10000);
	if (rs.pid > 0)
		tu_redis_stop(&rs, SIGTERM);
}

/* ---- executions whose execId is odd, through `ibpipe replay` ---- */

/* Two ids the same for their first 50 bytes (past the 47 an event keeps), differing after. */
#define LONG_A "0000e0d5.65f3a0b1.01.01.0000e0d5.65f3a0b1.01.01.ab.A-first-fill"
#define LONG_B "0000e0d5.65f3a0b1.01.01.0000e0d5.65f3a0b1.01.01.ab.B-second-fill"
#define EXEC_ID_KEPT 47 /* IB_EXEC_ID_LEN - 1 */

/* execDetails (11) as server version 176 sends it (ibsim's sim_enc_exec_details): no version
   field, modelCode and lastLiquidity last. */
static void
exec_details(struct frames *f, long order_id, const char *exec_id, double shares, double cum_qty)
{
	char v[32];

	put_i(f, IB_IN_EXEC_DETAILS);
	put_i(f, -1); /* reqId: unsolicited, as a live fill comes */
	put_i(f, order_id);
	put_i(f, 265598); /* conId */
	put(f, "AAPL");
	put(f, "STK");
	put(f, "");  /* lastTradeDateOrContractMonth */
	put(f, "0"); /* strike */
	put(f, "");  /* right */
	put(f, "");  /* multiplier */
	put(f, "ISLAND");
	put(f, "USD");
	put(f, "AAPL");
	put(f, "NMS");
	put(f, exec_id);
	put(f, "20261208 09:30:01 US/Eastern");
	put(f, "DU111111");
	put(f, "ISLAND");
	put(f, "BOT");
	snprintf(v, sizeof(v), "%g", shares);
	put(f, v);
	put(f, "100.5");
	put_i(f, 1000000 + order_id); /* permId */
	put_i(f, 0);                  /* clientId */
	put_i(f, 0);                  /* liquidation */
	snprintf(v, sizeof(v), "%g", cum_qty);
	put(f, v);
	put(f, "100.5");
	put(f, ""); /* orderRef */
	put(f, ""); /* evRule */
	put(f, ""); /* evMultiplier */
	put(f, ""); /* modelCode */
	put_i(f, 2); /* lastLiquidity */
	frame_end(f);
}

static void
write_exec_session(const char *path)
{
	char err[256];
	struct frames f = { .r = ib_record_open(path, 176, err, sizeof(err)), .t = 1000000000LL };

	CU_ASSERT_PTR_NOT_NULL_FATAL(f.r);
	session_start(&f);
	order_status(&f, 7, "Submitted", 0, 10);
	/* two fills whose ids differ only past the cut: both published */
	exec_details(&f, 7, LONG_A, 1, 1);
	exec_details(&f, 7, LONG_B, 2, 3);
	/* a genuine re-send of the first (as reqExecutions after a reconnect): still one */
	exec_details(&f, 7, LONG_A, 1, 1);
	/* two fills with no id: nothing to de-duplicate them by, both published */
	exec_details(&f, 7, "", 3, 6);
	exec_details(&f, 7, "", 4, 10);
	order_status(&f, 7, "Filled", 10, 0);
	/* the replay (--speed 1) ends once every frame is in: this one keeps it up for a few P:health writes */
	f.t += 3000000000LL;
	put_i(&f, IB_IN_NEXT_VALID_ID);
	put_i(&f, 1);
	put_i(&f, 40000);
	frame_end(&f);
	ib_record_close(f.r);
}

/* The kind=exec entries of the orders stream, in order: their execIds and share counts. */
static int
exec_entries(redisContext *c, const char *prefix, char ids[][96], double *shares, int cap)
{
	char key[96];
	int n = 0;

	snprintf(key, sizeof(key), "%s:stream:orders", prefix);
	redisReply *r = redisCommand(c, "XRANGE %s - +", key);
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *f = r->element[i]->element[1];
		if (strcmp(tu_rfield(f, "kind"), "exec") != 0)
			continue;
		if (n < cap) {
			snprintf(ids[n], sizeof(ids[n]), "%s", tu_rfield(f, "exec_id"));
			shares[n] = atof(tu_rfield(f, "shares"));
		}
		n++;
	}
	if (r)
		freeReplyObject(r);
	return n;
}

/*
 * Executions are de-duplicated by execId, as IB re-sends them.  Two fills whose ids differ
 * only past the 47 bytes kept, and two with an empty id, are four fills: all four are on the
 * orders stream, the cut and the empty ids each logged once and counted (exec_ids_bad),
 * while a genuine re-send is still dropped.  Before the fix the hash was of the cut copy,
 * so the second long-id fill and the second empty-id fill vanished without a word.
 */
static void
test_exec_ids_odd(void)
{
	struct tu_redis rs = { 0 };
	redisContext *c = NULL;
	char rec[256], prefix[32], log[256], ids[8][96] = { { 0 } }, cut[EXEC_ID_KEPT + 1];
	double shares[8] = { 0 };
	const char *dir = tu_tmpdir();
	pid_t pid = 0;

	snprintf(rec, sizeof(rec), "%s/execs.ibrec", dir);
	snprintf(log, sizeof(log), "%s/ibpipe-execs.log", dir);
	snprintf(prefix, sizeof(prefix), "tuexe%d", (int)getpid());
	write_exec_session(rec);
	pid = replay_into_redis(rec, dir, log, prefix, &rs, &c);
	TU_REQUIRE(pid > 0 && c != NULL);
	/* the order's Filled comes after every execution */
	CU_ASSERT(TU_UNTIL(order_is(c, prefix, 7, "status", "Filled"), 30000));
	/* 3 long (one of them the re-send) + 2 empty */
	CU_ASSERT(TU_UNTIL(health_num(c, prefix, "exec_ids_bad") == 5, 10000));
	CU_ASSERT(tu_exited_ok(tu_wait(pid, 30000)));
	pid = 0;
	/* four fills, in the order they came, the long ids cut to the bytes kept */
	snprintf(cut, sizeof(cut), "%s", LONG_A);
	CU_ASSERT_EQUAL(exec_entries(c, prefix, ids, shares, 8), 4);
	CU_ASSERT_STRING_EQUAL(ids[0], cut);
	CU_ASSERT_STRING_EQUAL(ids[1], cut);
	CU_ASSERT_STRING_EQUAL(ids[2], "");
	CU_ASSERT_STRING_EQUAL(ids[3], "");
	CU_ASSERT(shares[0] == 1 && shares[1] == 2 && shares[2] == 3 && shares[3] == 4);
	/* each kind said once, naming what was done */
	CU_ASSERT_EQUAL(tu_count_in_file(log, "execId of 63 bytes is longer than 47: published cut, de-duplicated "
					      "by the whole id"), 1);
	CU_ASSERT_EQUAL(tu_count_in_file(log, "has an empty execId: it cannot be told from a re-send, so every "
					      "such execution is published"), 1);
out:
	if (c)
		redisFree(c);
	if (pid > 0)
		tu_stop(pid, SIGTERM, 10000);
	if (rs.pid > 0)
		tu_redis_stop(&rs, SIGTERM);
}

void
test_order_state_register(void)
{
	CU_pSuite s = CU_add_suite("order_warnings", NULL, NULL);
	CU_add_test(s, "399 and 404 before the first status are warnings: the order still fills", test_warnings_then_fill);
	s = CU_add_suite("order_table", NULL, NULL);
	CU_add_test(s, "past 8192 orders: finished orders' slots are reused, an order with no room is counted",
		    test_table_reuses_finished);
	s = CU_add_suite("order_exec_ids", NULL, NULL);
	CU_add_test(s, "execIds cut or empty: every fill published, logged and counted; a re-send still one",
		    test_exec_ids_odd);
}
