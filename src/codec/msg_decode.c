/*
 * msg_decode.c - inbound frames to typed messages, at a negotiated version.
 *
 * One function per message, each a straight walk over the fields in the
 * order the official client's decoder reads them at that server version;
 * the first failing field stops the walk and is reported with its index
 * and name.  Strings stay views into the frame; nothing is allocated and
 * the union is never cleared as a whole (ticks write five fields, not 300
 * bytes).
 *
 * Invariant: every read goes through an ib_fields cursor, whose end sits
 * just past the payload's last NUL (wire.c), so any scan that starts below
 * end stops at a NUL inside the payload.  The inline getters below rely on
 * that and only take the shapes they can finish exactly; anything else
 * (missing field, exponent, 16+ digits, junk) is handed to wire.c's getter
 * at the same position, which defines the result and records the error.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codec/msg.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/*
 * Server versions that gate fields below and that ib.h does not name
 * (values from the official client's list).  Layouts above IB_CLIENT_MAX
 * follow that client too but no vector covers them.
 */
enum {
	SV_PEGGED_TO_BENCHMARK = 102,
	SV_MODELS_SUPPORT = 103,
	SV_SOFT_DOLLAR_TIER = 106,
	SV_MD_SIZE_MULTIPLIER = 110,
	SV_CASH_QTY = 111,
	SV_AGG_GROUP = 121,
	SV_UNDERLYING_INFO = 122,
	SV_MARKET_RULES = 126,
	SV_REAL_EXPIRATION_DATE = 134,
	SV_AUTO_PRICE_FOR_HEDGE = 141,
	SV_WHAT_IF_EXT_FIELDS = 142,
	SV_SMART_DEPTH = 146,
	SV_D_PEG_ORDERS = 148,
	SV_PRICE_MGMT_ALGO = 151,
	SV_STOCK_TYPE = 152,
	SV_DURATION = 158,
	SV_POST_TO_ATS = 160,
	SV_AUTO_CANCEL_PARENT = 162,
	SV_FRACTIONAL_SIZE_SUPPORT = 163,
	SV_PEGBEST_PEGMID_OFFSETS = 170,
	SV_FA_PROFILE_DESUPPORT = 177,
	SV_FUND_DATA_FIELDS = 179,
	SV_CUSTOMER_ACCOUNT = 183,
	SV_PROFESSIONAL_CUSTOMER = 184,
	SV_BOND_ACCRUED_INTEREST = 185,
	SV_INELIGIBILITY_REASONS = 186,
	SV_INCLUDE_OVERNIGHT = 189,
	SV_CME_TAGGING_FIELDS_IN_OPEN_ORDER = 193,
	SV_FULL_ORDER_PREVIEW_FIELDS = 195,
	SV_HISTORICAL_DATA_END = 196,
	SV_IMBALANCE_ONLY = 199,
};

/* Inbound ids this decoder only names and skips (ib.h names the others). */
enum {
	IN_POSITION_MULTI = 71,
	IN_POSITION_MULTI_END = 72,
	IN_TICK_NEWS = 84,
	IN_MARKET_RULE = 93,
	IN_ORDER_BOUND = 100,
};

/* A count on the wire above this is junk, not a list to walk. */
#define MAX_COUNT (1 << 16)

static const ib_str EMPTY = { "", 0 };

/* One decode: the cursor, plus what to say if it stops. */
struct dec {
	ib_fields c;
	int sv;
	const char *what; /* name of the field that failed */
	const char *why;  /* reason, when not the cursor's status */
};

/*
 * GET(call, "name"): the name is stored only on the failure branch, so
 * naming every field costs the hot path nothing.
 */
#define GET(call, name)                                                                                              \
	do {                                                                                                         \
		if (UNLIKELY((call) != IB_OK)) {                                                                     \
			d->what = (name);                                                                            \
			return d->c.err;                                                                             \
		}                                                                                                    \
	} while (0)

/* ---- scanners: the common shapes of a field, on a bare pointer ---- */

/*
 * Each takes p below the payload's end (so a NUL ends every scan inside
 * the payload), and either parses the whole field, moves *pp past its NUL
 * and returns true, or returns false having moved nothing: then wire.c's
 * getter, at the same place, decides (slow shapes, range errors, junk).
 */

