/*
 * msg_encode.c - requests to frames: the client side of the wire.
 *
 * Invariant: ib_enc_req and ib_enc_handshake append one whole frame to the
 * caller's buffer or nothing at all -- on any failure e->len is rolled back
 * to where it was, so a buffer never holds half a request.  No allocation.
 *
 * Layouts are the official client's at the negotiated server version
 * (docs/protocol.md sections 2, 3, 5).  placeOrder follows
 * ib_async's Client.placeOrder (ib-api-reloaded/ib_async, ib_async/client.py)
 * field for field, cross-checked against scmhub/ibapi's EClient.PlaceOrder
 * (client.go) and against a real frame from rust-ibapi's tests (see
 * tests/test_encode.c); the gates above 178, where ib_async stops, come from
 * client.go.  Unset numbers go out as empty fields, as ib_async's send() and
 * the Java client's sendMax() do.
 *
 * Readonly is enforced here and only here: a readonly encoder refuses
 * placeOrder and cancelOrder before looking at anything else, so no caller,
 * thread or code path can put an order on the wire of a readonly connection.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/encode.h"
#include "util/str.h"

void
ib_enc_init(ib_enc *e, char *buf, size_t cap, int server_version, bool readonly)
{
	e->buf = buf;
	e->cap = cap;
	e->len = 0;
	e->server_version = server_version;
	e->readonly = readonly;
	e->err = IB_OK;
	e->errstr[0] = '\0';
}

void
ib_contract_stock(ib_contract *c, const char *symbol)
{
	memset(c, 0, sizeof(*c));
	ib_strlcpy(c->symbol, symbol, sizeof(c->symbol));
	ib_strlcpy(c->sec_type, "STK", sizeof(c->sec_type));
	ib_strlcpy(c->exchange, "SMART", sizeof(c->exchange));
	ib_strlcpy(c->currency, "USD", sizeof(c->currency));
}

void
ib_order_init(ib_order *o)
{
	memset(o, 0, sizeof(*o));
	o->lmt_price = IB_UNSET_DOUBLE;
	o->aux_price = IB_UNSET_DOUBLE;
	o->transmit = true;
	ib_strlcpy(o->tif, "DAY", sizeof(o->tif));
}

bool
ib_req_is_order(int32_t id)
{
	return id == IB_OUT_PLACE_ORDER || id == IB_OUT_CANCEL_ORDER || id == IB_OUT_REQ_GLOBAL_CANCEL;
}

static const char *
req_name(int32_t id)
{
	switch (id) {
	case IB_OUT_REQ_MKT_DATA: return "reqMktData";
	case IB_OUT_CANCEL_MKT_DATA: return "cancelMktData";
	case IB_OUT_PLACE_ORDER: return "placeOrder";
	case IB_OUT_CANCEL_ORDER: return "cancelOrder";
	case IB_OUT_REQ_GLOBAL_CANCEL: return "reqGlobalCancel";
	case IB_OUT_REQ_OPEN_ORDERS: return "reqOpenOrders";
	case IB_OUT_REQ_ACCT_DATA: return "reqAccountUpdates";
	case IB_OUT_REQ_EXECUTIONS: return "reqExecutions";
	case IB_OUT_REQ_IDS: return "reqIds";
	case IB_OUT_REQ_CONTRACT_DATA: return "reqContractDetails";
	case IB_OUT_REQ_MKT_DEPTH: return "reqMktDepth";
	case IB_OUT_CANCEL_MKT_DEPTH: return "cancelMktDepth";
	case IB_OUT_REQ_MANAGED_ACCTS: return "reqManagedAccts";
	case IB_OUT_REQ_CURRENT_TIME: return "reqCurrentTime";
	case IB_OUT_REQ_MARKET_DATA_TYPE: return "reqMarketDataType";
	case IB_OUT_REQ_POSITIONS: return "reqPositions";
	case IB_OUT_REQ_ACCOUNT_SUMMARY: return "reqAccountSummary";
	case IB_OUT_CANCEL_ACCOUNT_SUMMARY: return "cancelAccountSummary";
	case IB_OUT_CANCEL_POSITIONS: return "cancelPositions";
	case IB_OUT_START_API: return "startApi";
	case IB_OUT_REQ_TICK_BY_TICK: return "reqTickByTickData";
	case IB_OUT_CANCEL_TICK_BY_TICK: return "cancelTickByTickData";
	case IB_OUT_REQ_HISTORICAL_DATA: return "reqHistoricalData";
	case IB_OUT_CANCEL_HISTORICAL_DATA: return "cancelHistoricalData";
	case IB_OUT_REQ_REAL_TIME_BARS: return "reqRealTimeBars";
	case IB_OUT_CANCEL_REAL_TIME_BARS: return "cancelRealTimeBars";
	case IB_OUT_REQ_PNL: return "reqPnL";
	case IB_OUT_CANCEL_PNL: return "cancelPnL";
	case IB_OUT_REQ_PNL_SINGLE: return "reqPnLSingle";
	case IB_OUT_CANCEL_PNL_SINGLE: return "cancelPnLSingle";
	}
	return "request";
}

/* Roll back to start and say why; returns err. */
static int
fail(ib_enc *e, size_t start, int err, int32_t id, const char *fmt, ...)
{
	va_list ap;
	int n;

	e->len = start;
	e->err = err;
	n = snprintf(e->errstr, sizeof(e->errstr), "%s (%d): ", req_name(id), id);
	if (n < 0 || (size_t)n >= sizeof(e->errstr))
		return err;
	va_start(ap, fmt);
	vsnprintf(e->errstr + n, sizeof(e->errstr) - (size_t)n, fmt, ap);
	va_end(ap);
	return err;
}

