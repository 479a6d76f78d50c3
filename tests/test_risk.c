/*
 * test_risk.c - each limit refuses what it must and passes what it may.
 */
#include <CUnit/CUnit.h>
#include <string.h>

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
	CU_add_test(s, "malformed and unpriced orders", test_malformed_and_unpriced);
	CU_add_test(s, "every refusal code has a name and a counter", test_every_code_has_a_name_and_a_counter);
}
