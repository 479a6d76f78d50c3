/*
 * req_decode.c - frames to requests: the server side of the wire, what ibsim
 * reads, and the other half of msg_encode.c's round-trip tests.
 *
 * Invariant: a payload decodes IB_OK only if every field of its layout at the
 * given server version is present; otherwise the status is IB_EFIELD (field
 * missing or value out of range) or IB_ENUM (text where a number must be),
 * with the 0-based index of the offending field (the message id is 0) in
 * *err_field.  Surplus trailing fields are ignored, as the official readers
 * do.  placeOrder is walked end to end in the official layout -- combo legs,
 * delta-neutral, scale, hedge, algo params, PEG BENCH / BEST / MID and order
 * conditions included -- so frames from the official clients decode too;
 * only what ib_order and ib_contract carry is kept.
 */
#include <math.h>
#include <string.h>

#include "codec/encode.h"

/* Every getter below leaves c->err / c->err_idx set when it fails; TRY passes that on. */
#define TRY(call)                                                                                                    \
	do {                                                                                                         \
		if ((call) != IB_OK)                                                                                 \
			return c->err != IB_OK ? c->err : IB_EFIELD;                                                 \
	} while (0)

/* Order condition types (ib_async order.py / scmhub/ibapi order_condition.go). */
enum {
	COND_PRICE = 1,
	COND_TIME = 3,
	COND_MARGIN = 4,
	COND_EXECUTION = 5,
	COND_VOLUME = 6,
	COND_PERCENT_CHANGE = 7,
};

/* The field just read is present but its value is unusable. */
static int
bad_value(ib_fields *c)
{
	if (c->err == IB_OK) {
		c->err = IB_EFIELD;
		c->err_idx = c->idx - 1;
	}
	return IB_EFIELD;
}

static int
get_cstr(ib_fields *c, char *dst, size_t cap)
{
	ib_str s;

	if (ib_fields_str(c, &s) != IB_OK)
		return c->err;
	ib_str_copy(dst, cap, s);
	return IB_OK;
}

/* A double the sender may leave unset: empty -> IB_UNSET_DOUBLE. */
static int
get_dbl(ib_fields *c, double *v)
{
	if (c->p < c->end && *c->p == '\0') {
		*v = IB_UNSET_DOUBLE;
		return ib_fields_skip(c, 1);
	}
	return ib_fields_f64(c, v);
}

/* A repeat count: a non-negative int. */
static int
get_count(ib_fields *c, int32_t *n)
{
	if (ib_fields_i32(c, n) != IB_OK)
		return c->err;
	if (*n < 0)
		return bad_value(c);
	return IB_OK;
}

/* n groups of per fields each; stops at the first missing field, so a huge n costs nothing. */
static int
skip_groups(ib_fields *c, int32_t n, int per)
{
	for (int32_t i = 0; i < n; i++)
		if (ib_fields_skip(c, per) != IB_OK)
			return c->err;
	return IB_OK;
}

static int
get_contract(ib_fields *c, ib_contract *k)
{
	memset(k, 0, sizeof(*k));
	TRY(ib_fields_i32(c, &k->con_id));
	TRY(get_cstr(c, k->symbol, sizeof(k->symbol)));
	TRY(get_cstr(c, k->sec_type, sizeof(k->sec_type)));
	TRY(get_cstr(c, k->last_trade_date, sizeof(k->last_trade_date)));
	TRY(get_dbl(c, &k->strike));
	TRY(get_cstr(c, k->right, sizeof(k->right)));
	TRY(get_cstr(c, k->multiplier, sizeof(k->multiplier)));
	TRY(get_cstr(c, k->exchange, sizeof(k->exchange)));
	TRY(get_cstr(c, k->primary_exchange, sizeof(k->primary_exchange)));
	TRY(get_cstr(c, k->currency, sizeof(k->currency)));
	TRY(get_cstr(c, k->local_symbol, sizeof(k->local_symbol)));
	TRY(get_cstr(c, k->trading_class, sizeof(k->trading_class)));
	return IB_OK;
}