/*
 * Field writers.  The first failure is recorded in e->err and every later
 * write is a no-op, so a request is written straight through and checked
 * once at the end (where ib_enc_req rolls back).  e->len <= e->cap holds
 * throughout, which keeps `e->cap - e->len` from wrapping.
 */
static void
put_raw(ib_enc *e, const char *s, size_t n)
{
	if (e->err != IB_OK)
		return;
	if (e->cap - e->len < n + 1) {
		e->err = IB_ENOSPC;
		return;
	}
	if (n > 0)
		memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len++] = '\0';
}

/*
 * A fixed char array from an ib_req: the request crossed a ring by copy from
 * another thread, so don't trust it to be terminated -- read at most its size.
 */
#define put_field(e, arr) put_raw((e), (arr), strnlen((arr), sizeof(arr)))

static void
put_empty(ib_enc *e)
{
	put_raw(e, "", 0);
}

static void
put_int(ib_enc *e, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);

	put_raw(e, tmp, (size_t)n);
}

static void
put_bool(ib_enc *e, bool v)
{
	put_raw(e, v ? "1" : "0", 1);
}

/*
 * Shortest of %.15g, %.16g, %.17g that reads back to exactly v with our own
 * (locale-independent) parser.  A locale with a decimal comma would make
 * printf write "1,5"; the comma is turned back into a point, and the read-back
 * check guarantees whatever we send is what we meant.  -1 if nothing fits.
 */
static int
format_double(char *out, size_t cap, double v)
{
	if (v == 0) {
		out[0] = '0'; /* also for -0.0: no "-0" prices on the wire */
		out[1] = '\0';
		return 1;
	}
	for (int prec = 15; prec <= 17; prec++) {
		double back;
		int n = snprintf(out, cap, "%.*g", prec, v);

		if (n <= 0 || (size_t)n >= cap)
			return -1;
		for (char *p = out; *p; p++)
			if (*p == ',')
				*p = '.';
		if (ib_parse_f64(out, (size_t)n, &back) == IB_OK && back == v)
			return n;
	}
	return -1;
}

