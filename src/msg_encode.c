/*
 * msg_encode.c - requests to frames.
 *
 * Each request appends one complete frame (length prefix included) to the
 * caller's buffer; on any failure the buffer is rolled back, so a frame is
 * either whole or absent.  Unset doubles and ints are sent as empty fields,
 * as the official clients do.  placeOrder follows the official field
 * sequence at server versions 157..176 (as ib_async's client.py lays it out).
 * The readonly check lives here and only here: no order frame can be built
 * on a readonly encoder, whatever the caller.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/req.h"

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
	return id == IB_OUT_PLACE_ORDER || id == IB_OUT_CANCEL_ORDER;
}

/* ---- field writers: they mark overflow in e->err and keep going; the frame is checked at the end ---- */

static void
put_raw(ib_enc *e, const char *s, size_t n)
{
	if (e->err != IB_OK)
		return;
	if (e->len + n + 1 > e->cap) {
		e->err = IB_ENOSPC;
		return;
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len++] = '\0';
}

static void
put_str(ib_enc *e, const char *s)
{
	put_raw(e, s, strlen(s));
}

static void
put_int(ib_enc *e, long long v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", v);
	put_raw(e, tmp, (size_t)n);
}

/* IB's "unset" int is sent as an empty field. */
static void
put_int_max(ib_enc *e, long long v)
{
	if (v == IB_UNSET_INT)
		put_raw(e, "", 0);
	else
		put_int(e, v);
}

static void
put_bool(ib_enc *e, bool v)
{
	put_raw(e, v ? "1" : "0", 1);
}

