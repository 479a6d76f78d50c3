/*
 * msg_decode.c - inbound frames to typed messages, at a negotiated version.
 *
 * One function per message, each a straight walk over the fields with the
 * fused parsers of wire.c; the first failing field stops the walk and is
 * reported with its index.  Strings stay views into the frame.  The tick
 * messages come first in the switch and touch nothing they do not need:
 * they are most of the traffic.
 */
#include <stdio.h>
#include <string.h>

#include "ibpipe/msg.h"

#define F(call)                                                                                                      \
	do {                                                                                                         \
		if ((call) != IB_OK)                                                                                 \
			return c->err;                                                                               \
	} while (0)

/* A count read from the wire that is out of any sane range: an error at the field just read. */
static int
bad_count(ib_fields *c)
{
	c->err = IB_ENUM;
	c->err_idx = c->idx - 1;
	return IB_ENUM;
}

/* Reading the server's version field that precedes many messages. */
#define SKIP_VER() F(ib_fields_skip(c, 1))

static int
contract_view(ib_fields *c, ib_contract_view *v, bool with_exchange, bool with_primary)
{
	memset(v, 0, sizeof(*v));
	F(ib_fields_i32(c, &v->con_id));
	F(ib_fields_str(c, &v->symbol));
	F(ib_fields_str(c, &v->sec_type));
	F(ib_fields_str(c, &v->last_trade_date));
	F(ib_fields_f64(c, &v->strike));
	F(ib_fields_str(c, &v->right));
	F(ib_fields_str(c, &v->multiplier));
	if (with_primary)
		F(ib_fields_str(c, &v->primary_exchange));
	if (with_exchange)
		F(ib_fields_str(c, &v->exchange));
	F(ib_fields_str(c, &v->currency));
	F(ib_fields_str(c, &v->local_symbol));
	F(ib_fields_str(c, &v->trading_class));
	return IB_OK;
}

static int
dec_tick_price(ib_fields *c, ib_tick_price *m)
{
	SKIP_VER();
	F(ib_fields_i32(c, &m->req_id));
	F(ib_fields_i32(c, &m->tick_type));
	F(ib_fields_f64(c, &m->price));
	F(ib_fields_f64(c, &m->size));
	F(ib_fields_i32(c, &m->attr_mask));
	return IB_OK;
}

static int
dec_tick_size(ib_fields *c, ib_tick_size *m)
{
	SKIP_VER();
	F(ib_fields_i32(c, &m->req_id));
	F(ib_fields_i32(c, &m->tick_type));
	F(ib_fields_f64(c, &m->size));
	return IB_OK;
}

static int
dec_order_status(ib_fields *c, int sv, ib_order_status *m)
{
	if (sv < IB_SV_MARKET_CAP_PRICE)
		SKIP_VER();
	F(ib_fields_i32(c, &m->order_id));
	F(ib_fields_str(c, &m->status));
	F(ib_fields_f64(c, &m->filled));
	F(ib_fields_f64(c, &m->remaining));
	F(ib_fields_f64(c, &m->avg_fill_price));
	F(ib_fields_i64(c, &m->perm_id));
	F(ib_fields_i32(c, &m->parent_id));
	F(ib_fields_f64(c, &m->last_fill_price));
	F(ib_fields_i32(c, &m->client_id));
	F(ib_fields_str(c, &m->why_held));
	m->mkt_cap_price = 0;
	if (sv >= IB_SV_MARKET_CAP_PRICE)
		F(ib_fields_f64(c, &m->mkt_cap_price));
	return IB_OK;
}

static int
dec_error(ib_fields *c, int sv, ib_error *m)
{
	if (sv < IB_SV_ERROR_TIME)
		SKIP_VER();
	F(ib_fields_i32(c, &m->req_id));
	F(ib_fields_i32(c, &m->code));
	F(ib_fields_str(c, &m->message));
	m->advanced_json.p = "";
	m->advanced_json.len = 0;
	m->error_time_ms = 0;
	/* Some gateways and fixtures omit the trailing JSON field: read it as empty. */
	if (sv >= IB_SV_ADVANCED_ORDER_REJECT && !ib_fields_done(c))
		F(ib_fields_str(c, &m->advanced_json));
	if (sv >= IB_SV_ERROR_TIME && !ib_fields_done(c))
		F(ib_fields_i64(c, &m->error_time_ms));
	return IB_OK;
}