/* IB_UNSET_DOUBLE goes out empty; NaN and infinities have no meaning in our fields: IB_EINVAL. */
static void
put_dbl(ib_enc *e, double v)
{
	char tmp[40];
	int n;

	if (v == IB_UNSET_DOUBLE) {
		put_empty(e);
		return;
	}
	if (!isfinite(v) || (n = format_double(tmp, sizeof(tmp), v)) < 0) {
		if (e->err == IB_OK)
			e->err = IB_EINVAL;
		return;
	}
	put_raw(e, tmp, (size_t)n);
}

/* TRAIL's optional prices: 0 means unset as well (a zeroed ib_order), and goes out empty. */
static void
put_opt_dbl(ib_enc *e, double v)
{
	if (v == 0)
		put_empty(e);
	else
		put_dbl(e, v);
}

static bool
field_is(const char *arr, size_t cap, const char *lit)
{
	return strnlen(arr, cap) == strlen(lit) && memcmp(arr, lit, strlen(lit)) == 0;
}

#define FIELD_IS(arr, lit) field_is((arr), sizeof(arr), (lit))

/* The 12-field contract block of docs/protocol.md section 5 (primaryExchange and tradingClass included: >= 157). */
static void
put_contract(ib_enc *e, const ib_contract *c)
{
	put_int(e, c->con_id);
	put_field(e, c->symbol);
	put_field(e, c->sec_type);
	put_field(e, c->last_trade_date);
	put_dbl(e, c->strike);
	put_field(e, c->right);
	put_field(e, c->multiplier);
	put_field(e, c->exchange);
	put_field(e, c->primary_exchange);
	put_field(e, c->currency);
	put_field(e, c->local_symbol);
	put_field(e, c->trading_class);
}

/*
 * placeOrder at server version sv, in ib_async's order (see the top of the
 * file).  Everything ib_order does not carry goes out as the official client
 * sends a default-constructed Order: empty for unset, 0/false otherwise,
 * exemptCode -1.  Conditional groups (BAG legs, delta-neutral, scale, hedge,
 * conditions) are absent because their triggers are at their defaults; algo
 * params follow a non-empty algoStrategy; PEG BENCH / PEG BEST / PEG MID add their fields with defaults,
 * exactly as ib_async would for an order with only the order type set.
 */