static void
put_dbl(ib_enc *e, double v)
{
	char tmp[40];
	int n;

	if (v == IB_UNSET_DOUBLE || !isfinite(v)) {
		put_raw(e, "", 0);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	put_raw(e, tmp, (size_t)n);
}

static void
put_contract(ib_enc *e, const ib_contract *c, bool primary)
{
	put_int(e, c->con_id);
	put_str(e, c->symbol);
	put_str(e, c->sec_type);
	put_str(e, c->last_trade_date);
	put_dbl(e, c->strike);
	put_str(e, c->right);
	put_str(e, c->multiplier);
	put_str(e, c->exchange);
	if (primary)
		put_str(e, c->primary_exchange);
	put_str(e, c->currency);
	put_str(e, c->local_symbol);
	put_str(e, c->trading_class);
}

static void
put_place_order(ib_enc *e, const ib_req *r)
{
	const ib_contract *c = &r->u.place_order.contract;
	const ib_order *o = &r->u.place_order.order;
	int sv = e->server_version;

	put_int(e, r->u.place_order.order_id);
	put_contract(e, c, true);
	put_str(e, "");           /* secIdType */
	put_str(e, "");           /* secId */
	put_str(e, o->action);
	put_dbl(e, o->total_qty);
	put_str(e, o->order_type);
	put_dbl(e, o->lmt_price);
	put_dbl(e, o->aux_price);
	put_str(e, o->tif);
	put_str(e, "");           /* ocaGroup */
	put_str(e, o->account);
	put_str(e, "");           /* openClose */
	put_int(e, 0);            /* origin: customer */
	put_str(e, o->order_ref);
	put_bool(e, o->transmit);
	put_int(e, 0);            /* parentId */
	put_bool(e, false);       /* blockOrder */
	put_bool(e, false);       /* sweepToFill */
	put_int(e, 0);            /* displaySize */
	put_int(e, 0);            /* triggerMethod */
	put_bool(e, o->outside_rth);
	put_bool(e, false);       /* hidden */
	put_str(e, "");           /* deprecated sharesAllocation */
	put_dbl(e, 0);            /* discretionaryAmt */
	put_str(e, "");           /* goodAfterTime */
	put_str(e, "");           /* goodTillDate */
	put_str(e, "");           /* faGroup */
	put_str(e, "");           /* faMethod */
	put_str(e, "");           /* faPercentage */
	if (sv < 177)
		put_str(e, "");   /* faProfile */
	put_str(e, "");           /* modelCode */
	put_int(e, 0);            /* shortSaleSlot */
	put_str(e, "");           /* designatedLocation */
	put_int(e, -1);           /* exemptCode */
	put_int(e, 0);            /* ocaType */
	put_str(e, "");           /* rule80A */
	put_str(e, "");           /* settlingFirm */
	put_bool(e, false);       /* allOrNone */
	put_int_max(e, IB_UNSET_INT);   /* minQty */
	put_dbl(e, IB_UNSET_DOUBLE);    /* percentOffset */
	put_bool(e, false);       /* eTradeOnly */
	put_bool(e, false);       /* firmQuoteOnly */
	put_dbl(e, IB_UNSET_DOUBLE);    /* nbboPriceCap */
	put_int(e, 0);            /* auctionStrategy */
	for (int i = 0; i < 5; i++)
		put_dbl(e, IB_UNSET_DOUBLE); /* startingPrice stockRefPrice delta stockRangeLower stockRangeUpper */
	put_bool(e, false);       /* overridePercentageConstraints */
	put_dbl(e, IB_UNSET_DOUBLE);    /* volatility */
	put_int_max(e, IB_UNSET_INT);   /* volatilityType */
	put_str(e, "");           /* deltaNeutralOrderType */
	put_dbl(e, IB_UNSET_DOUBLE);    /* deltaNeutralAuxPrice */
	put_bool(e, false);       /* continuousUpdate */
	put_int_max(e, IB_UNSET_INT);   /* referencePriceType */
	put_dbl(e, IB_UNSET_DOUBLE);    /* trailStopPrice */
	put_dbl(e, IB_UNSET_DOUBLE);    /* trailingPercent */
	put_int_max(e, IB_UNSET_INT);   /* scaleInitLevelSize */
	put_int_max(e, IB_UNSET_INT);   /* scaleSubsLevelSize */
	put_dbl(e, IB_UNSET_DOUBLE);    /* scalePriceIncrement */
	put_str(e, "");           /* scaleTable */
	put_str(e, "");           /* activeStartTime */
	put_str(e, "");           /* activeStopTime */
	put_str(e, "");           /* hedgeType */
	put_bool(e, false);       /* optOutSmartRouting */
	put_str(e, "");           /* clearingAccount */
	put_str(e, "");           /* clearingIntent */
	put_bool(e, false);       /* notHeld */
	put_bool(e, false);       /* deltaNeutralContract present */
	put_str(e, "");           /* algoStrategy */
	put_str(e, "");           /* algoId */
	put_bool(e, false);       /* whatIf */
	put_str(e, "");           /* orderMiscOptions */
	put_bool(e, false);       /* solicited */
	put_bool(e, false);       /* randomizeSize */
	put_bool(e, false);       /* randomizePrice */
	put_int(e, 0);            /* conditions count */
	put_str(e, "");           /* adjustedOrderType */
	for (int i = 0; i < 5; i++)
		put_dbl(e, IB_UNSET_DOUBLE); /* triggerPrice lmtPriceOffset adjustedStopPrice adjustedStopLimitPrice adjustedTrailingAmount */
	put_int(e, 0);            /* adjustableTrailingUnit */
	put_str(e, "");           /* extOperator */
	put_str(e, "");           /* softDollarTier name */
	put_str(e, "");           /* softDollarTier value */
	put_dbl(e, IB_UNSET_DOUBLE);    /* cashQty */
	for (int i = 0; i < 4; i++)
		put_str(e, "");   /* mifid2 decision maker/algo, execution trader/algo */
	put_bool(e, false);       /* dontUseAutoPriceForHedge */
	put_bool(e, false);       /* isOmsContainer */
	put_bool(e, false);       /* discretionaryUpToLimitPrice */
	put_str(e, "");           /* usePriceMgmtAlgo: default */
	if (sv >= 158)
		put_int_max(e, IB_UNSET_INT); /* duration */
	if (sv >= 160)
		put_int_max(e, IB_UNSET_INT); /* postToAts */
	if (sv >= 162)
		put_bool(e, false);        /* autoCancelParent */
	if (sv >= 166)
		put_str(e, "");            /* advancedErrorOverride */
	if (sv >= IB_SV_MANUAL_ORDER_TIME)
		put_str(e, "");            /* manualOrderTime */
	if (sv >= 170 && strcmp(c->exchange, "IBKRATS") == 0)
		put_int_max(e, IB_UNSET_INT); /* minTradeQty */
}

static int
fail(ib_enc *e, size_t start, int err, const char *why, int32_t id)
{
	e->len = start;
	e->err = err;
	snprintf(e->errstr, sizeof(e->errstr), "request %d: %s", id, why);
	return err;
}

int
ib_enc_req(ib_enc *e, const ib_req *r)
{
	size_t start = e->len;
	int sv = e->server_version;

	if (e->readonly && ib_req_is_order(r->id))
		return fail(e, start, IB_EREADONLY, "order messages are refused on a readonly connection", r->id);
	if (e->cap - e->len < 4)
		return fail(e, start, IB_ENOSPC, "buffer full", r->id);
	e->err = IB_OK;
	e->len += 4; /* length prefix, filled in below */
	put_int(e, r->id);
	switch (r->id) {
	case IB_OUT_START_API:
		put_int(e, 2);
		put_int(e, r->u.start_api.client_id);
		if (sv >= IB_SV_OPTIONAL_CAPABILITIES || sv == 0)
			put_str(e, r->u.start_api.capabilities);
		break;
	case IB_OUT_REQ_MKT_DATA:
		put_int(e, 11);
		put_int(e, r->u.mkt_data.req_id);
		put_contract(e, &r->u.mkt_data.contract, true);
		put_bool(e, false); /* deltaNeutralContract */
		put_str(e, r->u.mkt_data.generic_ticks);
		put_bool(e, r->u.mkt_data.snapshot);
		put_bool(e, r->u.mkt_data.regulatory_snapshot);
		put_str(e, ""); /* mktDataOptions */
		break;
	case IB_OUT_CANCEL_MKT_DATA:
		put_int(e, 2);
		put_int(e, r->u.cancel.req_id);
		break;
	case IB_OUT_PLACE_ORDER:
		put_place_order(e, r);
		break;
	case IB_OUT_CANCEL_ORDER:
		if (sv < IB_SV_CME_TAGGING_FIELDS)
			put_int(e, 1);
		put_int(e, r->u.cancel_order.order_id);
		if (sv >= IB_SV_MANUAL_ORDER_TIME)
			put_str(e, r->u.cancel_order.manual_cancel_time);
		if (sv >= IB_SV_CME_TAGGING_FIELDS) {
			put_str(e, "");
			put_int_max(e, IB_UNSET_INT);
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
		put_str(e, r->u.acct_data.account);
		break;
	case IB_OUT_REQ_EXECUTIONS: {
		const ib_exec_filter *f = &r->u.executions.filter;
		put_int(e, 3);
		put_int(e, r->u.executions.req_id);
		put_int(e, f->client_id);
		put_str(e, f->account);
		put_str(e, f->time);
		put_str(e, f->symbol);
		put_str(e, f->sec_type);
		put_str(e, f->exchange);
		put_str(e, f->side);
		break;
	}
	case IB_OUT_REQ_IDS:
		put_int(e, 1);
		put_int(e, r->u.ids.num_ids);
		break;
	case IB_OUT_REQ_CONTRACT_DATA:
		put_int(e, 8);
		put_int(e, r->u.contract_data.req_id);
		put_contract(e, &r->u.contract_data.contract, true);
		put_bool(e, r->u.contract_data.include_expired);
		put_str(e, ""); /* secIdType */
		put_str(e, ""); /* secId */
		if (sv >= IB_SV_BOND_ISSUERID)
			put_str(e, ""); /* issuerId */
		break;
	case IB_OUT_REQ_MKT_DEPTH:
		put_int(e, 5);
		put_int(e, r->u.mkt_depth.req_id);
		put_contract(e, &r->u.mkt_depth.contract, true);
		put_int(e, r->u.mkt_depth.num_rows);
		put_bool(e, r->u.mkt_depth.is_smart);
		put_str(e, ""); /* mktDepthOptions */
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
		put_str(e, r->u.account_summary.group);
		put_str(e, r->u.account_summary.tags);
		break;
	case IB_OUT_CANCEL_ACCOUNT_SUMMARY:
		put_int(e, 1);
		put_int(e, r->u.cancel.req_id);
		break;
	case IB_OUT_REQ_TICK_BY_TICK:
		put_int(e, r->u.tick_by_tick.req_id);
		put_contract(e, &r->u.tick_by_tick.contract, true);
		put_str(e, r->u.tick_by_tick.tick_type);
		put_int(e, r->u.tick_by_tick.number_of_ticks);
		put_bool(e, r->u.tick_by_tick.ignore_size);
		break;
	case IB_OUT_CANCEL_TICK_BY_TICK:
		put_int(e, r->u.cancel.req_id);
		break;
	default:
		return fail(e, start, IB_EINVAL, "unknown request id", r->id);
	}
	if (e->err != IB_OK)
		return fail(e, start, e->err, "buffer too small", r->id);
	ib_be32_put(e->buf + start, (uint32_t)(e->len - start - 4));
	return IB_OK;
}

int
ib_enc_handshake(ib_enc *e, int min_version, int max_version, const char *options)
{
	char range[96];
	int n = snprintf(range, sizeof(range), "v%d..%d%s%s", min_version, max_version, options && *options ? " " : "",
			 options ? options : "");

	if (n < 0 || (size_t)n >= sizeof(range) || e->len + 8 + (size_t)n > e->cap) {
		e->err = IB_ENOSPC;
		return IB_ENOSPC;
	}
	memcpy(e->buf + e->len, "API\0", 4);
	ib_be32_put(e->buf + e->len + 4, (uint32_t)n);
	memcpy(e->buf + e->len + 8, range, (size_t)n);
	e->len += 8 + (size_t)n;
	return IB_OK;
}
