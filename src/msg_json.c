/*
 * msg_json.c - one decoded message as one JSON object, for `ibpipe dump`
 * and for logs.  Keys follow the official client's names.  Doubles print
 * in the shortest form that reads back exactly; IB's unset Double.MAX
 * prints as null.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/msg.h"

struct jb {
	char *buf;
	size_t cap, len;
	bool overflow;
};

static void __attribute__((format(printf, 2, 3)))
jb_add(struct jb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->overflow = true;
	else
		b->len += (size_t)n;
}

static void
jb_int(struct jb *b, const char *k, long long v)
{
	jb_add(b, ",\"%s\":%lld", k, v);
}

static void
jb_dbl(struct jb *b, const char *k, double v)
{
	char tmp[40];

	if (v == IB_UNSET_DOUBLE || !isfinite(v)) {
		jb_add(b, ",\"%s\":null", k);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		snprintf(tmp, sizeof(tmp), "%.17g", v);
	jb_add(b, ",\"%s\":%s", k, tmp);
}

static void
jb_str(struct jb *b, const char *k, ib_str s)
{
	jb_add(b, ",\"%s\":\"", k);
	for (uint32_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.p[i];
		if (ch == '"' || ch == '\\')
			jb_add(b, "\\%c", ch);
		else if (ch < 0x20)
			jb_add(b, "\\u%04x", ch);
		else
			jb_add(b, "%c", ch);
	}
	jb_add(b, "\"");
}

static void
jb_contract(struct jb *b, const ib_contract_view *c)
{
	jb_int(b, "conId", c->con_id);
	jb_str(b, "symbol", c->symbol);
	jb_str(b, "secType", c->sec_type);
	if (c->last_trade_date.len)
		jb_str(b, "lastTradeDateOrContractMonth", c->last_trade_date);
	jb_dbl(b, "strike", c->strike);
	if (c->exchange.len)
		jb_str(b, "exchange", c->exchange);
	if (c->primary_exchange.len)
		jb_str(b, "primaryExchange", c->primary_exchange);
	jb_str(b, "currency", c->currency);
	jb_str(b, "localSymbol", c->local_symbol);
}

int
ib_msg_to_json(const ib_msg *m, char *buf, size_t cap)
{
	struct jb b = { buf, cap, 0, false };
	const char *name = ib_msg_name(m->id);

	if (cap == 0)
		return IB_ENOSPC;
	jb_add(&b, "{\"id\":%d,\"name\":\"%s\"", m->id, name ? name : "unknown");
	switch (m->id) {
	case IB_IN_TICK_PRICE:
		jb_int(&b, "tickerId", m->u.tick_price.req_id);
		jb_int(&b, "field", m->u.tick_price.tick_type);
		jb_dbl(&b, "price", m->u.tick_price.price);
		jb_dbl(&b, "size", m->u.tick_price.size);
		jb_int(&b, "attrMask", m->u.tick_price.attr_mask);
		break;
	case IB_IN_TICK_SIZE:
		jb_int(&b, "tickerId", m->u.tick_size.req_id);
		jb_int(&b, "field", m->u.tick_size.tick_type);
		jb_dbl(&b, "size", m->u.tick_size.size);
		break;
	case IB_IN_TICK_STRING:
		jb_int(&b, "tickerId", m->u.tick_string.req_id);
		jb_int(&b, "field", m->u.tick_string.tick_type);
		jb_str(&b, "value", m->u.tick_string.value);
		break;
	case IB_IN_TICK_GENERIC:
		jb_int(&b, "tickerId", m->u.tick_generic.req_id);
		jb_int(&b, "field", m->u.tick_generic.tick_type);
		jb_dbl(&b, "value", m->u.tick_generic.value);
		break;
	case IB_IN_ORDER_STATUS: {
		const ib_order_status *o = &m->u.order_status;
		jb_int(&b, "orderId", o->order_id);
		jb_str(&b, "status", o->status);
		jb_dbl(&b, "filled", o->filled);
		jb_dbl(&b, "remaining", o->remaining);
		jb_dbl(&b, "avgFillPrice", o->avg_fill_price);
		jb_int(&b, "permId", o->perm_id);
		jb_int(&b, "parentId", o->parent_id);
		jb_dbl(&b, "lastFillPrice", o->last_fill_price);
		jb_int(&b, "clientId", o->client_id);
		jb_str(&b, "whyHeld", o->why_held);
		jb_dbl(&b, "mktCapPrice", o->mkt_cap_price);
		break;
	}
	case IB_IN_ERROR:
		jb_int(&b, "reqId", m->u.error.req_id);
		jb_int(&b, "errorCode", m->u.error.code);
		jb_str(&b, "errorString", m->u.error.message);
		jb_str(&b, "advancedOrderRejectJson", m->u.error.advanced_json);
		if (m->u.error.error_time_ms)
			jb_int(&b, "errorTime", m->u.error.error_time_ms);
		break;
	case IB_IN_OPEN_ORDER: {
		const ib_open_order *o = &m->u.open_order;
		jb_int(&b, "orderId", o->order_id);
		jb_contract(&b, &o->contract);
		jb_str(&b, "action", o->action);
		jb_dbl(&b, "totalQuantity", o->total_qty);
		jb_str(&b, "orderType", o->order_type);
		jb_dbl(&b, "lmtPrice", o->lmt_price);
		jb_dbl(&b, "auxPrice", o->aux_price);
		jb_str(&b, "tif", o->tif);
		jb_str(&b, "account", o->account);
		jb_int(&b, "clientId", o->client_id);
		jb_int(&b, "permId", o->perm_id);
		jb_str(&b, "status", o->status);
		break;
	}
	case IB_IN_ACCT_VALUE:
		jb_str(&b, "key", m->u.acct_value.key);
		jb_str(&b, "val", m->u.acct_value.value);
		jb_str(&b, "currency", m->u.acct_value.currency);
		jb_str(&b, "accountName", m->u.acct_value.account);
		break;
	case IB_IN_PORTFOLIO_VALUE: {
		const ib_portfolio_value *p = &m->u.portfolio_value;
		jb_contract(&b, &p->contract);
		jb_dbl(&b, "position", p->position);
		jb_dbl(&b, "marketPrice", p->market_price);
		jb_dbl(&b, "marketValue", p->market_value);
		jb_dbl(&b, "averageCost", p->average_cost);
		jb_dbl(&b, "unrealizedPNL", p->unrealized_pnl);
		jb_dbl(&b, "realizedPNL", p->realized_pnl);
		jb_str(&b, "accountName", p->account);
		break;
	}
	case IB_IN_ACCT_UPDATE_TIME:
		jb_str(&b, "timeStamp", m->u.acct_update_time.time);
		break;
	case IB_IN_NEXT_VALID_ID:
		jb_int(&b, "orderId", m->u.next_valid_id.order_id);
		break;
	case IB_IN_CONTRACT_DATA:
		jb_int(&b, "reqId", m->u.contract_data.req_id);
		jb_contract(&b, &m->u.contract_data.contract);
		jb_str(&b, "marketName", m->u.contract_data.market_name);
		jb_dbl(&b, "minTick", m->u.contract_data.min_tick);
		jb_str(&b, "longName", m->u.contract_data.long_name);
		break;
	case IB_IN_EXEC_DETAILS: {
		const ib_exec_details *x = &m->u.exec_details;
		jb_int(&b, "reqId", x->req_id);
		jb_int(&b, "orderId", x->order_id);
		jb_contract(&b, &x->contract);
		jb_str(&b, "execId", x->exec_id);
		jb_str(&b, "time", x->time);
		jb_str(&b, "acctNumber", x->account);
		jb_str(&b, "side", x->side);
		jb_dbl(&b, "shares", x->shares);
		jb_dbl(&b, "price", x->price);
		jb_int(&b, "permId", x->perm_id);
		jb_dbl(&b, "cumQty", x->cum_qty);
		jb_dbl(&b, "avgPrice", x->avg_price);
		jb_int(&b, "lastLiquidity", x->last_liquidity);
		break;
	}
	case IB_IN_MANAGED_ACCTS:
		jb_str(&b, "accountsList", m->u.managed_accts.list);
		break;
	case IB_IN_CURRENT_TIME:
		jb_int(&b, "time", m->u.current_time.time);
		break;
	case IB_IN_ACCT_DOWNLOAD_END:
		jb_str(&b, "accountName", m->u.acct_download_end.account);
		break;
	case IB_IN_CONTRACT_DATA_END:
	case IB_IN_EXEC_DETAILS_END:
	case IB_IN_ACCOUNT_SUMMARY_END:
	case IB_IN_ACCOUNT_UPDATE_MULTI_END:
		jb_int(&b, "reqId", m->u.req_end.req_id);
		break;
	case IB_IN_MARKET_DATA_TYPE:
		jb_int(&b, "reqId", m->u.market_data_type.req_id);
		jb_int(&b, "marketDataType", m->u.market_data_type.type);
		break;
	case IB_IN_POSITION:
		jb_str(&b, "account", m->u.position.account);
		jb_contract(&b, &m->u.position.contract);
		jb_dbl(&b, "position", m->u.position.position);
		jb_dbl(&b, "avgCost", m->u.position.avg_cost);
		break;
	case IB_IN_ACCOUNT_SUMMARY:
		jb_int(&b, "reqId", m->u.account_summary.req_id);
		jb_str(&b, "account", m->u.account_summary.account);
		jb_str(&b, "tag", m->u.account_summary.tag);
		jb_str(&b, "value", m->u.account_summary.value);
		jb_str(&b, "currency", m->u.account_summary.currency);
		break;
	case IB_IN_ACCOUNT_UPDATE_MULTI:
		jb_int(&b, "reqId", m->u.account_update_multi.req_id);
		jb_str(&b, "account", m->u.account_update_multi.account);
		jb_str(&b, "modelCode", m->u.account_update_multi.model_code);
		jb_str(&b, "key", m->u.account_update_multi.key);
		jb_str(&b, "value", m->u.account_update_multi.value);
		jb_str(&b, "currency", m->u.account_update_multi.currency);
		break;
	case IB_IN_TICK_REQ_PARAMS:
		jb_int(&b, "tickerId", m->u.tick_req_params.ticker_id);
		jb_dbl(&b, "minTick", m->u.tick_req_params.min_tick);
		jb_str(&b, "bboExchange", m->u.tick_req_params.bbo_exchange);
		jb_int(&b, "snapshotPermissions", m->u.tick_req_params.snapshot_permissions);
		break;
	case IB_IN_TICK_BY_TICK: {
		const ib_tick_by_tick *t = &m->u.tick_by_tick;
		jb_int(&b, "reqId", t->req_id);
		jb_int(&b, "tickType", t->type);
		jb_int(&b, "time", t->time);
		if (t->type == IB_TBT_BID_ASK) {
			jb_dbl(&b, "bidPrice", t->bid_price);
			jb_dbl(&b, "askPrice", t->ask_price);
			jb_dbl(&b, "bidSize", t->bid_size);
			jb_dbl(&b, "askSize", t->ask_size);
			jb_int(&b, "attrMask", t->attr_mask);
		} else if (t->type == IB_TBT_MIDPOINT) {
			jb_dbl(&b, "midPoint", t->mid_point);
		} else {
			jb_dbl(&b, "price", t->price);
			jb_dbl(&b, "size", t->size);
			jb_int(&b, "attrMask", t->attr_mask);
			jb_str(&b, "exchange", t->exchange);
			jb_str(&b, "specialConditions", t->special_conditions);
		}
		break;
	}
	case IB_IN_MKT_DEPTH:
	case IB_IN_MKT_DEPTH_L2: {
		const ib_mkt_depth *d = &m->u.mkt_depth;
		jb_int(&b, "reqId", d->req_id);
		jb_int(&b, "position", d->position);
		if (m->id == IB_IN_MKT_DEPTH_L2)
			jb_str(&b, "marketMaker", d->market_maker);
		jb_int(&b, "operation", d->operation);
		jb_int(&b, "side", d->side);
		jb_dbl(&b, "price", d->price);
		jb_dbl(&b, "size", d->size);
		if (m->id == IB_IN_MKT_DEPTH_L2)
			jb_add(&b, ",\"isSmartDepth\":%s", d->is_smart ? "true" : "false");
		break;
	}
	default:
		break;
	}
	jb_add(&b, "}");
	if (b.overflow) {
		buf[0] = '\0';
		return IB_ENOSPC;
	}
	return (int)b.len;
}