static const double pow10_exact[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* An optional '-' and at most maxd digits (9 always fit an int32, 18 an int64); empty is 0. */
static ALWAYS_INLINE bool
scan_int(const char **pp, int maxd, int64_t *out)
{
	const char *p = *pp, *q = p;
	uint64_t v = 0;
	unsigned dg = (unsigned)(unsigned char)*p - '0';
	bool neg = false;

	/* one digit -- versions, tick types, flags, most of a tick's fields -- in a few instructions;
	   p[1] is inside the payload because p[0] is not its final NUL */
	if (dg <= 9 && p[1] == '\0') {
		*out = dg;
		*pp = p + 2;
		return true;
	}
	if (UNLIKELY(*q == '-')) {
		neg = true;
		if ((unsigned)(unsigned char)*++q - '0' > 9)
			return false; /* "-" alone or "-x" */
		p = q;
	}
	while ((dg = (unsigned)(unsigned char)*q - '0') <= 9) {
		v = v * 10 + dg; /* wraps only on long runs, which maxd rejects */
		q++;
	}
	if (UNLIKELY(*q != '\0' || q - p > maxd))
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	*pp = q + 1;
	return true;
}

static ALWAYS_INLINE bool
scan_i32(const char **pp, int32_t *out)
{
	int64_t v;

	if (!scan_int(pp, 9, &v))
		return false;
	*out = (int32_t)v;
	return true;
}

/*
 * Plain decimals with at most 15 significant digits: the mantissa is exact
 * in a double and so is 10^frac, so one division rounds correctly -- the
 * same operation, hence the same bits, as wire.c's Clinger fast path.
 * Empty is 0.
 */
static ALWAYS_INLINE bool
scan_f64(const char **pp, double *out)
{
	const char *p = *pp;
	bool neg = *p == '-';
	const char *s = p + neg, *q = s, *dot = NULL;
	uint64_t m = 0;
	unsigned dg;
	int nd, frac = 0;

	while ((dg = (unsigned)(unsigned char)*q - '0') <= 9) {
		m = m * 10 + dg; /* wraps only past 19 digits, which nd rejects */
		q++;
	}
	if (*q == '.') {
		dot = q++;
		while ((dg = (unsigned)(unsigned char)*q - '0') <= 9) {
			m = m * 10 + dg;
			q++;
		}
		frac = (int)(q - dot - 1);
	}
	nd = (int)(q - s) - (dot != NULL);
	if (UNLIKELY(*q != '\0' || nd > 15 || nd == 0)) {
		if (*q != '\0' || q != p) /* anything but the empty field */
			return false;
		*out = 0.0;
		*pp = q + 1;
		return true;
	}
	double v = (double)m;
	if (frac)
		v /= pow10_exact[frac];
	*out = neg ? -v : v;
	*pp = q + 1;
	return true;
}

/* ---- cursor getters: the scanners, else wire.c (which also reports missing fields) ---- */

/* Out-of-line copies for the ~100 general call sites; the tick path inlines the originals. */
static bool __attribute__((noinline))
scan_int_call(const char **pp, int maxd, int64_t *out)
{
	return scan_int(pp, maxd, out);
}

static bool __attribute__((noinline))
scan_f64_call(const char **pp, double *out)
{
	return scan_f64(pp, out);
}

static inline int
get_i32(ib_fields *c, int32_t *out)
{
	const char *p = c->p;
	int64_t v;

	if (LIKELY(p < c->end && scan_int_call(&p, 9, &v))) {
		*out = (int32_t)v;
		c->p = p;
		c->idx++;
		return IB_OK;
	}
	return ib_fields_i32(c, out);
}

static inline int
get_i64(ib_fields *c, int64_t *out)
{
	const char *p = c->p;

	if (LIKELY(p < c->end && scan_int_call(&p, 18, out))) {
		c->p = p;
		c->idx++;
		return IB_OK;
	}
	return ib_fields_i64(c, out);
}

static inline int
get_f64(ib_fields *c, double *out)
{
	const char *p = c->p;

	if (LIKELY(p < c->end && scan_f64_call(&p, out))) {
		c->p = p;
		c->idx++;
		return IB_OK;
	}
	return ib_fields_f64(c, out);
}

static inline int
get_str(ib_fields *c, ib_str *out)
{
	const char *p = c->p;

	if (UNLIKELY(p >= c->end))
		return ib_fields_str(c, out);
	size_t n = strlen(p);
	out->p = p;
	out->len = (uint32_t)n;
	c->p = p + n + 1;
	c->idx++;
	return IB_OK;
}

static inline int
get_bool(ib_fields *c, bool *out)
{
	int32_t v;
	int rc = get_i32(c, &v);

	if (rc == IB_OK)
		*out = v != 0;
	return rc;
}

/* Skip n fields; short ones mostly, so a byte loop beats a strlen call. */
static inline int
skip(ib_fields *c, int n)
{
	const char *p = c->p;

	for (int i = 0; i < n; i++) {
		if (UNLIKELY(p >= c->end)) {
			c->p = p;
			return ib_fields_skip(c, n - i);
		}
		while (*p)
			p++;
		p++;
		c->idx++;
	}
	c->p = p;
	return IB_OK;
}

/* A list count: 0..MAX_COUNT, else an error at the count's own field. */
static int
get_count(struct dec *d, int32_t *n, const char *name)
{
	GET(get_i32(&d->c, n), name);
	if (*n < 0 || *n > MAX_COUNT) {
		d->c.err = IB_ENUM;
		d->c.err_idx = d->c.idx - 1;
		d->what = name;
		d->why = "count out of range";
		return IB_ENUM;
	}
	return IB_OK;
}

#define COUNT(n, name)                                                                                               \
	do {                                                                                                         \
		if (get_count(d, &(n), (name)) != IB_OK)                                                             \
			return d->c.err;                                                                             \
	} while (0)

/* ---- contract blocks ---- */

enum contract_shape {
	CONTRACT_ORDER,     /* openOrder, execDetails, position: ... multiplier exchange currency ... */
	CONTRACT_PORTFOLIO, /* portfolioValue: ... multiplier primaryExchange currency ... (no exchange) */
};

static int
dec_contract(struct dec *d, ib_contract_view *v, enum contract_shape shape, bool trading_class)
{
	ib_fields *c = &d->c;

	GET(get_i32(c, &v->con_id), "conId");
	GET(get_str(c, &v->symbol), "symbol");
	GET(get_str(c, &v->sec_type), "secType");
	GET(get_str(c, &v->last_trade_date), "lastTradeDateOrContractMonth");
	GET(get_f64(c, &v->strike), "strike");
	GET(get_str(c, &v->right), "right");
	GET(get_str(c, &v->multiplier), "multiplier");
	v->exchange = v->primary_exchange = EMPTY;
	if (shape == CONTRACT_PORTFOLIO)
		GET(get_str(c, &v->primary_exchange), "primaryExchange");
	else
		GET(get_str(c, &v->exchange), "exchange");
	GET(get_str(c, &v->currency), "currency");
	GET(get_str(c, &v->local_symbol), "localSymbol");
	v->trading_class = EMPTY;
	if (trading_class)
		GET(get_str(c, &v->trading_class), "tradingClass");
	return IB_OK;
}

/* ---- market data: the hot path ---- */

static int
dec_tick_price(struct dec *d, ib_tick_price *m)
{
	ib_fields *c = &d->c;

	GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "tickerId");
	GET(get_i32(c, &m->tick_type), "tickType");
	GET(get_f64(c, &m->price), "price");
	/* size and attrMask are read at the negotiated layout, whatever the version field says */
	GET(get_f64(c, &m->size), "size");
	GET(get_i32(c, &m->attr_mask), "attrMask");
	return IB_OK;
}

static int
dec_tick_size(struct dec *d, ib_tick_size *m)
{
	ib_fields *c = &d->c;

	GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "tickerId");
	GET(get_i32(c, &m->tick_type), "tickType");
	GET(get_f64(c, &m->size), "size");
	return IB_OK;
}

static int
dec_tick_generic(struct dec *d, ib_tick_generic *m)
{
	ib_fields *c = &d->c;

	GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "tickerId");
	GET(get_i32(c, &m->tick_type), "tickType");
	GET(get_f64(c, &m->value), "value");
	return IB_OK;
}

/* IB's "not computed" marker (-1 or -2, see msg.h), or a value no JSON can hold: unset. */
static double
opt_value(double v, double not_computed)
{
	return v == not_computed || !isfinite(v) ? IB_UNSET_DOUBLE : v;
}

/* Layout from server version 156 (tickAttrib, no version): below IB_CLIENT_MIN, never negotiated. */
static int
dec_tick_option(struct dec *d, ib_tick_option *m)
{
	ib_fields *c = &d->c;

	GET(get_i32(c, &m->req_id), "tickerId");
	GET(get_i32(c, &m->tick_type), "tickType");
	GET(get_i32(c, &m->tick_attrib), "tickAttrib");
	GET(get_f64(c, &m->implied_vol), "impliedVol");
	GET(get_f64(c, &m->delta), "delta");
	GET(get_f64(c, &m->opt_price), "optPrice");
	GET(get_f64(c, &m->pv_dividend), "pvDividend");
	GET(get_f64(c, &m->gamma), "gamma");
	GET(get_f64(c, &m->vega), "vega");
	GET(get_f64(c, &m->theta), "theta");
	GET(get_f64(c, &m->und_price), "undPrice");
	/* the official client: impliedVol < 0 is "not computed", whatever the negative */
	m->implied_vol = m->implied_vol < 0 ? IB_UNSET_DOUBLE : opt_value(m->implied_vol, -1);
	m->delta = opt_value(m->delta, -2);
	m->opt_price = opt_value(m->opt_price, -1);
	m->pv_dividend = opt_value(m->pv_dividend, -1);
	m->gamma = opt_value(m->gamma, -2);
	m->vega = opt_value(m->vega, -2);
	m->theta = opt_value(m->theta, -2);
	m->und_price = opt_value(m->und_price, -1);
	return IB_OK;
}