static void
put_place_order(ib_enc *e, const ib_req *r)
{
	const ib_contract *c = &r->u.place_order.contract;
	const ib_order *o = &r->u.place_order.order;
	int sv = e->server_version;

	put_int(e, r->u.place_order.order_id); /* no version field since ORDER_CONTAINER (145) */
	put_contract(e, c);
	put_empty(e);             /* secIdType */
	put_empty(e);             /* secId */
	put_field(e, o->action);
	put_dbl(e, o->total_qty);
	put_field(e, o->order_type);
	put_dbl(e, o->lmt_price);
	put_dbl(e, o->aux_price);
	put_field(e, o->tif);
	put_field(e, o->oca_group);
	put_field(e, o->account);
	put_empty(e);             /* openClose */
	put_int(e, 0);            /* origin: customer */
	put_field(e, o->order_ref);
	put_bool(e, o->transmit);
	put_int(e, o->parent_id);
	put_bool(e, false);       /* blockOrder */
	put_bool(e, false);       /* sweepToFill */
	put_int(e, 0);            /* displaySize */
	put_int(e, 0);            /* triggerMethod */
	put_bool(e, o->outside_rth);
	put_bool(e, false);       /* hidden */
	/* (BAG: combo legs, order combo legs, smart routing params -- refused in ib_enc_req) */
	put_empty(e);             /* deprecated sharesAllocation */
	put_int(e, 0);            /* discretionaryAmt */
	put_empty(e);             /* goodAfterTime */
	put_field(e, o->good_till_date);
	put_empty(e);             /* faGroup */
	put_empty(e);             /* faMethod */
	put_empty(e);             /* faPercentage */
	if (sv < IB_REQ_SV_FA_PROFILE_DESUPPORT)
		put_empty(e);     /* faProfile */
	put_empty(e);             /* modelCode */
	put_int(e, 0);            /* shortSaleSlot */
	put_empty(e);             /* designatedLocation */
	put_int(e, -1);           /* exemptCode */
	put_int(e, o->oca_type);
	put_empty(e);             /* rule80A */
	put_empty(e);             /* settlingFirm */
	put_bool(e, false);       /* allOrNone */
	put_empty(e);             /* minQty */
	put_empty(e);             /* percentOffset */
	put_bool(e, false);       /* eTradeOnly (deprecated) */
	put_bool(e, false);       /* firmQuoteOnly (deprecated) */
	put_empty(e);             /* nbboPriceCap (deprecated) */
	put_int(e, 0);            /* auctionStrategy */
	put_empty(e);             /* startingPrice */
	put_empty(e);             /* stockRefPrice */
	put_empty(e);             /* delta */
	put_empty(e);             /* stockRangeLower */
	put_empty(e);             /* stockRangeUpper */
	put_bool(e, false);       /* overridePercentageConstraints */
	put_empty(e);             /* volatility */
	put_empty(e);             /* volatilityType */
	put_empty(e);             /* deltaNeutralOrderType: empty, so no delta-neutral group */
	put_empty(e);             /* deltaNeutralAuxPrice */
	put_bool(e, false);       /* continuousUpdate */
	put_empty(e);             /* referencePriceType */
	put_opt_dbl(e, o->trail_stop_price);
	put_opt_dbl(e, o->trailing_percent);
	put_empty(e);             /* scaleInitLevelSize */
	put_empty(e);             /* scaleSubsLevelSize */
	put_empty(e);             /* scalePriceIncrement: unset, so no scale group */
	put_empty(e);             /* scaleTable */
	put_empty(e);             /* activeStartTime */
	put_empty(e);             /* activeStopTime */
	put_empty(e);             /* hedgeType: empty, so no hedgeParam */
	put_bool(e, false);       /* optOutSmartRouting */
	put_empty(e);             /* clearingAccount */
	put_empty(e);             /* clearingIntent */
	put_bool(e, false);       /* notHeld */
	put_bool(e, false);       /* deltaNeutralContract present */
	put_field(e, o->algo_strategy);
	if (o->algo_strategy[0] != '\0') { /* then the params: a count and tag/value pairs */
		put_int(e, o->algo_param_count);
		for (int32_t i = 0; i < o->algo_param_count && i < IB_ALGO_PARAMS_MAX; i++) {
			put_field(e, o->algo_params[i].tag);
			put_field(e, o->algo_params[i].value);
		}
	}
	put_empty(e);             /* algoId */
	put_bool(e, false);       /* whatIf */
	put_empty(e);             /* orderMiscOptions */
	put_bool(e, false);       /* solicited */
	put_bool(e, false);       /* randomizeSize */
	put_bool(e, false);       /* randomizePrice */
	/*
	 * ib_async adds the benchmark group for "PEG BENCH" or "PEGBENCH"; neither
	 * fits order_type[8] with its NUL, but an unterminated "PEGBENCH" goes out
	 * as is, so it gets the group too.
	 */
	if (FIELD_IS(o->order_type, "PEGBENCH")) {
		put_int(e, 0);    /* referenceContractId */
		put_bool(e, false); /* isPeggedChangeAmountDecrease */
		put_int(e, 0);    /* peggedChangeAmount */
		put_int(e, 0);    /* referenceChangeAmount */
		put_empty(e);     /* referenceExchangeId */
	}
	put_int(e, 0);            /* conditions count (none, so no ignoreRth/cancelOrder pair) */
	put_empty(e);             /* adjustedOrderType */
	put_empty(e);             /* triggerPrice */
	put_empty(e);             /* lmtPriceOffset */
	put_empty(e);             /* adjustedStopPrice */
	put_empty(e);             /* adjustedStopLimitPrice */
	put_empty(e);             /* adjustedTrailingAmount */
	put_int(e, 0);            /* adjustableTrailingUnit */
	put_empty(e);             /* extOperator */
	put_empty(e);             /* softDollarTier name */
	put_empty(e);             /* softDollarTier value */
	put_empty(e);             /* cashQty */
	put_empty(e);             /* mifid2DecisionMaker */
	put_empty(e);             /* mifid2DecisionAlgo */
	put_empty(e);             /* mifid2ExecutionTrader */
	put_empty(e);             /* mifid2ExecutionAlgo */
	put_bool(e, false);       /* dontUseAutoPriceForHedge */
	put_bool(e, false);       /* isOmsContainer */
	put_bool(e, false);       /* discretionaryUpToLimitPrice */
	put_empty(e);             /* usePriceMgmtAlgo: default */
	if (sv >= IB_REQ_SV_DURATION)
		put_empty(e);     /* duration */
	if (sv >= IB_REQ_SV_POST_TO_ATS)
		put_empty(e);     /* postToAts */
	if (sv >= IB_REQ_SV_AUTO_CANCEL_PARENT)
		put_bool(e, false); /* autoCancelParent */
	if (sv >= IB_SV_ADVANCED_ORDER_REJECT)
		put_empty(e);     /* advancedErrorOverride */
	if (sv >= IB_SV_MANUAL_ORDER_TIME)
		put_empty(e);     /* manualOrderTime */
	if (sv >= IB_REQ_SV_PEGBEST_PEGMID_OFFSETS) {
		if (FIELD_IS(c->exchange, "IBKRATS"))
			put_empty(e); /* minTradeQty */
		if (FIELD_IS(o->order_type, "PEGBEST")) {
			put_empty(e); /* minCompeteSize */
			put_empty(e); /* competeAgainstBestOffset: unset, not "up to mid", so no mid offsets */
		} else if (FIELD_IS(o->order_type, "PEG MID") || FIELD_IS(o->order_type, "PEGMID")) {
			put_empty(e); /* midOffsetAtWhole */
			put_empty(e); /* midOffsetAtHalf */
		}
	}
	if (sv >= IB_REQ_SV_CUSTOMER_ACCOUNT)
		put_empty(e);     /* customerAccount */
	if (sv >= IB_REQ_SV_PROFESSIONAL_CUSTOMER)
		put_bool(e, false); /* professionalCustomer */
	if (sv >= IB_REQ_SV_RFQ_FIELDS && sv < IB_REQ_SV_UNDO_RFQ_FIELDS) {
		put_empty(e);
		put_empty(e);
	}
	if (sv >= IB_REQ_SV_INCLUDE_OVERNIGHT)
		put_bool(e, false); /* includeOvernight */
	if (sv >= IB_SV_CME_TAGGING_FIELDS)
		put_empty(e);     /* manualOrderIndicator */
	if (sv >= IB_REQ_SV_IMBALANCE_ONLY)
		put_bool(e, false); /* imbalanceOnly */
}

