/*
 * test_greeks.c - option computations end to end: ibsim sends
 * tickOptionComputation for its SPY options (a Black-Scholes model on
 * SPY's price, docs/ibsim.md), ibpipe decodes them, the market-data thread
 * keeps the latest per option, P:quote:<key> carries iv, delta, gamma,
 * vega, theta, und_price and opt_price, and the SDK's
 * ib_strategy_option_greeks returns the same (the trader logs it: GREEKS).
 * SPY's price is pinned, so the model's volatility is known exactly:
 * 0.20 + 0.10 * |ln(K/S)|.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "util/expiry.h"

#define WAIT_MS 15000
#define SPY_MID 542.01 /* pinned below: bid 542.00, ask 542.02 */

static int
start(struct tu_stack *e, const char *symbols, const char *script)
{
	const char *sim_args[] = { "--tick-rate", "2000", NULL };
	const char *pin[] = { "price SPY 542.00 542.02", NULL };
	const struct tu_opts o = { .strategy = "trader", .script = script, .symbols = symbols, .sim_args = sim_args,
				   .sim_control = pin, .redis = TU_REDIS_PRIVATE };

	return tu_stack_start(e, &o);
}

/* A field of P:quote:<key> as a number; NAN when absent or empty (not computed). */
static double
qnum(redisContext *c, const struct tu_stack *e, const char *opt_key, const char *field)
{
	char k[128], v[64];

	snprintf(k, sizeof(k), "quote:%s", opt_key);
	if (tu_rhget(c, tu_key(e, k), field, v, sizeof(v)) == NULL || v[0] == '\0')
		return NAN;
	return strtod(v, NULL);
}

/* "name 1.25 " in line: the number after name, NAN when absent. */
static double
after(const char *line, const char *name)
{
	const char *p = strstr(line, name);

	return p ? strtod(p + strlen(name), NULL) : NAN;
}

static void
test_option_greeks_in_redis_and_sdk(void)
{
	struct tu_stack e;
	char ymd[12], call[64], put[64], syms[160], want[128], line[512];

	ib_expiry_nth(time(NULL), 1, 1, ymd, sizeof(ymd), NULL, 0); /* ibsim's chain: the third Friday a month on */
	snprintf(call, sizeof(call), "OPT:SPY@SMART:%s:540:C", ymd);
	snprintf(put, sizeof(put), "OPT:SPY@SMART:%s:540:P", ymd);
	snprintf(syms, sizeof(syms), "AAPL,%s,%s", call, put);
	CU_ASSERT_EQUAL_FATAL(start(&e, syms, "GREEKS OPT:SPY"), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(c, tu_key(&e, "sync"), "ready", WAIT_MS), 0);

	/* Redis: the call's model; the smile's volatility at the pinned price, exactly */
	double iv_want = 0.20 + 0.10 * fabs(log(540 / SPY_MID));
	CU_ASSERT(TU_UNTIL(!isnan(qnum(c, &e, call, "delta")), WAIT_MS));
	double iv = qnum(c, &e, call, "iv"), delta = qnum(c, &e, call, "delta");
	CU_ASSERT(delta > 0 && delta < 1);
	CU_ASSERT(fabs(iv - iv_want) < 1e-6);
	CU_ASSERT(fabs(qnum(c, &e, call, "und_price") - SPY_MID) < 1e-9);
	CU_ASSERT(qnum(c, &e, call, "opt_price") > SPY_MID - 540); /* above intrinsic */
	CU_ASSERT(qnum(c, &e, call, "gamma") > 0 && qnum(c, &e, call, "vega") > 0 && qnum(c, &e, call, "theta") < 0);
	/* the put: delta in (-1, 0); put-call parity without rates: C - P = S - K */
	CU_ASSERT(TU_UNTIL(!isnan(qnum(c, &e, put, "delta")), WAIT_MS));
	CU_ASSERT(qnum(c, &e, put, "delta") > -1 && qnum(c, &e, put, "delta") < 0);
	CU_ASSERT(fabs(qnum(c, &e, put, "delta") - (delta - 1)) < 1e-6);
	CU_ASSERT(fabs(qnum(c, &e, call, "opt_price") - qnum(c, &e, put, "opt_price") - (SPY_MID - 540)) < 1e-4);
	/* a stock's quote has none of them */
	CU_ASSERT(TU_UNTIL(!isnan(qnum(c, &e, "AAPL", "bid")), WAIT_MS));
	CU_ASSERT(isnan(qnum(c, &e, "AAPL", "iv")) && isnan(qnum(c, &e, "AAPL", "delta")));

	/* the SDK: the same model (time to expiry moves by seconds: delta to 1e-4) */
	snprintf(want, sizeof(want), "trader: greeks %s: iv ", call);
	CU_ASSERT_EQUAL(tu_wait_for_text(e.ib.log, want, WAIT_MS), 0);
	CU_ASSERT_EQUAL_FATAL(tu_last_line(e.ib.log, want, line, sizeof(line)), 0);
	CU_ASSERT(fabs(after(line, " iv ") - iv_want) < 1e-6);
	CU_ASSERT(fabs(after(line, " delta ") - delta) < 1e-4);
	CU_ASSERT(fabs(after(line, " und ") - SPY_MID) < 1e-9);
	redisFree(c);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

void
test_greeks_register(void)
{
	CU_pSuite s = CU_add_suite("greeks", NULL, NULL);
	CU_add_test(s, "option computations: ibsim -> P:quote iv/delta/greeks and ib_strategy_option_greeks",
		    test_option_greeks_in_redis_and_sdk);
}
