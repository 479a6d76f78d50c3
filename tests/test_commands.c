/*
 * test_commands.c - orders from other services through P:stream:commands, against real
 * bin/ibsim + bin/ibpipe + a private redis-server: a place that fills, modify / cancel /
 * cancel_all, a repeated cmd_id answered with its first result and sent once, the gates
 * (not synced, readonly, kill switch, risk), malformed commands (a 1 MB field among them),
 * and the restarts: ibpipe killed with a command unacknowledged, redis-server restarted with
 * its data and without it.  Every wait is for the entry itself (TU_UNTIL), never a sleep.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "simclient.h"
#include "testutil.h"

#define WAIT_MS 15000
#define END ((const char *)NULL) /* the end of send_cmd's fields */

/* XADD P:stream:commands * field value ... (NULL-terminated) as the sender would. */
static int
send_cmd(redisContext *c, const struct tu_stack *e, ...)
{
	const char *kv[78];
	int n = 0;
	va_list ap;

	va_start(ap, e);
	for (const char *s; n < 77 && (s = va_arg(ap, const char *)) != NULL;)
		kv[n++] = s;
	va_end(ap);
	kv[n] = NULL;
	return tu_send_cmd(c, e, kv);
}

struct cmd_res {
	int n;              /* result entries for the cmd_id */
	char result[16];    /* of the first */
	long order_id;
	char reason[256];
	int repeat;         /* of the last */
	char last[16];      /* the last one's result */
	char last_reason[256];
};

/* What P:stream:orders says about cmd_id; returns how many result entries it has. */
static int
results(redisContext *c, const struct tu_stack *e, const char *cmd_id, struct cmd_res *out)
{
	redisReply *r = redisCommand(c, "XRANGE %s - +", tu_key(e, "stream:orders"));

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *f = r->element[i]->element[1];
		if (strcmp(tu_rfield(f, "kind"), "cmd") != 0 || strcmp(tu_rfield(f, "cmd_id"), cmd_id) != 0)
			continue;
		if (out->n++ == 0) {
			snprintf(out->result, sizeof(out->result), "%s", tu_rfield(f, "result"));
			out->order_id = atol(tu_rfield(f, "order_id"));
			snprintf(out->reason, sizeof(out->reason), "%s", tu_rfield(f, "reason"));
		}
		out->repeat = atoi(tu_rfield(f, "repeat"));
		snprintf(out->last, sizeof(out->last), "%s", tu_rfield(f, "result"));
		snprintf(out->last_reason, sizeof(out->last_reason), "%s", tu_rfield(f, "reason"));
	}
	if (r)
		freeReplyObject(r);
	return out->n;
}

/* A status entry for order_id with this status on P:stream:orders (NULL: an execution). */
static bool
order_status(redisContext *c, const struct tu_stack *e, long order_id, const char *status)
{
	redisReply *r = redisCommand(c, "XRANGE %s - +", tu_key(e, "stream:orders"));
	bool seen = false;

	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements && !seen; i++) {
		const redisReply *f = r->element[i]->element[1];
		seen = atol(tu_rfield(f, "order_id")) == order_id &&
		       (status ? strcmp(tu_rfield(f, "kind"), "status") == 0 && strcmp(tu_rfield(f, "status"), status) == 0
			       : strcmp(tu_rfield(f, "kind"), "exec") == 0);
	}
	if (r)
		freeReplyObject(r);
	return seen;
}

static long
health(redisContext *c, const struct tu_stack *e, const char *name)
{
	char v[32];

	return tu_rhget(c, tu_key(e, "health"), name, v, sizeof(v))[0] ? atol(v) : -1;
}

/* ibpipe --commands with no strategy, a private Redis; extra flags for ibpipe and ibsim. */
static int
start(struct tu_stack *e, const char *const *args, const char *const *sim_args, const char *const *redis_args)
{
	const char *base[24] = { "--commands", "--strategies", "0" };
	int n = 3;

	for (; args && *args && n < 23; args++)
		base[n++] = *args;
	base[n] = NULL;
	const struct tu_opts o = { .args = base, .sim_args = sim_args, .redis_args = redis_args,
				   .redis = TU_REDIS_PRIVATE, .fast_reconnect = true };
	return tu_stack_start(e, &o);
}

static void
finish(struct tu_stack *e)
{
	CU_ASSERT(tu_exited_ok(tu_stack_stop(e)));
}

/*
 * Orders ibsim has received once the order of cmd_id (a market order, which
 * ibsim fills at once) is filled there.  An "accepted" result means queued,
 * not yet at the gateway; orders reach it in the order they were sent, so
 * once this one is filled every order sent before it is counted too.
 */
static long
sim_orders_after(redisContext *c, const struct tu_stack *e, const char *cmd_id)
{
	struct cmd_res r;

	if (results(c, e, cmd_id, &r) < 1 || !TU_UNTIL(order_status(c, e, r.order_id, "Filled"), WAIT_MS))
		return -1;
	return tu_sim_stat(&e->sim, "total_orders");
}

#define UNTIL_RESULTS(c, e, id, res, n) CU_ASSERT_FATAL(TU_UNTIL(results(c, e, id, res) >= (n), WAIT_MS))

