/*
 * test_risk.c - each limit refuses what it must and passes what it may.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "core/place.h"
#include "core/risk.h"
#include "util/str.h"

static ib_order
order(const char *action, double qty, const char *type, double lmt)
{
	ib_order o;
	ib_order_init(&o);
	ib_strlcpy(o.action, action, sizeof(o.action));
	ib_strlcpy(o.order_type, type, sizeof(o.order_type));
	o.total_qty = qty;
	if (strcmp(type, "LMT") == 0)
		o.lmt_price = lmt;
	if (strcmp(type, "STP") == 0)
		o.aux_price = lmt;
	return o;
}

static void
test_limits(void)
{
	ib_risk_limits lim = { .max_order_qty = 100, .max_position = 300, .max_notional = 20000,
			       .max_open_orders = 3, .max_orders_per_s = 5, .price_collar_pct = 1.0 };
	ib_risk_inputs in = { .gate_open = true, .position = 250, .bid = 99.9, .ask = 100.1 };
	char why[160];
	ib_order o;

	o = order("BUY", 50, "LMT", 100);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	o = order("BUY", 101, "LMT", 100);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_QTY);
	CU_ASSERT(strstr(why, "max_order_qty") != NULL);
	o = order("BUY", 51, "LMT", 100); /* 250 + 51 > 300 */
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_POSITION);
	o = order("SELL", 100, "LMT", 100); /* reduces: fine */
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	in.position = 0;
	o = order("BUY", 100, "LMT", 200.5);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_NOTIONAL);
	o = order("BUY", 100, "MKT", 0); /* priced at mid: 10000 */
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	o = order("BUY", 10, "LMT", 102); /* 1.9% from mid */
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_COLLAR);
	o = order("BUY", 10, "LMT", 100.9); /* 0.8% */
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	in.open_orders = 3;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OPEN_ORDERS);
	in.open_orders = 0;
	in.orders_last_s = 5;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_RATE);
	in.orders_last_s = 4;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	in.halted = true;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_HALTED);
	in.halted = false;
	in.gate_open = false;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_GATE_CLOSED);
}

/*
 * The order table's bound holds with max_open_orders off or above it: a new order past it would
 * not be followed.  A modify keeps its place, so it passes, and so does a bracket that fits.
 */
static void
test_order_table_bound(void)
{
	ib_risk_limits lim = { .max_open_orders = 0 };
	ib_risk_inputs in = { .gate_open = true, .bid = 99.9, .ask = 100.1, .open_orders = IB_ORDER_TABLE_CAP - 1 };
	ib_order o = order("BUY", 10, "LMT", 100), tp = order("SELL", 10, "LMT", 101);
	const ib_order *legs[] = { &o, &tp };
	char why[160];

	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	CU_ASSERT_EQUAL(ib_risk_check_group(&lim, legs, 2, false, &in, why, sizeof(why)), IB_RISK_OPEN_ORDERS);
	CU_ASSERT(strstr(why, "leg 2") != NULL && strstr(why, "follows at most 8192") != NULL);
	in.open_orders = IB_ORDER_TABLE_CAP;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OPEN_ORDERS);
	CU_ASSERT_STRING_EQUAL(why, "8192 open orders: ibpipe follows at most 8192 at once");
	lim.max_open_orders = 100000;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OPEN_ORDERS);
	in.modify = true;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
}

