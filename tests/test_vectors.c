/*
 * test_vectors.c - every frame of every file under tests/vectors
 * decodes, at the server version its file states (173 when not stated),
 * and the fields carry the values the line spells.
 *
 * The directory is listed, not named file by file: a new vector file is
 * covered the day it appears (it must decode, be exact, and print as
 * JSON) even before anyone writes value checks for it.  "Exact": unless a
 * `# lenient:` comment precedes it, a frame's last field is required, so
 * dropping it must fail -- the decoder read the whole frame, not a prefix.
 * Each frame is decoded from a heap copy of exactly its length, so the
 * sanitizer builds catch any read past it.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/msg.h"
#include "testutil.h"

#define DEFAULT_SV 173 /* the recorded sessions' server version */

typedef void (*check_fn)(const ib_msg *m, int line);

static bool
eq(ib_str s, const char *c)
{
	return ib_str_eq(s, c);
}

#define STR_EQ(s, c) CU_ASSERT(eq((s), (c)))

/* ---- per-file value checks; `line` counts frames in the file from 0 ---- */

static void
chk_tick_price(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->id, IB_IN_TICK_PRICE);
	CU_ASSERT_EQUAL(m->u.tick_price.req_id, 9001);
	CU_ASSERT_EQUAL(m->u.tick_price.tick_type, IB_TICK_BID);
	CU_ASSERT_EQUAL(m->u.tick_price.price, 185.50);
	CU_ASSERT_EQUAL(m->u.tick_price.size, 100);
	CU_ASSERT_EQUAL(m->u.tick_price.attr_mask, 7);
}

static void
chk_tick_size(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->id, IB_IN_TICK_SIZE);
	CU_ASSERT_EQUAL(m->u.tick_size.req_id, 9001);
	CU_ASSERT_EQUAL(m->u.tick_size.tick_type, IB_TICK_BID_SIZE);
	CU_ASSERT_EQUAL(m->u.tick_size.size, 150);
}

static void
chk_tick_string(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->id, IB_IN_TICK_STRING);
	CU_ASSERT_EQUAL(m->u.tick_string.req_id, 9001);
	CU_ASSERT_EQUAL(m->u.tick_string.tick_type, IB_TICK_LAST_TIMESTAMP);
	STR_EQ(m->u.tick_string.value, "2023-03-13 09:30:00");
}

static void
chk_tick_option(const ib_msg *m, int line)
{
	const ib_tick_option *o = &m->u.tick_option;

	CU_ASSERT_EQUAL(m->id, IB_IN_TICK_OPTION_COMPUTATION);
	CU_ASSERT_EQUAL(o->req_id, 9000);
	CU_ASSERT_EQUAL(o->tick_type, 13);
	CU_ASSERT_EQUAL(o->tick_attrib, line == 0 ? 1 : 0);
	CU_ASSERT_EQUAL(o->implied_vol, line == 0 ? 0.3 : 0.25);
	CU_ASSERT_EQUAL(o->delta, line == 0 ? 0.65 : 0.5);
	CU_ASSERT_EQUAL(o->opt_price, line == 0 ? 5.75 : 12.75);
	CU_ASSERT_EQUAL(o->pv_dividend, line == 0 ? 0.5 : 0.0);
	CU_ASSERT_EQUAL(o->gamma, 0.05);
	CU_ASSERT_EQUAL(o->vega, line == 0 ? 0.15 : 0.02);
	CU_ASSERT_EQUAL(o->theta, line == 0 ? 0.01 : -0.01);
	CU_ASSERT_EQUAL(o->und_price, line == 0 ? 145.0 : 100.0);
}

static void
chk_tick_generic(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->id, IB_IN_TICK_GENERIC);
	CU_ASSERT_EQUAL(m->u.tick_generic.req_id, 9001);
	CU_ASSERT_EQUAL(m->u.tick_generic.tick_type, 23);
	CU_ASSERT_EQUAL(m->u.tick_generic.value, 20.5);
}