static int
dec_tick_string(struct dec *d, ib_tick_string *m)
{
	ib_fields *c = &d->c;

	GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "tickerId");
	GET(get_i32(c, &m->tick_type), "tickType");
	GET(get_str(c, &m->value), "value");
	return IB_OK;
}

static int
dec_tick_by_tick(struct dec *d, ib_tick_by_tick *m)
{
	ib_fields *c = &d->c;

	GET(get_i32(c, &m->req_id), "reqId");
	GET(get_i32(c, &m->type), "tickType");
	GET(get_i64(c, &m->time), "time");
	switch (m->type) {
	case 0: /* "None": the official clients accept it with no payload */
		return IB_OK;
	case IB_TBT_LAST:
	case IB_TBT_ALL_LAST:
		GET(get_f64(c, &m->price), "price");
		GET(get_f64(c, &m->size), "size");
		GET(get_i32(c, &m->attr_mask), "attrMask");
		GET(get_str(c, &m->exchange), "exchange");
		GET(get_str(c, &m->special_conditions), "specialConditions");
		return IB_OK;
	case IB_TBT_BID_ASK:
		GET(get_f64(c, &m->bid_price), "bidPrice");
		GET(get_f64(c, &m->ask_price), "askPrice");
		GET(get_f64(c, &m->bid_size), "bidSize");
		GET(get_f64(c, &m->ask_size), "askSize");
		GET(get_i32(c, &m->attr_mask), "attrMask");
		return IB_OK;
	case IB_TBT_MIDPOINT:
		GET(get_f64(c, &m->mid_point), "midPoint");
		return IB_OK;
	}
	c->err = IB_ENUM;
	c->err_idx = c->idx - 2;
	d->what = "tickType";
	d->why = "unknown tick-by-tick type";
	return IB_ENUM;
}

static int
dec_depth(struct dec *d, bool l2, ib_mkt_depth *m)
{
	ib_fields *c = &d->c;

	GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "tickerId");
	GET(get_i32(c, &m->position), "position");
	m->market_maker = EMPTY;
	m->is_smart = false;
	if (l2)
		GET(get_str(c, &m->market_maker), "marketMaker");
	GET(get_i32(c, &m->operation), "operation");
	GET(get_i32(c, &m->side), "side");
	GET(get_f64(c, &m->price), "price");
	GET(get_f64(c, &m->size), "size");
	if (l2 && d->sv >= SV_SMART_DEPTH)
		GET(get_bool(c, &m->is_smart), "isSmartDepth");
	return IB_OK;
}

static int
dec_tick_req_params(struct dec *d, ib_tick_req_params *m)
{
	ib_fields *c = &d->c;

	GET(get_i32(c, &m->ticker_id), "tickerId");
	GET(get_f64(c, &m->min_tick), "minTick");
	GET(get_str(c, &m->bbo_exchange), "bboExchange");
	GET(get_i32(c, &m->snapshot_permissions), "snapshotPermissions");
	return IB_OK;
}

static int
dec_market_data_type(struct dec *d, ib_market_data_type *m)
{
	GET(skip(&d->c, 1), "version");
	GET(get_i32(&d->c, &m->req_id), "reqId");
	GET(get_i32(&d->c, &m->type), "marketDataType");
	return IB_OK;
}

/* ---- orders ---- */

static int
dec_order_status(struct dec *d, ib_order_status *m)
{
	ib_fields *c = &d->c;

	if (d->sv < IB_SV_MARKET_CAP_PRICE)
		GET(skip(c, 1), "version");
	GET(get_i32(c, &m->order_id), "orderId");
	GET(get_str(c, &m->status), "status");
	GET(get_f64(c, &m->filled), "filled");
	GET(get_f64(c, &m->remaining), "remaining");
	GET(get_f64(c, &m->avg_fill_price), "avgFillPrice");
	GET(get_i64(c, &m->perm_id), "permId");
	GET(get_i32(c, &m->parent_id), "parentId");
	GET(get_f64(c, &m->last_fill_price), "lastFillPrice");
	GET(get_i32(c, &m->client_id), "clientId");
	GET(get_str(c, &m->why_held), "whyHeld");
	m->mkt_cap_price = 0;
	if (d->sv >= IB_SV_MARKET_CAP_PRICE)
		GET(get_f64(c, &m->mkt_cap_price), "mktCapPrice");
	return IB_OK;
}

/* Order conditions: fields after the type, per type (OrderCondition.readExternal and subclasses). */
static int
condition_fields(int32_t type)
{
	switch (type) {
	case 1: return 6; /* price: conjunction isMore price conId exchange triggerMethod */
	case 3: return 3; /* time: conjunction isMore time */
	case 4: return 3; /* margin: conjunction isMore percent */
	case 5: return 4; /* execution: conjunction secType exchange symbol */
	case 6: return 5; /* volume: conjunction isMore volume conId exchange */
	case 7: return 5; /* percent change: conjunction isMore changePercent conId exchange */
	}
	return -1;
}

/*
 * openOrder: the official order decoder's sequence (EOrderDecoder), with
 * the version gates it applies.  Since 145 there is no version field and
 * the decoder's own version is the server version, so every old
 * per-message gate (<= 34) is open.  Only the fields ibpipe keeps are
 * parsed; the variable groups are walked so the order state -- status --
 * is found where it is, and so a frame cut short is an error, not a
 * half-read order.
 */