static void
test_malformed_and_unpriced(void)
{
	ib_risk_limits lim = { .price_collar_pct = 1.0 };
	ib_risk_inputs in = { .gate_open = true };
	char why[160];
	ib_order o;

	o = order("HOLD", 1, "MKT", 0);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_BAD_ORDER);
	o = order("BUY", 0, "MKT", 0);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_BAD_ORDER);
	o = order("BUY", 1, "LMT", 0);
	o.lmt_price = 0;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_BAD_ORDER);
	o = order("BUY", 1, "LMT", 10); /* no quote: collar cannot be checked, so refuse */
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_COLLAR);
	lim.price_collar_pct = 0;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK); /* all limits off */
	o = order("SELL", 5, "STP", 9.5);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);

	/* the other types the encoder sends, each with the prices it needs */
	o = order("BUY", 1, "MOC", 0);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	o = order("BUY", 1, "LOC", 0);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_BAD_ORDER);
	o.lmt_price = 10;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	o = order("SELL", 1, "STP LMT", 0);
	o.aux_price = 9.5;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_BAD_ORDER); /* no limit */
	o.lmt_price = 9.4;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	o = order("SELL", 1, "TRAIL", 0);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_BAD_ORDER); /* neither */
	o.aux_price = 0.5;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	o.trailing_percent = 1;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_BAD_ORDER); /* both */
	o.aux_price = IB_UNSET_DOUBLE;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
	o = order("BUY", 1, "PEG MID", 0);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_BAD_ORDER);
	/* max_notional prices a stop-limit at its limit, a trailing stop at the market */
	lim.max_notional = 100;
	o = order("SELL", 10, "STP LMT", 0);
	o.aux_price = 9.5, o.lmt_price = 11;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_NOTIONAL);
	o = order("SELL", 10, "TRAIL", 0);
	o.aux_price = 0.5;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_NOTIONAL); /* no quote */
	in.bid = 9.8, in.ask = 10.0;
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_OK);
}

static int
check(const ib_risk_limits *lim, const ib_order *o, const ib_risk_inputs *in)
{
	char why[200];
	return ib_risk_check(lim, o, in, why, sizeof(why));
}

/* Every order type and time in force: what each needs, refused as malformed without it. */
static void
test_order_types(void)
{
	ib_risk_limits lim = { 0 };
	ib_risk_inputs in = { .gate_open = true, .bid = 99.9, .ask = 100.1 };
	ib_order o;

	o = order("BUY", 1, "STP LMT", 0);
	o.lmt_price = 101;
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_BAD_ORDER); /* no stop */
	o.aux_price = 100.5;
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
	o = order("SELL", 1, "TRAIL", 0);
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_BAD_ORDER); /* neither amount nor percent */
	o.aux_price = 0.5;
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
	o.trailing_percent = 1;
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_BAD_ORDER); /* both */
	o.aux_price = IB_UNSET_DOUBLE;
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
	o = order("BUY", 1, "MOC", 0);
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
	o = order("BUY", 1, "LOC", 0);
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_BAD_ORDER); /* no limit */
	o.lmt_price = 100;
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
	o = order("BUY", 1, "PEG", 0);
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_BAD_ORDER);
	static const char *const tifs[] = { "DAY", "GTC", "IOC", "FOK", "OPG" };
	for (size_t i = 0; i < sizeof(tifs) / sizeof(tifs[0]); i++) {
		o = order("BUY", 1, "LMT", 100);
		ib_strlcpy(o.tif, tifs[i], sizeof(o.tif));
		CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
	}
	ib_strlcpy(o.tif, "GTD", sizeof(o.tif));
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_BAD_ORDER); /* no date */
	ib_strlcpy(o.good_till_date, "20261231 16:00:00", sizeof(o.good_till_date));
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
	ib_strlcpy(o.tif, "WEEK", sizeof(o.tif));
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_BAD_ORDER);
	o = order("SELL", 1, "STP", 99);
	ib_strlcpy(o.tif, "OPG", sizeof(o.tif));
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_BAD_ORDER); /* OPG is for MKT / LMT */
	/* Adaptive: MKT or LMT, with a priority IB knows */
	static const char *const prio[] = { "Patient", "Normal", "Urgent", "Fast" };
	for (size_t i = 0; i < 4; i++) {
		o = order("BUY", 1, "MKT", 0);
		ib_strlcpy(o.algo_strategy, "Adaptive", sizeof(o.algo_strategy));
		o.algo_param_count = 1;
		ib_strlcpy(o.algo_params[0].tag, "adaptivePriority", sizeof(o.algo_params[0].tag));
		ib_strlcpy(o.algo_params[0].value, prio[i], sizeof(o.algo_params[0].value));
		CU_ASSERT_EQUAL(check(&lim, &o, &in), i < 3 ? IB_RISK_OK : IB_RISK_BAD_ORDER);
	}
	ib_strlcpy(o.algo_params[0].value, "Urgent", sizeof(o.algo_params[0].value));
	ib_strlcpy(o.order_type, "STP", sizeof(o.order_type));
	o.aux_price = 99;
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_BAD_ORDER);
}