static void
put_cancel_order(ib_enc *e, const ib_req *r)
{
	int sv = e->server_version;

	if (sv < IB_SV_CME_TAGGING_FIELDS)
		put_int(e, 1); /* version; dropped at 192 */
	put_int(e, r->u.cancel_order.order_id);
	if (sv >= IB_SV_MANUAL_ORDER_TIME)
		put_field(e, r->u.cancel_order.manual_cancel_time);
	if (sv >= IB_REQ_SV_RFQ_FIELDS && sv < IB_REQ_SV_UNDO_RFQ_FIELDS) {
		put_empty(e);
		put_empty(e);
		put_empty(e);
	}
	if (sv >= IB_SV_CME_TAGGING_FIELDS) {
		put_empty(e); /* extOperator */
		put_empty(e); /* manualOrderIndicator */
	}
}

static void
put_executions(ib_enc *e, const ib_req *r)
{
	const ib_exec_filter *f = &r->u.executions.filter;

	put_int(e, 3);
	put_int(e, r->u.executions.req_id);
	put_int(e, f->client_id);
	put_field(e, f->account);
	put_field(e, f->time);
	put_field(e, f->symbol);
	put_field(e, f->sec_type);
	put_field(e, f->exchange);
	put_field(e, f->side);
	if (e->server_version >= IB_REQ_SV_PARAMETRIZED_DAYS) {
		put_empty(e);  /* lastNDays */
		put_int(e, 0); /* specificDates count */
	}
}

