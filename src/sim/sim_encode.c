/*
 * sim_encode.c - inbound messages as IB Gateway writes them (server side).
 *
 * Invariant: a sim_out holds whole frames only.  Each encoder opens a frame
 * (4 bytes reserved for the length), appends NUL-terminated fields and
 * closes it; if any field did not fit, closing rolls the frame back and sets
 * o->overflow.  Field sequences mirror the official decoders (EDecoder /
 * EOrderDecoder, ib_async decoder.py) at o->sv, so a strict client reads
 * every field and finds none left over.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/wire.h"
#include "sim/sim_encode.h"

/* Per-message version fields a current gateway sends (ignored by readers). */
#define VER_TICK 6
#define VER_ERROR 2
#define VER_ACCT_VALUE 2
#define VER_PORTFOLIO 8
#define VER_POSITION 3
#define VER_CONTRACT_DATA 8 /* below SIM_SV_SIZE_RULES only */
#define VER_COMMISSION 1
#define VER_MKT_DEPTH 1
#define VER_ONE 1
#define VER_REALTIME_BAR 3

#define JAVA_DBL_MAX "1.7976931348623157E308"
#define JAVA_INT_MAX "2147483647"

void
sim_out_init(sim_out *o, char *buf, size_t cap, int sv)
{
	memset(o, 0, sizeof(*o));
	o->buf = buf;
	o->cap = cap;
	o->sv = sv;
}

/* ---- number formats ---- */