static void
chk_tick_by_tick(const ib_msg *m, int line)
{
	static const int64_t mid_time[] = { 1678740829, 1678740830, 1678746113 };
	static const double mid[] = { 3895.375, 3895.425, 3896.875 };
	const ib_tick_by_tick *t = &m->u.tick_by_tick;

	CU_ASSERT_EQUAL(m->id, IB_IN_TICK_BY_TICK);
	CU_ASSERT_EQUAL(t->req_id, 9001);
	switch (line) {
	case 0:
	case 1:
		CU_ASSERT_EQUAL(t->type, IB_TBT_LAST);
		CU_ASSERT_EQUAL(t->time, line == 0 ? 1678740829 : 1678740830);
		CU_ASSERT_EQUAL(t->price, line == 0 ? 3895.25 : 3895.50);
		CU_ASSERT_EQUAL(t->size, line == 0 ? 7 : 5);
		CU_ASSERT_EQUAL(t->attr_mask, line == 0 ? 2 : 0);
		STR_EQ(t->exchange, line == 0 ? "NASDAQ" : "NYSE");
		STR_EQ(t->special_conditions, "Regular");
		break;
	case 2:
		CU_ASSERT_EQUAL(t->type, IB_TBT_BID_ASK);
		CU_ASSERT_EQUAL(t->time, 1678745793);
		CU_ASSERT_EQUAL(t->bid_price, 3895.50);
		CU_ASSERT_EQUAL(t->ask_price, 3896.00);
		CU_ASSERT_EQUAL(t->bid_size, 9);
		CU_ASSERT_EQUAL(t->ask_size, 11);
		CU_ASSERT_EQUAL(t->attr_mask, 3);
		break;
	case 3:
	case 4:
	case 5:
		CU_ASSERT_EQUAL(t->type, IB_TBT_MIDPOINT);
		CU_ASSERT_EQUAL(t->time, mid_time[line - 3]);
		CU_ASSERT_EQUAL(t->mid_point, mid[line - 3]);
		break;
	}
}

static void
chk_depth(const ib_msg *m, int line)
{
	static const struct {
		int id, req, pos, op, side;
		double price, size;
		const char *mm;
	} want[] = {
		{ IB_IN_MKT_DEPTH, 9001, 0, 0, 0, 4028.75, 100, "" },
		{ IB_IN_MKT_DEPTH, 9001, 1, 1, 1, 4028.50, 200, "" },
		{ IB_IN_MKT_DEPTH, 9001, 0, 1, 1, 185.50, 100, "" },
		{ IB_IN_MKT_DEPTH, 9001, 1, 1, 0, 185.45, 200, "" },
		{ IB_IN_MKT_DEPTH_L2, 9000, 0, 0, 1, 235.84, 300, "OVERNIGHT" },
		{ IB_IN_MKT_DEPTH_L2, 9000, 1, 0, 0, 236.26, 100, "IBEOS" },
	};
	const ib_mkt_depth *d = &m->u.mkt_depth;

	if (line >= 6)
		return;
	CU_ASSERT_EQUAL(m->id, want[line].id);
	CU_ASSERT_EQUAL(d->req_id, want[line].req);
	CU_ASSERT_EQUAL(d->position, want[line].pos);
	CU_ASSERT_EQUAL(d->operation, want[line].op);
	CU_ASSERT_EQUAL(d->side, want[line].side);
	CU_ASSERT_EQUAL(d->price, want[line].price);
	CU_ASSERT_EQUAL(d->size, want[line].size);
	STR_EQ(d->market_maker, want[line].mm);
	CU_ASSERT_EQUAL(d->is_smart, m->id == IB_IN_MKT_DEPTH_L2);
}

static void
chk_order_status(const ib_msg *m, int line)
{
	static const char *st[] = { "PreSubmitted", "Filled", "Submitted", "Cancelled" };
	const ib_order_status *o = &m->u.order_status;

	if (line >= 4)
		return;
	CU_ASSERT_EQUAL(m->id, IB_IN_ORDER_STATUS);
	STR_EQ(o->status, st[line]);
	CU_ASSERT_EQUAL(o->order_id, line < 2 ? 5 : 1);
	CU_ASSERT_EQUAL(o->perm_id, line < 2 ? 600745656 : 2126726143);
	CU_ASSERT_EQUAL(o->client_id, 100);
	CU_ASSERT_EQUAL(o->parent_id, 0);
	CU_ASSERT_EQUAL(o->why_held.len, 0);
	CU_ASSERT_EQUAL(o->mkt_cap_price, 0);
	if (line == 0) {
		CU_ASSERT_EQUAL(o->filled, 0);
		CU_ASSERT_EQUAL(o->remaining, 100);
	}
	if (line == 1) {
		CU_ASSERT_EQUAL(o->filled, 100);
		CU_ASSERT_EQUAL(o->remaining, 0);
		CU_ASSERT_EQUAL(o->avg_fill_price, 201.94);
		CU_ASSERT_EQUAL(o->last_fill_price, 201.94);
	}
	if (line >= 2)
		CU_ASSERT_EQUAL(o->remaining, 1);
}