static int
dec_open_order(struct dec *d, ib_open_order *m)
{
	ib_fields *c = &d->c;
	int sv = d->sv;
	ib_str s;
	int32_t n;
	double x;

	if (sv < IB_SV_ORDER_CONTAINER)
		GET(skip(c, 1), "version");
	GET(get_i32(c, &m->order_id), "orderId");
	if (dec_contract(d, &m->contract, CONTRACT_ORDER, true) != IB_OK)
		return c->err;
	GET(get_str(c, &m->action), "action");
	GET(get_f64(c, &m->total_qty), "totalQuantity");
	GET(get_str(c, &m->order_type), "orderType");
	GET(get_f64(c, &m->lmt_price), "lmtPrice");
	GET(get_f64(c, &m->aux_price), "auxPrice");
	GET(get_str(c, &m->tif), "tif");
	GET(get_str(c, &m->oca_group), "ocaGroup");
	GET(get_str(c, &m->account), "account");
	GET(skip(c, 2), "openClose/origin");
	GET(get_str(c, &m->order_ref), "orderRef");
	GET(get_i32(c, &m->client_id), "clientId");
	GET(get_i64(c, &m->perm_id), "permId");
	m->status = EMPTY;

	/* outsideRth hidden discretionaryAmt goodAfterTime sharesAllocation faGroup faMethod faPercentage */
	GET(skip(c, 8), "outsideRth..faPercentage");
	if (sv < SV_FA_PROFILE_DESUPPORT)
		GET(skip(c, 1), "faProfile");
	if (sv >= SV_MODELS_SUPPORT)
		GET(skip(c, 1), "modelCode");
	/* goodTillDate rule80A percentOffset settlingFirm shortSaleSlot designatedLocation exemptCode
	   auctionStrategy startingPrice stockRefPrice delta stockRangeLower stockRangeUpper displaySize
	   blockOrder sweepToFill allOrNone minQty ocaType eTradeOnly firmQuoteOnly nbboPriceCap parentId
	   triggerMethod volatility volatilityType */
	GET(skip(c, 22), "goodTillDate..nbboPriceCap");
	GET(get_i32(c, &m->parent_id), "parentId");
	GET(skip(c, 3), "triggerMethod..volatilityType");
	GET(get_str(c, &s), "deltaNeutralOrderType");
	GET(skip(c, 1), "deltaNeutralAuxPrice");
	if (s.len > 0) /* conId settlingFirm clearingAccount clearingIntent openClose shortSale shortSaleSlot designatedLocation */
		GET(skip(c, 8), "deltaNeutral order fields");
	/* continuousUpdate referencePriceType trailStopPrice trailingPercent basisPoints basisPointsType comboLegsDescrip */
	GET(skip(c, 7), "continuousUpdate..comboLegsDescrip");
	COUNT(n, "comboLegsCount");
	GET(skip(c, n * 8), "comboLeg");
	COUNT(n, "orderComboLegsCount");
	GET(skip(c, n), "orderComboLeg price");
	COUNT(n, "smartComboRoutingParamsCount");
	GET(skip(c, n * 2), "smartComboRoutingParam");
	GET(skip(c, 2), "scaleInitLevelSize/scaleSubsLevelSize");
	GET(get_f64(c, &x), "scalePriceIncrement");
	if (x > 0 && x != IB_UNSET_DOUBLE) /* priceAdjustValue/Interval profitOffset autoReset initPosition initFillQty randomPercent */
		GET(skip(c, 7), "scale order fields");
	GET(get_str(c, &s), "hedgeType");
	if (s.len > 0)
		GET(skip(c, 1), "hedgeParam");
	/* optOutSmartRouting clearingAccount clearingIntent notHeld */
	GET(skip(c, 4), "optOutSmartRouting..notHeld");
	GET(get_i32(c, &n), "deltaNeutralContractPresent");
	if (n)
		GET(skip(c, 3), "deltaNeutralContract");
	GET(get_str(c, &s), "algoStrategy");
	if (s.len > 0) {
		COUNT(n, "algoParamsCount");
		GET(skip(c, n * 2), "algoParam");
	}
	GET(skip(c, 2), "solicited/whatIf");

	/* the order state */
	GET(get_str(c, &m->status), "status");
	if (sv >= SV_WHAT_IF_EXT_FIELDS)
		GET(skip(c, 6), "margin before/change");
	/* initMarginAfter maintMarginAfter equityWithLoanAfter commission minCommission maxCommission commissionCurrency */
	GET(skip(c, 7), "margin after/commission");
	if (sv >= SV_FULL_ORDER_PREVIEW_FIELDS) {
		/* marginCurrency, nine outside-RTH margins, suggestedSize, rejectReason */
		GET(skip(c, 12), "order preview fields");
		COUNT(n, "orderAllocationsCount");
		GET(skip(c, n * 7), "orderAllocation");
	}
	GET(skip(c, 1), "warningText");

	GET(skip(c, 2), "randomizeSize/randomizePrice");
	if (sv >= SV_PEGGED_TO_BENCHMARK) {
		if (ib_str_eq(m->order_type, "PEG BENCH"))
			GET(skip(c, 5), "peg bench fields");
		COUNT(n, "conditionsCount");
		for (int32_t i = 0; i < n; i++) {
			int32_t type;
			GET(get_i32(c, &type), "conditionType");
			int k = condition_fields(type);
			if (k < 0) {
				c->err = IB_ENUM;
				c->err_idx = c->idx - 1;
				d->what = "conditionType";
				d->why = "unknown condition type";
				return IB_ENUM;
			}
			GET(skip(c, k), "condition");
		}
		if (n > 0)
			GET(skip(c, 2), "conditionsIgnoreRth/conditionsCancelOrder");
		/* adjustedOrderType triggerPrice trailStopPrice lmtPriceOffset adjustedStopPrice
		   adjustedStopLimitPrice adjustedTrailingAmount adjustableTrailingUnit */
		GET(skip(c, 8), "adjusted order fields");
	}
	if (sv >= SV_SOFT_DOLLAR_TIER)
		GET(skip(c, 3), "softDollarTier");
	if (sv >= SV_CASH_QTY)
		GET(skip(c, 1), "cashQty");
	if (sv >= SV_AUTO_PRICE_FOR_HEDGE)
		GET(skip(c, 1), "dontUseAutoPriceForHedge");
	if (sv >= IB_SV_ORDER_CONTAINER)
		GET(skip(c, 1), "isOmsContainer");
	if (sv >= SV_D_PEG_ORDERS)
		GET(skip(c, 1), "discretionaryUpToLimitPrice");
	if (sv >= SV_PRICE_MGMT_ALGO)
		GET(skip(c, 1), "usePriceMgmtAlgo");
	if (sv >= SV_DURATION)
		GET(skip(c, 1), "duration");
	if (sv >= SV_POST_TO_ATS)
		GET(skip(c, 1), "postToAts");
	if (sv >= SV_AUTO_CANCEL_PARENT)
		GET(skip(c, 1), "autoCancelParent");
	if (sv >= SV_PEGBEST_PEGMID_OFFSETS)
		GET(skip(c, 5), "minTradeQty..midOffsetAtHalf");
	if (sv >= SV_CUSTOMER_ACCOUNT)
		GET(skip(c, 1), "customerAccount");
	if (sv >= SV_PROFESSIONAL_CUSTOMER)
		GET(skip(c, 1), "professionalCustomer");
	if (sv >= SV_BOND_ACCRUED_INTEREST)
		GET(skip(c, 1), "bondAccruedInterest");
	if (sv >= SV_INCLUDE_OVERNIGHT)
		GET(skip(c, 1), "includeOvernight");
	if (sv >= SV_CME_TAGGING_FIELDS_IN_OPEN_ORDER)
		GET(skip(c, 2), "extOperator/manualOrderIndicator");
	if (sv >= IB_SV_SUBMITTER)
		GET(skip(c, 1), "submitter");
	if (sv >= SV_IMBALANCE_ONLY)
		GET(skip(c, 1), "imbalanceOnly");
	return IB_OK;
}

