/*
 * test_pnl.c - P&L end to end: ibsim computes it from its positions and
 * marks (control `pnl ACCOUNT` prints its numbers), ibpipe subscribes
 * reqPnL per account and reqPnLSingle per position, and Redis must hold
 * the same numbers: P:pnl:{A}, and each position's "pnl" in
 * P:positions:{A} (valid JSON, null where ibsim sends DBL_MAX).  A
 * position that opens gets its subscription; one that closes loses it and
 * its round trip shows in the realized P&L.  Orders come through the
 * command stream; prices are pinned, so ibsim's numbers stand still.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_valid.h"
#include "testutil.h"

#define WAIT_MS 15000
#define ACCT "DU111111"
#define NVDA_CONID 4815747 /* ibsim's */

static int
start(struct tu_stack *e)
{
	const char *sim_args[] = { "--pnl-ms", "100", NULL };
	const char *args[] = { "--commands", NULL };
	const char *pins[] = { "price AAPL 210.00 210.02", "price MSFT 400.00 400.04", "price NVDA 120.00 120.02",
			       NULL };
	/* the SDK's view: the trader logs what ib_strategy_position_pnl / ib_strategy_pnl say */
	const struct tu_opts o = { .args = args, .strategy = "trader", .script = "PNL " ACCT " 265598; PNL " ACCT,
				   .sim_args = sim_args, .sim_control = pins, .redis = TU_REDIS_PRIVATE };

	return tu_stack_start(e, &o);
}

/* The number after "key": in json (from `from`), NAN when absent or null. */
static double
num(const char *json, const char *key)
{
	char pat[48];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (json == NULL || (p = strstr(json, pat)) == NULL || strncmp(p + strlen(pat), "null", 4) == 0)
		return NAN;
	return atof(p + strlen(pat));
}

static bool
near(double a, double b)
{
	return fabs(a - b) < 0.005;
}

/* ibsim's P&L of the account: "{daily, unrealized, realized, positions: [...]}" */
static bool
sim_pnl(const struct tu_stack *e, char *out, size_t cap)
{
	return tu_control(e->sim.ctl, "pnl " ACCT, out, cap) == 0 && strncmp(out, "ok pnl {", 8) == 0;
}

/* P:pnl:{A} holds ibsim's account numbers. */
static bool
account_matches(redisContext *c, const struct tu_stack *e)
{
	char sim[4096], d[64], u[64], r[64];
	const char *k = tu_key(e, "pnl:{" ACCT "}");

	if (!sim_pnl(e, sim, sizeof(sim)))
		return false;
	tu_rhget(c, k, "daily", d, sizeof(d));
	tu_rhget(c, k, "unrealized", u, sizeof(u));
	tu_rhget(c, k, "realized", r, sizeof(r));
	return d[0] && near(atof(d), num(sim, "daily")) && near(atof(u), num(sim, "unrealized")) &&
	       near(atof(r), num(sim, "realized"));
}

/* P:positions:{A}'s record of con_id carries ibsim's pnlSingle numbers (realized: unset, so null). */
static bool
position_matches(redisContext *c, const struct tu_stack *e, int con_id, char *json, size_t cap)
{
	char sim[4096], field[24], pat[32];
	const char *mine, *pnl;

	if (!sim_pnl(e, sim, sizeof(sim)))
		return false;
	snprintf(pat, sizeof(pat), "\"conId\":%d,", con_id);
	snprintf(field, sizeof(field), "%d", con_id);
	if ((mine = strstr(sim, pat)) == NULL || (pnl = strstr(tu_rhget(c, tu_key(e, "positions:{" ACCT "}"), field, json, cap), "\"pnl\":{")) == NULL)
		return false;
	return near(num(pnl, "unrealized"), num(mine, "unrealized")) && near(num(pnl, "value"), num(mine, "value")) &&
	       near(num(pnl, "daily"), num(mine, "unrealized")) && strstr(pnl, "\"realized\":null") != NULL;
}

static int
place(redisContext *c, const struct tu_stack *e, const char *id, const char *action)
{
	redisReply *r = redisCommand(c, "XADD %s * cmd place cmd_id %s symbol NVDA action %s qty 10 type MKT",
				     tu_key(e, "stream:commands"), id, action);
	int ok = r && r->type == REDIS_REPLY_STRING ? 0 : -1;

	if (r)
		freeReplyObject(r);
	return ok;
}

static int
filled_orders(redisContext *c, const struct tu_stack *e)
{
	redisReply *r = redisCommand(c, "XRANGE %s - +", tu_key(e, "stream:orders"));
	int n = 0;

	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *f = r->element[i]->element[1];
		for (size_t k = 0; k + 1 < f->elements; k += 2)
			n += strcmp(f->element[k]->str, "status") == 0 && strcmp(f->element[k + 1]->str, "Filled") == 0;
	}
	if (r)
		freeReplyObject(r);
	return n;
}