/* deltaNeutralContract: a flag, then conId, delta, price when set. */
static int
skip_delta_neutral_contract(ib_fields *c)
{
	bool present;

	TRY(ib_fields_bool(c, &present));
	return present ? ib_fields_skip(c, 3) : IB_OK;
}

/* A count, then count (tag, value) pairs. */
static int
skip_tag_values(ib_fields *c)
{
	int32_t n;

	TRY(get_count(c, &n));
	return skip_groups(c, n, 2);
}

static int
skip_condition(ib_fields *c)
{
	int32_t type;
	int n;

	TRY(ib_fields_i32(c, &type));
	switch (type) {
	case COND_PRICE: n = 6; break;          /* conjunction, isMore, price, conId, exchange, triggerMethod */
	case COND_TIME: n = 3; break;           /* conjunction, isMore, time */
	case COND_MARGIN: n = 3; break;         /* conjunction, isMore, percent */
	case COND_EXECUTION: n = 4; break;      /* conjunction, secType, exchange, symbol */
	case COND_VOLUME: n = 5; break;         /* conjunction, isMore, volume, conId, exchange */
	case COND_PERCENT_CHANGE: n = 5; break; /* conjunction, isMore, changePercent, conId, exchange */
	default: return bad_value(c);
	}
	return ib_fields_skip(c, n);
}

/* algoParams: a count, then tag/value pairs; the first IB_ALGO_PARAMS_MAX are kept. */
static int
get_algo_params(ib_fields *c, ib_order *o)
{
	int32_t n;

	TRY(get_count(c, &n));
	for (int32_t i = 0; i < n; i++) {
		ib_tag_value tv;
		TRY(get_cstr(c, tv.tag, sizeof(tv.tag)));
		TRY(get_cstr(c, tv.value, sizeof(tv.value)));
		if (i < IB_ALGO_PARAMS_MAX)
			o->algo_params[o->algo_param_count++] = tv;
	}
	return IB_OK;
}

/* A TRAIL price: empty (unset) reads as 0, what ib_order calls unset. */
static int
get_opt_dbl(ib_fields *c, double *v)
{
	TRY(get_dbl(c, v));
	if (*v == IB_UNSET_DOUBLE)
		*v = 0;
	return IB_OK;
}