static int
dec_exec_details(struct dec *d, ib_exec_details *m)
{
	ib_fields *c = &d->c;

	if (d->sv < IB_SV_LAST_LIQUIDITY)
		GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "reqId");
	GET(get_i32(c, &m->order_id), "orderId");
	if (dec_contract(d, &m->contract, CONTRACT_ORDER, true) != IB_OK)
		return c->err;
	GET(get_str(c, &m->exec_id), "execId");
	GET(get_str(c, &m->time), "time");
	GET(get_str(c, &m->account), "acctNumber");
	GET(get_str(c, &m->exchange), "exchange");
	GET(get_str(c, &m->side), "side");
	GET(get_f64(c, &m->shares), "shares");
	GET(get_f64(c, &m->price), "price");
	GET(get_i64(c, &m->perm_id), "permId");
	GET(get_i32(c, &m->client_id), "clientId");
	GET(get_i32(c, &m->liquidation), "liquidation");
	GET(get_f64(c, &m->cum_qty), "cumQty");
	GET(get_f64(c, &m->avg_price), "avgPrice");
	GET(get_str(c, &m->order_ref), "orderRef");
	GET(skip(c, 2), "evRule/evMultiplier");
	if (d->sv >= SV_MODELS_SUPPORT)
		GET(skip(c, 1), "modelCode");
	m->last_liquidity = 0;
	if (d->sv >= IB_SV_LAST_LIQUIDITY)
		GET(get_i32(c, &m->last_liquidity), "lastLiquidity");
	if (d->sv >= IB_SV_PENDING_PRICE_REVISION)
		GET(skip(c, 1), "pendingPriceRevision");
	if (d->sv >= IB_SV_SUBMITTER)
		GET(skip(c, 1), "submitter");
	return IB_OK;
}

static int
dec_error(struct dec *d, ib_error *m)
{
	ib_fields *c = &d->c;

	if (d->sv < IB_SV_ERROR_TIME)
		GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "reqId");
	GET(get_i32(c, &m->code), "errorCode");
	GET(get_str(c, &m->message), "errorString");
	m->advanced_json = EMPTY;
	m->error_time_ms = 0;
	if (d->sv >= IB_SV_ERROR_TIME) {
		GET(get_str(c, &m->advanced_json), "advancedOrderRejectJson");
		GET(get_i64(c, &m->error_time_ms), "errorTime");
	} else if (d->sv >= IB_SV_ADVANCED_ORDER_REJECT && !ib_fields_done(c)) {
		/* the last field and optional text: some gateways and fixtures leave it out */
		GET(get_str(c, &m->advanced_json), "advancedOrderRejectJson");
	}
	return IB_OK;
}

/* ---- account and portfolio ---- */

static int
dec_acct_value(struct dec *d, ib_acct_value *m)
{
	ib_fields *c = &d->c;

	GET(skip(c, 1), "version");
	GET(get_str(c, &m->key), "key");
	GET(get_str(c, &m->value), "value");
	GET(get_str(c, &m->currency), "currency");
	GET(get_str(c, &m->account), "accountName");
	return IB_OK;
}

/* Gated on the message's own version as the official decoder does; servers send 8. */
static int
dec_portfolio_value(struct dec *d, ib_portfolio_value *m)
{
	ib_fields *c = &d->c;
	ib_contract_view *v = &m->contract;
	int32_t ver;

	GET(get_i32(c, &ver), "version");
	GET(get_i32(c, &v->con_id), "conId");
	GET(get_str(c, &v->symbol), "symbol");
	GET(get_str(c, &v->sec_type), "secType");
	GET(get_str(c, &v->last_trade_date), "lastTradeDateOrContractMonth");
	GET(get_f64(c, &v->strike), "strike");
	GET(get_str(c, &v->right), "right");
	v->multiplier = v->primary_exchange = v->exchange = v->trading_class = EMPTY;
	if (ver >= 7) {
		GET(get_str(c, &v->multiplier), "multiplier");
		GET(get_str(c, &v->primary_exchange), "primaryExchange");
	}
	GET(get_str(c, &v->currency), "currency");
	GET(get_str(c, &v->local_symbol), "localSymbol");
	if (ver >= 8)
		GET(get_str(c, &v->trading_class), "tradingClass");
	GET(get_f64(c, &m->position), "position");
	GET(get_f64(c, &m->market_price), "marketPrice");
	GET(get_f64(c, &m->market_value), "marketValue");
	GET(get_f64(c, &m->average_cost), "averageCost");
	GET(get_f64(c, &m->unrealized_pnl), "unrealizedPNL");
	GET(get_f64(c, &m->realized_pnl), "realizedPNL");
	GET(get_str(c, &m->account), "accountName");
	return IB_OK;
}

static int
dec_position(struct dec *d, ib_position *m)
{
	ib_fields *c = &d->c;
	int32_t ver;

	GET(get_i32(c, &ver), "version");
	GET(get_str(c, &m->account), "account");
	if (dec_contract(d, &m->contract, CONTRACT_ORDER, ver >= 2) != IB_OK)
		return c->err;
	GET(get_f64(c, &m->position), "position");
	m->avg_cost = 0;
	if (ver >= 3)
		GET(get_f64(c, &m->avg_cost), "avgCost");
	return IB_OK;
}

static int
dec_account_summary(struct dec *d, ib_account_summary *m)
{
	ib_fields *c = &d->c;

	GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "reqId");
	GET(get_str(c, &m->account), "account");
	GET(get_str(c, &m->tag), "tag");
	GET(get_str(c, &m->value), "value");
	GET(get_str(c, &m->currency), "currency");
	return IB_OK;
}

static int
dec_account_update_multi(struct dec *d, ib_account_update_multi *m)
{
	ib_fields *c = &d->c;

	GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "reqId");
	GET(get_str(c, &m->account), "account");
	GET(get_str(c, &m->model_code), "modelCode");
	GET(get_str(c, &m->key), "key");
	GET(get_str(c, &m->value), "value");
	GET(get_str(c, &m->currency), "currency");
	return IB_OK;
}

/* ---- contract details ---- */

/*
 * The decoders of rare messages (contract details, bars, P&L) are kept out
 * of line and cold: inlined into dec_body they made it large enough that
 * the account messages' decode slowed from 40 to 53 ns a message
 * (ibbench decode, mix account).
 */