static void
test_place_fill(void)
{
	struct tu_stack e;
	struct cmd_res r;

	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "place", "cmd_id", "buy-1", "symbol", "AAPL", "action", "BUY", "qty",
				 "10", "type", "MKT", END),
			0);
	UNTIL_RESULTS(c, &e, "buy-1", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT(r.order_id > 0);
	CU_ASSERT(TU_UNTIL(order_status(c, &e, r.order_id, "Filled"), WAIT_MS));
	/* the quick answer, and the command acknowledged once its result was written */
	char v[256];
	tu_rhget(c, tu_key(&e, "commands:results"), "buy-1", v, sizeof(v));
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "\"result\":\"accepted\""));
	CU_ASSERT(TU_UNTIL(tu_rint(c, "XLEN %s", tu_key(&e, "stream:commands")) == 1, WAIT_MS));
	redisReply *p = redisCommand(c, "XPENDING %s ibpipe", tu_key(&e, "stream:commands"));
	CU_ASSERT(p && p->type == REDIS_REPLY_ARRAY && p->element[0]->integer == 0);
	if (p)
		freeReplyObject(p);

	/* any instrument, as a contract spec (docs/contracts.md): a future */
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "place", "cmd_id", "fut-1", "contract", "FUT:ES@CME:202612", "action",
				 "BUY", "qty", "1", "type", "MKT", END),
			0);
	UNTIL_RESULTS(c, &e, "fut-1", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT(TU_UNTIL(order_status(c, &e, r.order_id, "Filled"), WAIT_MS));

	/* a resting limit order: modified, then cancelled */
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "place", "cmd_id", "rest-1", "symbol", "MSFT", "action", "BUY", "qty",
				 "20", "type", "LMT", "lmt", "1.00", "tif", "GTC", END),
			0);
	UNTIL_RESULTS(c, &e, "rest-1", &r, 1);
	long rest = r.order_id;
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT(TU_UNTIL(order_status(c, &e, rest, "Submitted"), WAIT_MS));
	char id[16];
	snprintf(id, sizeof(id), "%ld", rest);
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "modify", "cmd_id", "rest-1-mod", "order_id", id, "symbol", "MSFT",
				 "action", "BUY", "qty", "5", "type", "LMT", "lmt", "1.00", "tif", "GTC", END),
			0);
	UNTIL_RESULTS(c, &e, "rest-1-mod", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT_EQUAL(r.order_id, rest);
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "cancel", "cmd_id", "rest-1-cxl", "order_id", id, END), 0);
	UNTIL_RESULTS(c, &e, "rest-1-cxl", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT(TU_UNTIL(order_status(c, &e, rest, "Cancelled"), WAIT_MS));

	/* cancel_all: the live one of the stream's orders (the filled and the cancelled are final) */
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "place", "cmd_id", "rest-2", "symbol", "AAPL", "action", "BUY", "qty",
				 "1", "type", "LMT", "lmt", "1.00", END),
			0);
	UNTIL_RESULTS(c, &e, "rest-2", &r, 1);
	long rest2 = r.order_id;
	CU_ASSERT(TU_UNTIL(order_status(c, &e, rest2, "Submitted"), WAIT_MS));
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "cancel_all", "cmd_id", "all-1", END), 0);
	UNTIL_RESULTS(c, &e, "all-1", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT_STRING_EQUAL(r.reason, "1 cancel(s) sent");
	CU_ASSERT(TU_UNTIL(order_status(c, &e, rest2, "Cancelled"), WAIT_MS));
	CU_ASSERT_EQUAL(health(c, &e, "cmd_refused"), 0);
	redisFree(c);
	finish(&e);
}

static void
test_duplicate_cmd_id(void)
{
	struct tu_stack e;
	struct cmd_res r;

	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "place", "cmd_id", "dup-1", "symbol", "AAPL", "action", "BUY",
					 "qty", "10", "type", "MKT", END),
				0);
	/* the same cmd_id with other terms: still the first result, nothing executed */
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "place", "cmd_id", "dup-1", "symbol", "MSFT", "action", "SELL", "qty",
				 "99", "type", "MKT", END),
			0);
	UNTIL_RESULTS(c, &e, "dup-1", &r, 3);
	CU_ASSERT_EQUAL(r.n, 3);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT_EQUAL(r.repeat, 1);
	CU_ASSERT(TU_UNTIL(order_status(c, &e, r.order_id, "Filled"), WAIT_MS));
	CU_ASSERT_EQUAL(tu_sim_stat(&e.sim, "total_orders"), 1);
	CU_ASSERT(TU_UNTIL(health(c, &e, "cmd_repeats") == 2, WAIT_MS));
	CU_ASSERT_EQUAL(health(c, &e, "cmd_in"), 3);
	redisFree(c);
	finish(&e);
}

/* The sync gate never opens (no acctDownloadEnd): refused "not synced", not queued. */
static void
test_not_synced(void)
{
	struct tu_stack e;
	struct cmd_res r;
	const char *sim[] = { "--no-download-end", NULL };
	char v[32];

	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, sim, NULL), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(c, tu_key(&e, "sync"), "syncing", WAIT_MS), 0);
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "place", "cmd_id", "early", "symbol", "AAPL", "action", "BUY", "qty",
				 "10", "type", "MKT", END),
			0);
	UNTIL_RESULTS(c, &e, "early", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "refused");
	CU_ASSERT_STRING_EQUAL(r.reason, "not synced");
	CU_ASSERT_EQUAL(r.order_id, 0);
	CU_ASSERT_STRING_EQUAL(tu_rget(c, tu_key(&e, "sync"), v, sizeof(v)), "syncing");
	CU_ASSERT_EQUAL(tu_sim_stat(&e.sim, "total_orders"), 0);
	redisFree(c);
	finish(&e);
}