/* openOrder: the order decoder's field sequence at 157..176 (no version field since 145). */
static int
dec_open_order(ib_fields *c, int sv, ib_open_order *m)
{
	ib_str s;
	int32_t n;
	double d;

	if (sv < IB_SV_ORDER_CONTAINER)
		SKIP_VER();
	F(ib_fields_i32(c, &m->order_id));
	F(contract_view(c, &m->contract, true, false));
	F(ib_fields_str(c, &m->action));
	F(ib_fields_f64(c, &m->total_qty));
	F(ib_fields_str(c, &m->order_type));
	F(ib_fields_f64(c, &m->lmt_price));
	F(ib_fields_f64(c, &m->aux_price));
	F(ib_fields_str(c, &m->tif));
	F(ib_fields_skip(c, 1)); /* ocaGroup */
	F(ib_fields_str(c, &m->account));
	F(ib_fields_skip(c, 2)); /* openClose, origin */
	F(ib_fields_str(c, &m->order_ref));
	F(ib_fields_i32(c, &m->client_id));
	F(ib_fields_i64(c, &m->perm_id));
	m->status.p = "";
	m->status.len = 0;
	/* outsideRth hidden discretionaryAmt goodAfterTime sharesAllocation faGroup faMethod faPercentage */
	F(ib_fields_skip(c, 8));
	if (sv < 177)
		F(ib_fields_skip(c, 1)); /* faProfile */
	/* modelCode goodTillDate rule80A percentOffset settlingFirm shortSaleSlot designatedLocation exemptCode
	   auctionStrategy startingPrice stockRefPrice delta stockRangeLower stockRangeUpper displaySize blockOrder
	   sweepToFill allOrNone minQty ocaType eTradeOnly firmQuoteOnly nbboPriceCap parentId triggerMethod
	   volatility volatilityType */
	F(ib_fields_skip(c, 27));
	F(ib_fields_str(c, &s)); /* deltaNeutralOrderType */
	F(ib_fields_skip(c, 1)); /* deltaNeutralAuxPrice */
	if (s.len > 0)
		F(ib_fields_skip(c, 8)); /* conId settlingFirm clearingAccount clearingIntent openClose shortSale slot location */
	/* continuousUpdate referencePriceType trailStopPrice trailingPercent basisPoints basisPointsType comboLegsDescrip */
	F(ib_fields_skip(c, 7));
	F(ib_fields_i32(c, &n)); /* comboLegsCount */
	if (n < 0 || n > 64)
		return bad_count(c);
	F(ib_fields_skip(c, n * 8));
	F(ib_fields_i32(c, &n)); /* orderComboLegsCount */
	if (n < 0 || n > 64)
		return bad_count(c);
	F(ib_fields_skip(c, n));
	F(ib_fields_i32(c, &n)); /* smartComboRoutingParamsCount */
	if (n < 0 || n > 256)
		return bad_count(c);
	F(ib_fields_skip(c, n * 2));
	F(ib_fields_skip(c, 2)); /* scaleInitLevelSize scaleSubsLevelSize */
	F(ib_fields_f64(c, &d)); /* scalePriceIncrement */
	if (d > 0 && d != IB_UNSET_DOUBLE)
		F(ib_fields_skip(c, 7));
	F(ib_fields_str(c, &s)); /* hedgeType */
	if (s.len > 0)
		F(ib_fields_skip(c, 1));
	F(ib_fields_skip(c, 4)); /* optOutSmartRouting clearingAccount clearingIntent notHeld */
	F(ib_fields_i32(c, &n)); /* deltaNeutralContract present */
	if (n)
		F(ib_fields_skip(c, 3));
	F(ib_fields_str(c, &s)); /* algoStrategy */
	if (s.len > 0) {
		F(ib_fields_i32(c, &n));
		if (n < 0 || n > 256)
			return bad_count(c);
		F(ib_fields_skip(c, n * 2));
	}
	F(ib_fields_skip(c, 2)); /* solicited whatIf */
	F(ib_fields_str(c, &m->status));
	/* The rest (margins, commissions, conditions, ...) is not needed for order tracking. */
	return IB_OK;
}

static int
dec_acct_value(ib_fields *c, ib_acct_value *m)
{
	SKIP_VER();
	F(ib_fields_str(c, &m->key));
	F(ib_fields_str(c, &m->value));
	F(ib_fields_str(c, &m->currency));
	F(ib_fields_str(c, &m->account));
	return IB_OK;
}