/* From sharesAllocation to the end: what ib_order carries is kept, and every field must be there. */
static int
get_order_tail(ib_fields *c, int sv, const ib_contract *k, ib_str otype, ib_order *o)
{
	ib_str s;
	double d;
	int32_t n;

	TRY(ib_fields_skip(c, 3)); /* sharesAllocation discretionaryAmt goodAfterTime */
	TRY(get_cstr(c, o->good_till_date, sizeof(o->good_till_date)));
	TRY(ib_fields_skip(c, 3)); /* faGroup faMethod faPercentage */
	if (sv < IB_REQ_SV_FA_PROFILE_DESUPPORT)
		TRY(ib_fields_skip(c, 1)); /* faProfile */
	TRY(ib_fields_skip(c, 4)); /* modelCode shortSaleSlot designatedLocation exemptCode */
	TRY(ib_fields_i32(c, &o->oca_type));
	/* rule80A settlingFirm allOrNone minQty percentOffset eTradeOnly firmQuoteOnly nbboPriceCap auctionStrategy
	 * startingPrice stockRefPrice delta stockRangeLower stockRangeUpper overridePercentageConstraints
	 * volatility volatilityType */
	TRY(ib_fields_skip(c, 17));
	TRY(ib_fields_str(c, &s)); /* deltaNeutralOrderType */
	TRY(ib_fields_skip(c, 1)); /* deltaNeutralAuxPrice */
	if (s.len > 0) /* conId settlingFirm clearingAccount clearingIntent openClose shortSale shortSaleSlot designatedLocation */
		TRY(ib_fields_skip(c, 8));
	TRY(ib_fields_skip(c, 2)); /* continuousUpdate referencePriceType */
	TRY(get_opt_dbl(c, &o->trail_stop_price));
	TRY(get_opt_dbl(c, &o->trailing_percent));
	TRY(ib_fields_skip(c, 2)); /* scaleInitLevelSize scaleSubsLevelSize */
	TRY(get_dbl(c, &d)); /* scalePriceIncrement */
	if (d > 0 && d != IB_UNSET_DOUBLE) /* priceAdjustValue/Interval profitOffset autoReset initPosition initFillQty randomPercent */
		TRY(ib_fields_skip(c, 7));
	TRY(ib_fields_skip(c, 3)); /* scaleTable activeStartTime activeStopTime */
	TRY(ib_fields_str(c, &s)); /* hedgeType */
	if (s.len > 0)
		TRY(ib_fields_skip(c, 1)); /* hedgeParam */
	TRY(ib_fields_skip(c, 4)); /* optOutSmartRouting clearingAccount clearingIntent notHeld */
	TRY(skip_delta_neutral_contract(c));
	TRY(ib_fields_str(c, &s)); /* algoStrategy */
	ib_str_copy(o->algo_strategy, sizeof(o->algo_strategy), s);
	if (s.len > 0)
		TRY(get_algo_params(c, o));
	TRY(ib_fields_skip(c, 6)); /* algoId whatIf orderMiscOptions solicited randomizeSize randomizePrice */
	if (ib_str_eq(otype, "PEG BENCH") || ib_str_eq(otype, "PEGBENCH"))
		TRY(ib_fields_skip(c, 5)); /* referenceContractId isPeggedChangeAmountDecrease peggedChangeAmount
					      referenceChangeAmount referenceExchangeId */
	TRY(get_count(c, &n)); /* conditions */
	for (int32_t i = 0; i < n; i++)
		TRY(skip_condition(c));
	if (n > 0)
		TRY(ib_fields_skip(c, 2)); /* conditionsIgnoreRth conditionsCancelOrder */
	/* adjustedOrderType triggerPrice lmtPriceOffset adjustedStopPrice adjustedStopLimitPrice
	 * adjustedTrailingAmount adjustableTrailingUnit extOperator softDollarTier name, value cashQty
	 * mifid2 x4 dontUseAutoPriceForHedge isOmsContainer discretionaryUpToLimitPrice usePriceMgmtAlgo */
	TRY(ib_fields_skip(c, 7 + 4 + 4 + 4));
	if (sv >= IB_REQ_SV_DURATION)
		TRY(ib_fields_skip(c, 1));
	if (sv >= IB_REQ_SV_POST_TO_ATS)
		TRY(ib_fields_skip(c, 1));
	if (sv >= IB_REQ_SV_AUTO_CANCEL_PARENT)
		TRY(ib_fields_skip(c, 1));
	if (sv >= IB_SV_ADVANCED_ORDER_REJECT)
		TRY(ib_fields_skip(c, 1)); /* advancedErrorOverride */
	if (sv >= IB_SV_MANUAL_ORDER_TIME)
		TRY(ib_fields_skip(c, 1)); /* manualOrderTime */
	if (sv >= IB_REQ_SV_PEGBEST_PEGMID_OFFSETS) {
		if (strcmp(k->exchange, "IBKRATS") == 0)
			TRY(ib_fields_skip(c, 1)); /* minTradeQty */
		if (ib_str_eq(otype, "PEG BEST") || ib_str_eq(otype, "PEGBEST")) {
			TRY(ib_fields_skip(c, 1)); /* minCompeteSize */
			TRY(get_dbl(c, &d));       /* competeAgainstBestOffset; infinity = "up to mid" */
			if (isinf(d))
				TRY(ib_fields_skip(c, 2)); /* midOffsetAtWhole midOffsetAtHalf */
		} else if (ib_str_eq(otype, "PEG MID") || ib_str_eq(otype, "PEGMID")) {
			TRY(ib_fields_skip(c, 2));
		}
	}
	if (sv >= IB_REQ_SV_CUSTOMER_ACCOUNT)
		TRY(ib_fields_skip(c, 1));
	if (sv >= IB_REQ_SV_PROFESSIONAL_CUSTOMER)
		TRY(ib_fields_skip(c, 1));
	if (sv >= IB_REQ_SV_RFQ_FIELDS && sv < IB_REQ_SV_UNDO_RFQ_FIELDS)
		TRY(ib_fields_skip(c, 2));
	if (sv >= IB_REQ_SV_INCLUDE_OVERNIGHT)
		TRY(ib_fields_skip(c, 1));
	if (sv >= IB_SV_CME_TAGGING_FIELDS)
		TRY(ib_fields_skip(c, 1)); /* manualOrderIndicator */
	if (sv >= IB_REQ_SV_IMBALANCE_ONLY)
		TRY(ib_fields_skip(c, 1));
	return IB_OK;
}