static void
expect(redisContext *c, const struct tu_stack *e, const char *id, const char *result, const char *reason)
{
	struct cmd_res r;

	CU_ASSERT_FATAL(TU_UNTIL(results(c, e, id, &r) >= 1, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(r.result, result);
	if (strncmp(r.reason, reason, strlen(reason)) != 0) {
		fprintf(stderr, "\n  %s: reason '%s', expected '%s...'\n", id, r.reason, reason);
		CU_FAIL("reason");
	}
}

/* Kill switch (command and P:control), risk limits: the gates of a strategy's order. */
static void
test_kill_switch_and_risk(void)
{
	struct tu_stack e;
	const char *args[] = { "--max-order-qty", "100", "--progress", NULL };

	CU_ASSERT_EQUAL_FATAL(start(&e, args, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "big", "symbol", "AAPL", "action", "BUY", "qty", "500", "type", "MKT",
		 END);
	expect(c, &e, "big", "refused", "max_order_qty: quantity 500 above max_order_qty 100");
	send_cmd(c, &e, "cmd", "halt", "cmd_id", "h1", END);
	expect(c, &e, "h1", "accepted", "");
	send_cmd(c, &e, "cmd", "place", "cmd_id", "while-halted", "symbol", "AAPL", "action", "BUY", "qty", "5", "type",
		 "MKT", END);
	expect(c, &e, "while-halted", "refused", "halted: trading halted (kill switch)");
	send_cmd(c, &e, "cmd", "resume", "cmd_id", "r1", END);
	expect(c, &e, "r1", "accepted", "");
	send_cmd(c, &e, "cmd", "place", "cmd_id", "after-resume", "symbol", "AAPL", "action", "BUY", "qty", "5", "type",
		 "MKT", END);
	expect(c, &e, "after-resume", "accepted", "");
	/* the operator's kill switch in Redis halts the command stream too */
	CU_ASSERT_EQUAL(tu_rcmd(c, "SET %s halt", tu_key(&e, "control")), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(e.ib.log, "= halt", WAIT_MS), 0);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "ks", "symbol", "AAPL", "action", "BUY", "qty", "5", "type", "MKT",
		 END);
	expect(c, &e, "ks", "refused", "halted");
	/*
	 * A resume command while P:control still says halt holds: the key counts when it changes.
	 * The main thread reads the key, then writes a progress line: two more of those and it has
	 * read the key since the resume.
	 */
	send_cmd(c, &e, "cmd", "resume", "cmd_id", "r2", END);
	expect(c, &e, "r2", "accepted", "");
	int lines = tu_count_in_file(e.ib.log, "progress: ");
	CU_ASSERT(TU_UNTIL(tu_count_in_file(e.ib.log, "progress: ") >= lines + 2, WAIT_MS));
	char last[1024];
	CU_ASSERT_EQUAL(tu_last_line(e.ib.log, "progress: ", last, sizeof(last)), 0);
	CU_ASSERT_PTR_NULL(strstr(last, "HALTED"));
	send_cmd(c, &e, "cmd", "place", "cmd_id", "after-r2", "symbol", "AAPL", "action", "BUY", "qty", "5", "type",
		 "MKT", END);
	expect(c, &e, "after-r2", "accepted", "");
	CU_ASSERT_EQUAL(tu_count_in_file(e.ib.log, ":control = halt"), 1);
	CU_ASSERT(TU_UNTIL(tu_sim_stat(&e.sim, "total_orders") == 2, WAIT_MS));
	CU_ASSERT(TU_UNTIL(health(c, &e, "cmd_refused") == 3, WAIT_MS));
	redisFree(c);
	finish(&e);
}

static void
test_readonly(void)
{
	struct tu_stack e;
	const char *args[] = { "--readonly", NULL };

	CU_ASSERT_EQUAL_FATAL(start(&e, args, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "ro", "symbol", "AAPL", "action", "BUY", "qty", "5", "type", "MKT",
		 END);
	expect(c, &e, "ro", "refused", "readonly");
	send_cmd(c, &e, "cmd", "cancel", "cmd_id", "ro-cxl", "order_id", "7", END);
	expect(c, &e, "ro-cxl", "refused", "readonly");
	CU_ASSERT_EQUAL(tu_sim_stat(&e.sim, "total_orders"), 0);
	redisFree(c);
	finish(&e);
}

/* Malformed entries: each refused with its reason, logged, counted; ibpipe carries on. */
static void
test_malformed(void)
{
	struct tu_stack e;
	size_t big = 1 << 20;
	char *mb = malloc(big + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(mb);
	memset(mb, 'A', big);
	mb[big] = '\0';
	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "m1", "symbol", "AAPL", "action", "BUY", "type", "MKT", END);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "m2", "symbol", "AAPL", "action", "BUY", "qty", "12x", "type", "MKT",
		 END);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "m3", "symbol", "AAPL", "action", "BUY", "qty", "1", "type", "PEG",
		 END);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "m4", "symbol", mb, "action", "BUY", "qty", "1", "type", "MKT", END);
	send_cmd(c, &e, "cmd", "launch", "cmd_id", "m5", END);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "m6", "symbol", "AAPL", "action", "BUY", "qty", "-5", "type", "MKT",
		 END);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "m7", "symbol", "AAPL", "action", "BUY", "qty", "1", "type", "LMT",
		 "lmt_price", "1", END);
	send_cmd(c, &e, "cmd", "place", "cmd_id", mb, "symbol", "AAPL", "action", "BUY", "qty", "1", "type", "MKT", END);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "m9", "symbol", "AAPL", "action", "BUY", "qty", "nan", "type", "MKT",
		 END);
	expect(c, &e, "m1", "refused", "missing field 'qty'");
	expect(c, &e, "m2", "refused", "bad number in 'qty': '12x'");
	expect(c, &e, "m3", "refused", "type must be LMT, MKT, STP, STP LMT, TRAIL, MOC or LOC: 'PEG'");
	expect(c, &e, "m4", "refused", "field 'symbol' is 1048576 bytes (at most 256)");
	expect(c, &e, "m5", "refused", "unknown cmd 'launch'");
	expect(c, &e, "m6", "refused", "'qty' must be above 0");
	expect(c, &e, "m7", "refused", "unknown field 'lmt_price'");
	expect(c, &e, "", "refused", "field 'cmd_id' is 1048576 bytes (at most 256)");
	expect(c, &e, "m9", "refused", "bad number in 'qty': 'nan'");
	CU_ASSERT(TU_UNTIL(health(c, &e, "cmd_malformed") == 9, WAIT_MS));
	CU_ASSERT_EQUAL(tu_count_in_file(e.ib.log, "malformed command"), 9);
	/* still taking commands */
	send_cmd(c, &e, "cmd", "place", "cmd_id", "ok", "symbol", "AAPL", "action", "BUY", "qty", "1", "type", "MKT", END);
	expect(c, &e, "ok", "accepted", "");
	CU_ASSERT_EQUAL(sim_orders_after(c, &e, "ok"), 1);
	free(mb);
	redisFree(c);
	finish(&e);
}