static void
chk_open_order(const ib_msg *m, int line)
{
	static const struct {
		int32_t order_id, con_id;
		const char *symbol, *sec_type, *exchange, *local, *type, *status;
		double qty, lmt, strike;
		int64_t perm_id;
	} want[] = {
		{ 5, 265598, "AAPL", "STK", "SMART", "AAPL", "MKT", "PreSubmitted", 100, 0, 0, 600745656 },
		{ 5, 265598, "AAPL", "STK", "SMART", "AAPL", "MKT", "Filled", 100, 0, 0, 600745656 },
		{ 2, 637533641, "ES", "FUT", "CME", "ESU5", "LMT", "Submitted", 1, 5800.0, 0, 2126726143 },
		{ 2, 637533642, "ES", "FOP", "CME", "ESU5C5800", "MKT", "Submitted", 1, 0, 5800, 2126726144 },
	};
	const ib_open_order *o = &m->u.open_order;

	if (line >= 4)
		return;
	CU_ASSERT_EQUAL(m->id, IB_IN_OPEN_ORDER);
	CU_ASSERT_EQUAL(o->order_id, want[line].order_id);
	CU_ASSERT_EQUAL(o->contract.con_id, want[line].con_id);
	STR_EQ(o->contract.symbol, want[line].symbol);
	STR_EQ(o->contract.sec_type, want[line].sec_type);
	STR_EQ(o->contract.exchange, want[line].exchange);
	STR_EQ(o->contract.local_symbol, want[line].local);
	STR_EQ(o->contract.currency, "USD");
	STR_EQ(o->contract.right, line == 3 ? "C" : "?");
	CU_ASSERT_EQUAL(o->contract.strike, want[line].strike);
	STR_EQ(o->action, "BUY");
	CU_ASSERT_EQUAL(o->total_qty, want[line].qty);
	STR_EQ(o->order_type, want[line].type);
	CU_ASSERT_EQUAL(o->lmt_price, want[line].lmt);
	CU_ASSERT_EQUAL(o->aux_price, 0);
	STR_EQ(o->tif, "DAY");
	STR_EQ(o->account, "DU1234567");
	CU_ASSERT_EQUAL(o->client_id, 100);
	CU_ASSERT_EQUAL(o->perm_id, want[line].perm_id);
	STR_EQ(o->status, want[line].status);
}

static void
chk_exec(const ib_msg *m, int line)
{
	const ib_exec_details *x = &m->u.exec_details;

	CU_ASSERT_EQUAL(m->id, IB_IN_EXEC_DETAILS);
	if (line == 0) {
		CU_ASSERT_EQUAL(x->req_id, -1);
		CU_ASSERT_EQUAL(x->order_id, 5);
		CU_ASSERT_EQUAL(x->contract.con_id, 265598);
		STR_EQ(x->contract.symbol, "AAPL");
		STR_EQ(x->contract.exchange, "IEX");
		STR_EQ(x->contract.trading_class, "NMS");
		STR_EQ(x->exec_id, "0000e0d5.67fe667b.01.01");
		STR_EQ(x->time, "20250415  19:38:31");
		STR_EQ(x->account, "DU1234567");
		STR_EQ(x->exchange, "IEX");
		STR_EQ(x->side, "BOT");
		CU_ASSERT_EQUAL(x->shares, 100);
		CU_ASSERT_EQUAL(x->price, 201.94);
		CU_ASSERT_EQUAL(x->perm_id, 600745656);
		CU_ASSERT_EQUAL(x->client_id, 100);
		CU_ASSERT_EQUAL(x->liquidation, 0);
		CU_ASSERT_EQUAL(x->cum_qty, 100);
		CU_ASSERT_EQUAL(x->avg_price, 201.94);
		CU_ASSERT_EQUAL(x->last_liquidity, 2);
	} else if (line == 1) {
		CU_ASSERT_EQUAL(x->req_id, 9000);
		CU_ASSERT_EQUAL(x->order_id, 1);
		CU_ASSERT_EQUAL(x->contract.con_id, 637533641);
		STR_EQ(x->contract.sec_type, "FUT");
		STR_EQ(x->contract.last_trade_date, "20250919");
		STR_EQ(x->contract.multiplier, "50");
		STR_EQ(x->contract.local_symbol, "ESU5");
		STR_EQ(x->time, "20250708 02:35:00 America/New_York");
		CU_ASSERT_EQUAL(x->shares, 1);
		CU_ASSERT_EQUAL(x->price, 5800.0);
		CU_ASSERT_EQUAL(x->perm_id, 2126726143);
		CU_ASSERT_EQUAL(x->last_liquidity, 1);
	}
}

static void
chk_error(const ib_msg *m, int line)
{
	static const struct {
		int32_t req_id, code;
		const char *text;
	} want[] = {
		{ -1, IB_ERR_FARM_OK, "Market data farm connection is OK:usfarm" },
		{ -1, IB_ERR_HMDS_INACTIVE, "HMDS data farm connection is inactive but should be available upon demand.ushmds" },
		{ -1, IB_ERR_SECDEF_OK, "Sec-def data farm connection is OK:secdefil" },
		{ 41, IB_ERR_ORDER_CANCELLED, "Order Canceled - reason:" },
		{ 9001, 321, "Error validating request:-'bW' : cause - What to show field is missing or incorrect." },
	};

	if (line >= 5)
		return;
	CU_ASSERT_EQUAL(m->id, IB_IN_ERROR);
	CU_ASSERT_EQUAL(m->u.error.req_id, want[line].req_id);
	CU_ASSERT_EQUAL(m->u.error.code, want[line].code);
	STR_EQ(m->u.error.message, want[line].text);
	CU_ASSERT_EQUAL(m->u.error.advanced_json.len, 0); /* line 4 lacks it: reads as empty */
	CU_ASSERT_EQUAL(m->u.error.error_time_ms, 0);
}