static int
get_place_order(ib_fields *c, int sv, ib_req *r)
{
	ib_contract *k = &r->u.place_order.contract;
	ib_order *o = &r->u.place_order.order;
	ib_str otype;
	int32_t n;

	ib_order_init(o);
	TRY(ib_fields_i32(c, &r->u.place_order.order_id)); /* no version field since ORDER_CONTAINER (145) */
	o->order_id = r->u.place_order.order_id;
	TRY(get_contract(c, k));
	TRY(ib_fields_skip(c, 2)); /* secIdType secId */
	TRY(get_cstr(c, o->action, sizeof(o->action)));
	TRY(get_dbl(c, &o->total_qty));
	TRY(ib_fields_str(c, &otype)); /* kept whole for the PEG checks; ib_order's copy may be cut */
	ib_str_copy(o->order_type, sizeof(o->order_type), otype);
	TRY(get_dbl(c, &o->lmt_price));
	TRY(get_dbl(c, &o->aux_price));
	TRY(get_cstr(c, o->tif, sizeof(o->tif)));
	TRY(get_cstr(c, o->oca_group, sizeof(o->oca_group)));
	TRY(get_cstr(c, o->account, sizeof(o->account)));
	TRY(ib_fields_skip(c, 2)); /* openClose origin */
	TRY(get_cstr(c, o->order_ref, sizeof(o->order_ref)));
	TRY(ib_fields_bool(c, &o->transmit));
	TRY(ib_fields_i32(c, &o->parent_id));
	TRY(ib_fields_skip(c, 4)); /* blockOrder sweepToFill displaySize triggerMethod */
	TRY(ib_fields_bool(c, &o->outside_rth));
	TRY(ib_fields_skip(c, 1)); /* hidden */
	if (strcmp(k->sec_type, "BAG") == 0) {
		TRY(get_count(c, &n)); /* combo legs: conId ratio action exchange openClose shortSaleSlot
					  designatedLocation exemptCode */
		TRY(skip_groups(c, n, 8));
		TRY(get_count(c, &n)); /* order combo leg prices */
		TRY(skip_groups(c, n, 1));
		TRY(skip_tag_values(c)); /* smartComboRoutingParams */
	}
	return get_order_tail(c, sv, k, otype, o);
}

static int
get_cancel_order(ib_fields *c, int sv, ib_req *r)
{
	int32_t ver;

	if (sv < IB_SV_CME_TAGGING_FIELDS)
		TRY(ib_fields_i32(c, &ver));
	TRY(ib_fields_i32(c, &r->u.cancel_order.order_id));
	if (sv >= IB_SV_MANUAL_ORDER_TIME)
		TRY(get_cstr(c, r->u.cancel_order.manual_cancel_time, sizeof(r->u.cancel_order.manual_cancel_time)));
	if (sv >= IB_REQ_SV_RFQ_FIELDS && sv < IB_REQ_SV_UNDO_RFQ_FIELDS)
		TRY(ib_fields_skip(c, 3));
	if (sv >= IB_SV_CME_TAGGING_FIELDS)
		TRY(ib_fields_skip(c, 2)); /* extOperator manualOrderIndicator */
	return IB_OK;
}