/* XPENDING's count for the group, -1 on error. */
static long long
pending(redisContext *c, const struct tu_stack *e)
{
	redisReply *r = redisCommand(c, "XPENDING %s ibpipe", tu_key(e, "stream:commands"));
	long long n = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 ? r->element[0]->integer : -1;

	if (r)
		freeReplyObject(r);
	return n;
}

/* ibpipe again, on the same state_dir (the order-id mark and the command journal), with an extra flag and value. */
static int
restart_ibpipe_with(struct tu_stack *e, const char *state_dir, const char *flag, const char *value)
{
	const char *args[] = { "--commands", "--strategies", "0", "--state-dir", state_dir, flag, value, NULL };
	const struct tu_opts o = { .args = args, .fast_reconnect = true };

	return tu_ibpipe_start(&e->ib, e->sim.port, &o, e->url, e->prefix);
}

static int
restart_ibpipe(struct tu_stack *e, const char *state_dir)
{
	return restart_ibpipe_with(e, state_dir, NULL, NULL);
}

/*
 * The order went out, its result never reached Redis (Redis refuses ibpipe's XADD), and ibpipe
 * dies with the command unacknowledged.  The next ibpipe answers it from the journal: the same
 * order id, and the gateway still has one order.
 */
static void
test_restart_with_pending_command(void)
{
	struct tu_stack e;
	struct cmd_res r;
	char dir[sizeof(e.ib.dir)];

	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* the sender as its own user; ibpipe (the default user) loses XADD */
	CU_ASSERT_EQUAL(tu_rcmd(c, "ACL SETUSER sender on >pw ~* &* +@all"), 0);
	CU_ASSERT_EQUAL(tu_rcmd(c, "AUTH sender pw"), 0);
	CU_ASSERT_EQUAL(tu_rcmd(c, "ACL SETUSER default -xadd"), 0);
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "place", "cmd_id", "pend-1", "symbol", "AAPL", "action", "BUY", "qty",
				 "10", "type", "MKT", END),
			0);
	CU_ASSERT_FATAL(TU_UNTIL(tu_sim_stat(&e.sim, "total_orders") == 1 && pending(c, &e) == 1, WAIT_MS));
	CU_ASSERT_EQUAL(results(c, &e, "pend-1", &r), 0);
	snprintf(dir, sizeof(dir), "%s", e.ib.dir);
	tu_stop(e.ib.pid, SIGKILL, 5000);
	CU_ASSERT_EQUAL(tu_rcmd(c, "ACL SETUSER default +xadd"), 0);

	CU_ASSERT_EQUAL_FATAL(restart_ibpipe(&e, dir), 0);
	UNTIL_RESULTS(c, &e, "pend-1", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT_EQUAL(r.order_id, 1);
	CU_ASSERT_EQUAL(r.repeat, 1);
	CU_ASSERT(TU_UNTIL(pending(c, &e) == 0, WAIT_MS));
	CU_ASSERT_EQUAL(tu_count_in_file(e.ib.log, "pend-1 seen before"), 1);
	/* the new ibpipe learns the fill from the gateway's executions; the order was sent once */
	CU_ASSERT(TU_UNTIL(order_status(c, &e, 1, NULL), WAIT_MS));
	CU_ASSERT_EQUAL(tu_sim_stat(&e.sim, "total_orders"), 1);
	/* and a new command gets a new id (once synced: the execution above may come before the gate opens) */
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(e.ib.log, "gate open", WAIT_MS), 0);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "pend-2", "symbol", "AAPL", "action", "BUY", "qty", "1", "type", "MKT",
		 END);
	UNTIL_RESULTS(c, &e, "pend-2", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT(r.order_id > 1);
	CU_ASSERT_EQUAL(sim_orders_after(c, &e, "pend-2"), 2);
	redisFree(c);
	finish(&e);
}