static void
chk_position(const ib_msg *m, int line)
{
	const ib_position *p = &m->u.position;

	CU_ASSERT_EQUAL(m->id, IB_IN_POSITION);
	if (line == 0) {
		STR_EQ(p->account, "ACCOUNT_ID");
		CU_ASSERT_EQUAL(p->contract.con_id, 265598);
		STR_EQ(p->contract.symbol, "AAPL");
		STR_EQ(p->contract.sec_type, "STK");
		STR_EQ(p->contract.exchange, "NASDAQ");
		STR_EQ(p->contract.currency, "USD");
		STR_EQ(p->contract.local_symbol, "AAPL");
		STR_EQ(p->contract.trading_class, "NMS");
		CU_ASSERT_EQUAL(p->position, -110);
		CU_ASSERT_EQUAL(p->avg_cost, 201.8829709);
	} else if (line == 1) {
		CU_ASSERT_EQUAL(p->contract.con_id, 637533641);
		STR_EQ(p->contract.symbol, "ES");
		STR_EQ(p->contract.last_trade_date, "20250919");
		STR_EQ(p->contract.multiplier, "50");
		STR_EQ(p->contract.exchange, "");
		CU_ASSERT_EQUAL(p->position, 1);
		CU_ASSERT_EQUAL(p->avg_cost, 315114.75);
	} else if (line == 2) {
		STR_EQ(p->account, "DU1234567");
		CU_ASSERT_EQUAL(p->contract.con_id, 76792991);
		STR_EQ(p->contract.symbol, "TSLA");
		CU_ASSERT_EQUAL(p->position, 500);
		CU_ASSERT_EQUAL(p->avg_cost, 196.77);
	}
}

static void
chk_managed(const ib_msg *m, int line)
{
	static const char *const want[3][3] = { { "DU1234567" }, { "ACCOUNT_ID" }, { "DU1234567", "DU7654321" } };
	ib_str list = m->u.managed_accts.list, a;
	int n = 0;

	CU_ASSERT_EQUAL(m->id, IB_IN_MANAGED_ACCTS);
	if (line >= 3)
		return;
	while (ib_accounts_next(&list, &a)) {
		CU_ASSERT_FATAL(n < 2);
		CU_ASSERT_PTR_NOT_NULL_FATAL(want[line][n]);
		STR_EQ(a, want[line][n]);
		n++;
	}
	CU_ASSERT_EQUAL(n, line == 2 ? 2 : 1);
}

static void
chk_next_id(const ib_msg *m, int line)
{
	CU_ASSERT_EQUAL(m->id, IB_IN_NEXT_VALID_ID);
	if (line < 2)
		CU_ASSERT_EQUAL(m->u.next_valid_id.order_id, line == 0 ? 5 : 1);
}

static void
chk_current_time(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->id, IB_IN_CURRENT_TIME);
	CU_ASSERT_EQUAL(m->u.current_time.time, 1752606307);
}