/* contractData: since 164 no version field, and the server's version is 8 below that. */
static __attribute__((noinline, cold)) int
dec_contract_data(struct dec *d, ib_contract_data *m)
{
	ib_fields *c = &d->c;
	ib_contract_view *v = &m->contract;
	int sv = d->sv;
	int32_t n;

	if (sv < IB_SV_SIZE_RULES)
		GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "reqId");
	GET(get_str(c, &v->symbol), "symbol");
	GET(get_str(c, &v->sec_type), "secType");
	GET(get_str(c, &v->last_trade_date), "lastTradeDateOrContractMonth");
	if (sv >= IB_SV_LAST_TRADE_DATE)
		GET(skip(c, 1), "lastTradeDate");
	GET(get_f64(c, &v->strike), "strike");
	GET(get_str(c, &v->right), "right");
	GET(get_str(c, &v->exchange), "exchange");
	GET(get_str(c, &v->currency), "currency");
	GET(get_str(c, &v->local_symbol), "localSymbol");
	GET(get_str(c, &m->market_name), "marketName");
	GET(get_str(c, &v->trading_class), "tradingClass");
	GET(get_i32(c, &v->con_id), "conId");
	GET(get_f64(c, &m->min_tick), "minTick");
	if (sv >= SV_MD_SIZE_MULTIPLIER && sv < IB_SV_SIZE_RULES)
		GET(skip(c, 1), "mdSizeMultiplier");
	GET(get_str(c, &v->multiplier), "multiplier");
	GET(get_str(c, &m->order_types), "orderTypes");
	GET(get_str(c, &m->valid_exchanges), "validExchanges");
	GET(skip(c, 1), "priceMagnifier");
	GET(get_i32(c, &m->under_con_id), "underConId");
	GET(get_str(c, &m->long_name), "longName");
	GET(get_str(c, &v->primary_exchange), "primaryExchange");
	GET(get_str(c, &m->contract_month), "contractMonth");
	GET(skip(c, 3), "industry/category/subcategory");
	GET(get_str(c, &m->time_zone_id), "timeZoneId");
	GET(get_str(c, &m->trading_hours), "tradingHours");
	GET(get_str(c, &m->liquid_hours), "liquidHours");
	GET(skip(c, 2), "evRule/evMultiplier");
	COUNT(n, "secIdListCount");
	GET(skip(c, n * 2), "secId");
	m->under_symbol = m->under_sec_type = m->market_rule_ids = EMPTY;
	m->real_expiration_date = m->stock_type = EMPTY;
	m->min_size = m->size_increment = m->suggested_size_increment = 0;
	if (sv >= SV_AGG_GROUP)
		GET(skip(c, 1), "aggGroup");
	if (sv >= SV_UNDERLYING_INFO) {
		GET(get_str(c, &m->under_symbol), "underSymbol");
		GET(get_str(c, &m->under_sec_type), "underSecType");
	}
	if (sv >= SV_MARKET_RULES)
		GET(get_str(c, &m->market_rule_ids), "marketRuleIds");
	if (sv >= SV_REAL_EXPIRATION_DATE)
		GET(get_str(c, &m->real_expiration_date), "realExpirationDate");
	if (sv >= SV_STOCK_TYPE)
		GET(get_str(c, &m->stock_type), "stockType");
	if (sv >= SV_FRACTIONAL_SIZE_SUPPORT && sv < IB_SV_SIZE_RULES)
		GET(skip(c, 1), "sizeMinTick");
	if (sv >= IB_SV_SIZE_RULES) {
		GET(get_f64(c, &m->min_size), "minSize");
		GET(get_f64(c, &m->size_increment), "sizeIncrement");
		GET(get_f64(c, &m->suggested_size_increment), "suggestedSizeIncrement");
	}
	if (sv >= SV_FUND_DATA_FIELDS && ib_str_eq(v->sec_type, "FUND"))
		GET(skip(c, 17), "fund fields");
	if (sv >= SV_INELIGIBILITY_REASONS) {
		COUNT(n, "ineligibilityReasonCount");
		GET(skip(c, n * 2), "ineligibilityReason");
	}
	return IB_OK;
}

/* ---- bars and P&L ---- */

/* Bars in one historicalData: more than a frame could hold fail as missing fields anyway. */
#define MAX_BARS (1 << 20)

/* date open high low close volume WAP barCount: historicalData's order. */
static int
dec_bar(struct dec *d, ib_bar *b)
{
	ib_fields *c = &d->c;

	GET(get_str(c, &b->time), "bar date");
	GET(get_f64(c, &b->open), "bar open");
	GET(get_f64(c, &b->high), "bar high");
	GET(get_f64(c, &b->low), "bar low");
	GET(get_f64(c, &b->close), "bar close");
	GET(get_f64(c, &b->volume), "bar volume");
	GET(get_f64(c, &b->wap), "bar WAP");
	GET(get_i32(c, &b->count), "bar barCount");
	return IB_OK;
}

/* historicalData: since 124 no version field; from 196 no start/end (historicalDataEnd carries them). */
static __attribute__((noinline, cold)) int
dec_historical_data(struct dec *d, ib_historical_data *m)
{
	ib_fields *c = &d->c;
	ib_bar b;

	GET(get_i32(c, &m->req_id), "reqId");
	m->start = m->end = EMPTY;
	if (d->sv < SV_HISTORICAL_DATA_END) {
		GET(get_str(c, &m->start), "startDateStr");
		GET(get_str(c, &m->end), "endDateStr");
	}
	GET(get_i32(c, &m->count), "itemCount");
	if (m->count < 0 || m->count > MAX_BARS) {
		c->err = IB_ENUM;
		c->err_idx = c->idx - 1;
		d->what = "itemCount";
		d->why = "count out of range";
		return IB_ENUM;
	}
	m->bars = c->p;
	for (int32_t i = 0; i < m->count; i++)
		if (dec_bar(d, &b) != IB_OK)
			return c->err;
	m->bars_len = (uint32_t)(c->p - m->bars);
	return IB_OK;
}

/* historicalDataUpdate: reqId barCount date open close high low WAP volume (no version; close before high). */
static __attribute__((noinline, cold)) int
dec_historical_update(struct dec *d, ib_historical_update *m)
{
	ib_fields *c = &d->c;
	ib_bar *b = &m->bar;

	GET(get_i32(c, &m->req_id), "reqId");
	GET(get_i32(c, &b->count), "barCount");
	GET(get_str(c, &b->time), "date");
	GET(get_f64(c, &b->open), "open");
	GET(get_f64(c, &b->close), "close");
	GET(get_f64(c, &b->high), "high");
	GET(get_f64(c, &b->low), "low");
	GET(get_f64(c, &b->wap), "WAP");
	GET(get_f64(c, &b->volume), "volume");
	return IB_OK;
}

/* realtimeBar: version reqId time open high low close volume wap count. */
static __attribute__((noinline, cold)) int
dec_realtime_bar(struct dec *d, ib_realtime_bar *m)
{
	ib_fields *c = &d->c;
	ib_bar *b = &m->bar;
	const char *t;

	GET(skip(c, 1), "version");
	GET(get_i32(c, &m->req_id), "reqId");
	t = c->p;
	GET(get_i64(c, &m->time), "time");
	b->time.p = t;
	b->time.len = (uint32_t)(c->p - t - 1);
	GET(get_f64(c, &b->open), "open");
	GET(get_f64(c, &b->high), "high");
	GET(get_f64(c, &b->low), "low");
	GET(get_f64(c, &b->close), "close");
	GET(get_f64(c, &b->volume), "volume");
	GET(get_f64(c, &b->wap), "wap");
	GET(get_i32(c, &b->count), "count");
	return IB_OK;
}