static int
dec_portfolio_value(ib_fields *c, ib_portfolio_value *m)
{
	SKIP_VER();
	/* no exchange here, but primaryExchange: conId symbol secType expiry strike right multiplier primaryExch currency local class */
	F(contract_view(c, &m->contract, false, true));
	F(ib_fields_f64(c, &m->position));
	F(ib_fields_f64(c, &m->market_price));
	F(ib_fields_f64(c, &m->market_value));
	F(ib_fields_f64(c, &m->average_cost));
	F(ib_fields_f64(c, &m->unrealized_pnl));
	F(ib_fields_f64(c, &m->realized_pnl));
	F(ib_fields_str(c, &m->account));
	return IB_OK;
}

static int
dec_exec_details(ib_fields *c, int sv, ib_exec_details *m)
{
	ib_str skip;

	if (sv < IB_SV_LAST_LIQUIDITY)
		SKIP_VER();
	F(ib_fields_i32(c, &m->req_id));
	F(ib_fields_i32(c, &m->order_id));
	F(contract_view(c, &m->contract, true, false));
	F(ib_fields_str(c, &m->exec_id));
	F(ib_fields_str(c, &m->time));
	F(ib_fields_str(c, &m->account));
	F(ib_fields_str(c, &m->exchange));
	F(ib_fields_str(c, &m->side));
	F(ib_fields_f64(c, &m->shares));
	F(ib_fields_f64(c, &m->price));
	F(ib_fields_i64(c, &m->perm_id));
	F(ib_fields_i32(c, &m->client_id));
	F(ib_fields_i32(c, &m->liquidation));
	F(ib_fields_f64(c, &m->cum_qty));
	F(ib_fields_f64(c, &m->avg_price));
	F(ib_fields_str(c, &m->order_ref));
	F(ib_fields_str(c, &skip)); /* evRule */
	F(ib_fields_str(c, &skip)); /* evMultiplier */
	F(ib_fields_str(c, &skip)); /* modelCode */
	m->last_liquidity = 0;
	if (sv >= IB_SV_LAST_LIQUIDITY)
		F(ib_fields_i32(c, &m->last_liquidity));
	return IB_OK;
}

static int
dec_contract_data(ib_fields *c, int sv, ib_contract_data *m)
{
	ib_contract_view *v = &m->contract;
	ib_str skip;

	memset(v, 0, sizeof(*v));
	if (sv < IB_SV_SIZE_RULES)
		SKIP_VER();
	F(ib_fields_i32(c, &m->req_id));
	F(ib_fields_str(c, &v->symbol));
	F(ib_fields_str(c, &v->sec_type));
	F(ib_fields_str(c, &v->last_trade_date));
	if (sv >= IB_SV_LAST_TRADE_DATE)
		F(ib_fields_str(c, &skip));
	F(ib_fields_f64(c, &v->strike));
	F(ib_fields_str(c, &v->right));
	F(ib_fields_str(c, &v->exchange));
	F(ib_fields_str(c, &v->currency));
	F(ib_fields_str(c, &v->local_symbol));
	F(ib_fields_str(c, &m->market_name));
	F(ib_fields_str(c, &v->trading_class));
	F(ib_fields_i32(c, &v->con_id));
	F(ib_fields_f64(c, &m->min_tick));
	F(ib_fields_str(c, &v->multiplier));
	F(ib_fields_str(c, &m->order_types));
	F(ib_fields_str(c, &m->valid_exchanges));
	F(ib_fields_skip(c, 2)); /* priceMagnifier underConId */
	F(ib_fields_str(c, &m->long_name));
	F(ib_fields_str(c, &v->primary_exchange));
	/* contractMonth industry category ... are not needed downstream; fixtures may stop early */
	return IB_OK;
}