/* A number from ibsim's stats ("orders_known", "orders_ignored"), -1 if it does not answer. */
static long
sim_stat(const struct tu_sim *s, const char *name)
{
	char out[8192], key[64];
	const char *p;

	snprintf(key, sizeof(key), "\"%s\":", name);
	if (tu_control(s->ctl, "stats", out, sizeof(out)) != 0 || (p = strstr(out, key)) == NULL)
		return -1;
	return atol(p + strlen(key));
}

/*
 * The order is journaled and answered "accepted", but never reaches the gateway (ibsim reads it
 * and drops it: the same, for the gateway, as an order still in ibpipe's out ring when it died),
 * and ibpipe is killed.  The next ibpipe checks the journal's open orders against what the gateway
 * reports once synced: not there -> "lost" on the orders stream and in the results hash, filed,
 * so a repeat of the cmd_id is answered "lost" and nothing is ever sent for it.
 */
static void
test_restart_lost_order(void)
{
	struct tu_stack e;
	struct cmd_res r;
	char dir[sizeof(e.ib.dir)], out[256], v[512], journal[sizeof(e.ib.dir) + 64];

	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* one settled order first: filled, it is never checked again */
	send_cmd(c, &e, "cmd", "place", "cmd_id", "kept-1", "symbol", "AAPL", "action", "BUY", "qty", "1", "type", "MKT",
		 END);
	UNTIL_RESULTS(c, &e, "kept-1", &r, 1);
	long kept = r.order_id;
	CU_ASSERT(TU_UNTIL(order_status(c, &e, kept, "Filled"), WAIT_MS));
	CU_ASSERT_EQUAL(tu_control(e.sim.ctl, "ignore-orders 1", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "place", "cmd_id", "lost-1", "symbol", "AAPL", "action", "BUY", "qty",
				 "10", "type", "LMT", "lmt", "1.00", END),
			0);
	UNTIL_RESULTS(c, &e, "lost-1", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	long id = r.order_id;
	CU_ASSERT_FATAL(TU_UNTIL(sim_stat(&e.sim, "orders_ignored") == 1, WAIT_MS));
	/* kept-1 is settled on file before the kill (its Filled status was read back) */
	snprintf(dir, sizeof(dir), "%s", e.ib.dir);
	snprintf(journal, sizeof(journal), "%s/commands-%s.journal", dir, e.prefix);
	CU_ASSERT(TU_UNTIL(tu_count_in_file(journal, "+kept-1") == 1 && pending(c, &e) == 0, WAIT_MS));
	tu_stop(e.ib.pid, SIGKILL, 5000);

	CU_ASSERT_EQUAL_FATAL(restart_ibpipe(&e, dir), 0);
	CU_ASSERT_FATAL(TU_UNTIL(results(c, &e, "lost-1", &r) >= 2, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(r.last, "lost");
	CU_ASSERT_STRING_EQUAL(r.last_reason, "not at the gateway after restart");
	CU_ASSERT_EQUAL(r.repeat, 0);
	/* the results hash next (the stream entry comes first) */
	CU_ASSERT(TU_UNTIL(strstr(tu_rhget(c, tu_key(&e, "commands:results"), "lost-1", v, sizeof(v)),
				  "\"result\":\"lost\"") != NULL,
			   WAIT_MS));
	snprintf(out, sizeof(out), "\"order_id\":%ld", id);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, out));
	CU_ASSERT(TU_UNTIL(tu_count_in_file(e.ib.log, "checked with the gateway: 0 there, 1 lost") == 1, WAIT_MS));
	/* the filled one was settled in the first run: only lost-1 was checked */
	CU_ASSERT_EQUAL(tu_count_in_file(e.ib.log, "1 accepted order(s) of an earlier run"), 1);
	/* a repeat is answered "lost", and nothing was ever sent for it */
	send_cmd(c, &e, "cmd", "place", "cmd_id", "lost-1", "symbol", "AAPL", "action", "BUY", "qty", "10", "type", "LMT",
		 "lmt", "1.00", END);
	CU_ASSERT_FATAL(TU_UNTIL(results(c, &e, "lost-1", &r) >= 3, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(r.last, "lost");
	CU_ASSERT_EQUAL(r.repeat, 1);
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "orders_known"), 1); /* kept-1 only */

	/* and a third run does not check it again: the journal holds its fate */
	tu_stop(e.ib.pid, SIGTERM, 5000);
	CU_ASSERT_EQUAL_FATAL(restart_ibpipe(&e, dir), 0);
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(e.ib.log, "gate open", WAIT_MS), 0);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "after-2", "symbol", "AAPL", "action", "BUY", "qty", "1", "type",
		 "MKT", END);
	UNTIL_RESULTS(c, &e, "after-2", &r, 1);
	CU_ASSERT(TU_UNTIL(order_status(c, &e, r.order_id, "Filled"), WAIT_MS));
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "orders_known"), 2); /* kept-1 and after-2 */
	CU_ASSERT_EQUAL(tu_count_in_file(e.ib.log, "of an earlier run with no known fate"), 0);
	CU_ASSERT_EQUAL(results(c, &e, "lost-1", &r), 3);
	redisFree(c);
	finish(&e);
}

/*
 * The converse: the order reached the gateway, and ibpipe died before anything about it reached
 * Redis (its user may not XADD or HSET).  The next ibpipe finds it at the gateway: its real
 * status is published, it is not "lost", and it is not sent again.
 */