/* pnl / pnlSingle: no version field; unrealized from 129, realized from 135 (always, at >= 157). */
static __attribute__((noinline, cold)) int
dec_pnl(struct dec *d, ib_pnl *m)
{
	ib_fields *c = &d->c;

	GET(get_i32(c, &m->req_id), "reqId");
	GET(get_f64(c, &m->daily), "dailyPnL");
	GET(get_f64(c, &m->unrealized), "unrealizedPnL");
	GET(get_f64(c, &m->realized), "realizedPnL");
	return IB_OK;
}

static __attribute__((noinline, cold)) int
dec_pnl_single(struct dec *d, ib_pnl_single *m)
{
	ib_fields *c = &d->c;

	GET(get_i32(c, &m->req_id), "reqId");
	GET(get_f64(c, &m->position), "pos");
	GET(get_f64(c, &m->daily), "dailyPnL");
	GET(get_f64(c, &m->unrealized), "unrealizedPnL");
	GET(get_f64(c, &m->realized), "realizedPnL");
	GET(get_f64(c, &m->value), "value");
	return IB_OK;
}

void
ib_bars_begin(const ib_historical_data *m, ib_bar_iter *it)
{
	ib_fields_init(&it->c, m->bars, m->bars_len);
	it->left = m->count;
}

/* Over a decoded message every field is there and parses (dec_historical_data checked): no error path. */
bool
ib_bars_next(ib_bar_iter *it, ib_bar *b)
{
	struct dec d = { .c = it->c, .sv = IB_CLIENT_MAX, .what = NULL, .why = NULL };

	if (it->left <= 0 || dec_bar(&d, b) != IB_OK) {
		it->left = 0;
		return false;
	}
	it->c = d.c;
	it->left--;
	return true;
}

/* ---- dispatch ---- */

static int
dec_body(struct dec *d, ib_msg *m)
{
	ib_fields *c = &d->c;

	switch (m->id) {
	case IB_IN_TICK_PRICE:
		return dec_tick_price(d, &m->u.tick_price);
	case IB_IN_TICK_SIZE:
		return dec_tick_size(d, &m->u.tick_size);
	case IB_IN_TICK_GENERIC:
		return dec_tick_generic(d, &m->u.tick_generic);
	case IB_IN_TICK_STRING:
		return dec_tick_string(d, &m->u.tick_string);
	case IB_IN_TICK_OPTION_COMPUTATION:
		return dec_tick_option(d, &m->u.tick_option);
	case IB_IN_TICK_BY_TICK:
		return dec_tick_by_tick(d, &m->u.tick_by_tick);
	case IB_IN_MKT_DEPTH:
		return dec_depth(d, false, &m->u.mkt_depth);
	case IB_IN_MKT_DEPTH_L2:
		return dec_depth(d, true, &m->u.mkt_depth);
	case IB_IN_TICK_REQ_PARAMS:
		return dec_tick_req_params(d, &m->u.tick_req_params);
	case IB_IN_MARKET_DATA_TYPE:
		return dec_market_data_type(d, &m->u.market_data_type);
	case IB_IN_ORDER_STATUS:
		return dec_order_status(d, &m->u.order_status);
	case IB_IN_OPEN_ORDER:
		return dec_open_order(d, &m->u.open_order);
	case IB_IN_EXEC_DETAILS:
		return dec_exec_details(d, &m->u.exec_details);
	case IB_IN_ERROR:
		return dec_error(d, &m->u.error);
	case IB_IN_ACCT_VALUE:
		return dec_acct_value(d, &m->u.acct_value);
	case IB_IN_PORTFOLIO_VALUE:
		return dec_portfolio_value(d, &m->u.portfolio_value);
	case IB_IN_POSITION:
		return dec_position(d, &m->u.position);
	case IB_IN_ACCOUNT_SUMMARY:
		return dec_account_summary(d, &m->u.account_summary);
	case IB_IN_ACCOUNT_UPDATE_MULTI:
		return dec_account_update_multi(d, &m->u.account_update_multi);
	case IB_IN_CONTRACT_DATA:
		return dec_contract_data(d, &m->u.contract_data);
	case IB_IN_HISTORICAL_DATA:
		return dec_historical_data(d, &m->u.historical_data);
	case IB_IN_HISTORICAL_DATA_UPDATE:
		return dec_historical_update(d, &m->u.historical_update);
	case IB_IN_HISTORICAL_DATA_END:
		GET(get_i32(c, &m->u.historical_end.req_id), "reqId");
		GET(get_str(c, &m->u.historical_end.start), "startDateStr");
		GET(get_str(c, &m->u.historical_end.end), "endDateStr");
		return IB_OK;
	case IB_IN_REAL_TIME_BAR:
		return dec_realtime_bar(d, &m->u.realtime_bar);
	case IB_IN_PNL:
		return dec_pnl(d, &m->u.pnl);
	case IB_IN_PNL_SINGLE:
		return dec_pnl_single(d, &m->u.pnl_single);
	case IB_IN_ACCT_UPDATE_TIME:
		GET(skip(c, 1), "version");
		GET(get_str(c, &m->u.acct_update_time.time), "timeStamp");
		return IB_OK;
	case IB_IN_NEXT_VALID_ID:
		GET(skip(c, 1), "version");
		GET(get_i32(c, &m->u.next_valid_id.order_id), "orderId");
		return IB_OK;
	case IB_IN_MANAGED_ACCTS:
		GET(skip(c, 1), "version");
		GET(get_str(c, &m->u.managed_accts.list), "accountsList");
		return IB_OK;
	case IB_IN_CURRENT_TIME:
		GET(skip(c, 1), "version");
		GET(get_i64(c, &m->u.current_time.time), "time");
		return IB_OK;
	case IB_IN_ACCT_DOWNLOAD_END:
		GET(skip(c, 1), "version");
		GET(get_str(c, &m->u.acct_download_end.account), "accountName");
		return IB_OK;
	case IB_IN_CONTRACT_DATA_END:
	case IB_IN_EXEC_DETAILS_END:
	case IB_IN_ACCOUNT_SUMMARY_END:
	case IB_IN_ACCOUNT_UPDATE_MULTI_END:
		GET(skip(c, 1), "version");
		GET(get_i32(c, &m->u.req_end.req_id), "reqId");
		return IB_OK;
	case IB_IN_OPEN_ORDER_END:
	case IB_IN_POSITION_END:
		GET(skip(c, 1), "version");
		return IB_OK;
	}
	return IB_EUNKNOWN;
}

/*
 * tickPrice and tickSize are most of the traffic: one pass over a bare
 * pointer, no cursor, no bookkeeping for error reports.  Same fields and
 * scanners as dec_tick_price/dec_tick_size; on any shape it does not
 * finish (a missing field, a slow number, junk) it returns false and the
 * general decoder takes the frame from the start, results and errors its
 * own.  p is just past the id field, end[-1] is NUL.
 */