static int
dec_position(ib_fields *c, ib_position *m)
{
	int32_t ver;

	F(ib_fields_i32(c, &ver));
	F(ib_fields_str(c, &m->account));
	memset(&m->contract, 0, sizeof(m->contract));
	F(ib_fields_i32(c, &m->contract.con_id));
	F(ib_fields_str(c, &m->contract.symbol));
	F(ib_fields_str(c, &m->contract.sec_type));
	F(ib_fields_str(c, &m->contract.last_trade_date));
	F(ib_fields_f64(c, &m->contract.strike));
	F(ib_fields_str(c, &m->contract.right));
	F(ib_fields_str(c, &m->contract.multiplier));
	F(ib_fields_str(c, &m->contract.exchange));
	F(ib_fields_str(c, &m->contract.currency));
	F(ib_fields_str(c, &m->contract.local_symbol));
	if (ver >= 2)
		F(ib_fields_str(c, &m->contract.trading_class));
	F(ib_fields_f64(c, &m->position));
	m->avg_cost = 0;
	if (ver >= 3)
		F(ib_fields_f64(c, &m->avg_cost));
	return IB_OK;
}

static int
dec_tick_by_tick(ib_fields *c, ib_tick_by_tick *m)
{
	F(ib_fields_i32(c, &m->req_id));
	F(ib_fields_i32(c, &m->type));
	F(ib_fields_i64(c, &m->time));
	switch (m->type) {
	case IB_TBT_LAST:
	case IB_TBT_ALL_LAST:
		F(ib_fields_f64(c, &m->price));
		F(ib_fields_f64(c, &m->size));
		F(ib_fields_i32(c, &m->attr_mask));
		F(ib_fields_str(c, &m->exchange));
		F(ib_fields_str(c, &m->special_conditions));
		return IB_OK;
	case IB_TBT_BID_ASK:
		F(ib_fields_f64(c, &m->bid_price));
		F(ib_fields_f64(c, &m->ask_price));
		F(ib_fields_f64(c, &m->bid_size));
		F(ib_fields_f64(c, &m->ask_size));
		F(ib_fields_i32(c, &m->attr_mask));
		return IB_OK;
	case IB_TBT_MIDPOINT:
		F(ib_fields_f64(c, &m->mid_point));
		return IB_OK;
	}
	c->err = IB_ENUM;
	c->err_idx = 2;
	return IB_ENUM;
}

static int
dec_depth(ib_fields *c, bool l2, ib_mkt_depth *m)
{
	SKIP_VER();
	F(ib_fields_i32(c, &m->req_id));
	F(ib_fields_i32(c, &m->position));
	m->market_maker.p = "";
	m->market_maker.len = 0;
	m->is_smart = false;
	if (l2)
		F(ib_fields_str(c, &m->market_maker));
	F(ib_fields_i32(c, &m->operation));
	F(ib_fields_i32(c, &m->side));
	F(ib_fields_f64(c, &m->price));
	F(ib_fields_f64(c, &m->size));
	if (l2)
		F(ib_fields_bool(c, &m->is_smart));
	return IB_OK;
}

