/*
 * place.h - an order through the gates every order passes: the sync gate,
 * the kill switch and the risk limits, then into the out ring with a new
 * id (or its own id, for a modification).  Strategies (strategy.c) and the
 * command stream (service/commands.c) place through here, so neither can
 * skip a gate the other has.  Readonly stays where it cannot be bypassed:
 * the encoder.  Any thread; placement is rare, so it may take a mutex.
 */
#ifndef IBPIPE_PLACE_H
#define IBPIPE_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ibpipe/req.h"

struct ib_pipeline;

/* Who placed an order, when it is not a strategy (order updates then go to every strategy). */
#define IB_OWNER_COMMANDS (-2)

/*
 * Called with the order's id after it is chosen and before the order enters
 * the out ring (for a new order: under the lock that keeps ids in order).
 * Returning false sends nothing: the id is then skipped, never reused.
 */
typedef bool (*ib_place_hook)(void *arg, int32_t order_id);

typedef struct ib_place {
	int owner;                 /* strategy index, or IB_OWNER_COMMANDS */
	int orders_last_s;         /* this placer's orders in the last second (max_orders_per_s) */
	bool modify;               /* re-send order->order_id with new terms */
	ib_place_hook hook;        /* optional */
	void *hook_arg;
} ib_place;

/*
 * IB_OK with order->order_id set (queued); a refusal from risk.h (< 0) or
 * IB_ENOORDERID (the order-id mark could not be stored) with the reason in
 * why, logged and counted here; IB_ECLOSED when stopping or when the hook
 * refused.
 */
int ib_place_order(struct ib_pipeline *p, const ib_place *how, const ib_contract *c, ib_order *o, char *why,
		   size_t cap);

/* A child's parent_id before the ids are taken: the first order of the same ib_place_orders. */
#define IB_PARENT_FIRST (-1)
#define IB_PLACE_MAX 3

/*
 * Up to IB_PLACE_MAX new orders for one contract that go together (a bracket: the entry, then its
 * exits with parent_id IB_PARENT_FIRST), through every gate as a whole (ib_risk_check_group: any
 * leg refused, none is sent; a bracket's exits are checked from the position after the entry);
 * all are queued or none.  They take consecutive ids from o[0]'s, which the hook is told; a child
 * with parent_id IB_PARENT_FIRST gets o[0]'s id, and (oca_group empty) the OCA group
 * "ibpipe-bracket-<o[0]'s id>".  The caller sets the transmit chain.  Returns as ib_place_order.
 */
int ib_place_orders(struct ib_pipeline *p, const ib_place *how, const ib_contract *c, ib_order *o, int n, char *why,
		    size_t cap);

/* The contract's terms risk checks against (conId, multiplier, min tick, FX): the one accessor. */
struct ib_contract_terms;
void ib_contract_terms_of(const struct ib_pipeline *p, const ib_contract *c, struct ib_contract_terms *t);

#endif
