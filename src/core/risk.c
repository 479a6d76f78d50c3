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

static bool
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* Why an order's type, prices and time in force do not go together, or NULL. */
static const char *
order_problem(const ib_order *o)
{
	static const char *const types[] = { "MKT", "LMT", "STP", "STP LMT", "TRAIL", "MOC", "LOC" };
	static const char *const tifs[] = { "", "DAY", "GTC", "IOC", "FOK", "GTD", "OPG" };
	const char *t = o->order_type;
	bool type_ok = false, tif_ok = false;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		type_ok |= is(t, types[i]);
	for (size_t i = 0; i < sizeof(tifs) / sizeof(tifs[0]); i++)
		tif_ok |= is(o->tif, tifs[i]);
	if (!type_ok)
		return "order type must be MKT, LMT, STP, STP LMT, TRAIL, MOC or LOC";
	if (!tif_ok)
		return "time in force must be DAY, GTC, IOC, FOK, GTD or OPG";
	if ((is(t, "LMT") || is(t, "STP LMT") || is(t, "LOC")) && !has_price(o->lmt_price))
		return "a limit order needs lmt_price";
	if ((is(t, "STP") || is(t, "STP LMT")) && !has_price(o->aux_price))
		return "a stop order needs aux_price (the stop)";
	if (is(t, "TRAIL") && has_price(o->aux_price) == has_price(o->trailing_percent))
		return "a trailing stop needs aux_price (amount) or trailing_percent, exactly one";
	if (is(o->tif, "GTD") && o->good_till_date[0] == '\0')
		return "GTD needs good_till_date";
	if (is(o->tif, "OPG") && !is(t, "MKT") && !is(t, "LMT"))
		return "OPG is for MKT and LMT orders";
	if (o->algo_strategy[0]) {
		if (!is(o->algo_strategy, "Adaptive"))
			return "the only algo is Adaptive";
		if (!is(t, "MKT") && !is(t, "LMT"))
			return "Adaptive is for MKT and LMT orders";
		if (o->algo_param_count != 1 || !is(o->algo_params[0].tag, "adaptivePriority") ||
		    !(is(o->algo_params[0].value, "Patient") || is(o->algo_params[0].value, "Normal") ||
		      is(o->algo_params[0].value, "Urgent")))
			return "Adaptive needs adaptivePriority Patient, Normal or Urgent";
	}
	return NULL;
}

/* The price a limit is checked at: what the order names, else the market's mid. */
static double
order_price(const ib_order *o, double mid)
{
	const char *t = o->order_type;

	if ((is(t, "LMT") || is(t, "STP LMT") || is(t, "LOC")) && has_price(o->lmt_price))
		return o->lmt_price;
	if (is(t, "STP") && has_price(o->aux_price))
		return o->aux_price;
	if (is(t, "TRAIL") && has_price(o->trail_stop_price))
		return o->trail_stop_price;
	return mid;
}