/* The shortest "%.{p}e" form of v that reads back as v (17 digits always do). */
static void
shortest_e(char *buf, size_t cap, double v)
{
	for (int p = 0; p < 16; p++) {
		snprintf(buf, cap, "%.*e", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, cap, "%.16e", v);
}

size_t
sim_fmt_double(char *buf, size_t cap, double v)
{
	char e[40], digits[24];
	int exp, nd = 0;
	size_t n = 0;

	if (cap < 32)
		return buf[0] = '\0', 0;
	if (v == DBL_MAX)
		return (size_t)snprintf(buf, cap, "%s", JAVA_DBL_MAX);
	if (isnan(v))
		return (size_t)snprintf(buf, cap, "NaN");
	if (isinf(v))
		return (size_t)snprintf(buf, cap, v > 0 ? "Infinity" : "-Infinity");
	if (v == 0)
		return (size_t)snprintf(buf, cap, signbit(v) ? "-0.0" : "0.0");
	/* fast path: prices with a few decimals, the common case on the tick path */
	if (fabs(v) < 1e7 && fabs(v) >= 1e-3) {
		for (int d = 1; d <= 4; d++) {
			int k = snprintf(buf, cap, "%.*f", d, v);
			if (strtod(buf, NULL) == v) {
				/* drop trailing zeros but keep one digit after the point */
				while (k > 2 && buf[k - 1] == '0' && buf[k - 2] != '.')
					buf[--k] = '\0';
				return (size_t)k;
			}
		}
	}
	shortest_e(e, sizeof(e), v);
	/* e = [-]d[.ddd]e[+-]xx */
	const char *s = e;
	bool neg = *s == '-';
	if (neg)
		s++;
	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	digits[nd] = '\0';
	exp = (int)strtol(s + 1, NULL, 10);
	if (neg)
		buf[n++] = '-';
	if (fabs(v) >= 1e-3 && fabs(v) < 1e7) {
		if (exp < 0) {
			buf[n++] = '0';
			buf[n++] = '.';
			for (int i = -1; i > exp; i--)
				buf[n++] = '0';
			for (int i = 0; i < nd; i++)
				buf[n++] = digits[i];
		} else {
			for (int i = 0; i <= exp; i++)
				buf[n++] = i < nd ? digits[i] : '0';
			buf[n++] = '.';
			if (nd > exp + 1)
				for (int i = exp + 1; i < nd; i++)
					buf[n++] = digits[i];
			else
				buf[n++] = '0';
		}
		buf[n] = '\0';
		return n;
	}
	/* computerized scientific notation, as Java: 1.0E7, 1.25E-4 */
	buf[n++] = digits[0];
	buf[n++] = '.';
	if (nd > 1)
		for (int i = 1; i < nd; i++)
			buf[n++] = digits[i];
	else
		buf[n++] = '0';
	n += (size_t)snprintf(buf + n, cap - n, "E%d", exp);
	return n;
}

size_t
sim_fmt_decimal(char *buf, size_t cap, double v)
{
	int k;

	if (v == DBL_MAX || isnan(v) || isinf(v))
		return buf[0] = '\0', 0; /* an unset decimal goes out empty */
	if (v == floor(v) && fabs(v) < 1e15)
		return (size_t)snprintf(buf, cap, "%.0f", v == 0 ? 0.0 : v);
	for (int d = 1; d <= 10; d++) {
		k = snprintf(buf, cap, "%.*f", d, v);
		if (strtod(buf, NULL) == v)
			return (size_t)k;
	}
	k = snprintf(buf, cap, "%.10f", v);
	while (k > 1 && buf[k - 1] == '0')
		buf[--k] = '\0';
	return (size_t)k;
}

/* ---- frames ---- */

static void
begin(sim_out *o)
{
	o->start = o->len;
	o->bad = o->cap - o->len < 4;
	if (!o->bad)
		o->len += 4;
}

static void
put_n(sim_out *o, const char *s, size_t n)
{
	if (o->bad || o->cap - o->len < n + 1) {
		o->bad = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->buf[o->len + n] = '\0';
	o->len += n + 1;
}

static void
put_s(sim_out *o, const char *s)
{
	put_n(o, s ? s : "", s ? strlen(s) : 0);
}

static void
put_i(sim_out *o, int64_t v)
{
	char b[24];
	put_n(o, b, (size_t)snprintf(b, sizeof(b), "%lld", (long long)v));
}

static void
put_b(sim_out *o, bool v)
{
	put_n(o, v ? "1" : "0", 1);
}

static void
put_d(sim_out *o, double v)
{
	char b[40];
	put_n(o, b, sim_fmt_double(b, sizeof(b), v));
}

static void
put_q(sim_out *o, double v)
{
	char b[40];
	put_n(o, b, sim_fmt_decimal(b, sizeof(b), v));
}

/* A double the gateway leaves empty when unset (readDoubleMax on the client). */
static void
put_d_opt(sim_out *o, double v)
{
	if (v == DBL_MAX)
		put_n(o, "", 0);
	else
		put_d(o, v);
}

/* lastTradeDateOrContractMonth strike right multiplier: a stock's "" 0.0 "" "" or a derivative's own. */
static void
put_derivs(sim_out *o, const sim_k *k)
{
	put_s(o, k->last_trade_date ? k->last_trade_date : "");
	put_d(o, k->strike);
	put_s(o, k->right ? k->right : "");
	put_s(o, k->multiplier ? k->multiplier : "");
}

static int
end(sim_out *o)
{
	if (o->bad) {
		o->len = o->start;
		o->bad = false;
		o->overflow = true;
		return IB_ENOSPC;
	}
	ib_be32_put(o->buf + o->start, (uint32_t)(o->len - o->start - 4));
	o->frames++;
	return IB_OK;
}

/* ---- handshake and session ---- */

int
sim_enc_handshake_reply(sim_out *o, int sv, const char *conn_time)
{
	begin(o);
	put_i(o, sv);
	put_s(o, conn_time);
	return end(o);
}

int
sim_enc_managed_accounts(sim_out *o, const char *list)
{
	begin(o);
	put_i(o, IB_IN_MANAGED_ACCTS);
	put_i(o, VER_ONE);
	put_s(o, list);
	return end(o);
}

int
sim_enc_next_valid_id(sim_out *o, int32_t id)
{
	begin(o);
	put_i(o, IB_IN_NEXT_VALID_ID);
	put_i(o, VER_ONE);
	put_i(o, id);
	return end(o);
}

int
sim_enc_current_time(sim_out *o, int64_t epoch_s)
{
	begin(o);
	put_i(o, IB_IN_CURRENT_TIME);
	put_i(o, VER_ONE);
	put_i(o, epoch_s);
	return end(o);
}

int
sim_enc_error(sim_out *o, int32_t req_id, int32_t code, const char *msg)
{
	begin(o);
	put_i(o, IB_IN_ERROR);
	put_i(o, VER_ERROR);
	put_i(o, req_id);
	put_i(o, code);
	put_s(o, msg);
	if (o->sv >= SIM_SV_ADVANCED_REJECT)
		put_s(o, ""); /* advancedOrderRejectJson */
	return end(o);
}

/* ---- market data ---- */

int
sim_enc_tick_price(sim_out *o, int32_t req_id, int32_t tick_type, double price, double size, int32_t attr)
{
	begin(o);
	put_i(o, IB_IN_TICK_PRICE);
	put_i(o, VER_TICK);
	put_i(o, req_id);
	put_i(o, tick_type);
	put_d(o, price);
	put_q(o, size);
	put_i(o, attr);
	return end(o);
}

int
sim_enc_tick_price_fixed(sim_out *o, int32_t req_id, int32_t tick_type, double price, int64_t size, int width,
			 size_t *size_off)
{
	char b[32];

	begin(o);
	put_i(o, IB_IN_TICK_PRICE);
	put_i(o, VER_TICK);
	put_i(o, req_id);
	put_i(o, tick_type);
	put_d(o, price);
	if (!o->bad && size_off)
		*size_off = o->len;
	put_n(o, b, (size_t)snprintf(b, sizeof(b), "%0*lld", width, (long long)size));
	put_i(o, 0);
	return end(o);
}

/* IB's "not computed": -1 for prices and the volatility, -2 for the greeks. */
static void
put_greek(sim_out *o, double v, int unset)
{
	if (v == DBL_MAX)
		put_i(o, unset);
	else
		put_d(o, v);
}

int
sim_enc_tick_option(sim_out *o, int32_t req_id, int32_t tick_type, const struct sim_greeks *g)
{
	begin(o);
	put_i(o, IB_IN_TICK_OPTION_COMPUTATION);
	put_i(o, req_id);
	put_i(o, tick_type);
	put_i(o, 0); /* tickAttrib: return-based */
	put_greek(o, g->iv, -1);
	put_greek(o, g->delta, -2);
	put_greek(o, g->opt_price, -1);
	put_greek(o, g->pv_dividend, -1);
	put_greek(o, g->gamma, -2);
	put_greek(o, g->vega, -2);
	put_greek(o, g->theta, -2);
	put_greek(o, g->und_price, -1);
	return end(o);
}

int
sim_enc_tick_size(sim_out *o, int32_t req_id, int32_t tick_type, double size)
{
	begin(o);
	put_i(o, IB_IN_TICK_SIZE);
	put_i(o, VER_TICK);
	put_i(o, req_id);
	put_i(o, tick_type);
	put_q(o, size);
	return end(o);
}

int
sim_enc_tick_string(sim_out *o, int32_t req_id, int32_t tick_type, const char *value)
{
	begin(o);
	put_i(o, IB_IN_TICK_STRING);
	put_i(o, VER_TICK);
	put_i(o, req_id);
	put_i(o, tick_type);
	put_s(o, value);
	return end(o);
}

int
sim_enc_tick_req_params(sim_out *o, int32_t req_id, double min_tick, const char *bbo_exchange, int32_t perms)
{
	begin(o);
	put_i(o, IB_IN_TICK_REQ_PARAMS); /* no version field */
	put_i(o, req_id);
	put_d(o, min_tick);
	put_s(o, bbo_exchange);
	put_i(o, perms);
	return end(o);
}

int
sim_enc_tick_snapshot_end(sim_out *o, int32_t req_id)
{
	begin(o);
	put_i(o, IB_IN_TICK_SNAPSHOT_END);
	put_i(o, VER_ONE);
	put_i(o, req_id);
	return end(o);
}

int
sim_enc_market_data_type(sim_out *o, int32_t req_id, int32_t type)
{
	begin(o);
	put_i(o, IB_IN_MARKET_DATA_TYPE);
	put_i(o, VER_ONE);
	put_i(o, req_id);
	put_i(o, type);
	return end(o);
}

/* ---- depth and tick-by-tick ---- */

int
sim_enc_mkt_depth(sim_out *o, int32_t req_id, int32_t pos, int32_t operation, int32_t side, double price, double size)
{
	begin(o);
	put_i(o, IB_IN_MKT_DEPTH);
	put_i(o, VER_MKT_DEPTH);
	put_i(o, req_id);
	put_i(o, pos);
	put_i(o, operation);
	put_i(o, side);
	put_d(o, price);
	put_q(o, size);
	return end(o);
}

int
sim_enc_mkt_depth_l2(sim_out *o, int32_t req_id, int32_t pos, const char *market_maker, int32_t operation,
		     int32_t side, double price, double size, bool is_smart)
{
	begin(o);
	put_i(o, IB_IN_MKT_DEPTH_L2);
	put_i(o, VER_MKT_DEPTH);
	put_i(o, req_id);
	put_i(o, pos);
	put_s(o, market_maker);
	put_i(o, operation);
	put_i(o, side);
	put_d(o, price);
	put_q(o, size);
	put_b(o, is_smart); /* from server version 146, below everything we serve */
	return end(o);
}

int
sim_enc_tick_by_tick_last(sim_out *o, int32_t req_id, int32_t type, int64_t time, double price, double size,
			  int32_t attr_mask, const char *exchange, const char *special_conditions)
{
	begin(o);
	put_i(o, IB_IN_TICK_BY_TICK); /* no version field */
	put_i(o, req_id);
	put_i(o, type);
	put_i(o, time);
	put_d(o, price);
	put_q(o, size);
	put_i(o, attr_mask);
	put_s(o, exchange);
	put_s(o, special_conditions);
	return end(o);
}

int
sim_enc_tick_by_tick_bid_ask(sim_out *o, int32_t req_id, int64_t time, double bid, double ask, double bid_size,
			     double ask_size, int32_t attr_mask)
{
	begin(o);
	put_i(o, IB_IN_TICK_BY_TICK);
	put_i(o, req_id);
	put_i(o, IB_TBT_BID_ASK);
	put_i(o, time);
	put_d(o, bid);
	put_d(o, ask);
	put_q(o, bid_size);
	put_q(o, ask_size);
	put_i(o, attr_mask);
	return end(o);
}

int
sim_enc_tick_by_tick_midpoint(sim_out *o, int32_t req_id, int64_t time, double mid)
{
	begin(o);
	put_i(o, IB_IN_TICK_BY_TICK);
	put_i(o, req_id);
	put_i(o, IB_TBT_MIDPOINT);
	put_i(o, time);
	put_d(o, mid);
	return end(o);
}

/* ---- accounts and positions ---- */

int
sim_enc_acct_value(sim_out *o, const char *key, const char *value, const char *currency, const char *account)
{
	begin(o);
	put_i(o, IB_IN_ACCT_VALUE);
	put_i(o, VER_ACCT_VALUE);
	put_s(o, key);
	put_s(o, value);
	put_s(o, currency);
	put_s(o, account);
	return end(o);
}

int
sim_enc_portfolio_value(sim_out *o, const sim_k *k, double position, double mkt_price, double mkt_value,
			double avg_cost, double unrealized, double realized, const char *account)
{
	begin(o);
	put_i(o, IB_IN_PORTFOLIO_VALUE);
	put_i(o, VER_PORTFOLIO);
	put_i(o, k->con_id);
	put_s(o, k->symbol);
	put_s(o, k->sec_type);
	put_derivs(o, k);
	put_s(o, k->primary); /* primaryExchange; portfolioValue has no exchange field */
	put_s(o, k->currency);
	put_s(o, k->local_symbol);
	put_s(o, k->trading_class);
	put_q(o, position);
	put_d(o, mkt_price);
	put_d(o, mkt_value);
	put_d(o, avg_cost);
	put_d(o, unrealized);
	put_d(o, realized);
	put_s(o, account);
	return end(o);
}

int
sim_enc_acct_update_time(sim_out *o, const char *hhmm)
{
	begin(o);
	put_i(o, IB_IN_ACCT_UPDATE_TIME);
	put_i(o, VER_ONE);
	put_s(o, hhmm);
	return end(o);
}

int
sim_enc_acct_download_end(sim_out *o, const char *account)
{
	begin(o);
	put_i(o, IB_IN_ACCT_DOWNLOAD_END);
	put_i(o, VER_ONE);
	put_s(o, account);
	return end(o);
}

int
sim_enc_position(sim_out *o, const char *account, const sim_k *k, double position, double avg_cost)
{
	begin(o);
	put_i(o, IB_IN_POSITION);
	put_i(o, VER_POSITION);
	put_s(o, account);
	put_i(o, k->con_id);
	put_s(o, k->symbol);
	put_s(o, k->sec_type);
	put_derivs(o, k);
	put_s(o, k->primary); /* a gateway reports the listing exchange here */
	put_s(o, k->currency);
	put_s(o, k->local_symbol);
	put_s(o, k->trading_class);
	put_q(o, position);
	put_d(o, avg_cost);
	return end(o);
}

int
sim_enc_position_end(sim_out *o)
{
	begin(o);
	put_i(o, IB_IN_POSITION_END);
	put_i(o, VER_ONE);
	return end(o);
}

int
sim_enc_account_summary(sim_out *o, int32_t req_id, const char *account, const char *tag, const char *value,
			const char *currency)
{
	begin(o);
	put_i(o, IB_IN_ACCOUNT_SUMMARY);
	put_i(o, VER_ONE);
	put_i(o, req_id);
	put_s(o, account);
	put_s(o, tag);
	put_s(o, value);
	put_s(o, currency);
	return end(o);
}

int
sim_enc_account_summary_end(sim_out *o, int32_t req_id)
{
	begin(o);
	put_i(o, IB_IN_ACCOUNT_SUMMARY_END);
	put_i(o, VER_ONE);
	put_i(o, req_id);
	return end(o);
}

/* ---- contracts ---- */

#define STK_ORDER_TYPES                                                                                              \
	"ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AON,AVGCOST,BASKET,BENCHPX,CASHQTY,COND,CONDORDER,DARKONLY,"            \
	"DARKPOLL,DAY,DEACT,DEACTDIS,DEACTEOD,DIS,DUR,GAT,GTC,GTD,GTT,HID,IBKRATS,ICE,IMB,IOC,LIT,LMT,LOC,MIDPX,"    \
	"MIT,MKT,MOC,MTL,NGCOMB,NODARK,NONALGO,OCA,OPG,OPGREROUT,PEGBENCH,PEGMID,POSTATS,POSTONLY,PREOPGRTH,"         \
	"PRICECHK,REL,REL2MID,RELPCTOFS,RPI,RTH,SCALE,SCALEODD,SCALERST,SIZECHK,SNAPMID,SNAPMKT,SNAPREL,STP,"         \
	"STPLMT,SWEEP,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF"
#define STK_EXCHANGES                                                                                                \
	"SMART,AMEX,NYSE,CBOE,PHLX,ISE,CHX,ARCA,NASDAQ,DRCTEDGE,BEX,BATS,EDGEA,BYX,IEX,EDGX,FOXRIVER,PEARL,"          \
	"NYSENAT,LTSE,MEMX,IBEOS,OVERNIGHT,TPLUS0,PSX"

static const char *
or_empty(const char *s)
{
	return s ? s : "";
}

int
sim_enc_contract_data(sim_out *o, int32_t req_id, const sim_k *k, const sim_enc_details *d)
{
	begin(o);
	put_i(o, IB_IN_CONTRACT_DATA);
	if (o->sv < SIM_SV_SIZE_RULES)
		put_i(o, VER_CONTRACT_DATA);
	put_i(o, req_id);
	put_s(o, k->symbol);
	put_s(o, k->sec_type);
	put_s(o, k->last_trade_date ? k->last_trade_date : "");
	if (k->strike != 0)
		put_d(o, k->strike);
	else
		put_i(o, 0);
	put_s(o, k->right ? k->right : "");
	put_s(o, k->exchange);
	put_s(o, k->currency);
	put_s(o, k->local_symbol);
	put_s(o, d->market_name);
	put_s(o, k->trading_class);
	put_i(o, k->con_id);
	put_d(o, d->min_tick);
	if (o->sv < SIM_SV_SIZE_RULES)
		put_i(o, 1); /* mdSizeMultiplier, removed at 164 */
	put_s(o, k->multiplier ? k->multiplier : "");
	put_s(o, d->order_types ? d->order_types : STK_ORDER_TYPES);
	put_s(o, d->valid_exchanges ? d->valid_exchanges : STK_EXCHANGES);
	put_i(o, 1);   /* priceMagnifier */
	put_i(o, d->under_con_id);
	put_s(o, d->long_name);
	put_s(o, k->primary);
	put_s(o, or_empty(d->contract_month));
	put_s(o, d->industry);
	put_s(o, d->category);
	put_s(o, d->subcategory);
	put_s(o, d->time_zone ? d->time_zone : "US/Eastern");
	put_s(o, d->trading_hours ? d->trading_hours : "20250324:0400-20250324:2000;20250325:0400-20250325:2000");
	put_s(o, d->liquid_hours ? d->liquid_hours : "20250324:0930-20250324:1600;20250325:0930-20250325:1600");
	put_s(o, "");  /* evRule */
	put_s(o, "");  /* evMultiplier */
	put_i(o, 1);   /* secIdList count */
	put_s(o, d->sec_id_type ? d->sec_id_type : "ISIN");
	put_s(o, d->isin);
	put_i(o, 1);   /* aggGroup */
	put_s(o, or_empty(d->under_symbol));
	put_s(o, or_empty(d->under_sec_type));
	put_s(o, "26,26"); /* marketRuleIds */
	put_s(o, or_empty(d->real_expiration));
	put_s(o, d->stock_type ? d->stock_type : "COMMON");
	if (o->sv == SIM_SV_FRACTIONAL_SIZE)
		put_s(o, d->min_size ? d->min_size : "0.0001");
	if (o->sv >= SIM_SV_SIZE_RULES) {
		put_s(o, d->min_size ? d->min_size : "0.0001");
		put_s(o, d->size_increment ? d->size_increment : "0.0001");
		put_s(o, d->suggested_size_increment ? d->suggested_size_increment : "100");
	}
	return end(o);
}

int
sim_enc_contract_data_end(sim_out *o, int32_t req_id)
{
	begin(o);
	put_i(o, IB_IN_CONTRACT_DATA_END);
	put_i(o, VER_ONE);
	put_i(o, req_id);
	return end(o);
}

/* ---- orders ---- */

/*
 * openOrder, no version field (>= 145).  The sequence is EOrderDecoder's;
 * groups whose presence depends on a value (delta-neutral, scale, hedge,
 * algo, conditions) are written in the state a plain stock order has, so
 * the counts and flags below must agree with what follows them.
 */
int
sim_enc_open_order(sim_out *o, const sim_k *k, const sim_enc_order *r)
{
	char alloc[96], qty[40];
	int i;

	begin(o);
	put_i(o, IB_IN_OPEN_ORDER);
	put_i(o, r->order_id);
	/* contract */
	put_i(o, k->con_id);
	put_s(o, k->symbol);
	put_s(o, k->sec_type);
	if (k->last_trade_date || k->right || k->multiplier) {
		put_s(o, k->last_trade_date ? k->last_trade_date : "");
		put_d(o, k->strike);
		put_s(o, k->right ? k->right : "?");
		put_s(o, k->multiplier ? k->multiplier : "");
	} else {
		put_s(o, "");    /* lastTradeDateOrContractMonth */
		put_i(o, 0);     /* strike */
		put_s(o, "?");   /* right: a gateway writes "?" for stocks */
		put_s(o, "");    /* multiplier */
	}
	put_s(o, k->exchange);
	put_s(o, k->currency);
	put_s(o, k->local_symbol);
	put_s(o, k->trading_class);
	/* order */
	put_s(o, r->action);
	put_q(o, r->total_qty);
	put_s(o, r->order_type);
	put_d(o, r->lmt_price == DBL_MAX ? 0 : r->lmt_price);
	put_d(o, r->aux_price == DBL_MAX ? 0 : r->aux_price);
	put_s(o, r->tif);
	put_s(o, r->oca_group ? r->oca_group : "");
	put_s(o, r->account);
	put_s(o, "");    /* openClose */
	put_i(o, 0);     /* origin: customer */
	put_s(o, r->order_ref);
	put_i(o, r->client_id);
	put_i(o, r->perm_id);
	put_b(o, r->outside_rth);
	put_b(o, false); /* hidden */
	put_i(o, 0);     /* discretionaryAmt */
	put_s(o, "");    /* goodAfterTime */
	sim_fmt_decimal(qty, sizeof(qty), r->total_qty);
	snprintf(alloc, sizeof(alloc), "%lld.0/%s/%s", (long long)r->perm_id, r->account, qty);
	put_s(o, alloc); /* deprecated sharesAllocation: a gateway still fills it */
	put_s(o, "");    /* faGroup */
	put_s(o, "");    /* faMethod */
	put_s(o, "");    /* faPercentage */
	if (o->sv < SIM_SV_FA_PROFILE_DESUPPORT)
		put_s(o, ""); /* faProfile */
	put_s(o, "");    /* modelCode */
	put_s(o, r->good_till_date ? r->good_till_date : "");
	put_s(o, "");    /* rule80A */
	put_s(o, "");    /* percentOffset */
	put_s(o, "");    /* settlingFirm */
	put_i(o, 0);     /* shortSaleSlot */
	put_s(o, "");    /* designatedLocation */
	put_i(o, -1);    /* exemptCode */
	put_i(o, 0);     /* auctionStrategy */
	for (i = 0; i < 5; i++)
		put_s(o, ""); /* startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper */
	put_s(o, JAVA_INT_MAX); /* displaySize */
	put_b(o, false); /* blockOrder */
	put_b(o, false); /* sweepToFill */
	put_b(o, false); /* allOrNone */
	put_s(o, "");    /* minQty */
	put_i(o, r->oca_type ? r->oca_type : 3); /* ocaType: a gateway's default is 3 */
	put_b(o, false); /* eTradeOnly */
	put_b(o, false); /* firmQuoteOnly */
	put_s(o, "");    /* nbboPriceCap */
	put_i(o, r->parent_id);
	put_i(o, 0);     /* triggerMethod */
	put_s(o, "");    /* volatility */
	put_i(o, 0);     /* volatilityType */
	/*
	 * deltaNeutralOrderType is "None", which is not empty: readers then
	 * take the eight delta-neutral fields that follow.
	 */
	put_s(o, "None");
	put_s(o, "");    /* deltaNeutralAuxPrice */
	put_i(o, 0);     /* deltaNeutralConId */
	put_s(o, "");    /* deltaNeutralSettlingFirm */
	put_s(o, "");    /* deltaNeutralClearingAccount */
	put_s(o, "");    /* deltaNeutralClearingIntent */
	put_s(o, "?");   /* deltaNeutralOpenClose */
	put_b(o, false); /* deltaNeutralShortSale */
	put_i(o, 0);     /* deltaNeutralShortSaleSlot */
	put_s(o, "");    /* deltaNeutralDesignatedLocation */
	put_b(o, false); /* continuousUpdate */
	put_i(o, 0);     /* referencePriceType */
	put_d_opt(o, r->trail_stop_price > 0 ? r->trail_stop_price : DBL_MAX);
	put_d_opt(o, r->trailing_percent > 0 ? r->trailing_percent : DBL_MAX);
	put_s(o, "");    /* basisPoints */
	put_s(o, "");    /* basisPointsType */
	put_s(o, "");    /* comboLegsDescrip */
	put_i(o, 0);     /* comboLegs count */
	put_i(o, 0);     /* orderComboLegs count */
	put_i(o, 0);     /* smartComboRoutingParams count */
	put_s(o, JAVA_INT_MAX); /* scaleInitLevelSize */
	put_s(o, JAVA_INT_MAX); /* scaleSubsLevelSize */
	put_s(o, "");    /* scalePriceIncrement: empty, so no scale fields follow */
	put_s(o, "");    /* hedgeType: empty, so no hedgeParam */
	put_b(o, false); /* optOutSmartRouting */
	put_s(o, "");    /* clearingAccount */
	put_s(o, "IB");  /* clearingIntent */
	put_b(o, false); /* notHeld */
	put_b(o, false); /* deltaNeutralContract present */
	put_s(o, "");    /* algoStrategy: empty, so no algo params */
	put_b(o, false); /* solicited */
	put_b(o, false); /* whatIf */
	/* order state */
	put_s(o, r->status);
	for (i = 0; i < 9; i++)
		put_s(o, JAVA_DBL_MAX); /* init/maint/equityWithLoan before, change, after */
	put_d_opt(o, r->commission);
	put_s(o, "");    /* minCommission */
	put_s(o, "");    /* maxCommission */
	put_s(o, r->commission == DBL_MAX ? "" : "USD"); /* commissionCurrency */
	put_s(o, "");    /* warningText */
	put_b(o, false); /* randomizeSize */
	put_b(o, false); /* randomizePrice */
	/* (PEG BENCH fields only for PEG BENCH orders) */
	put_i(o, 0);     /* conditions count: none, so no ignoreRth/cancelOrder flags */
	put_s(o, "None"); /* adjustedOrderType */
	for (i = 0; i < 6; i++)
		put_s(o, JAVA_DBL_MAX); /* triggerPrice, trailStopPrice, lmtPriceOffset, adjustedStop/StopLimit/TrailingAmount */
	put_i(o, 0);     /* adjustableTrailingUnit */
	put_s(o, "");    /* softDollarTier name */
	put_s(o, "");    /* softDollarTier value */
	put_s(o, "");    /* softDollarTier displayName */
	put_i(o, 0);     /* cashQty */
	put_b(o, true);  /* dontUseAutoPriceForHedge */
	put_b(o, false); /* isOmsContainer */
	put_b(o, false); /* discretionaryUpToLimitPrice */
	put_b(o, false); /* usePriceMgmtAlgo */
	if (o->sv >= SIM_SV_DURATION)
		put_s(o, ""); /* duration */
	if (o->sv >= SIM_SV_POST_TO_ATS)
		put_s(o, ""); /* postToAts */
	if (o->sv >= SIM_SV_AUTO_CANCEL_PARENT)
		put_b(o, false); /* autoCancelParent */
	if (o->sv >= SIM_SV_PEG_BEST_MID) {
		put_s(o, "");     /* minTradeQty */
		put_s(o, "100");  /* minCompeteSize */
		put_s(o, "0.02"); /* competeAgainstBestOffset */
		put_s(o, "");     /* midOffsetAtWhole */
		put_s(o, "");     /* midOffsetAtHalf */
	}
	return end(o);
}

int
sim_enc_open_order_end(sim_out *o)
{
	begin(o);
	put_i(o, IB_IN_OPEN_ORDER_END);
	put_i(o, VER_ONE);
	return end(o);
}

int
sim_enc_order_status(sim_out *o, const sim_enc_status *st)
{
	begin(o);
	put_i(o, IB_IN_ORDER_STATUS); /* no version field from 131 */
	put_i(o, st->order_id);
	put_s(o, st->status);
	put_q(o, st->filled);
	put_q(o, st->remaining);
	put_d(o, st->avg_fill_price);
	put_i(o, st->perm_id);
	put_i(o, st->parent_id);
	put_d(o, st->last_fill_price);
	put_i(o, st->client_id);
	put_s(o, st->why_held);
	put_d(o, st->mkt_cap_price);
	return end(o);
}

int
sim_enc_exec_details(sim_out *o, const sim_k *k, const sim_enc_exec *x)
{
	begin(o);
	put_i(o, IB_IN_EXEC_DETAILS); /* no version field from 136 */
	put_i(o, x->req_id);
	put_i(o, x->order_id);
	put_i(o, k->con_id);
	put_s(o, k->symbol);
	put_s(o, k->sec_type);
	put_derivs(o, k);
	put_s(o, x->exchange);
	put_s(o, k->currency);
	put_s(o, k->local_symbol);
	put_s(o, k->trading_class);
	put_s(o, x->exec_id);
	put_s(o, x->time);
	put_s(o, x->account);
	put_s(o, x->exchange);
	put_s(o, x->side);
	put_q(o, x->shares);
	put_d(o, x->price);
	put_i(o, x->perm_id);
	put_i(o, x->client_id);
	put_i(o, 0);   /* liquidation */
	put_q(o, x->cum_qty);
	put_d(o, x->avg_price);
	put_s(o, x->order_ref);
	put_s(o, "");  /* evRule */
	put_s(o, "");  /* evMultiplier */
	put_s(o, "");  /* modelCode */
	put_i(o, 2);   /* lastLiquidity: removed liquidity */
	return end(o);
}

int
sim_enc_exec_details_end(sim_out *o, int32_t req_id)
{
	begin(o);
	put_i(o, IB_IN_EXEC_DETAILS_END);
	put_i(o, VER_ONE);
	put_i(o, req_id);
	return end(o);
}

int
sim_enc_commission_report(sim_out *o, const char *exec_id, double commission, const char *currency,
			  double realized_pnl)
{
	begin(o);
	put_i(o, IB_IN_COMMISSION_REPORT);
	put_i(o, VER_COMMISSION);
	put_s(o, exec_id);
	put_d(o, commission);
	put_s(o, currency);
	put_d(o, realized_pnl); /* DBL_MAX when the fill opened a position */
	put_d(o, DBL_MAX);      /* yield */
	put_s(o, "");           /* yieldRedemptionDate */
	return end(o);
}

int
sim_enc_raw(sim_out *o, const char *const *fields, int n)
{
	begin(o);
	for (int i = 0; i < n; i++)
		put_s(o, fields[i]);
	return end(o);
}

/* ---- bars and P&L ---- */

static void
put_bar(sim_out *o, const sim_enc_bar *b)
{
	put_s(o, b->time);
	put_d(o, b->open);
	put_d(o, b->high);
	put_d(o, b->low);
	put_d(o, b->close);
	put_q(o, b->volume);
	put_q(o, b->wap);
	put_i(o, b->count);
}

/* historicalData (17): no version field; start and end here below HISTORICAL_DATA_END (196, above what we serve). */
int
sim_enc_historical_data(sim_out *o, int32_t req_id, const char *start, const char *end_s, const sim_enc_bar *bars,
			int n)
{
	begin(o);
	put_i(o, IB_IN_HISTORICAL_DATA);
	put_i(o, req_id);
	put_s(o, start);
	put_s(o, end_s);
	put_i(o, n);
	for (int i = 0; i < n; i++)
		put_bar(o, &bars[i]);
	return end(o);
}

/* historicalDataUpdate (90): reqId barCount date open close high low WAP volume -- close before high. */
int
sim_enc_historical_update(sim_out *o, int32_t req_id, const sim_enc_bar *b)
{
	begin(o);
	put_i(o, IB_IN_HISTORICAL_DATA_UPDATE);
	put_i(o, req_id);
	put_i(o, b->count);
	put_s(o, b->time);
	put_d(o, b->open);
	put_d(o, b->close);
	put_d(o, b->high);
	put_d(o, b->low);
	put_q(o, b->wap);
	put_q(o, b->volume);
	return end(o);
}

int
sim_enc_realtime_bar(sim_out *o, int32_t req_id, const sim_enc_bar *b)
{
	begin(o);
	put_i(o, IB_IN_REAL_TIME_BAR);
	put_i(o, VER_REALTIME_BAR);
	put_i(o, req_id);
	put_i(o, b->epoch);
	put_d(o, b->open);
	put_d(o, b->high);
	put_d(o, b->low);
	put_d(o, b->close);
	put_q(o, b->volume);
	put_q(o, b->wap);
	put_i(o, b->count);
	return end(o);
}

int
sim_enc_pnl(sim_out *o, int32_t req_id, double daily, double unrealized, double realized)
{
	begin(o);
	put_i(o, IB_IN_PNL);
	put_i(o, req_id);
	put_d(o, daily);
	put_d(o, unrealized);
	put_d(o, realized);
	return end(o);
}

int
sim_enc_pnl_single(sim_out *o, int32_t req_id, double pos, double daily, double unrealized, double realized,
		   double value)
{
	begin(o);
	put_i(o, IB_IN_PNL_SINGLE);
	put_i(o, req_id);
	put_q(o, pos);
	put_d(o, daily);
	put_d(o, unrealized);
	put_d(o, realized);
	put_d(o, value);
	return end(o);
}