static void
chk_contract(const ib_msg *m, int line)
{
	const ib_contract_data *cd = &m->u.contract_data;

	CU_ASSERT_EQUAL(m->id, IB_IN_CONTRACT_DATA);
	if (line >= 4)
		return;
	CU_ASSERT_EQUAL(cd->req_id, line == 0 || line == 3 ? 9000 : 9001);
	STR_EQ(cd->contract.currency, "USD");
	if (line == 0) {
		STR_EQ(cd->contract.symbol, "AAPL");
		STR_EQ(cd->contract.sec_type, "STK");
		STR_EQ(cd->contract.exchange, "SMART");
		STR_EQ(cd->contract.primary_exchange, "NASDAQ");
		STR_EQ(cd->contract.trading_class, "NMS");
		STR_EQ(cd->market_name, "NMS");
		CU_ASSERT_EQUAL(cd->contract.con_id, 265598);
		CU_ASSERT_EQUAL(cd->min_tick, 0.01);
		STR_EQ(cd->long_name, "APPLE INC");
		STR_EQ(cd->time_zone_id, "US/Eastern");
		CU_ASSERT(cd->trading_hours.len > 100 && memcmp(cd->trading_hours.p, "20250324:0400-20250324:2000;", 28) == 0);
		CU_ASSERT(cd->liquid_hours.len > 100 && memcmp(cd->liquid_hours.p, "20250324:0930-20250324:1600;", 28) == 0);
		STR_EQ(cd->contract_month, "");
		CU_ASSERT_EQUAL(cd->under_con_id, 0);
		STR_EQ(cd->stock_type, "COMMON");
		CU_ASSERT_EQUAL(cd->min_size, 0.0001);
		CU_ASSERT_EQUAL(cd->size_increment, 0.0001);
		CU_ASSERT_EQUAL(cd->suggested_size_increment, 100);
		CU_ASSERT(cd->order_types.len > 100 && memcmp(cd->order_types.p, "ACTIVETIM,AD,", 13) == 0);
		CU_ASSERT(cd->valid_exchanges.len > 10 && memcmp(cd->valid_exchanges.p, "SMART,AMEX,", 11) == 0);
	} else if (line == 1 || line == 2) {
		STR_EQ(cd->contract.symbol, "TSLA");
		STR_EQ(cd->contract.exchange, line == 1 ? "SMART" : "AMEX");
		CU_ASSERT_EQUAL(cd->contract.con_id, 76792991);
		STR_EQ(cd->long_name, "TESLA INC");
	} else {
		STR_EQ(cd->contract.symbol, "ES");
		STR_EQ(cd->contract.sec_type, "FUT");
		STR_EQ(cd->contract.last_trade_date, "20250620 08:30 US/Central");
		STR_EQ(cd->contract.multiplier, "50");
		STR_EQ(cd->contract.local_symbol, "ESM5");
		CU_ASSERT_EQUAL(cd->contract.con_id, 620731015);
		CU_ASSERT_EQUAL(cd->min_tick, 0.25);
		STR_EQ(cd->long_name, "E-mini S&P 500");
		STR_EQ(cd->valid_exchanges, "CME,QBALGO");
		CU_ASSERT_EQUAL(cd->under_con_id, 11004968);
		STR_EQ(cd->contract_month, "202506");
		STR_EQ(cd->time_zone_id, "US/Central");
		CU_ASSERT(cd->trading_hours.len > 100 && memcmp(cd->trading_hours.p, "20250521:1700-20250522:1600;", 28) == 0);
		CU_ASSERT(cd->liquid_hours.len > 100 && memcmp(cd->liquid_hours.p, "20250522:0830-20250522:1600;", 28) == 0);
		STR_EQ(cd->under_symbol, "ES");
		STR_EQ(cd->under_sec_type, "IND");
		STR_EQ(cd->market_rule_ids, "67,67");
		STR_EQ(cd->real_expiration_date, "20250620");
		CU_ASSERT_EQUAL(cd->min_size, 1);
		CU_ASSERT_EQUAL(cd->size_increment, 1);
		CU_ASSERT_EQUAL(cd->suggested_size_increment, 1);
	}
}

static void
chk_req_end_9000(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT(m->id == IB_IN_ACCOUNT_SUMMARY_END || m->id == IB_IN_EXEC_DETAILS_END);
	CU_ASSERT_EQUAL(m->u.req_end.req_id, 9000);
}

static void
chk_contract_end(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->id, IB_IN_CONTRACT_DATA_END);
	CU_ASSERT_EQUAL(m->u.req_end.req_id, 9001);
}

static void
chk_summary(const ib_msg *m, int line)
{
	static const char *tags[] = { "GrossPositionValue", "NetLiquidation", "TotalCashValue" };
	static const char *values[] = { "23172.60", "246447.83", "269339.33" };
	const ib_account_summary *s = &m->u.account_summary;

	CU_ASSERT_EQUAL(m->id, IB_IN_ACCOUNT_SUMMARY);
	if (line >= 3)
		return;
	CU_ASSERT_EQUAL(s->req_id, 9000);
	STR_EQ(s->account, "ACCOUNT_ID");
	STR_EQ(s->tag, tags[line]);
	STR_EQ(s->value, values[line]);
	STR_EQ(s->currency, "USD");
}

static void
chk_update_multi(const ib_msg *m, int line)
{
	static const char *keys[] = { "CashBalance", "Currency", "StockMarketValue" };
	static const char *values[] = { "94629.71", "USD", "0.00" };
	static const char *ccy[] = { "USD", "USD", "BASE" };
	const ib_account_update_multi *u = &m->u.account_update_multi;

	if (line == 3) {
		CU_ASSERT_EQUAL(m->id, IB_IN_ACCOUNT_UPDATE_MULTI_END);
		CU_ASSERT_EQUAL(m->u.req_end.req_id, 9000);
	}
	if (line >= 3)
		return;
	CU_ASSERT_EQUAL(m->id, IB_IN_ACCOUNT_UPDATE_MULTI);
	CU_ASSERT_EQUAL(u->req_id, 9000);
	STR_EQ(u->account, "DU1234567");
	STR_EQ(u->model_code, "");
	STR_EQ(u->key, keys[line]);
	STR_EQ(u->value, values[line]);
	STR_EQ(u->currency, ccy[line]);
}