static void
test_restart_order_at_gateway(void)
{
	struct tu_stack e;
	struct cmd_res r;
	char dir[sizeof(e.ib.dir)], journal[sizeof(e.ib.dir) + 64];

	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(tu_rcmd(c, "ACL SETUSER sender on >pw ~* &* +@all"), 0);
	CU_ASSERT_EQUAL(tu_rcmd(c, "AUTH sender pw"), 0);
	CU_ASSERT_EQUAL(tu_rcmd(c, "ACL SETUSER default -xadd -hset"), 0);
	CU_ASSERT_EQUAL(send_cmd(c, &e, "cmd", "place", "cmd_id", "there-1", "symbol", "MSFT", "action", "BUY", "qty",
				 "5", "type", "LMT", "lmt", "1.00", END),
			0);
	CU_ASSERT_FATAL(TU_UNTIL(sim_stat(&e.sim, "orders_known") == 1 && pending(c, &e) == 1, WAIT_MS));
	CU_ASSERT_EQUAL(results(c, &e, "there-1", &r), 0);
	CU_ASSERT_EQUAL(tu_rint(c, "EXISTS %s", tu_key(&e, "order:1")), 0);
	snprintf(dir, sizeof(dir), "%s", e.ib.dir);
	tu_stop(e.ib.pid, SIGKILL, 5000);
	CU_ASSERT_EQUAL(tu_rcmd(c, "ACL SETUSER default +xadd +hset"), 0);

	CU_ASSERT_EQUAL_FATAL(restart_ibpipe(&e, dir), 0);
	UNTIL_RESULTS(c, &e, "there-1", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT_EQUAL(r.repeat, 1);
	/* its real status, from the gateway's open orders */
	CU_ASSERT(TU_UNTIL(order_status(c, &e, r.order_id, "Submitted"), WAIT_MS));
	/* settled on file (by this run's status for it, or by the gateway check, whichever comes first) */
	snprintf(journal, sizeof(journal), "%s/commands-%s.journal", dir, e.prefix);
	CU_ASSERT_FATAL(TU_UNTIL(tu_count_in_file(journal, "+there-1") == 1, WAIT_MS));
	CU_ASSERT_EQUAL(tu_count_in_file(journal, "=there-1"), 0);
	CU_ASSERT_EQUAL(results(c, &e, "there-1", &r), 1);
	CU_ASSERT_STRING_EQUAL(r.last, "accepted");
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "orders_known"), 1);
	CU_ASSERT_EQUAL(tu_count_in_file(e.ib.log, "the gateway does not have it"), 0);
	redisFree(c);
	finish(&e);
}

/*
 * cancel_all: by default the command stream's own orders; scope=all is IB's reqGlobalCancel,
 * every open order at the gateway, another client's among them.
 */
static void
test_cancel_all_scope(void)
{
	struct tu_stack e;
	struct cmd_res r;
	simclient other;
	ib_req o;

	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* an order of another API client (TWS, another program) */
	CU_ASSERT_EQUAL_FATAL(sc_connect(&other, e.sim.port, 77), 0);
	sc_req_order(&o, 1, "BUY", 3, "LMT", 1.00);
	CU_ASSERT_EQUAL_FATAL(sc_send(&other, &o), 0);
	CU_ASSERT_FATAL(TU_UNTIL(sim_stat(&e.sim, "orders_live") == 1, WAIT_MS));
	send_cmd(c, &e, "cmd", "place", "cmd_id", "sc-1", "symbol", "MSFT", "action", "BUY", "qty", "5", "type", "LMT",
		 "lmt", "1.00", END);
	UNTIL_RESULTS(c, &e, "sc-1", &r, 1);
	long mine = r.order_id;
	CU_ASSERT(TU_UNTIL(order_status(c, &e, mine, "Submitted"), WAIT_MS));
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "orders_live"), 2);

	send_cmd(c, &e, "cmd", "cancel_all", "cmd_id", "sc-all-1", END);
	UNTIL_RESULTS(c, &e, "sc-all-1", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.reason, "1 cancel(s) sent");
	CU_ASSERT(TU_UNTIL(order_status(c, &e, mine, "Cancelled"), WAIT_MS));
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "orders_live"), 1); /* the other client's is not ours to cancel */
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "global_cancels"), 0);

	send_cmd(c, &e, "cmd", "cancel_all", "cmd_id", "sc-all-2", "scope", "all", END);
	UNTIL_RESULTS(c, &e, "sc-all-2", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT_STRING_EQUAL(r.reason, "global cancel sent: every open order at the gateway, whoever placed it");
	CU_ASSERT(TU_UNTIL(sim_stat(&e.sim, "orders_live") == 0, WAIT_MS));
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "global_cancels"), 1);
	CU_ASSERT_EQUAL(sc_wait_error(&other, 202, WAIT_MS), 0); /* the other client hears its order cancelled */
	send_cmd(c, &e, "cmd", "cancel_all", "cmd_id", "sc-all-3", "scope", "some", END);
	expect(c, &e, "sc-all-3", "refused", "scope must be commands or all: 'some'");
	sc_close(&other);
	redisFree(c);
	finish(&e);
}

/* A field of order_id's status entry with this status on P:stream:orders ("" if there is none yet). */
static const char *
status_field(redisContext *c, const struct tu_stack *e, long order_id, const char *status, const char *name)
{
	static char v[128];
	redisReply *r = redisCommand(c, "XRANGE %s - +", tu_key(e, "stream:orders"));

	v[0] = '\0';
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements && !v[0]; i++) {
		const redisReply *f = r->element[i]->element[1];
		if (atol(tu_rfield(f, "order_id")) == order_id && strcmp(tu_rfield(f, "kind"), "status") == 0 &&
		    strcmp(tu_rfield(f, "status"), status) == 0)
			snprintf(v, sizeof(v), "%s", tu_rfield(f, name));
	}
	if (r)
		freeReplyObject(r);
	return v;
}