static int
get_mkt_data(ib_fields *c, ib_req *r)
{
	int32_t n;

	TRY(ib_fields_i32(c, &r->u.mkt_data.req_id));
	TRY(get_contract(c, &r->u.mkt_data.contract));
	if (strcmp(r->u.mkt_data.contract.sec_type, "BAG") == 0) {
		TRY(get_count(c, &n)); /* combo legs: conId ratio action exchange */
		TRY(skip_groups(c, n, 4));
	}
	TRY(skip_delta_neutral_contract(c));
	TRY(get_cstr(c, r->u.mkt_data.generic_ticks, sizeof(r->u.mkt_data.generic_ticks)));
	TRY(ib_fields_bool(c, &r->u.mkt_data.snapshot));
	TRY(ib_fields_bool(c, &r->u.mkt_data.regulatory_snapshot));
	TRY(ib_fields_skip(c, 1)); /* mktDataOptions */
	return IB_OK;
}

static int
get_executions(ib_fields *c, int sv, ib_req *r)
{
	ib_exec_filter *f = &r->u.executions.filter;
	int32_t n;

	TRY(ib_fields_i32(c, &r->u.executions.req_id));
	TRY(ib_fields_i32(c, &f->client_id));
	TRY(get_cstr(c, f->account, sizeof(f->account)));
	TRY(get_cstr(c, f->time, sizeof(f->time)));
	TRY(get_cstr(c, f->symbol, sizeof(f->symbol)));
	TRY(get_cstr(c, f->sec_type, sizeof(f->sec_type)));
	TRY(get_cstr(c, f->exchange, sizeof(f->exchange)));
	TRY(get_cstr(c, f->side, sizeof(f->side)));
	if (sv >= IB_REQ_SV_PARAMETRIZED_DAYS) {
		TRY(ib_fields_skip(c, 1)); /* lastNDays */
		TRY(get_count(c, &n));     /* specificDates */
		TRY(skip_groups(c, n, 1));
	}
	return IB_OK;
}

/* reqHistoricalData: contract, the range, then (BAG) legs, keepUpToDate and chartOptions. */
static int
get_historical_data(ib_fields *c, ib_req *r)
{
	int32_t n;

	TRY(ib_fields_i32(c, &r->u.historical_data.req_id));
	TRY(get_contract(c, &r->u.historical_data.contract));
	TRY(ib_fields_bool(c, &r->u.historical_data.include_expired));
	TRY(get_cstr(c, r->u.historical_data.end_date_time, sizeof(r->u.historical_data.end_date_time)));
	TRY(get_cstr(c, r->u.historical_data.bar_size, sizeof(r->u.historical_data.bar_size)));
	TRY(get_cstr(c, r->u.historical_data.duration, sizeof(r->u.historical_data.duration)));
	TRY(ib_fields_bool(c, &r->u.historical_data.use_rth));
	TRY(get_cstr(c, r->u.historical_data.what_to_show, sizeof(r->u.historical_data.what_to_show)));
	TRY(ib_fields_i32(c, &r->u.historical_data.format_date));
	if (strcmp(r->u.historical_data.contract.sec_type, "BAG") == 0) {
		TRY(get_count(c, &n)); /* combo legs: conId ratio action exchange */
		TRY(skip_groups(c, n, 4));
	}
	TRY(ib_fields_bool(c, &r->u.historical_data.keep_up_to_date));
	TRY(ib_fields_skip(c, 1)); /* chartOptions */
	return IB_OK;
}

