/*
 * place.c - the one way an order enters the out ring: gather what the risk
 * check needs (gate, kill switch, the contract's terms and position, open
 * orders, quote), decide, and queue it; brackets as a whole.  Runs on
 * whichever thread places (a strategy's, the command reader's); everything
 * it reads is published with ck_pr by its writer.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "codec/wire.h"
#include "core/contracts.h"
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

/* The configured contract c names, once resolved: by conId, else by its defining fields.  Its instrument, or -1. */
static int
resolved_instrument(const ib_pipeline *p, const ib_contract *c, ib_resolved_contract *r)
{
	for (int i = 0; p->contracts && i < p->contracts->n; i++) {
		uint32_t inst = p->contracts->slot[i].instrument;
		if (!ib_pipeline_contract(p, inst, r))
			continue;
		const ib_contract *k = &r->contract;
		if (c->con_id > 0 ? k->con_id == c->con_id
				  : strcmp(k->symbol, c->symbol) == 0 && strcmp(k->sec_type, c->sec_type) == 0 &&
					    (!c->currency[0] || strcmp(k->currency, c->currency) == 0) &&
					    strncmp(k->last_trade_date, c->last_trade_date, strlen(c->last_trade_date)) == 0 &&
					    (!c->right[0] || strcmp(k->right, c->right) == 0) &&
					    (!(c->strike > 0) || c->strike == IB_UNSET_DOUBLE || k->strike == c->strike))
			return (int)inst;
	}
	return -1;
}

/*
 * The one accessor risk reads a contract's terms from: IB's own (conId,
 * multiplier, min tick) when the contract is a configured one that
 * resolved; else the order's contract fields (a US stock's min tick is
 * IB's 0.01; other min ticks are unknown).
 */
void
ib_contract_terms_of(const ib_pipeline *p, const ib_contract *c, ib_contract_terms *t)
{
	char *end = NULL;
	double m = c->multiplier[0] ? strtod(c->multiplier, &end) : 1;
	bool stk = c->sec_type[0] == '\0' || strcmp(c->sec_type, "STK") == 0;
	ib_resolved_contract r;

	memset(t, 0, sizeof(*t));
	t->con_id = c->con_id;
	t->multiplier = (end == NULL || *end == '\0') && m > 0 && isfinite(m) ? m : 1;
	t->fx = strcmp(c->sec_type, "CASH") == 0;
	t->min_tick = stk && (c->currency[0] == '\0' || strcmp(c->currency, "USD") == 0) ? 0.01 : 0;
	if (p != NULL && resolved_instrument(p, c, &r) >= 0) {
		t->con_id = r.contract.con_id;
		t->multiplier = r.multiplier > 0 ? r.multiplier : 1;
		t->min_tick = r.min_tick > 0 ? r.min_tick : t->min_tick;
		t->fx = strcmp(r.contract.sec_type, "CASH") == 0;
	}
}

/* The contract's position over every account (the account thread keeps it per conId). */
static double
contract_position(const ib_pipeline *p, const ib_contract *c, int32_t con_id)
{
	uint32_t n = __atomic_load_n(&p->risk.nconpos, __ATOMIC_ACQUIRE); /* the entries below it are whole */
	const char *st = c->sec_type[0] ? c->sec_type : "STK";

	for (uint32_t i = 0; i < n; i++) {
		const struct ib_conpos *e = &p->risk.conpos[i];
		if (con_id > 0 ? e->con_id == con_id : strcmp(e->symbol, c->symbol) == 0 && strcmp(e->sec_type, st) == 0) {
			uint64_t bits = __atomic_load_n(&e->pos_bits, __ATOMIC_RELAXED);
			double v;
			memcpy(&v, &bits, sizeof(v));
			return v;
		}
	}
	return 0;
}

static void
risk_inputs(ib_pipeline *p, const ib_place *how, const ib_contract *c, ib_risk_inputs *in)
{
	ib_resolved_contract r;
	int inst = resolved_instrument(p, c, &r);
	ib_quote_data q;

	if (inst < 0)
		inst = instrument_index(p, c->symbol);
	memset(in, 0, sizeof(*in));
	in->halted = ck_pr_load_int(&p->risk.halted) != 0;
	in->gate_open = ib_gate_is_open(&p->gate);
	in->modify = how->modify;
	in->open_orders = ck_pr_load_int(&p->risk.open_orders);
	in->orders_last_s = how->orders_last_s;
	ib_contract_terms_of(p, c, &in->terms);
	in->position = contract_position(p, c, in->terms.con_id);
	if (inst >= 0) {
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
	const ib_order *legs[IB_PLACE_MAX];
	ib_risk_inputs in;
	char who[32];

	if (n < 1 || n > IB_PLACE_MAX || how->modify)
		return snprintf(why, cap, "1 to %d new orders at once", IB_PLACE_MAX), IB_EINVAL;
	risk_inputs(p, how, c, &in);
	for (int i = 0; i < n; i++)
		legs[i] = &o[i];
	/* a bracket as a whole: each leg as if those before it were open, the exits after the entry filled */
	int rc = ib_risk_check_group(&p->cfg.risk, legs, n, n > 1 && o[1].parent_id == IB_PARENT_FIRST, &in, why, cap);
	if (rc != IB_RISK_OK) {
		assert(rc <= IB_RISK_HALTED && IB_RISK_INDEX(rc) < IB_RISK_NCODES);
		ck_pr_faa_64(&p->risk.rejects[IB_RISK_INDEX(rc)], 1);
		ib_log(IB_LL_WARN, "risk", "%s: %d orders refused (%s): %s", owner_name(how, who, sizeof(who)), n,
		       ib_risk_name(rc), why);
		return rc;
	}
	for (int i = 0; i < n; i++) {
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