/*
 * The order types the codec encodes, through the command stream to ibsim: a trailing stop rests
 * there as TRAIL; a bracket's entry fills, releases its exits, and the take-profit filling cancels
 * the stop-loss (their OCA group).
 */
static void
test_order_types_and_bracket(void)
{
	struct tu_stack e;
	struct cmd_res r;
	char want[96];

	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "trail-1", "symbol", "AAPL", "action", "SELL", "qty", "10", "type",
		 "TRAIL", "trail_pct", "50", "tif", "GTC", "outside_rth", "1", END);
	UNTIL_RESULTS(c, &e, "trail-1", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	long trail = r.order_id;
	/* Submitted comes from ibsim's openOrder: the type it got */
	CU_ASSERT(TU_UNTIL(order_status(c, &e, trail, "Submitted"), WAIT_MS));
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, trail, "Submitted", "type"), "TRAIL");
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, trail, "Submitted", "tif"), "GTC");

	/* a bracket: BUY now, a take-profit that is marketable at once, a stop-loss far below */
	send_cmd(c, &e, "cmd", "place", "cmd_id", "br-1", "symbol", "AAPL", "action", "BUY", "qty", "10", "type", "MKT",
		 "take_profit", "1.00", "stop_loss", "0.50", END);
	UNTIL_RESULTS(c, &e, "br-1", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	long entry = r.order_id;
	snprintf(want, sizeof(want), "bracket: take_profit order %ld, stop_loss order %ld", entry + 1, entry + 2);
	CU_ASSERT_STRING_EQUAL(r.reason, want);
	CU_ASSERT(TU_UNTIL(order_status(c, &e, entry, "Filled"), WAIT_MS));
	CU_ASSERT(TU_UNTIL(order_status(c, &e, entry + 1, "Filled"), WAIT_MS));
	CU_ASSERT(TU_UNTIL(order_status(c, &e, entry + 2, "Cancelled"), WAIT_MS));
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, entry + 1, "Filled", "action"), "SELL");
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, entry + 1, "Filled", "type"), "LMT");
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, entry + 2, "Cancelled", "type"), "STP");
	/* the exits' parent and their OCA group, on the orders stream */
	snprintf(want, sizeof(want), "%ld", entry);
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, entry + 1, "Filled", "parent_id"), want);
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, entry + 2, "Cancelled", "parent_id"), want);
	snprintf(want, sizeof(want), "ibpipe-bracket-%ld", entry);
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, entry + 1, "Filled", "oca_group"), want);
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, entry + 2, "Cancelled", "oca_group"), want);
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, entry, "Filled", "oca_group"), "");
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "orders_known"), 4);
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "orders_live"), 1); /* the trailing stop */

	/* a bracket whose exits both rest: cancel_all cancels them (and the trailing stop), not the filled entry */
	send_cmd(c, &e, "cmd", "place", "cmd_id", "br-2", "symbol", "AAPL", "action", "BUY", "qty", "5", "type", "MKT",
		 "take_profit", "100000", "stop_loss", "0.50", END);
	UNTIL_RESULTS(c, &e, "br-2", &r, 1);
	entry = r.order_id;
	CU_ASSERT(TU_UNTIL(order_status(c, &e, entry + 1, "Submitted") && order_status(c, &e, entry + 2, "Submitted"),
			   WAIT_MS));
	send_cmd(c, &e, "cmd", "cancel_all", "cmd_id", "br-all", END);
	UNTIL_RESULTS(c, &e, "br-all", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.reason, "3 cancel(s) sent");
	CU_ASSERT(TU_UNTIL(order_status(c, &e, entry + 1, "Cancelled") && order_status(c, &e, entry + 2, "Cancelled") &&
				   order_status(c, &e, trail, "Cancelled"),
			   WAIT_MS));
	CU_ASSERT_TRUE(order_status(c, &e, entry, "Filled"));
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "orders_live"), 0);

	/* an OCA group of two separate commands: the resting limit is cancelled when the market order fills */
	send_cmd(c, &e, "cmd", "place", "cmd_id", "oca-rest", "symbol", "AAPL", "action", "BUY", "qty", "5", "type", "LMT",
		 "lmt", "1.00", "oca_group", "either-1", END);
	UNTIL_RESULTS(c, &e, "oca-rest", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	long rest = r.order_id;
	CU_ASSERT(TU_UNTIL(order_status(c, &e, rest, "Submitted"), WAIT_MS));
	send_cmd(c, &e, "cmd", "place", "cmd_id", "oca-fill", "symbol", "AAPL", "action", "BUY", "qty", "5", "type", "MKT",
		 "oca_group", "either-1", END);
	UNTIL_RESULTS(c, &e, "oca-fill", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	long fill = r.order_id;
	CU_ASSERT(TU_UNTIL(order_status(c, &e, fill, "Filled") && order_status(c, &e, rest, "Cancelled"), WAIT_MS));
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, rest, "Cancelled", "oca_group"), "either-1");
	CU_ASSERT_STRING_EQUAL(status_field(c, &e, fill, "Filled", "oca_group"), "either-1");
	CU_ASSERT_EQUAL(sim_stat(&e.sim, "orders_live"), 0);
	redisFree(c);
	finish(&e);
}

