/*
 * risk.h - pre-trade checks, run on the strategy thread before an order is
 * queued (so before anything is encoded).  Pure: the caller gathers the
 * inputs, ib_risk_check decides.  A refusal has a code and a reason.
 */
#ifndef IBPIPE_RISK_H
#define IBPIPE_RISK_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "ibpipe/req.h"

enum ib_risk_code {
	IB_RISK_OK = 0,
	IB_RISK_HALTED = -100,
	IB_RISK_QTY = -101,
	IB_RISK_POSITION = -102,
	IB_RISK_NOTIONAL = -103,
	IB_RISK_OPEN_ORDERS = -104,
	IB_RISK_RATE = -105,
	IB_RISK_COLLAR = -106,
	IB_RISK_BAD_ORDER = -107,
	IB_RISK_GATE_CLOSED = -108,
	IB_RISK_LAST = IB_RISK_GATE_CLOSED, /* keep last and equal to the lowest code (test_risk checks) */
};
/* Refusal codes run from IB_RISK_HALTED down to IB_RISK_LAST, one per counter in risk_rejects[]. */
#define IB_RISK_NCODES (IB_RISK_HALTED - IB_RISK_LAST + 1)
/* A refusal code's index in a table of IB_RISK_NCODES counters. */
#define IB_RISK_INDEX(code) (IB_RISK_HALTED - (code))

/*
 * What the limits need to know of the contract, in its own terms (place.c's
 * ib_contract_terms fills it from one accessor).  Zeroed: a US stock.
 */
typedef struct ib_contract_terms {
	int32_t con_id;        /* 0: unknown (the position is then found by symbol) */
	double multiplier;     /* 0 or 1: none; a future's or option's multiplier */
	double min_tick;       /* 0: unknown (a collar in ticks then refuses) */
	bool fx;               /* CASH: the quantity is in the base currency, and so is the notional */
} ib_contract_terms;

/*
 * The most orders ibpipe follows at once (core/orders.c): a final one's slot is reused, so
 * this bounds the live ones; past it a new order would go out untracked, so it is refused.
 */
#define IB_ORDER_TABLE_CAP 8192

typedef struct ib_risk_inputs {
	bool halted;
	bool gate_open;
	bool modify;           /* an order already placed, sent again: it holds its place in the table */
	double position;       /* current position in the contract (its conId, all accounts) */
	int open_orders;       /* live orders, including ones in flight */
	int orders_last_s;     /* orders this strategy sent in the last second */
	double bid, ask;       /* current quote, 0 when unknown */
	ib_contract_terms terms;
} ib_risk_inputs;

/*
 * One order.  Notional = quantity x price x multiplier (FX: the quantity,
 * in the base currency); the price is the limit (LMT, STP LMT, LOC), the
 * stop (STP, TRAIL with a first stop) or the quote's mid (MKT, MOC, TRAIL).
 * The collar (percent and ticks of the min tick) applies to limit prices.
 */
int ib_risk_check(const ib_risk_limits *lim, const ib_order *o, const ib_risk_inputs *in, char *why, size_t cap);
/*
 * Orders sent together (bracket: o[0] the parent, the rest its children;
 * else an OCA group or any set), all checked before any is sent: IB_RISK_OK only if each
 * passes with the open-order and rate counts of the ones before it, a
 * child's position limit taken after its parent filled.  A refusal names
 * the leg (why starts "leg N: ").
 */
int ib_risk_check_group(const ib_risk_limits *lim, const ib_order *const o[], int n, bool bracket,
			const ib_risk_inputs *in, char *why, size_t cap);
const char *ib_risk_name(int code);

#endif
