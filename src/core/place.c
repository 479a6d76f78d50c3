/*
 * place.c - the one way an order enters the out ring: gather what the risk
 * check needs (gate, kill switch, position, open orders, quote), decide, and
 * queue it.  Runs on whichever thread places (a strategy's, the command
 * reader's); everything it reads is published with ck_pr by its writer.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "ibpipe/log.h"
#include "codec/wire.h"
#include "core/pipeline_state.h"
#include "core/place.h"

static int
instrument_index(const ib_pipeline *p, const char *symbol)
{
	for (uint32_t i = 0; i < p->quotes->n; i++)
		if (strcmp(ib_quote_name(p->quotes, i), symbol) == 0)
			return (int)i;
	return -1;
}

static void
risk_inputs(ib_pipeline *p, const ib_place *how, const ib_contract *c, ib_risk_inputs *in)
{
	int inst = instrument_index(p, c->symbol);
	ib_quote_data q;

	memset(in, 0, sizeof(*in));
	in->halted = ck_pr_load_int(&p->risk.halted) != 0;
	in->gate_open = ib_gate_is_open(&p->gate);
	in->open_orders = ck_pr_load_int(&p->risk.open_orders);
	in->orders_last_s = how->orders_last_s;
	if (inst >= 0) {
		uint64_t bits = ck_pr_load_64(&p->risk.inst_pos[inst]);
		memcpy(&in->position, &bits, sizeof(double));
		ib_quote_read(p->quotes, (uint32_t)inst, &q);
		in->bid = q.bid;
		in->ask = q.ask;
	}
}

static const char *
owner_name(const ib_place *how, char *buf, size_t cap)
{
	if (how->owner == IB_OWNER_COMMANDS)
		snprintf(buf, cap, "command stream");
	else
		snprintf(buf, cap, "strategy %d", how->owner);
	return buf;
}

int
ib_place_orders(ib_pipeline *p, const ib_place *how, const ib_contract *c, ib_order *o, int n, char *why, size_t cap)
{
	ib_req r[IB_PLACE_MAX];
	ib_risk_inputs in;
	char who[32];

	if (n < 1 || n > IB_PLACE_MAX || how->modify)
		return snprintf(why, cap, "1 to %d new orders at once", IB_PLACE_MAX), IB_EINVAL;
	risk_inputs(p, how, c, &in);
	for (int i = 0; i < n; i++) {
		/* each order as if those before it were open already */
		ib_risk_inputs each = in;
		each.open_orders += i;
		each.orders_last_s += i;
		int rc = ib_risk_check(&p->cfg.risk, &o[i], &each, why, cap);
		if (rc != IB_RISK_OK) {
			ck_pr_faa_64(&p->risk.rejects[IB_RISK_INDEX(rc)], 1);
			ib_log(IB_LL_WARN, "risk", "%s: order %d of %d refused (%s): %s", owner_name(how, who, sizeof(who)),
			       i + 1, n, ib_risk_name(rc), why);
			return rc;
		}
		r[i] = (ib_req){ .id = IB_OUT_PLACE_ORDER };
		r[i].u.place_order.contract = *c;
		r[i].u.place_order.order = o[i];
	}
	if (!ib_pipeline_send_new_orders_hook(p, r, n, how->owner, how->hook, how->hook_arg)) {
		if (ib_pipeline_orders_stopped(p)) {
			snprintf(why, cap, "%s", ib_strerror(IB_ENOORDERID));
			return IB_ENOORDERID;
		}
		return snprintf(why, cap, "not queued (stopping, or refused before it was sent)"), IB_ECLOSED;
	}
	for (int i = 0; i < n; i++)
		o[i] = r[i].u.place_order.order;
	ck_pr_faa_64(&p->risk.orders_placed, (uint64_t)n);
	return IB_OK;
}

int
ib_place_order(ib_pipeline *p, const ib_place *how, const ib_contract *c, ib_order *o, char *why, size_t cap)
{
	ib_risk_inputs in;
	char who[32];

	risk_inputs(p, how, c, &in);
	int rc = ib_risk_check(&p->cfg.risk, o, &in, why, cap);
	if (rc != IB_RISK_OK) {
		assert(rc <= IB_RISK_HALTED && IB_RISK_INDEX(rc) < IB_RISK_NCODES);
		ck_pr_faa_64(&p->risk.rejects[IB_RISK_INDEX(rc)], 1);
		ib_log(IB_LL_WARN, "risk", "%s: order refused (%s): %s", owner_name(how, who, sizeof(who)),
		       ib_risk_name(rc), why);
		return rc;
	}
	ib_req r = { .id = IB_OUT_PLACE_ORDER };
	r.u.place_order.order_id = o->order_id;
	r.u.place_order.contract = *c;
	r.u.place_order.order = *o;
	bool ok;
	if (how->modify)
		ok = (!how->hook || how->hook(how->hook_arg, o->order_id)) && ib_pipeline_send(p, &r, how->owner);
	else
		ok = ib_pipeline_send_new_order_hook(p, &r, how->owner, how->hook, how->hook_arg);
	if (!ok && !how->modify && ib_pipeline_orders_stopped(p)) {
		snprintf(why, cap, "%s", ib_strerror(IB_ENOORDERID));
		ib_log(IB_LL_WARN, "orders", "%s: order refused: %s", owner_name(how, who, sizeof(who)), why);
		return IB_ENOORDERID;
	}
	if (!ok)
		return snprintf(why, cap, "not queued (stopping, or refused before it was sent)"), IB_ECLOSED;
	o->order_id = r.u.place_order.order_id;
	ck_pr_faa_64(&p->risk.orders_placed, 1);
	return IB_OK;
}