static void
test_pnl_matches_ibsim(void)
{
	struct tu_stack e;
	char json[1024] = "";

	CU_ASSERT_EQUAL_FATAL(start(&e), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(c, tu_key(&e, "sync"), "ready", WAIT_MS), 0);
	/* the account, and the positions it starts with (AAPL 265598, MSFT 272093) */
	CU_ASSERT(TU_UNTIL(account_matches(c, &e), WAIT_MS));
	CU_ASSERT(TU_UNTIL(position_matches(c, &e, 265598, json, sizeof(json)), WAIT_MS));
	CU_ASSERT(json_valid(json, strlen(json)));
	CU_ASSERT(strstr(json, "inf") == NULL && strstr(json, "1.79") == NULL);
	/* the SDK has the same numbers, realized unset (NAN) */
	char line[512], want[160], sim[4096];
	CU_ASSERT_EQUAL(tu_wait_for_text(e.ib.log, "trader: pnl " ACCT " 0:", WAIT_MS), 0);
	CU_ASSERT(sim_pnl(&e, sim, sizeof(sim)));
	const char *aapl = strstr(sim, "\"conId\":265598,");
	CU_ASSERT_EQUAL_FATAL(tu_last_line(e.ib.log, "trader: pnl " ACCT " 265598:", line, sizeof(line)), 0);
	snprintf(want, sizeof(want), "unrealized %.2f realized nan value %.2f", num(aapl, "unrealized"), num(aapl, "value"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, want));
	CU_ASSERT(TU_UNTIL(position_matches(c, &e, 272093, json, sizeof(json)), WAIT_MS));
	CU_ASSERT(json_valid(json, strlen(json)));
	/* a position opens: it is subscribed, and its numbers arrive */
	CU_ASSERT_EQUAL(place(c, &e, "nvda-buy", "BUY"), 0);
	CU_ASSERT(TU_UNTIL(filled_orders(c, &e) == 1, WAIT_MS));
	CU_ASSERT(TU_UNTIL(position_matches(c, &e, NVDA_CONID, json, sizeof(json)), WAIT_MS));
	CU_ASSERT(json_valid(json, strlen(json)));
	CU_ASSERT(TU_UNTIL(account_matches(c, &e), WAIT_MS));
	/* it closes: the subscription goes, and the round trip (spread, commissions) is realized */
	CU_ASSERT_EQUAL(place(c, &e, "nvda-sell", "SELL"), 0);
	CU_ASSERT(TU_UNTIL(filled_orders(c, &e) == 2, WAIT_MS));
	CU_ASSERT_EQUAL(tu_wait_for_text(e.ib.log, "position " ACCT " 4815747 closed: its P&L subscription cancelled", WAIT_MS), 0);
	CU_ASSERT(TU_UNTIL(account_matches(c, &e), WAIT_MS));
	CU_ASSERT(sim_pnl(&e, sim, sizeof(sim)));
	CU_ASSERT(num(sim, "realized") < -0.2); /* 10 x (120.00 - 120.02), and commissions */
	redisFree(c);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

/*
 * A hundred accounts' P&L (300 requests) trickles out at IB_PNL_REQ_PER_S:
 * an order placed just after the gate opened reaches ibsim and fills long
 * before the last account is subscribed (queued behind them all, at IB's
 * 50 messages a second, it would wait 6 s and come after them).
 */
static void
test_pnl_requests_leave_room_for_orders(void)
{
	struct tu_stack e;
	const char *sim_args[] = { "--account-count", "100", "--pnl-ms", "100", NULL };
	const struct tu_opts o = { .sim_args = sim_args, .strategy = "trader", .script = "WAIT 300; BUY AAPL 1 MKT",
				   .redis = TU_REDIS_PRIVATE };

	CU_ASSERT_EQUAL_FATAL(tu_stack_start(&e, &o), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&e.ib, 0), "\"status\":\"Filled\"", WAIT_MS), 0);
	/* what ibsim had received by then: the session's requests (100 reqAccountUpdates among them)
	   and a few P&L requests, not the 300 */
	char out[4096];
	CU_ASSERT_EQUAL(tu_control(e.sim.ctl, "stats", out, sizeof(out)), 0);
	const char *m = strstr(out, "\"msgs_in\":");
	long msgs_in = m ? atol(m + 10) : -1;
	printf(" [msgs_in %ld]", msgs_in);
	CU_ASSERT(msgs_in > 100 && msgs_in < 250);
	CU_ASSERT_EQUAL(tu_rint(c, "EXISTS %s", tu_key(&e, "pnl:{DU0000100}")), 0);
	/* and they do flow: the first account's numbers arrive */
	CU_ASSERT(TU_UNTIL(tu_rint(c, "EXISTS %s", tu_key(&e, "pnl:{DU0000001}")) == 1, WAIT_MS));
	redisFree(c);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

void
test_pnl_register(void)
{
	CU_pSuite s = CU_add_suite("pnl", NULL, NULL);
	CU_add_test(s, "P&L in Redis matches ibsim's, as positions open and close", test_pnl_matches_ibsim);
	CU_add_test(s, "P&L requests trickle: an order at the gate is not queued behind them", test_pnl_requests_leave_room_for_orders);
}