/* Everything after the message id.  Requests with a version field have it read (not checked) first. */
static int
get_body(ib_fields *c, int sv, ib_req *r)
{
	int32_t ver;

	switch (r->id) {
	case IB_OUT_PLACE_ORDER:
		return get_place_order(c, sv, r);
	case IB_OUT_CANCEL_ORDER:
		return get_cancel_order(c, sv, r);
	case IB_OUT_REQ_GLOBAL_CANCEL:
		return sv < IB_SV_CME_TAGGING_FIELDS ? ib_fields_i32(c, &ver) : ib_fields_skip(c, 2);
	case IB_OUT_REQ_TICK_BY_TICK: /* no version field */
		TRY(ib_fields_i32(c, &r->u.tick_by_tick.req_id));
		TRY(get_contract(c, &r->u.tick_by_tick.contract));
		TRY(get_cstr(c, r->u.tick_by_tick.tick_type, sizeof(r->u.tick_by_tick.tick_type)));
		TRY(ib_fields_i32(c, &r->u.tick_by_tick.number_of_ticks));
		TRY(ib_fields_bool(c, &r->u.tick_by_tick.ignore_size));
		return IB_OK;
	case IB_OUT_CANCEL_TICK_BY_TICK:
	case IB_OUT_CANCEL_PNL:
	case IB_OUT_CANCEL_PNL_SINGLE: /* no version field */
		TRY(ib_fields_i32(c, &r->u.cancel.req_id));
		return IB_OK;
	case IB_OUT_REQ_HISTORICAL_DATA: /* no version field */
		return get_historical_data(c, r);
	case IB_OUT_REQ_PNL:
	case IB_OUT_REQ_PNL_SINGLE: /* no version field */
		TRY(ib_fields_i32(c, &r->u.pnl.req_id));
		TRY(get_cstr(c, r->u.pnl.account, sizeof(r->u.pnl.account)));
		TRY(get_cstr(c, r->u.pnl.model_code, sizeof(r->u.pnl.model_code)));
		if (r->id == IB_OUT_REQ_PNL_SINGLE)
			TRY(ib_fields_i32(c, &r->u.pnl.con_id));
		return IB_OK;
	case IB_OUT_START_API:
	case IB_OUT_REQ_MKT_DATA:
	case IB_OUT_CANCEL_MKT_DATA:
	case IB_OUT_REQ_OPEN_ORDERS:
	case IB_OUT_REQ_ACCT_DATA:
	case IB_OUT_REQ_EXECUTIONS:
	case IB_OUT_REQ_IDS:
	case IB_OUT_REQ_CONTRACT_DATA:
	case IB_OUT_REQ_MKT_DEPTH:
	case IB_OUT_CANCEL_MKT_DEPTH:
	case IB_OUT_REQ_MANAGED_ACCTS:
	case IB_OUT_REQ_CURRENT_TIME:
	case IB_OUT_REQ_MARKET_DATA_TYPE:
	case IB_OUT_REQ_POSITIONS:
	case IB_OUT_REQ_ACCOUNT_SUMMARY:
	case IB_OUT_CANCEL_ACCOUNT_SUMMARY:
	case IB_OUT_CANCEL_POSITIONS:
	case IB_OUT_CANCEL_HISTORICAL_DATA:
	case IB_OUT_REQ_REAL_TIME_BARS:
	case IB_OUT_CANCEL_REAL_TIME_BARS:
		TRY(ib_fields_i32(c, &ver));
		break;
	default:
		return IB_EUNKNOWN;
	}
	switch (r->id) {
	case IB_OUT_START_API:
		TRY(ib_fields_i32(c, &r->u.start_api.client_id));
		TRY(get_cstr(c, r->u.start_api.capabilities, sizeof(r->u.start_api.capabilities)));
		break;
	case IB_OUT_REQ_MKT_DATA:
		return get_mkt_data(c, r);
	case IB_OUT_CANCEL_MKT_DATA:
	case IB_OUT_CANCEL_ACCOUNT_SUMMARY:
	case IB_OUT_CANCEL_HISTORICAL_DATA:
	case IB_OUT_CANCEL_REAL_TIME_BARS:
		TRY(ib_fields_i32(c, &r->u.cancel.req_id));
		break;
	case IB_OUT_REQ_REAL_TIME_BARS:
		TRY(ib_fields_i32(c, &r->u.realtime_bars.req_id));
		TRY(get_contract(c, &r->u.realtime_bars.contract));
		TRY(ib_fields_i32(c, &r->u.realtime_bars.bar_size));
		TRY(get_cstr(c, r->u.realtime_bars.what_to_show, sizeof(r->u.realtime_bars.what_to_show)));
		TRY(ib_fields_bool(c, &r->u.realtime_bars.use_rth));
		TRY(ib_fields_skip(c, 1)); /* realTimeBarsOptions */
		break;
	case IB_OUT_REQ_ACCT_DATA:
		TRY(ib_fields_bool(c, &r->u.acct_data.subscribe));
		TRY(get_cstr(c, r->u.acct_data.account, sizeof(r->u.acct_data.account)));
		break;
	case IB_OUT_REQ_EXECUTIONS:
		return get_executions(c, sv, r);
	case IB_OUT_REQ_IDS:
		TRY(ib_fields_i32(c, &r->u.ids.num_ids));
		break;
	case IB_OUT_REQ_CONTRACT_DATA:
		TRY(ib_fields_i32(c, &r->u.contract_data.req_id));
		TRY(get_contract(c, &r->u.contract_data.contract));
		TRY(ib_fields_bool(c, &r->u.contract_data.include_expired));
		TRY(ib_fields_skip(c, 2)); /* secIdType secId */
		if (sv >= IB_SV_BOND_ISSUERID)
			TRY(ib_fields_skip(c, 1)); /* issuerId */
		break;
	case IB_OUT_REQ_MKT_DEPTH:
		TRY(ib_fields_i32(c, &r->u.mkt_depth.req_id));
		TRY(get_contract(c, &r->u.mkt_depth.contract));
		TRY(ib_fields_i32(c, &r->u.mkt_depth.num_rows));
		TRY(ib_fields_bool(c, &r->u.mkt_depth.is_smart));
		TRY(ib_fields_skip(c, 1)); /* mktDepthOptions */
		break;
	case IB_OUT_CANCEL_MKT_DEPTH:
		TRY(ib_fields_i32(c, &r->u.cancel_mkt_depth.req_id));
		TRY(ib_fields_bool(c, &r->u.cancel_mkt_depth.is_smart));
		break;
	case IB_OUT_REQ_MARKET_DATA_TYPE:
		TRY(ib_fields_i32(c, &r->u.market_data_type.type));
		break;
	case IB_OUT_REQ_ACCOUNT_SUMMARY:
		TRY(ib_fields_i32(c, &r->u.account_summary.req_id));
		TRY(get_cstr(c, r->u.account_summary.group, sizeof(r->u.account_summary.group)));
		TRY(get_cstr(c, r->u.account_summary.tags, sizeof(r->u.account_summary.tags)));
		break;
	default: /* reqOpenOrders reqManagedAccts reqCurrentTime reqPositions cancelPositions: version only */
		break;
	}
	return IB_OK;
}