/* Fields after the message id; contract-bearing requests are checked for BAG by the caller. */
static int
put_body(ib_enc *e, const ib_req *r)
{
	int sv = e->server_version;

	switch (r->id) {
	case IB_OUT_START_API:
		put_int(e, 2);
		put_int(e, r->u.start_api.client_id);
		put_field(e, r->u.start_api.capabilities); /* >= OPTIONAL_CAPABILITIES (72) */
		break;
	case IB_OUT_REQ_MKT_DATA:
		put_int(e, 11);
		put_int(e, r->u.mkt_data.req_id);
		put_contract(e, &r->u.mkt_data.contract);
		put_bool(e, false); /* deltaNeutralContract */
		put_field(e, r->u.mkt_data.generic_ticks);
		put_bool(e, r->u.mkt_data.snapshot);
		put_bool(e, r->u.mkt_data.regulatory_snapshot);
		put_empty(e);       /* mktDataOptions */
		break;
	case IB_OUT_CANCEL_MKT_DATA:
		put_int(e, 2);
		put_int(e, r->u.cancel.req_id);
		break;
	case IB_OUT_PLACE_ORDER:
		put_place_order(e, r);
		break;
	case IB_OUT_CANCEL_ORDER:
		put_cancel_order(e, r);
		break;
	case IB_OUT_REQ_GLOBAL_CANCEL:
		/* as cancelOrder: a version until 192, then the two CME tagging fields instead */
		if (sv < IB_SV_CME_TAGGING_FIELDS) {
			put_int(e, 1);
		} else {
			put_empty(e); /* extOperator */
			put_empty(e); /* manualOrderIndicator */
		}
		break;
	case IB_OUT_REQ_OPEN_ORDERS:
	case IB_OUT_REQ_MANAGED_ACCTS:
	case IB_OUT_REQ_CURRENT_TIME:
	case IB_OUT_REQ_POSITIONS:
	case IB_OUT_CANCEL_POSITIONS:
		put_int(e, 1);
		break;
	case IB_OUT_REQ_ACCT_DATA:
		put_int(e, 2);
		put_bool(e, r->u.acct_data.subscribe);
		put_field(e, r->u.acct_data.account);
		break;
	case IB_OUT_REQ_EXECUTIONS:
		put_executions(e, r);
		break;
	case IB_OUT_REQ_IDS:
		put_int(e, 1);
		put_int(e, r->u.ids.num_ids);
		break;
	case IB_OUT_REQ_CONTRACT_DATA:
		put_int(e, 8);
		put_int(e, r->u.contract_data.req_id);
		put_contract(e, &r->u.contract_data.contract);
		put_bool(e, r->u.contract_data.include_expired);
		put_empty(e); /* secIdType */
		put_empty(e); /* secId */
		if (sv >= IB_SV_BOND_ISSUERID)
			put_empty(e); /* issuerId */
		break;
	case IB_OUT_REQ_MKT_DEPTH:
		put_int(e, 5);
		put_int(e, r->u.mkt_depth.req_id);
		put_contract(e, &r->u.mkt_depth.contract);
		put_int(e, r->u.mkt_depth.num_rows);
		put_bool(e, r->u.mkt_depth.is_smart);
		put_empty(e); /* mktDepthOptions */
		break;
	case IB_OUT_CANCEL_MKT_DEPTH:
		put_int(e, 1);
		put_int(e, r->u.cancel_mkt_depth.req_id);
		put_bool(e, r->u.cancel_mkt_depth.is_smart);
		break;
	case IB_OUT_REQ_MARKET_DATA_TYPE:
		put_int(e, 1);
		put_int(e, r->u.market_data_type.type);
		break;
	case IB_OUT_REQ_ACCOUNT_SUMMARY:
		put_int(e, 1);
		put_int(e, r->u.account_summary.req_id);
		put_field(e, r->u.account_summary.group);
		put_field(e, r->u.account_summary.tags);
		break;
	case IB_OUT_CANCEL_ACCOUNT_SUMMARY:
		put_int(e, 1);
		put_int(e, r->u.cancel.req_id);
		break;
	case IB_OUT_REQ_TICK_BY_TICK: /* no version field */
		put_int(e, r->u.tick_by_tick.req_id);
		put_contract(e, &r->u.tick_by_tick.contract);
		put_field(e, r->u.tick_by_tick.tick_type);
		put_int(e, r->u.tick_by_tick.number_of_ticks);
		put_bool(e, r->u.tick_by_tick.ignore_size);
		break;
	case IB_OUT_CANCEL_TICK_BY_TICK:
	case IB_OUT_CANCEL_PNL:
	case IB_OUT_CANCEL_PNL_SINGLE: /* no version field */
		put_int(e, r->u.cancel.req_id);
		break;
	case IB_OUT_REQ_HISTORICAL_DATA: /* no version field since SYNT_REALTIME_BARS (124) */
		put_int(e, r->u.historical_data.req_id);
		put_contract(e, &r->u.historical_data.contract);
		put_bool(e, r->u.historical_data.include_expired);
		put_field(e, r->u.historical_data.end_date_time);
		put_field(e, r->u.historical_data.bar_size);
		put_field(e, r->u.historical_data.duration);
		put_bool(e, r->u.historical_data.use_rth);
		put_field(e, r->u.historical_data.what_to_show);
		put_int(e, r->u.historical_data.format_date);
		put_bool(e, r->u.historical_data.keep_up_to_date);
		put_empty(e); /* chartOptions */
		break;
	case IB_OUT_CANCEL_HISTORICAL_DATA:
	case IB_OUT_CANCEL_REAL_TIME_BARS:
		put_int(e, 1);
		put_int(e, r->u.cancel.req_id);
		break;
	case IB_OUT_REQ_REAL_TIME_BARS:
		put_int(e, 3);
		put_int(e, r->u.realtime_bars.req_id);
		put_contract(e, &r->u.realtime_bars.contract);
		put_int(e, r->u.realtime_bars.bar_size);
		put_field(e, r->u.realtime_bars.what_to_show);
		put_bool(e, r->u.realtime_bars.use_rth);
		put_empty(e); /* realTimeBarsOptions */
		break;
	case IB_OUT_REQ_PNL:
	case IB_OUT_REQ_PNL_SINGLE: /* no version field */
		put_int(e, r->u.pnl.req_id);
		put_field(e, r->u.pnl.account);
		put_field(e, r->u.pnl.model_code);
		if (r->id == IB_OUT_REQ_PNL_SINGLE)
			put_int(e, r->u.pnl.con_id);
		break;
	default:
		return IB_EUNKNOWN;
	}
	return IB_OK;
}