int
ib_risk_check(const ib_risk_limits *lim, const ib_order *o, const ib_risk_inputs *in, char *why, size_t cap)
{
	bool buy = strcmp(o->action, "BUY") == 0;
	bool limit = is(o->order_type, "LMT") || is(o->order_type, "STP LMT") || is(o->order_type, "LOC");
	double mid = in->bid > 0 && in->ask > 0 ? (in->bid + in->ask) / 2 : 0;
	double px = order_price(o, mid);
	double mult = in->terms.multiplier > 0 ? in->terms.multiplier : 1;
	const char *bad;

	if (!in->gate_open)
		return snprintf(why, cap, "account sync gate is closed"), IB_RISK_GATE_CLOSED;
	if (in->halted)
		return snprintf(why, cap, "trading halted (kill switch)"), IB_RISK_HALTED;
	if ((!buy && strcmp(o->action, "SELL") != 0) || !(o->total_qty > 0) || !isfinite(o->total_qty))
		return snprintf(why, cap, "malformed order: %s %g %s", o->action, o->total_qty, o->order_type),
		       IB_RISK_BAD_ORDER;
	if ((bad = order_problem(o)) != NULL)
		return snprintf(why, cap, "malformed order: %s %g %s %s: %s", o->action, o->total_qty, o->order_type,
				o->tif, bad),
		       IB_RISK_BAD_ORDER;
	if (lim->max_order_qty > 0 && o->total_qty > lim->max_order_qty)
		return snprintf(why, cap, "quantity %g above max_order_qty %g", o->total_qty, lim->max_order_qty),
		       IB_RISK_QTY;
	if (lim->max_position > 0) {
		double after = in->position + (buy ? o->total_qty : -o->total_qty);
		if (fabs(after) > lim->max_position)
			return snprintf(why, cap, "position in conId %d would be %g, beyond max_position %g",
					(int)in->terms.con_id, after, lim->max_position),
			       IB_RISK_POSITION;
	}
	if (lim->max_notional > 0) {
		double notional;
		if (in->terms.fx) {
			notional = o->total_qty; /* an FX order's quantity is in the base currency already */
		} else {
			if (!(px > 0))
				return snprintf(why, cap, "no price to check max_notional against"), IB_RISK_NOTIONAL;
			notional = px * o->total_qty * mult;
		}
		if (notional > lim->max_notional)
			return snprintf(why, cap, "notional %.2f (%g x %g x multiplier %g%s) above max_notional %.2f", notional,
					o->total_qty, in->terms.fx ? 1 : px, in->terms.fx ? 1 : mult,
					in->terms.fx ? ", FX: base currency" : "", lim->max_notional),
			       IB_RISK_NOTIONAL;
	}
	if (lim->max_open_orders > 0 && in->open_orders >= lim->max_open_orders)
		return snprintf(why, cap, "%d open orders, max_open_orders %d", in->open_orders, lim->max_open_orders),
		       IB_RISK_OPEN_ORDERS;
	/* whatever max_open_orders says: an order the table has no room for would not be followed */
	if (!in->modify && in->open_orders >= IB_ORDER_TABLE_CAP)
		return snprintf(why, cap, "%d open orders: ibpipe follows at most %d at once", in->open_orders,
				IB_ORDER_TABLE_CAP),
		       IB_RISK_OPEN_ORDERS;
	if (lim->max_orders_per_s > 0 && in->orders_last_s >= lim->max_orders_per_s)
		return snprintf(why, cap, "%d orders in the last second, max_orders_per_s %d", in->orders_last_s,
				lim->max_orders_per_s),
		       IB_RISK_RATE;
	if ((lim->price_collar_pct > 0 || lim->price_collar_ticks > 0) && limit) {
		if (!(mid > 0))
			return snprintf(why, cap, "no quote to check the price collar against"), IB_RISK_COLLAR;
		double dev = fabs(o->lmt_price - mid) / mid * 100.0;
		if (lim->price_collar_pct > 0 && dev > lim->price_collar_pct)
			return snprintf(why, cap, "limit %.4f is %.2f%% from mid %.4f, collar %.2f%%", o->lmt_price, dev, mid,
					lim->price_collar_pct),
			       IB_RISK_COLLAR;
		if (lim->price_collar_ticks > 0) {
			if (!(in->terms.min_tick > 0))
				return snprintf(why, cap, "min tick unknown: the collar in ticks cannot be checked"),
				       IB_RISK_COLLAR;
			/* the tiny slack keeps a price exactly on the collar's edge inside it despite rounding */
			double ticks = fabs(o->lmt_price - mid) / in->terms.min_tick;
			if (ticks > lim->price_collar_ticks + 1e-6)
				return snprintf(why, cap, "limit %.4f is %.1f ticks of %g from mid %.4f, collar %g ticks",
						o->lmt_price, ticks, in->terms.min_tick, mid, lim->price_collar_ticks),
				       IB_RISK_COLLAR;
		}
	}
	if (cap)
		why[0] = '\0';
	return IB_RISK_OK;
}

int
ib_risk_check_group(const ib_risk_limits *lim, const ib_order *const o[], int n, bool bracket,
		    const ib_risk_inputs *in, char *why, size_t cap)
{
	ib_risk_inputs leg = *in;
	double after_parent = in->position;
	char sub[200];

	for (int i = 0; i < n; i++) {
		leg.open_orders = in->open_orders + i;
		leg.orders_last_s = in->orders_last_s + i;
		/* a bracket child lives only once its parent filled: its position starts from there */
		leg.position = bracket && i > 0 ? after_parent : in->position;
		int rc = ib_risk_check(lim, o[i], &leg, sub, sizeof(sub));
		if (rc != IB_RISK_OK)
			return snprintf(why, cap, "leg %d (%s %s): %s", i + 1, o[i]->action, o[i]->order_type, sub), rc;
		if (i == 0)
			after_parent = in->position + (strcmp(o[0]->action, "BUY") == 0 ? o[0]->total_qty : -o[0]->total_qty);
	}
	if (cap)
		why[0] = '\0';
	return IB_RISK_OK;
}
