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

typedef struct ib_risk_inputs {
	bool halted;
	bool gate_open;
	double position;       /* current position in the symbol (all accounts) */
	int open_orders;       /* live orders, including ones in flight */
	int orders_last_s;     /* orders this strategy sent in the last second */
	double bid, ask;       /* current quote, 0 when unknown */
} ib_risk_inputs;

int ib_risk_check(const ib_risk_limits *lim, const ib_order *o, const ib_risk_inputs *in, char *why, size_t cap);
const char *ib_risk_name(int code);

#endif