int
ib_req_decode(const char *payload, size_t len, int sv, ib_req *r, int *err_field)
{
	ib_fields c;
	int rc;

	memset(r, 0, sizeof(*r));
	if (err_field)
		*err_field = -1;
	if (sv < IB_CLIENT_MIN || sv >= IB_SV_PROTOBUF)
		return IB_EVERSION; /* below: layouts not implemented; from 201: binary message ids */
	ib_fields_init(&c, payload, len);
	rc = ib_fields_i32(&c, &r->id);
	if (rc == IB_OK)
		rc = get_body(&c, sv, r);
	if (rc != IB_OK && err_field)
		*err_field = rc == IB_EUNKNOWN ? 0 : c.err_idx;
	return rc;
}

static bool
parse_version(const char **p, const char *end, int *out)
{
	const char *s = *p;
	int v = 0;

	while (*p < end && **p >= '0' && **p <= '9' && *p - s < 6)
		v = v * 10 + (*(*p)++ - '0');
	*out = v;
	return *p > s && (*p == end || **p < '0' || **p > '9');
}

/*
 * "v<min>..<max>" with decimal versions of 1..6 digits, optionally followed
 * by a space and connect options (not interpreted).  Nothing else: no signs,
 * no blanks inside, no NUL.
 */
int
ib_handshake_request_parse(const char *payload, size_t len, int *min_version, int *max_version)
{
	const char *p = payload, *end = payload + len;
	int lo, hi;

	if (len < 1 || *p++ != 'v')
		return IB_EINVAL;
	if (!parse_version(&p, end, &lo) || end - p < 2 || p[0] != '.' || p[1] != '.')
		return IB_EINVAL;
	p += 2;
	if (!parse_version(&p, end, &hi) || (p < end && *p != ' '))
		return IB_EINVAL;
	if (lo < 1 || hi < lo)
		return IB_EINVAL;
	*min_version = lo;
	*max_version = hi;
	return IB_OK;
}