int
ib_enc_req(ib_enc *e, const ib_req *r)
{
	size_t start = e->len;
	int sv = e->server_version;
	const ib_contract *bag = NULL;

	e->err = IB_OK;
	e->errstr[0] = '\0';
	/* First, before anything else can return: the readonly guarantee. */
	if (e->readonly && ib_req_is_order(r->id))
		return fail(e, start, IB_EREADONLY, r->id, "order messages are refused on a readonly connection");
	if (sv < IB_CLIENT_MIN || sv >= IB_SV_PROTOBUF)
		return fail(e, start, IB_EVERSION, r->id, "server version %d outside the text layouts %d..%d", sv,
			    IB_CLIENT_MIN, IB_SV_PROTOBUF - 1);
	/* BAG changes the layout (combo legs follow the contract) and ib_contract has no legs. */
	if (r->id == IB_OUT_REQ_MKT_DATA)
		bag = &r->u.mkt_data.contract;
	else if (r->id == IB_OUT_PLACE_ORDER)
		bag = &r->u.place_order.contract;
	else if (r->id == IB_OUT_REQ_HISTORICAL_DATA)
		bag = &r->u.historical_data.contract;
	if (bag && FIELD_IS(bag->sec_type, "BAG"))
		return fail(e, start, IB_EINVAL, r->id, "BAG contracts need combo legs, which ib_contract cannot carry");
	if (r->id == IB_OUT_PLACE_ORDER && (r->u.place_order.order.algo_param_count < 0 ||
					    r->u.place_order.order.algo_param_count > IB_ALGO_PARAMS_MAX))
		return fail(e, start, IB_EINVAL, r->id, "algo_param_count %d outside 0..%d",
			    (int)r->u.place_order.order.algo_param_count, IB_ALGO_PARAMS_MAX);
	if (r->id == IB_OUT_REQ_HISTORICAL_DATA && r->u.historical_data.keep_up_to_date &&
	    r->u.historical_data.end_date_time[0] != '\0')
		return fail(e, start, IB_EINVAL, r->id, "keepUpToDate needs an empty endDateTime (IB refuses both)");
	/* As the official clients do: refuse rather than silently drop what the server cannot take. */
	if (r->id == IB_OUT_CANCEL_ORDER && sv < IB_SV_MANUAL_ORDER_TIME && r->u.cancel_order.manual_cancel_time[0])
		return fail(e, start, IB_EVERSION, r->id, "manualOrderCancelTime needs server version %d, not %d",
			    IB_SV_MANUAL_ORDER_TIME, sv);
	if (e->cap - e->len < 4)
		return fail(e, start, IB_ENOSPC, r->id, "buffer full");
	e->len += 4; /* the length prefix, written last */
	put_int(e, r->id);
	if (put_body(e, r) == IB_EUNKNOWN)
		return fail(e, start, IB_EUNKNOWN, r->id, "not a request ibpipe encodes");
	if (e->err == IB_ENOSPC)
		return fail(e, start, IB_ENOSPC, r->id, "does not fit in %zu bytes of buffer", e->cap - start);
	if (e->err != IB_OK)
		return fail(e, start, e->err, r->id, "a price, quantity or strike is not a finite number");
	ib_be32_put(e->buf + start, (uint32_t)(e->len - start - 4));
	return IB_OK;
}