/* Notional x multiplier, FX in the base currency, the collar in ticks, the terms from the contract. */
static void
test_contract_terms(void)
{
	ib_risk_limits lim = { .max_notional = 250000 };
	ib_risk_inputs in = { .gate_open = true, .bid = 4999.75, .ask = 5000.25 };
	ib_contract c;
	ib_order o;
	char why[200];

	/* ES: 2 x 5000 = 10000 as a stock, 500000 with its multiplier of 50 */
	o = order("BUY", 2, "LMT", 5000);
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
	memset(&c, 0, sizeof(c));
	ib_strlcpy(c.symbol, "ES", sizeof(c.symbol));
	ib_strlcpy(c.sec_type, "FUT", sizeof(c.sec_type));
	ib_strlcpy(c.multiplier, "50", sizeof(c.multiplier));
	ib_contract_terms_of(NULL, &c, &in.terms);
	CU_ASSERT_DOUBLE_EQUAL(in.terms.multiplier, 50, 0);
	CU_ASSERT_DOUBLE_EQUAL(in.terms.min_tick, 0, 0); /* a future's is not known from its spec */
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_NOTIONAL);
	CU_ASSERT(strstr(why, "multiplier 50") != NULL);
	o.total_qty = 1; /* 250000: on the limit */
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
	/* a malformed multiplier counts as none, never as 0 (which would pass everything) */
	ib_strlcpy(c.multiplier, "5O", sizeof(c.multiplier));
	ib_contract_terms_of(NULL, &c, &in.terms);
	CU_ASSERT_DOUBLE_EQUAL(in.terms.multiplier, 1, 0);

	/* the collar in ticks: ES ticks 0.25; mid 5000 */
	lim = (ib_risk_limits){ .price_collar_ticks = 4 };
	in.terms = (ib_contract_terms){ .multiplier = 50, .min_tick = 0.25 };
	o = order("BUY", 1, "LMT", 5001); /* 4 ticks */
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
	o = order("BUY", 1, "LMT", 5001.25); /* 5 ticks */
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_COLLAR);
	CU_ASSERT(strstr(why, "5.0 ticks") != NULL);
	o = order("SELL", 1, "STP LMT", 0); /* the limit of a stop limit: 5 ticks */
	o.lmt_price = 4998.75;
	o.aux_price = 4999;
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_COLLAR);
	in.terms.min_tick = 0; /* unknown: refused, not waved through */
	o = order("BUY", 1, "LMT", 5000);
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_COLLAR);
	/* a US stock's tick is IB's 0.01 */
	ib_contract_stock(&c, "AAPL");
	ib_contract_terms_of(NULL, &c, &in.terms);
	CU_ASSERT_DOUBLE_EQUAL(in.terms.min_tick, 0.01, 0);

	/* FX: EUR.USD 20000 is 20000 EUR of notional, whatever the rate */
	lim = (ib_risk_limits){ .max_notional = 15000 };
	memset(&c, 0, sizeof(c));
	ib_strlcpy(c.symbol, "EUR", sizeof(c.symbol));
	ib_strlcpy(c.sec_type, "CASH", sizeof(c.sec_type));
	ib_strlcpy(c.currency, "USD", sizeof(c.currency));
	ib_contract_terms_of(NULL, &c, &in.terms);
	CU_ASSERT(in.terms.fx);
	in.bid = 1.0799, in.ask = 1.0801;
	o = order("BUY", 20000, "MKT", 0);
	CU_ASSERT_EQUAL(ib_risk_check(&lim, &o, &in, why, sizeof(why)), IB_RISK_NOTIONAL);
	CU_ASSERT(strstr(why, "base currency") != NULL);
	o.total_qty = 14000; /* 15120 USD, but 14000 EUR: inside */
	CU_ASSERT_EQUAL(check(&lim, &o, &in), IB_RISK_OK);
}