static void
chk_bar(const ib_bar *b, const char *time, double o, double h, double l, double c, double v, double wap, int32_t n)
{
	STR_EQ(b->time, time);
	CU_ASSERT_EQUAL(b->open, o);
	CU_ASSERT_EQUAL(b->high, h);
	CU_ASSERT_EQUAL(b->low, l);
	CU_ASSERT_EQUAL(b->close, c);
	CU_ASSERT_EQUAL(b->volume, v);
	CU_ASSERT_EQUAL(b->wap, wap);
	CU_ASSERT_EQUAL(b->count, n);
}

static void
chk_historical(const ib_msg *m, int line)
{
	const ib_historical_data *h = &m->u.historical_data;
	ib_bar_iter it;
	ib_bar b;
	int n = 0;

	CU_ASSERT_EQUAL(m->id, IB_IN_HISTORICAL_DATA);
	CU_ASSERT_EQUAL(h->req_id, 9000);
	ib_bars_begin(h, &it);
	if (line == 0) {
		STR_EQ(h->start, "20230413  16:31:22");
		STR_EQ(h->end, "20230415  16:31:22");
		CU_ASSERT_EQUAL(h->count, 2);
		CU_ASSERT_TRUE(ib_bars_next(&it, &b));
		chk_bar(&b, "20230413", 182.94, 186.5, 180.94, 185.9, 948837.22, 184.869, 324891);
		CU_ASSERT_TRUE(ib_bars_next(&it, &b));
		chk_bar(&b, "20230414", 183.88, 186.28, 182.01, 185.0, 810998.27, 183.9865, 277547);
		n = 2;
	} else if (line == 1 || line == 2) {
		STR_EQ(h->start, "20230315  09:30:00");
		STR_EQ(h->end, "20230315  10:30:00");
		CU_ASSERT_EQUAL(h->count, line == 1 ? 2 : 1);
		CU_ASSERT_TRUE(ib_bars_next(&it, &b));
		chk_bar(&b, "1678886400", 185.5, 186.0, 185.25, 185.75, 1000, 185.7, 100);
		if (line == 1) {
			CU_ASSERT_TRUE(ib_bars_next(&it, &b));
			chk_bar(&b, "1678890000", 185.75, 186.25, 185.5, 186.0, 1500, 185.85, 150);
		}
		n = line == 1 ? 2 : 1;
	}
	if (line <= 2) {
		CU_ASSERT_FALSE(ib_bars_next(&it, &b)); /* exactly count bars, then nothing */
		CU_ASSERT_FALSE(ib_bars_next(&it, &b));
		CU_ASSERT_EQUAL(h->count, n);
	}
}

static void
chk_historical_update(const ib_msg *m, int line)
{
	const ib_historical_update *u = &m->u.historical_update;

	CU_ASSERT_EQUAL(m->id, IB_IN_HISTORICAL_DATA_UPDATE);
	if (line > 0)
		return;
	CU_ASSERT_EQUAL(u->req_id, 9000);
	/* official order: barCount date open close high low WAP volume */
	chk_bar(&u->bar, "1678890000", 185.80, 185.60, 185.90, 186.10, 185.85, 500, -1);
}

static void
chk_realtime_bar(const ib_msg *m, int line)
{
	const ib_realtime_bar *r = &m->u.realtime_bar;

	CU_ASSERT_EQUAL(m->id, IB_IN_REAL_TIME_BAR);
	CU_ASSERT_EQUAL(r->req_id, 9001);
	if (line == 0) {
		CU_ASSERT_EQUAL(r->time, 1678323335);
		chk_bar(&r->bar, "1678323335", 4028.75, 4029.0, 4028.25, 4028.5, 2, 4026.75, 1);
	} else if (line == 1) {
		CU_ASSERT_EQUAL(r->time, 1678323340);
		chk_bar(&r->bar, "1678323340", 4028.8, 4029.1, 4028.3, 4028.55, 3, 4026.8, 2);
	}
}

static void
chk_pnl(const ib_msg *m, int line)
{
	const ib_pnl *p = &m->u.pnl;

	CU_ASSERT_EQUAL(m->id, IB_IN_PNL);
	if (line == 0) {
		CU_ASSERT_EQUAL(p->req_id, 9000);
		CU_ASSERT_EQUAL(p->daily, 0.1);
		CU_ASSERT_EQUAL(p->unrealized, 0.2);
		CU_ASSERT_EQUAL(p->realized, 0.3);
	} else if (line == 1) {
		CU_ASSERT_EQUAL(p->req_id, 123);
		CU_ASSERT_EQUAL(p->daily, 1234.56);
		CU_ASSERT_EQUAL(p->unrealized, 2345.67);
		CU_ASSERT_EQUAL(p->realized, 3456.78);
	}
}