/* command_journal_keep: the journal keeps the newest N commands at start; an older cmd_id is forgotten. */
static void
test_journal_keep(void)
{
	struct tu_stack e;
	struct cmd_res r;
	char dir[sizeof(e.ib.dir)];
	const char *ids[] = { "k1", "k2", "k3" };

	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (int i = 0; i < 3; i++) {
		send_cmd(c, &e, "cmd", "resume", "cmd_id", ids[i], END);
		UNTIL_RESULTS(c, &e, ids[i], &r, 1);
	}
	snprintf(dir, sizeof(dir), "%s", e.ib.dir);
	tu_stop(e.ib.pid, SIGTERM, 5000);
	CU_ASSERT_EQUAL_FATAL(restart_ibpipe_with(&e, dir, "--command-journal-keep", "2"), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(e.ib.log, "compacted: 2 of 3 command(s) kept", WAIT_MS), 0);
	/* k3 is remembered (a repeat), k1 is not (run again, as new) */
	send_cmd(c, &e, "cmd", "resume", "cmd_id", "k3", END);
	send_cmd(c, &e, "cmd", "resume", "cmd_id", "k1", END);
	UNTIL_RESULTS(c, &e, "k1", &r, 2);
	CU_ASSERT_EQUAL(r.repeat, 0);
	UNTIL_RESULTS(c, &e, "k3", &r, 2);
	CU_ASSERT_EQUAL(r.repeat, 1);
	redisFree(c);
	finish(&e);
}

/* redis-server restarted with its data file, then emptied: a repeated cmd_id is still not executed. */
static void
test_redis_restart_keeps_cmd_ids(void)
{
	struct tu_stack e;
	struct cmd_res r;
	const char *aof[] = { "--appendonly", "yes", "--appendfsync", "always", NULL };

	CU_ASSERT_EQUAL_FATAL(start(&e, NULL, NULL, aof), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&e, WAIT_MS), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "rr-1", "symbol", "AAPL", "action", "BUY", "qty", "10", "type", "MKT",
		 END);
	UNTIL_RESULTS(c, &e, "rr-1", &r, 1);
	long first = r.order_id;
	CU_ASSERT(TU_UNTIL(order_status(c, &e, first, "Filled"), WAIT_MS));
	redisFree(c);

	tu_redis_stop(&e.redis, SIGTERM);
	CU_ASSERT_EQUAL_FATAL(tu_redis_start(&e.redis, e.redis_port, e.redis.dir, aof), 0);
	c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(results(c, &e, "rr-1", &r), 1); /* the data file kept the answer */
	send_cmd(c, &e, "cmd", "place", "cmd_id", "rr-1", "symbol", "AAPL", "action", "BUY", "qty", "10", "type", "MKT",
		 END);
	UNTIL_RESULTS(c, &e, "rr-1", &r, 2);
	CU_ASSERT_EQUAL(r.order_id, first);
	CU_ASSERT_EQUAL(r.repeat, 1);

	/* Redis loses everything: the group is made again, the journal still answers */
	CU_ASSERT_EQUAL(tu_rcmd(c, "FLUSHALL"), 0);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "rr-1", "symbol", "AAPL", "action", "BUY", "qty", "10", "type", "MKT",
		 END);
	CU_ASSERT(TU_UNTIL(results(c, &e, "rr-1", &r) >= 1 && r.repeat == 1 && pending(c, &e) == 0 &&
				   tu_rint(c, "HLEN %s", tu_key(&e, "commands:results")) == 1,
			   WAIT_MS));
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT_EQUAL(r.order_id, first);
	send_cmd(c, &e, "cmd", "place", "cmd_id", "rr-2", "symbol", "AAPL", "action", "BUY", "qty", "10", "type", "MKT",
		 END);
	UNTIL_RESULTS(c, &e, "rr-2", &r, 1);
	CU_ASSERT_STRING_EQUAL(r.result, "accepted");
	CU_ASSERT_EQUAL(sim_orders_after(c, &e, "rr-2"), 2);
	redisFree(c);
	finish(&e);
}

void
test_commands_register(void)
{
	CU_pSuite s = CU_add_suite("commands", NULL, NULL);

	CU_add_test(s, "place fills; modify, cancel, cancel_all; acknowledged after the result", test_place_fill);
	CU_add_test(s, "a repeated cmd_id is answered with the first result and sent once", test_duplicate_cmd_id);
	CU_add_test(s, "gate closed: refused 'not synced', not queued", test_not_synced);
	CU_add_test(s, "kill switch (command and P:control) and risk limits refuse", test_kill_switch_and_risk);
	CU_add_test(s, "readonly refuses orders and cancels", test_readonly);
	CU_add_test(s, "malformed commands (missing, bad numbers, unknown, 1 MB) refused, counted", test_malformed);
	CU_add_test(s, "ibpipe killed with a command unacknowledged: answered from the journal, sent once",
		    test_restart_with_pending_command);
	CU_add_test(s, "an accepted order the gateway never got is answered 'lost' after a restart, filed, never sent",
		    test_restart_lost_order);
	CU_add_test(s, "an accepted order the gateway has is found after a restart: its status, not lost, sent once",
		    test_restart_order_at_gateway);
	CU_add_test(s, "command_journal_keep: the journal keeps the newest commands at start", test_journal_keep);
	CU_add_test(s, "order types through the stream: a trailing stop; a bracket whose take-profit cancels its stop; an OCA group",
		    test_order_types_and_bracket);
	CU_add_test(s, "cancel_all: the stream's own orders; scope=all every open order (reqGlobalCancel)",
		    test_cancel_all_scope);
	CU_add_test(s, "redis-server restarted, then emptied: a repeated cmd_id is still not executed",
		    test_redis_restart_keeps_cmd_ids);
}
