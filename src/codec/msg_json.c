/*
 * msg_json.c - one decoded message as one JSON object, for `ibpipe dump`
 * and for logs.  Keys follow the official client's names; the contract
 * block is a nested "contract" object with every field, present or not,
 * so each message kind always has the same keys.
 *
 * Invariant: the writer never goes past cap; once a piece does not fit it
 * stops writing, and the call returns IB_ENOSPC with buf holding "".
 * Doubles print in the shortest of %.15g / %.17g that reads back to the
 * same bits; IB's unset Double.MAX (and inf/nan) print as null.  Strings
 * are escaped by json.c (bytes that are not valid UTF-8 print as \ufffd),
 * so the output is always valid JSON.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/json.h"
#include "codec/msg.h"

struct jw {
	char *p, *end; /* end leaves one byte for the terminating NUL */
	bool full;
	bool first; /* next key opens an object: no comma */
};

static void
jw_mem(struct jw *w, const char *s, size_t n)
{
	if (w->full || (size_t)(w->end - w->p) < n) {
		w->full = true;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

static void
jw_lit(struct jw *w, const char *s)
{
	jw_mem(w, s, strlen(s));
}

/* "k": or ,"k": */
static void
jw_key(struct jw *w, const char *k)
{
	if (w->first)
		jw_mem(w, "\"", 1);
	else
		jw_mem(w, ",\"", 2);
	w->first = false;
	jw_lit(w, k);
	jw_mem(w, "\":", 2);
}

static void
jw_open(struct jw *w)
{
	jw_mem(w, "{", 1);
	w->first = true;
}

static void
jw_int(struct jw *w, const char *k, long long v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", v);

	jw_key(w, k);
	jw_mem(w, tmp, (size_t)n);
}

static void
jw_bool(struct jw *w, const char *k, bool v)
{
	jw_key(w, k);
	jw_lit(w, v ? "true" : "false");
}

static void
jw_dbl(struct jw *w, const char *k, double v)
{
	char tmp[40];
	double back;
	int n;

	jw_key(w, k);
	if (v == IB_UNSET_DOUBLE || !isfinite(v)) {
		jw_lit(w, "null");
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (ib_parse_f64(tmp, (size_t)n, &back) != IB_OK || back != v)
		n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	jw_mem(w, tmp, (size_t)n);
}

/* The escaped body goes through the one JSON string writer (json.c). */
static void
jw_put(void *ctx, const char *p, size_t n)
{
	jw_mem(ctx, p, n);
}

static void
jw_strval(struct jw *w, ib_str s)
{
	jw_mem(w, "\"", 1);
	ib_json_escape(s.p, s.len, jw_put, w);
	jw_mem(w, "\"", 1);
}

static void
jw_str(struct jw *w, const char *k, ib_str s)
{
	jw_key(w, k);
	jw_strval(w, s);
}

static void
jw_contract(struct jw *w, const ib_contract_view *c)
{
	jw_key(w, "contract");
	jw_open(w);
	jw_int(w, "conId", c->con_id);
	jw_str(w, "symbol", c->symbol);
	jw_str(w, "secType", c->sec_type);
	jw_str(w, "lastTradeDateOrContractMonth", c->last_trade_date);
	jw_dbl(w, "strike", c->strike);
	jw_str(w, "right", c->right);
	jw_str(w, "multiplier", c->multiplier);
	jw_str(w, "exchange", c->exchange);
	jw_str(w, "primaryExchange", c->primary_exchange);
	jw_str(w, "currency", c->currency);
	jw_str(w, "localSymbol", c->local_symbol);
	jw_str(w, "tradingClass", c->trading_class);
	jw_lit(w, "}");
}

static void
jw_accounts(struct jw *w, ib_str list)
{
	ib_str a;
	bool first = true;

	jw_key(w, "accounts");
	jw_lit(w, "[");
	while (ib_accounts_next(&list, &a)) {
		if (!first)
			jw_lit(w, ",");
		jw_strval(w, a);
		first = false;
	}
	jw_lit(w, "]");
}

/* A bar's fields, into the object already open. */
static void
jw_bar_fields(struct jw *w, const ib_bar *b)
{
	jw_str(w, "time", b->time);
	jw_dbl(w, "open", b->open);
	jw_dbl(w, "high", b->high);
	jw_dbl(w, "low", b->low);
	jw_dbl(w, "close", b->close);
	jw_dbl(w, "volume", b->volume);
	jw_dbl(w, "wap", b->wap);
	jw_int(w, "count", b->count);
}

static void
jw_bars(struct jw *w, const ib_historical_data *h)
{
	ib_bar_iter it;
	ib_bar b;
	bool first = true;

	jw_key(w, "bars");
	jw_lit(w, "[");
	ib_bars_begin(h, &it);
	while (!w->full && ib_bars_next(&it, &b)) {
		if (!first)
			jw_lit(w, ",");
		jw_open(w);
		jw_bar_fields(w, &b);
		jw_lit(w, "}");
		first = false;
	}
	jw_lit(w, "]");
}

static void
jw_body(struct jw *w, const ib_msg *m)
{
	switch (m->id) {
	case IB_IN_TICK_PRICE: {
		const ib_tick_price *t = &m->u.tick_price;
		jw_int(w, "tickerId", t->req_id);
		jw_int(w, "field", t->tick_type);
		jw_dbl(w, "price", t->price);
		jw_dbl(w, "size", t->size);
		jw_int(w, "attrMask", t->attr_mask);
		break;
	}
	case IB_IN_TICK_SIZE:
		jw_int(w, "tickerId", m->u.tick_size.req_id);
		jw_int(w, "field", m->u.tick_size.tick_type);
		jw_dbl(w, "size", m->u.tick_size.size);
		break;
	case IB_IN_TICK_STRING:
		jw_int(w, "tickerId", m->u.tick_string.req_id);
		jw_int(w, "field", m->u.tick_string.tick_type);
		jw_str(w, "value", m->u.tick_string.value);
		break;
	case IB_IN_TICK_GENERIC:
		jw_int(w, "tickerId", m->u.tick_generic.req_id);
		jw_int(w, "field", m->u.tick_generic.tick_type);
		jw_dbl(w, "value", m->u.tick_generic.value);
		break;
	case IB_IN_TICK_OPTION_COMPUTATION: {
		const ib_tick_option *o = &m->u.tick_option;
		jw_int(w, "tickerId", o->req_id);
		jw_int(w, "field", o->tick_type);
		jw_int(w, "tickAttrib", o->tick_attrib);
		jw_dbl(w, "impliedVol", o->implied_vol);
		jw_dbl(w, "delta", o->delta);
		jw_dbl(w, "optPrice", o->opt_price);
		jw_dbl(w, "pvDividend", o->pv_dividend);
		jw_dbl(w, "gamma", o->gamma);
		jw_dbl(w, "vega", o->vega);
		jw_dbl(w, "theta", o->theta);
		jw_dbl(w, "undPrice", o->und_price);
		break;
	}
	case IB_IN_TICK_BY_TICK: {
		const ib_tick_by_tick *t = &m->u.tick_by_tick;
		jw_int(w, "reqId", t->req_id);
		jw_int(w, "tickType", t->type);
		jw_int(w, "time", t->time);
		if (t->type == IB_TBT_LAST || t->type == IB_TBT_ALL_LAST) {
			jw_dbl(w, "price", t->price);
			jw_dbl(w, "size", t->size);
			jw_int(w, "attrMask", t->attr_mask);
			jw_str(w, "exchange", t->exchange);
			jw_str(w, "specialConditions", t->special_conditions);
		} else if (t->type == IB_TBT_BID_ASK) {
			jw_dbl(w, "bidPrice", t->bid_price);
			jw_dbl(w, "askPrice", t->ask_price);
			jw_dbl(w, "bidSize", t->bid_size);
			jw_dbl(w, "askSize", t->ask_size);
			jw_int(w, "attrMask", t->attr_mask);
		} else if (t->type == IB_TBT_MIDPOINT) {
			jw_dbl(w, "midPoint", t->mid_point);
		}
		break;
	}
	case IB_IN_MKT_DEPTH:
	case IB_IN_MKT_DEPTH_L2: {
		const ib_mkt_depth *d = &m->u.mkt_depth;
		jw_int(w, "tickerId", d->req_id);
		jw_int(w, "position", d->position);
		if (m->id == IB_IN_MKT_DEPTH_L2)
			jw_str(w, "marketMaker", d->market_maker);
		jw_int(w, "operation", d->operation);
		jw_int(w, "side", d->side);
		jw_dbl(w, "price", d->price);
		jw_dbl(w, "size", d->size);
		if (m->id == IB_IN_MKT_DEPTH_L2)
			jw_bool(w, "isSmartDepth", d->is_smart);
		break;
	}
	case IB_IN_TICK_REQ_PARAMS:
		jw_int(w, "tickerId", m->u.tick_req_params.ticker_id);
		jw_dbl(w, "minTick", m->u.tick_req_params.min_tick);
		jw_str(w, "bboExchange", m->u.tick_req_params.bbo_exchange);
		jw_int(w, "snapshotPermissions", m->u.tick_req_params.snapshot_permissions);
		break;
	case IB_IN_MARKET_DATA_TYPE:
		jw_int(w, "reqId", m->u.market_data_type.req_id);
		jw_int(w, "marketDataType", m->u.market_data_type.type);
		break;
	case IB_IN_ORDER_STATUS: {
		const ib_order_status *o = &m->u.order_status;
		jw_int(w, "orderId", o->order_id);
		jw_str(w, "status", o->status);
		jw_dbl(w, "filled", o->filled);
		jw_dbl(w, "remaining", o->remaining);
		jw_dbl(w, "avgFillPrice", o->avg_fill_price);
		jw_int(w, "permId", o->perm_id);
		jw_int(w, "parentId", o->parent_id);
		jw_dbl(w, "lastFillPrice", o->last_fill_price);
		jw_int(w, "clientId", o->client_id);
		jw_str(w, "whyHeld", o->why_held);
		jw_dbl(w, "mktCapPrice", o->mkt_cap_price);
		break;
	}
	case IB_IN_OPEN_ORDER: {
		const ib_open_order *o = &m->u.open_order;
		jw_int(w, "orderId", o->order_id);
		jw_contract(w, &o->contract);
		jw_str(w, "action", o->action);
		jw_dbl(w, "totalQuantity", o->total_qty);
		jw_str(w, "orderType", o->order_type);
		jw_dbl(w, "lmtPrice", o->lmt_price);
		jw_dbl(w, "auxPrice", o->aux_price);
		jw_str(w, "tif", o->tif);
		jw_str(w, "account", o->account);
		jw_str(w, "orderRef", o->order_ref);
		jw_int(w, "clientId", o->client_id);
		jw_int(w, "permId", o->perm_id);
		jw_str(w, "status", o->status);
		break;
	}
	case IB_IN_EXEC_DETAILS: {
		const ib_exec_details *x = &m->u.exec_details;
		jw_int(w, "reqId", x->req_id);
		jw_int(w, "orderId", x->order_id);
		jw_contract(w, &x->contract);
		jw_str(w, "execId", x->exec_id);
		jw_str(w, "time", x->time);
		jw_str(w, "acctNumber", x->account);
		jw_str(w, "exchange", x->exchange);
		jw_str(w, "side", x->side);
		jw_dbl(w, "shares", x->shares);
		jw_dbl(w, "price", x->price);
		jw_int(w, "permId", x->perm_id);
		jw_int(w, "clientId", x->client_id);
		jw_int(w, "liquidation", x->liquidation);
		jw_dbl(w, "cumQty", x->cum_qty);
		jw_dbl(w, "avgPrice", x->avg_price);
		jw_str(w, "orderRef", x->order_ref);
		jw_int(w, "lastLiquidity", x->last_liquidity);
		break;
	}
	case IB_IN_ERROR:
		jw_int(w, "reqId", m->u.error.req_id);
		jw_int(w, "errorCode", m->u.error.code);
		jw_str(w, "errorString", m->u.error.message);
		jw_str(w, "advancedOrderRejectJson", m->u.error.advanced_json);
		jw_int(w, "errorTime", m->u.error.error_time_ms);
		break;
	case IB_IN_ACCT_VALUE:
		jw_str(w, "key", m->u.acct_value.key);
		jw_str(w, "val", m->u.acct_value.value);
		jw_str(w, "currency", m->u.acct_value.currency);
		jw_str(w, "accountName", m->u.acct_value.account);
		break;
	case IB_IN_PORTFOLIO_VALUE: {
		const ib_portfolio_value *p = &m->u.portfolio_value;
		jw_contract(w, &p->contract);
		jw_dbl(w, "position", p->position);
		jw_dbl(w, "marketPrice", p->market_price);
		jw_dbl(w, "marketValue", p->market_value);
		jw_dbl(w, "averageCost", p->average_cost);
		jw_dbl(w, "unrealizedPNL", p->unrealized_pnl);
		jw_dbl(w, "realizedPNL", p->realized_pnl);
		jw_str(w, "accountName", p->account);
		break;
	}
	case IB_IN_ACCT_UPDATE_TIME:
		jw_str(w, "timeStamp", m->u.acct_update_time.time);
		break;
	case IB_IN_ACCT_DOWNLOAD_END:
		jw_str(w, "accountName", m->u.acct_download_end.account);
		break;
	case IB_IN_POSITION:
		jw_str(w, "account", m->u.position.account);
		jw_contract(w, &m->u.position.contract);
		jw_dbl(w, "position", m->u.position.position);
		jw_dbl(w, "avgCost", m->u.position.avg_cost);
		break;
	case IB_IN_ACCOUNT_SUMMARY:
		jw_int(w, "reqId", m->u.account_summary.req_id);
		jw_str(w, "account", m->u.account_summary.account);
		jw_str(w, "tag", m->u.account_summary.tag);
		jw_str(w, "value", m->u.account_summary.value);
		jw_str(w, "currency", m->u.account_summary.currency);
		break;
	case IB_IN_ACCOUNT_UPDATE_MULTI:
		jw_int(w, "reqId", m->u.account_update_multi.req_id);
		jw_str(w, "account", m->u.account_update_multi.account);
		jw_str(w, "modelCode", m->u.account_update_multi.model_code);
		jw_str(w, "key", m->u.account_update_multi.key);
		jw_str(w, "value", m->u.account_update_multi.value);
		jw_str(w, "currency", m->u.account_update_multi.currency);
		break;
	case IB_IN_CONTRACT_DATA: {
		const ib_contract_data *cd = &m->u.contract_data;
		jw_int(w, "reqId", cd->req_id);
		jw_contract(w, &cd->contract);
		jw_str(w, "marketName", cd->market_name);
		jw_dbl(w, "minTick", cd->min_tick);
		jw_str(w, "orderTypes", cd->order_types);
		jw_str(w, "validExchanges", cd->valid_exchanges);
		jw_str(w, "longName", cd->long_name);
		jw_int(w, "underConId", cd->under_con_id);
		jw_str(w, "contractMonth", cd->contract_month);
		jw_str(w, "timeZoneId", cd->time_zone_id);
		jw_str(w, "tradingHours", cd->trading_hours);
		jw_str(w, "liquidHours", cd->liquid_hours);
		jw_str(w, "realExpirationDate", cd->real_expiration_date);
		jw_dbl(w, "minSize", cd->min_size);
		jw_dbl(w, "sizeIncrement", cd->size_increment);
		break;
	}
	case IB_IN_HISTORICAL_DATA:
		jw_int(w, "reqId", m->u.historical_data.req_id);
		jw_str(w, "start", m->u.historical_data.start);
		jw_str(w, "end", m->u.historical_data.end);
		jw_int(w, "count", m->u.historical_data.count);
		jw_bars(w, &m->u.historical_data);
		break;
	case IB_IN_HISTORICAL_DATA_UPDATE:
		jw_int(w, "reqId", m->u.historical_update.req_id);
		jw_key(w, "bar");
		jw_open(w);
		jw_bar_fields(w, &m->u.historical_update.bar);
		jw_lit(w, "}");
		break;
	case IB_IN_HISTORICAL_DATA_END:
		jw_int(w, "reqId", m->u.historical_end.req_id);
		jw_str(w, "start", m->u.historical_end.start);
		jw_str(w, "end", m->u.historical_end.end);
		break;
	case IB_IN_REAL_TIME_BAR:
		jw_int(w, "reqId", m->u.realtime_bar.req_id);
		jw_key(w, "bar");
		jw_open(w);
		jw_bar_fields(w, &m->u.realtime_bar.bar);
		jw_lit(w, "}");
		break;
	case IB_IN_PNL:
		jw_int(w, "reqId", m->u.pnl.req_id);
		jw_dbl(w, "dailyPnL", m->u.pnl.daily);
		jw_dbl(w, "unrealizedPnL", m->u.pnl.unrealized);
		jw_dbl(w, "realizedPnL", m->u.pnl.realized);
		break;
	case IB_IN_PNL_SINGLE:
		jw_int(w, "reqId", m->u.pnl_single.req_id);
		jw_dbl(w, "pos", m->u.pnl_single.position);
		jw_dbl(w, "dailyPnL", m->u.pnl_single.daily);
		jw_dbl(w, "unrealizedPnL", m->u.pnl_single.unrealized);
		jw_dbl(w, "realizedPnL", m->u.pnl_single.realized);
		jw_dbl(w, "value", m->u.pnl_single.value);
		break;
	case IB_IN_NEXT_VALID_ID:
		jw_int(w, "orderId", m->u.next_valid_id.order_id);
		break;
	case IB_IN_MANAGED_ACCTS:
		jw_str(w, "accountsList", m->u.managed_accts.list);
		jw_accounts(w, m->u.managed_accts.list);
		break;
	case IB_IN_CURRENT_TIME:
		jw_int(w, "time", m->u.current_time.time);
		break;
	case IB_IN_CONTRACT_DATA_END:
	case IB_IN_EXEC_DETAILS_END:
	case IB_IN_ACCOUNT_SUMMARY_END:
	case IB_IN_ACCOUNT_UPDATE_MULTI_END:
		jw_int(w, "reqId", m->u.req_end.req_id);
		break;
	case IB_IN_OPEN_ORDER_END:
	case IB_IN_POSITION_END:
	default:
		break;
	}
}

int
ib_msg_to_json(const ib_msg *m, char *buf, size_t cap)
{
	struct jw w = { buf, buf, false, true };
	const char *name = ib_msg_name(m->id);

	if (cap == 0)
		return IB_ENOSPC;
	if (name == NULL)
		name = "unknown";
	w.end = buf + cap - 1;
	jw_open(&w);
	jw_int(&w, "id", m->id);
	jw_str(&w, "name", (ib_str){ name, (uint32_t)strlen(name) });
	jw_body(&w, m);
	jw_lit(&w, "}");
	if (w.full) {
		buf[0] = '\0';
		return IB_ENOSPC;
	}
	*w.p = '\0';
	return (int)(w.p - buf);
}
