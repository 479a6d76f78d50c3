/*
 * risk.c - pre-trade limits.  Every limit of 0 is off.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ibpipe/ib.h"
#include "core/risk.h"

const char *
ib_risk_name(int code)
{
	switch (code) {
	case IB_RISK_OK: return "ok";
	case IB_RISK_HALTED: return "halted";
	case IB_RISK_QTY: return "max_order_qty";
	case IB_RISK_POSITION: return "max_position";
	case IB_RISK_NOTIONAL: return "max_notional";
	case IB_RISK_OPEN_ORDERS: return "max_open_orders";
	case IB_RISK_RATE: return "max_orders_per_s";
	case IB_RISK_COLLAR: return "price_collar";
	case IB_RISK_BAD_ORDER: return "bad_order";
	case IB_RISK_GATE_CLOSED: return "gate_closed";
	}
	return "unknown";
}

static bool
has_price(double v)
{
	return v > 0 && v != IB_UNSET_DOUBLE && isfinite(v);
}

/* The order types the encoder sends (req.h), each with the prices it needs. */
static bool
well_formed(const ib_order *o)
{
	const char *t = o->order_type;

	if (strcmp(t, "MKT") == 0 || strcmp(t, "MOC") == 0)
		return true;
	if (strcmp(t, "LMT") == 0 || strcmp(t, "LOC") == 0)
		return has_price(o->lmt_price);
	if (strcmp(t, "STP") == 0)
		return has_price(o->aux_price);
	if (strcmp(t, "STP LMT") == 0)
		return has_price(o->lmt_price) && has_price(o->aux_price);
	if (strcmp(t, "TRAIL") == 0) /* a trailing amount or a trailing percent, not both */
		return has_price(o->aux_price) != has_price(o->trailing_percent);
	return false;
}

int
ib_risk_check(const ib_risk_limits *lim, const ib_order *o, const ib_risk_inputs *in, char *why, size_t cap)
{
	bool buy = strcmp(o->action, "BUY") == 0;
	/* the price the order may trade at: its limit, else its stop, else the market (TRAIL's amount is no price) */
	bool lmt = strcmp(o->order_type, "LMT") == 0 || strcmp(o->order_type, "LOC") == 0;
	bool has_lmt = lmt || strcmp(o->order_type, "STP LMT") == 0;
	bool stop = strcmp(o->order_type, "STP") == 0;
	double mid = in->bid > 0 && in->ask > 0 ? (in->bid + in->ask) / 2 : 0;
	double px = has_lmt && has_price(o->lmt_price) ? o->lmt_price : stop && has_price(o->aux_price) ? o->aux_price : mid;

	if (!in->gate_open)
		return snprintf(why, cap, "account sync gate is closed"), IB_RISK_GATE_CLOSED;
	if (in->halted)
		return snprintf(why, cap, "trading halted (kill switch)"), IB_RISK_HALTED;
	if ((!buy && strcmp(o->action, "SELL") != 0) || !(o->total_qty > 0) || !well_formed(o))
		return snprintf(why, cap, "malformed order: %s %g %s", o->action, o->total_qty, o->order_type),
		       IB_RISK_BAD_ORDER;
	if (lim->max_order_qty > 0 && o->total_qty > lim->max_order_qty)
		return snprintf(why, cap, "quantity %g above max_order_qty %g", o->total_qty, lim->max_order_qty),
		       IB_RISK_QTY;
	if (lim->max_position > 0) {
		double after = in->position + (buy ? o->total_qty : -o->total_qty);
		if (fabs(after) > lim->max_position)
			return snprintf(why, cap, "position would be %g, beyond max_position %g", after, lim->max_position),
			       IB_RISK_POSITION;
	}
	if (lim->max_notional > 0) {
		if (!(px > 0))
			return snprintf(why, cap, "no price to check max_notional against"), IB_RISK_NOTIONAL;
		if (px * o->total_qty > lim->max_notional)
			return snprintf(why, cap, "notional %.2f above max_notional %.2f", px * o->total_qty,
					lim->max_notional),
			       IB_RISK_NOTIONAL;
	}
	if (lim->max_open_orders > 0 && in->open_orders >= lim->max_open_orders)
		return snprintf(why, cap, "%d open orders, max_open_orders %d", in->open_orders, lim->max_open_orders),
		       IB_RISK_OPEN_ORDERS;
	if (lim->max_orders_per_s > 0 && in->orders_last_s >= lim->max_orders_per_s)
		return snprintf(why, cap, "%d orders in the last second, max_orders_per_s %d", in->orders_last_s,
				lim->max_orders_per_s),
		       IB_RISK_RATE;
	if (lim->price_collar_pct > 0 && lmt) {
		if (!(mid > 0))
			return snprintf(why, cap, "no quote to check the price collar against"), IB_RISK_COLLAR;
		double dev = fabs(o->lmt_price - mid) / mid * 100.0;
		if (dev > lim->price_collar_pct)
			return snprintf(why, cap, "limit %.4f is %.2f%% from mid %.4f, collar %.2f%%", o->lmt_price, dev, mid,
					lim->price_collar_pct),
			       IB_RISK_COLLAR;
	}
	if (cap)
		why[0] = '\0';
	return IB_RISK_OK;
}