static ALWAYS_INLINE bool
fast_tick(const char *p, const char *end, int32_t id, ib_msg *out)
{
	int32_t req_id, tick_type, attr_mask;
	double price, size;

	if (p >= end)
		return false;
	while (*p) /* version */
		p++;
	p++;
	if (p >= end || !scan_i32(&p, &req_id) || p >= end || !scan_i32(&p, &tick_type) || p >= end)
		return false;
	if (id == IB_IN_TICK_SIZE) {
		if (!scan_f64(&p, &size))
			return false;
		out->id = id;
		out->u.tick_size.req_id = req_id;
		out->u.tick_size.tick_type = tick_type;
		out->u.tick_size.size = size;
		return true;
	}
	if (!scan_f64(&p, &price) || p >= end || !scan_f64(&p, &size) || p >= end || !scan_i32(&p, &attr_mask))
		return false;
	out->id = id;
	out->u.tick_price.req_id = req_id;
	out->u.tick_price.tick_type = tick_type;
	out->u.tick_price.price = price;
	out->u.tick_price.size = size;
	out->u.tick_price.attr_mask = attr_mask;
	return true;
}

/* Cold: turn a stop into msg id, field index and a sentence. */
static void __attribute__((noinline, cold))
describe(const struct dec *d, int32_t id, int rc, ib_decode_err *err)
{
	const char *name = ib_msg_name(id);

	err->msg_id = id;
	if (rc == IB_EUNKNOWN) {
		err->field = -1;
		if (name)
			snprintf(err->errstr, sizeof(err->errstr), "%s (%d): not decoded, skipped", name, id);
		else
			snprintf(err->errstr, sizeof(err->errstr), "unknown message id %d", id);
		return;
	}
	err->field = d->c.err_idx;
	snprintf(err->errstr, sizeof(err->errstr), "%s: field %d (%s): %s", name ? name : "message", d->c.err_idx,
		 d->what ? d->what : "?", d->why ? d->why : rc == IB_EFIELD ? "missing" : ib_strerror(rc));
}

/* Everything but the tick fast path: cursor, dispatch, error report. */
static int __attribute__((noinline))
decode_general(const char *payload, size_t len, int server_version, ib_msg *out, ib_decode_err *err)
{
	struct dec dd;
	struct dec *d = &dd;
	int rc;

	ib_fields_init(&d->c, payload, len);
	d->sv = server_version;
	d->what = NULL;
	d->why = NULL;
	out->id = 0;
	rc = get_i32(&d->c, &out->id);
	if (LIKELY(rc == IB_OK))
		rc = dec_body(d, out);
	else
		d->what = "id";
	if (LIKELY(rc == IB_OK))
		return IB_OK;
	if (err)
		describe(d, out->id, rc, err);
	return rc;
}

int
ib_msg_decode(const char *payload, size_t len, int server_version, ib_msg *out, ib_decode_err *err)
{
	/* "1\0" or "2\0" first, and a frame that ends with its NUL, as every well-formed one does */
	if (len >= 2 && payload[1] == '\0' && (unsigned)(payload[0] - '1') <= 1 && payload[len - 1] == '\0' &&
	    fast_tick(payload + 2, payload + len, payload[0] - '0', out))
		return IB_OK;
	return decode_general(payload, len, server_version, out, err);
}

const char *
ib_msg_name(int32_t id)
{
	switch (id) {
	case IB_IN_TICK_PRICE: return "tickPrice";
	case IB_IN_TICK_SIZE: return "tickSize";
	case IB_IN_ORDER_STATUS: return "orderStatus";
	case IB_IN_ERROR: return "errMsg";
	case IB_IN_OPEN_ORDER: return "openOrder";
	case IB_IN_ACCT_VALUE: return "acctValue";
	case IB_IN_PORTFOLIO_VALUE: return "portfolioValue";
	case IB_IN_ACCT_UPDATE_TIME: return "acctUpdateTime";
	case IB_IN_NEXT_VALID_ID: return "nextValidId";
	case IB_IN_CONTRACT_DATA: return "contractData";
	case IB_IN_EXEC_DETAILS: return "execDetails";
	case IB_IN_MKT_DEPTH: return "updateMktDepth";
	case IB_IN_MKT_DEPTH_L2: return "updateMktDepthL2";
	case IB_IN_MANAGED_ACCTS: return "managedAccounts";
	case IB_IN_HISTORICAL_DATA: return "historicalData";
	case IB_IN_TICK_OPTION_COMPUTATION: return "tickOptionComputation";
	case IB_IN_TICK_GENERIC: return "tickGeneric";
	case IB_IN_TICK_STRING: return "tickString";
	case IB_IN_CURRENT_TIME: return "currentTime";
	case IB_IN_REAL_TIME_BAR: return "realtimeBar";
	case IB_IN_CONTRACT_DATA_END: return "contractDataEnd";
	case IB_IN_OPEN_ORDER_END: return "openOrderEnd";
	case IB_IN_ACCT_DOWNLOAD_END: return "acctDownloadEnd";
	case IB_IN_EXEC_DETAILS_END: return "execDetailsEnd";
	case IB_IN_TICK_SNAPSHOT_END: return "tickSnapshotEnd";
	case IB_IN_MARKET_DATA_TYPE: return "marketDataType";
	case IB_IN_COMMISSION_REPORT: return "commissionReport";
	case IB_IN_POSITION: return "position";
	case IB_IN_POSITION_END: return "positionEnd";
	case IB_IN_ACCOUNT_SUMMARY: return "accountSummary";
	case IB_IN_ACCOUNT_SUMMARY_END: return "accountSummaryEnd";
	case IN_POSITION_MULTI: return "positionMulti";
	case IN_POSITION_MULTI_END: return "positionMultiEnd";
	case IB_IN_ACCOUNT_UPDATE_MULTI: return "accountUpdateMulti";
	case IB_IN_ACCOUNT_UPDATE_MULTI_END: return "accountUpdateMultiEnd";
	case IB_IN_TICK_REQ_PARAMS: return "tickReqParams";
	case IN_TICK_NEWS: return "tickNews";
	case IB_IN_HISTORICAL_DATA_UPDATE: return "historicalDataUpdate";
	case IN_MARKET_RULE: return "marketRule";
	case IB_IN_PNL: return "pnl";
	case IB_IN_PNL_SINGLE: return "pnlSingle";
	case IB_IN_TICK_BY_TICK: return "tickByTick";
	case IN_ORDER_BOUND: return "orderBound";
	case IB_IN_HISTORICAL_DATA_END: return "historicalDataEnd";
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
		uint32_t step = n + (comma ? 1 : 0);

		acct->p = list->p;
		acct->len = n;
		list->p += step;
		list->len -= step;
		if (n > 0)
			return true;
	}
	return false;
}