static int
dec_body(ib_fields *c, int sv, ib_msg *m)
{
	switch (m->id) {
	case IB_IN_TICK_PRICE:
		return dec_tick_price(c, &m->u.tick_price);
	case IB_IN_TICK_SIZE:
		return dec_tick_size(c, &m->u.tick_size);
	case IB_IN_TICK_STRING:
		SKIP_VER();
		F(ib_fields_i32(c, &m->u.tick_string.req_id));
		F(ib_fields_i32(c, &m->u.tick_string.tick_type));
		return ib_fields_str(c, &m->u.tick_string.value);
	case IB_IN_TICK_GENERIC:
		SKIP_VER();
		F(ib_fields_i32(c, &m->u.tick_generic.req_id));
		F(ib_fields_i32(c, &m->u.tick_generic.tick_type));
		return ib_fields_f64(c, &m->u.tick_generic.value);
	case IB_IN_TICK_BY_TICK:
		return dec_tick_by_tick(c, &m->u.tick_by_tick);
	case IB_IN_MKT_DEPTH:
		return dec_depth(c, false, &m->u.mkt_depth);
	case IB_IN_MKT_DEPTH_L2:
		return dec_depth(c, true, &m->u.mkt_depth);
	case IB_IN_ORDER_STATUS:
		return dec_order_status(c, sv, &m->u.order_status);
	case IB_IN_ERROR:
		return dec_error(c, sv, &m->u.error);
	case IB_IN_OPEN_ORDER:
		return dec_open_order(c, sv, &m->u.open_order);
	case IB_IN_ACCT_VALUE:
		return dec_acct_value(c, &m->u.acct_value);
	case IB_IN_PORTFOLIO_VALUE:
		return dec_portfolio_value(c, &m->u.portfolio_value);
	case IB_IN_ACCT_UPDATE_TIME:
		SKIP_VER();
		return ib_fields_str(c, &m->u.acct_update_time.time);
	case IB_IN_NEXT_VALID_ID:
		SKIP_VER();
		return ib_fields_i32(c, &m->u.next_valid_id.order_id);
	case IB_IN_CONTRACT_DATA:
		return dec_contract_data(c, sv, &m->u.contract_data);
	case IB_IN_EXEC_DETAILS:
		return dec_exec_details(c, sv, &m->u.exec_details);
	case IB_IN_MANAGED_ACCTS:
		SKIP_VER();
		return ib_fields_str(c, &m->u.managed_accts.list);
	case IB_IN_CURRENT_TIME:
		SKIP_VER();
		return ib_fields_i64(c, &m->u.current_time.time);
	case IB_IN_CONTRACT_DATA_END:
	case IB_IN_EXEC_DETAILS_END:
	case IB_IN_ACCOUNT_SUMMARY_END:
	case IB_IN_ACCOUNT_UPDATE_MULTI_END:
		SKIP_VER();
		return ib_fields_i32(c, &m->u.req_end.req_id);
	case IB_IN_OPEN_ORDER_END:
	case IB_IN_POSITION_END:
		return ib_fields_skip(c, 1);
	case IB_IN_ACCT_DOWNLOAD_END:
		SKIP_VER();
		return ib_fields_str(c, &m->u.acct_download_end.account);
	case IB_IN_MARKET_DATA_TYPE:
		SKIP_VER();
		F(ib_fields_i32(c, &m->u.market_data_type.req_id));
		return ib_fields_i32(c, &m->u.market_data_type.type);
	case IB_IN_POSITION:
		return dec_position(c, &m->u.position);
	case IB_IN_ACCOUNT_SUMMARY:
		SKIP_VER();
		F(ib_fields_i32(c, &m->u.account_summary.req_id));
		F(ib_fields_str(c, &m->u.account_summary.account));
		F(ib_fields_str(c, &m->u.account_summary.tag));
		F(ib_fields_str(c, &m->u.account_summary.value));
		return ib_fields_str(c, &m->u.account_summary.currency);
	case IB_IN_ACCOUNT_UPDATE_MULTI:
		SKIP_VER();
		F(ib_fields_i32(c, &m->u.account_update_multi.req_id));
		F(ib_fields_str(c, &m->u.account_update_multi.account));
		F(ib_fields_str(c, &m->u.account_update_multi.model_code));
		F(ib_fields_str(c, &m->u.account_update_multi.key));
		F(ib_fields_str(c, &m->u.account_update_multi.value));
		return ib_fields_str(c, &m->u.account_update_multi.currency);
	case IB_IN_TICK_REQ_PARAMS:
		F(ib_fields_i32(c, &m->u.tick_req_params.ticker_id));
		F(ib_fields_f64(c, &m->u.tick_req_params.min_tick));
		F(ib_fields_str(c, &m->u.tick_req_params.bbo_exchange));
		return ib_fields_i32(c, &m->u.tick_req_params.snapshot_permissions);
	}
	return IB_EUNKNOWN;
}

/* Field names for error messages, per message, by index (0 = the id). */
static const char *
field_name(int32_t id, int idx)
{
	static const char *const tick_price[] = { "id", "version", "reqId", "tickType", "price", "size", "attrMask" };
	static const char *const tick_size[] = { "id", "version", "reqId", "tickType", "size" };
	static const char *const order_status[] = { "id", "orderId", "status", "filled", "remaining", "avgFillPrice",
						    "permId", "parentId", "lastFillPrice", "clientId", "whyHeld",
						    "mktCapPrice" };
	static const char *const error[] = { "id", "version", "reqId", "errorCode", "errorMsg", "advancedOrderRejectJson" };

#define PICK(arr) return idx >= 0 && (size_t)idx < sizeof(arr) / sizeof(arr[0]) ? arr[idx] : "field"
	switch (id) {
	case IB_IN_TICK_PRICE: PICK(tick_price);
	case IB_IN_TICK_SIZE: PICK(tick_size);
	case IB_IN_ORDER_STATUS: PICK(order_status);
	case IB_IN_ERROR: PICK(error);
	}
#undef PICK
	return "field";
}