int
ib_enc_handshake(ib_enc *e, int min_version, int max_version, const char *options)
{
	size_t optlen = options ? strlen(options) : 0;
	size_t n, need;
	char range[32];
	int k;

	e->err = IB_OK;
	e->errstr[0] = '\0';
	/* A text-only client must not advertise the binary (protobuf) versions. */
	if (min_version < 1 || max_version < min_version || max_version >= IB_SV_PROTOBUF) {
		e->err = IB_EINVAL;
		snprintf(e->errstr, sizeof(e->errstr), "handshake: bad version range v%d..%d (need 1 <= min <= max < %d)",
			 min_version, max_version, IB_SV_PROTOBUF);
		return IB_EINVAL;
	}
	k = snprintf(range, sizeof(range), "v%d..%d", min_version, max_version);
	n = (size_t)k + (optlen ? 1 + optlen : 0);
	need = 4 + 4 + n;
	if (n > IB_MAX_FRAME || e->cap - e->len < need) {
		e->err = IB_ENOSPC;
		snprintf(e->errstr, sizeof(e->errstr), "handshake: needs %zu bytes of buffer", need);
		return IB_ENOSPC;
	}
	char *p = e->buf + e->len;
	memcpy(p, "API", 4); /* with its NUL: the 4 magic bytes */
	ib_be32_put(p + 4, (uint32_t)n);
	memcpy(p + 8, range, (size_t)k);
	if (optlen) {
		p[8 + k] = ' ';
		/* the options end the payload, whose length is in the header: no NUL on the wire */
		memcpy(p + 9 + k, options, optlen); /* NOLINT(bugprone-not-null-terminated-result) */
	}
	e->len += need;
	return IB_OK;
}