/* A bracket is checked whole: any leg refused, none passes; children counted after the parent. */
static void
test_bracket_whole(void)
{
	ib_risk_limits lim = { .max_position = 100, .max_open_orders = 5 };
	ib_risk_inputs in = { .gate_open = true, .position = -60, .bid = 99.9, .ask = 100.1 };
	ib_order parent = order("BUY", 100, "LMT", 100), tp = order("SELL", 100, "LMT", 101),
		 sl = order("SELL", 100, "STP", 99);
	const ib_order *legs[3] = { &parent, &tp, &sl };
	char why[200];

	/* the children sell from +40 (after the parent), not from -60: -60 each, inside 100 */
	CU_ASSERT_EQUAL(ib_risk_check_group(&lim, legs, 3, true, &in, why, sizeof(why)), IB_RISK_OK);
	/* the same three as a plain group: the sells from -60 would make -160 */
	CU_ASSERT_EQUAL(ib_risk_check_group(&lim, legs, 3, false, &in, why, sizeof(why)), IB_RISK_POSITION);
	CU_ASSERT(strncmp(why, "leg 2", 5) == 0);
	/* room for two more live orders: the third leg is refused, so nothing goes */
	in.open_orders = 3;
	CU_ASSERT_EQUAL(ib_risk_check_group(&lim, legs, 3, true, &in, why, sizeof(why)), IB_RISK_OPEN_ORDERS);
	CU_ASSERT(strncmp(why, "leg 3 (SELL STP)", 16) == 0);
	in.open_orders = 0;
	sl.aux_price = IB_UNSET_DOUBLE; /* a stop-loss without its stop */
	CU_ASSERT_EQUAL(ib_risk_check_group(&lim, legs, 3, true, &in, why, sizeof(why)), IB_RISK_BAD_ORDER);
	CU_ASSERT(strncmp(why, "leg 3", 5) == 0);
}

/* The refusal codes, their count and their names agree: a counter and a name for every code. */
static void
test_every_code_has_a_name_and_a_counter(void)
{
	for (int i = 0; i < IB_RISK_NCODES; i++) {
		int code = IB_RISK_HALTED - i;
		CU_ASSERT_EQUAL(IB_RISK_INDEX(code), i);
		CU_ASSERT_STRING_NOT_EQUAL(ib_risk_name(code), "unknown");
		for (int j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(ib_risk_name(IB_RISK_HALTED - j), ib_risk_name(code));
	}
	CU_ASSERT_EQUAL(IB_RISK_INDEX(IB_RISK_GATE_CLOSED), IB_RISK_NCODES - 1);
	CU_ASSERT_STRING_EQUAL(ib_risk_name(IB_RISK_HALTED - IB_RISK_NCODES), "unknown");
}

void
test_risk_register(void)
{
	CU_pSuite s = CU_add_suite("risk", NULL, NULL);
	CU_add_test(s, "every limit refuses and passes at its boundary", test_limits);
	CU_add_test(s, "past the order table's 8192, new orders are refused whatever max_open_orders says",
		    test_order_table_bound);
	CU_add_test(s, "malformed and unpriced orders", test_malformed_and_unpriced);
	CU_add_test(s, "every refusal code has a name and a counter", test_every_code_has_a_name_and_a_counter);
	CU_add_test(s, "order types and times in force: what each needs", test_order_types);
	CU_add_test(s, "contract terms: multiplier, FX base currency, collar in ticks", test_contract_terms);
	CU_add_test(s, "a bracket is checked as a whole", test_bracket_whole);
}