static void
chk_pnl_single(const ib_msg *m, int line)
{
	const ib_pnl_single *p = &m->u.pnl_single;

	CU_ASSERT_EQUAL(m->id, IB_IN_PNL_SINGLE);
	if (line == 0) {
		CU_ASSERT_EQUAL(p->req_id, 9000);
		CU_ASSERT_EQUAL(p->position, 100);
		CU_ASSERT_EQUAL(p->daily, 0.1);
		CU_ASSERT_EQUAL(p->unrealized, 0.2);
		CU_ASSERT_EQUAL(p->realized, 0.3);
		CU_ASSERT_EQUAL(p->value, 0.4);
	} else if (line == 1) {
		CU_ASSERT_EQUAL(p->req_id, 123);
		CU_ASSERT_EQUAL(p->position, 100);
		CU_ASSERT_EQUAL(p->daily, 1234.56);
		CU_ASSERT_EQUAL(p->unrealized, 2345.67);
		CU_ASSERT_EQUAL(p->realized, 3456.78);
		CU_ASSERT_EQUAL(p->value, 4567.89);
	}
}

static void
chk_open_order_end(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->id, IB_IN_OPEN_ORDER_END);
}

static void
chk_position_end(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->id, IB_IN_POSITION_END);
}

static const struct {
	const char *file;
	check_fn check;
	int frames; /* frames in the file when the checks were written */
} checked[] = {
	{ "accountSummary.txt", chk_summary, 3 },
	{ "accountSummaryEnd.txt", chk_req_end_9000, 1 },
	{ "accountUpdateMulti.txt", chk_update_multi, 4 },
	{ "contractData.txt", chk_contract, 4 },
	{ "contractDataEnd.txt", chk_contract_end, 1 },
	{ "currentTime.txt", chk_current_time, 1 },
	{ "error.txt", chk_error, 5 },
	{ "execDetails.txt", chk_exec, 2 },
	{ "execDetailsEnd.txt", chk_req_end_9000, 1 },
	{ "handshake.txt", NULL, 2 }, /* checked in handshake_line() */
	{ "historicalData.txt", chk_historical, 3 },
	{ "historicalDataUpdate.txt", chk_historical_update, 1 },
	{ "managedAccounts.txt", chk_managed, 3 },
	{ "marketDepth.txt", chk_depth, 6 },
	{ "nextValidId.txt", chk_next_id, 2 },
	{ "openOrder.txt", chk_open_order, 4 },
	{ "openOrderEnd.txt", chk_open_order_end, 1 },
	{ "orderStatus.txt", chk_order_status, 4 },
	{ "pnl.txt", chk_pnl, 2 },
	{ "pnlSingle.txt", chk_pnl_single, 2 },
	{ "position.txt", chk_position, 3 },
	{ "positionEnd.txt", chk_position_end, 1 },
	{ "realtimeBar.txt", chk_realtime_bar, 2 },
	{ "tickByTick.txt", chk_tick_by_tick, 6 },
	{ "tickGeneric.txt", chk_tick_generic, 1 },
	{ "tickOptionComputation.txt", chk_tick_option, 2 },
	{ "tickPrice.txt", chk_tick_price, 1 },
	{ "tickSize.txt", chk_tick_size, 1 },
	{ "tickString.txt", chk_tick_string, 1 },
};
#define NCHECKED (sizeof(checked) / sizeof(checked[0]))

/* ---- the walk ---- */

static void
handshake_line(const char *p, size_t len, int line)
{
	static const char *times[] = { "20250415 19:38:30 British Summer Time", "20250323 22:21:01 Greenwich Mean Time" };
	int v = 0;
	ib_str t = { NULL, 0 };

	CU_ASSERT_EQUAL_FATAL(ib_handshake_reply_parse(p, len, &v, &t), IB_OK);
	CU_ASSERT_EQUAL(v, 173);
	if (line < 2)
		STR_EQ(t, times[line]);
}

/* "# server version: 173 ..." sets the version for the frames after it; "not stated" keeps the default. */
static void
comment_line(const char *line, int *sv, bool *lenient)
{
	static const char sv_tag[] = "# server version:";
	int v;

	if (strncmp(line, "# lenient:", 10) == 0)
		*lenient = true;
	if (strncmp(line, sv_tag, sizeof(sv_tag) - 1) == 0 && sscanf(line + sizeof(sv_tag) - 1, "%d", &v) == 1)
		*sv = v;
}