int
ib_msg_decode(const char *payload, size_t len, int server_version, ib_msg *out, ib_decode_err *err)
{
	ib_fields c;
	int rc;

	ib_fields_init(&c, payload, len);
	out->id = 0;
	rc = ib_fields_i32(&c, &out->id);
	if (rc == IB_OK)
		rc = dec_body(&c, server_version, out);
	if (rc == IB_OK)
		return IB_OK;
	if (err) {
		err->msg_id = out->id;
		err->field = rc == IB_EUNKNOWN ? -1 : c.err_idx;
		const char *name = ib_msg_name(out->id);
		if (rc == IB_EUNKNOWN)
			snprintf(err->errstr, sizeof(err->errstr), "unknown message id %d", out->id);
		else
			snprintf(err->errstr, sizeof(err->errstr), "%s: field %d (%s): %s", name ? name : "message",
				 c.err_idx, field_name(out->id, c.err_idx), ib_strerror(rc));
	}
	return rc;
}

const char *
ib_msg_name(int32_t id)
{
	switch (id) {
	case IB_IN_TICK_PRICE: return "tickPrice";
	case IB_IN_TICK_SIZE: return "tickSize";
	case IB_IN_ORDER_STATUS: return "orderStatus";
	case IB_IN_ERROR: return "error";
	case IB_IN_OPEN_ORDER: return "openOrder";
	case IB_IN_ACCT_VALUE: return "updateAccountValue";
	case IB_IN_PORTFOLIO_VALUE: return "updatePortfolio";
	case IB_IN_ACCT_UPDATE_TIME: return "updateAccountTime";
	case IB_IN_NEXT_VALID_ID: return "nextValidId";
	case IB_IN_CONTRACT_DATA: return "contractDetails";
	case IB_IN_EXEC_DETAILS: return "execDetails";
	case IB_IN_MKT_DEPTH: return "updateMktDepth";
	case IB_IN_MKT_DEPTH_L2: return "updateMktDepthL2";
	case IB_IN_MANAGED_ACCTS: return "managedAccounts";
	case IB_IN_TICK_GENERIC: return "tickGeneric";
	case IB_IN_TICK_STRING: return "tickString";
	case IB_IN_CURRENT_TIME: return "currentTime";
	case IB_IN_CONTRACT_DATA_END: return "contractDetailsEnd";
	case IB_IN_OPEN_ORDER_END: return "openOrderEnd";
	case IB_IN_ACCT_DOWNLOAD_END: return "accountDownloadEnd";
	case IB_IN_EXEC_DETAILS_END: return "execDetailsEnd";
	case IB_IN_TICK_SNAPSHOT_END: return "tickSnapshotEnd";
	case IB_IN_MARKET_DATA_TYPE: return "marketDataType";
	case IB_IN_COMMISSION_REPORT: return "commissionReport";
	case IB_IN_POSITION: return "position";
	case IB_IN_POSITION_END: return "positionEnd";
	case IB_IN_ACCOUNT_SUMMARY: return "accountSummary";
	case IB_IN_ACCOUNT_SUMMARY_END: return "accountSummaryEnd";
	case IB_IN_ACCOUNT_UPDATE_MULTI: return "accountUpdateMulti";
	case IB_IN_ACCOUNT_UPDATE_MULTI_END: return "accountUpdateMultiEnd";
	case IB_IN_TICK_REQ_PARAMS: return "tickReqParams";
	case IB_IN_TICK_BY_TICK: return "tickByTick";
	}
	return NULL;
}

int
ib_handshake_reply_parse(const char *payload, size_t len, int *server_version, ib_str *conn_time)
{
	ib_fields c;
	int32_t v;
	int rc;

	ib_fields_init(&c, payload, len);
	if ((rc = ib_fields_i32(&c, &v)) != IB_OK)
		return rc;
	if ((rc = ib_fields_str(&c, conn_time)) != IB_OK)
		return rc;
	if (v <= 0)
		return IB_ENUM;
	*server_version = v;
	return IB_OK;
}

bool
ib_accounts_next(ib_str *list, ib_str *acct)
{
	while (list->len > 0) {
		const char *comma = memchr(list->p, ',', list->len);
		uint32_t n = comma ? (uint32_t)(comma - list->p) : list->len;
		acct->p = list->p;
		acct->len = n;
		list->p += n + (comma ? 1 : 0);
		list->len -= n + (comma ? 1 : 0);
		if (n > 0)
			return true;
	}
	return false;
}