/* An exact-size heap copy, so a read past the frame is a sanitizer error. */
static char *
exact_copy(const char *p, size_t len)
{
	char *copy = malloc(len ? len : 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, p, len);
	return copy;
}

/* The last field is required unless it is errMsg's optional JSON (166..193). */
static bool
last_field_optional(int32_t id, int sv)
{
	return id == IB_IN_ERROR && sv >= IB_SV_ADVANCED_ORDER_REJECT && sv < IB_SV_ERROR_TIME;
}

static void
frame_line(const char *name, const char *line, size_t len, int sv, bool lenient, check_fn check, int index, int *bad)
{
	ib_msg m;
	ib_decode_err de;
	char json[8192];
	char *p = exact_copy(line, len); /* the message's views point into it: free after the checks */
	int rc = ib_msg_decode(p, len, sv, &m, &de);

	if (rc != IB_OK) {
		fprintf(stderr, "\n  %s frame %d (server %d): %s\n", name, index, sv, de.errstr);
		(*bad)++;
		free(p);
		return;
	}
	if (check)
		check(&m, index);

	int n = ib_msg_to_json(&m, json, sizeof(json));
	CU_ASSERT(n > 0);
	if (n > 0) {
		char head[64];
		snprintf(head, sizeof(head), "{\"id\":%d,\"name\":\"%s\"", m.id, ib_msg_name(m.id));
		CU_ASSERT(strncmp(json, head, strlen(head)) == 0);
		CU_ASSERT_EQUAL(json[n - 1], '}');
	}

	if (!lenient) {
		/* exact: without its last field the frame must not decode */
		int32_t id = m.id;
		size_t cut = len - 1;
		while (cut > 0 && p[cut - 1] != '\0')
			cut--;
		char *q = exact_copy(p, cut);
		int rc2 = ib_msg_decode(q, cut, sv, &m, &de);
		if (last_field_optional(id, sv)) {
			CU_ASSERT_EQUAL(rc2, IB_OK);
		} else if (rc2 == IB_OK) {
			fprintf(stderr, "\n  %s frame %d: still decodes without its last field\n", name, index);
			(*bad)++;
		} else {
			CU_ASSERT_EQUAL(rc2, IB_EFIELD);
		}
		free(q);
	}
	free(p);
}

/* Returns the number of frames in the file; *bad counts frames that failed. */
static int
walk_file(const char *name, check_fn check, int *bad)
{
	char path[512];
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int frames = 0, sv = DEFAULT_SV;
	bool lenient = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", TU_VECTORS, name);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while ((n = getline(&line, &cap, f)) > 0) { /* getline: lines of any length */
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (line[0] == '#') {
			comment_line(line, &sv, &lenient);
			continue;
		}
		for (ssize_t i = 0; i < n; i++)
			if (line[i] == '|')
				line[i] = '\0';
		if (strcmp(name, "handshake.txt") == 0)
			handshake_line(line, (size_t)n, frames);
		else
			frame_line(name, line, (size_t)n, sv, lenient, check, frames, bad);
		lenient = false;
		frames++;
	}
	free(line);
	fclose(f);
	return frames;
}

static void
test_every_vector_decodes(void)
{
	char dir[512];
	DIR *d;
	struct dirent *de;
	int files = 0, frames = 0, bad = 0;
	bool seen[NCHECKED] = { false };

	snprintf(dir, sizeof(dir), "%s", TU_VECTORS);
	d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		check_fn fn = NULL;
		int want = -1;

		if (n < 5 || strcmp(de->d_name + n - 4, ".txt") != 0)
			continue;
		for (size_t i = 0; i < NCHECKED; i++)
			if (strcmp(checked[i].file, de->d_name) == 0) {
				fn = checked[i].check;
				want = checked[i].frames;
				seen[i] = true;
			}
		int nf = walk_file(de->d_name, fn, &bad);
		CU_ASSERT(nf > 0); /* a vector file without frames is a broken file */
		if (want >= 0 && nf < want) {
			fprintf(stderr, "\n  %s: %d frames, the checks expect %d\n", de->d_name, nf, want);
			CU_FAIL("a vector file lost frames");
		}
		files++;
		frames += nf;
	}
	closedir(d);
	CU_ASSERT_EQUAL(bad, 0);
	for (size_t i = 0; i < NCHECKED; i++)
		if (!seen[i]) {
			fprintf(stderr, "\n  %s: checked here but not in the vectors directory\n", checked[i].file);
			CU_FAIL("a checked vector file is missing");
		}
	CU_ASSERT(files >= 23); /* 23 files, 58 frames when this was written */
	CU_ASSERT(frames >= 58);
}

void
test_vectors_register(void)
{
	CU_pSuite s = CU_add_suite("vectors", NULL, NULL);
	CU_add_test(s, "every frame of every vector file decodes, exactly, with the right fields", test_every_vector_decodes);
}
