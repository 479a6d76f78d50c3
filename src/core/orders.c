/*
 * orders.c - the order state machine, fed by what the gateway says.
 *
 * States: PendingSubmit (we sent it) -> PreSubmitted/Submitted ->
 * PartiallyFilled -> Filled, or Cancelled, Inactive, Rejected.  IB repeats
 * orderStatus and may deliver it out of order, so: a terminal state is
 * final, the filled quantity never goes down, and an update that changes
 * nothing is not passed on.  Executions are de-duplicated by execId.  Each
 * real change is published once (order hash + stream) and sent to the
 * strategy that placed the order (every strategy, if no one here did).
 *
 * After a disconnect every live order is unconfirmed until the gateway
 * mentions it again (openOrder, orderStatus, an execution).  Once both
 * reconcile answers are complete (openOrderEnd, execDetailsEnd), an order
 * still unconfirmed never reached the gateway (sent into a connection it
 * had stopped reading, say): it becomes Inactive with the reason, instead
 * of staying PendingSubmit forever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "codec/wire.h"
#include "core/pipeline.h"

#define ORDER_CAP 8192   /* power of two */
#define EXEC_SEEN_CAP 8192

struct order {
	int32_t id;          /* 0 = empty slot */
	int32_t owner;       /* strategy index, -1 unknown */
	ib_order_update u;
	char account[24];
	char order_type[8], tif[8];
	double lmt_price, aux_price;
	int64_t perm_id;
	bool terminal;
	bool unconfirmed;    /* live across a disconnect, not yet mentioned by the gateway since */
};

struct orders {
	struct order t[ORDER_CAP];
	uint64_t exec_seen[EXEC_SEEN_CAP]; /* hashes of recent execIds, FIFO */
	uint32_t exec_head;
	int nlive;
	bool await_open_end, await_exec_end; /* the reconcile after a disconnect is not complete yet */
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h ? h : 1;
}

int
ib_orders_init(ib_pipeline *p)
{
	p->orders = calloc(1, sizeof(struct orders));
	return p->orders ? IB_OK : IB_ENOSPC;
}

void
ib_orders_free(ib_pipeline *p)
{
	free(p->orders);
	p->orders = NULL;
}

static struct order *
find(struct orders *o, int32_t id, bool create)
{
	uint32_t h = (uint32_t)id * 2654435761u;

	for (uint32_t i = 0; i < ORDER_CAP; i++) {
		struct order *s = &o->t[(h + i) & (ORDER_CAP - 1)];
		if (s->id == id)
			return s;
		if (s->id == 0) {
			if (!create)
				return NULL;
			memset(s, 0, sizeof(*s));
			s->id = id;
			s->owner = -1;
			s->u.order_id = id;
			o->nlive++;
			return s;
		}
	}
	return NULL;
}

static bool
is_terminal(const char *st)
{
	return strcmp(st, "Filled") == 0 || strcmp(st, "Cancelled") == 0 || strcmp(st, "ApiCancelled") == 0 ||
	       strcmp(st, "Inactive") == 0 || strcmp(st, "Rejected") == 0;
}

static void
emit(ib_pipeline *p, struct order *s)
{
	ib_pub_event ev = { .kind = IB_PUB_ORDER };
	struct ib_se_event se = { .kind = IB_SE_ORDER };

	ev.u.order.order_id = s->id;
	ev.u.order.perm_id = s->perm_id;
	ib_strlcpy(ev.u.order.account, s->account, sizeof(ev.u.order.account));
	ib_strlcpy(ev.u.order.symbol, s->u.symbol, sizeof(ev.u.order.symbol));
	ib_strlcpy(ev.u.order.action, s->u.action, sizeof(ev.u.order.action));
	ib_strlcpy(ev.u.order.order_type, s->order_type, sizeof(ev.u.order.order_type));
	ib_strlcpy(ev.u.order.tif, s->tif, sizeof(ev.u.order.tif));
	ib_strlcpy(ev.u.order.status, s->u.status, sizeof(ev.u.order.status));
	ib_strlcpy(ev.u.order.reason, s->u.reason, sizeof(ev.u.order.reason));
	ev.u.order.total_qty = s->u.total_qty;
	ev.u.order.lmt_price = s->lmt_price;
	ev.u.order.aux_price = s->aux_price;
	ev.u.order.filled = s->u.filled;
	ev.u.order.remaining = s->u.remaining;
	ev.u.order.avg_fill_price = s->u.avg_fill_price;
	ev.u.order.last_fill_price = s->u.last_fill_price;
	ev.u.order.ts_ns = ib_now_real_ns();
	ib_pipeline_publish(p, &ev);
	IB_STAT_INC(p->stats.acct.orders);

	se.i0 = s->id;
	se.u.order = s->u;
	if (s->owner >= 0 && s->owner < p->nstrat)
		ib_account_to_strategy(p, s->owner, &se);
	else
		ib_account_to_strategies(p, &se);
}

/* Apply a status; true if anything a reader cares about changed. */
static bool
apply_status(struct order *s, const char *status, double filled, double remaining, double avg, double last)
{
	char st[24];

	if (s->terminal)
		return false; /* Filled/Cancelled/... are final: later repeats or stragglers change nothing */
	if (filled < s->u.filled)
		return false; /* out of order: an older report */
	ib_strlcpy(st, status, sizeof(st));
	if (strcmp(st, "ApiCancelled") == 0)
		ib_strlcpy(st, "Cancelled", sizeof(st));
	/* IB reports partial fills as Submitted with filled > 0 */
	if ((strcmp(st, "Submitted") == 0 || strcmp(st, "PreSubmitted") == 0) && filled > 0 && remaining > 0)
		ib_strlcpy(st, "PartiallyFilled", sizeof(st));
	if (strcmp(st, s->u.status) == 0 && filled == s->u.filled && remaining == s->u.remaining)
		return false;
	ib_strlcpy(s->u.status, st, sizeof(s->u.status));
	s->u.filled = filled;
	s->u.remaining = remaining;
	if (avg > 0)
		s->u.avg_fill_price = avg;
	if (last > 0)
		s->u.last_fill_price = last;
	s->terminal = is_terminal(st);
	return true;
}

static void
on_exec(ib_pipeline *p, struct orders *o, const struct ib_acct_event *e)
{
	uint64_t h = hash_str(e->s2);
	ib_pub_event ev = { .kind = IB_PUB_EXEC };

	for (uint32_t i = 0; i < EXEC_SEEN_CAP; i++)
		if (o->exec_seen[i] == h)
			return; /* already seen (e.g. re-sent by reqExecutions after a reconnect) */
	o->exec_seen[o->exec_head++ % EXEC_SEEN_CAP] = h;
	ev.u.exec.order_id = e->i0;
	ib_strlcpy(ev.u.exec.exec_id, e->s2, sizeof(ev.u.exec.exec_id));
	ib_strlcpy(ev.u.exec.account, e->s0, sizeof(ev.u.exec.account));
	ib_strlcpy(ev.u.exec.symbol, e->symbol, sizeof(ev.u.exec.symbol));
	ib_strlcpy(ev.u.exec.side, e->s1, sizeof(ev.u.exec.side));
	ib_strlcpy(ev.u.exec.time, e->text, sizeof(ev.u.exec.time));
	ev.u.exec.shares = e->d0;
	ev.u.exec.price = e->d1;
	ev.u.exec.cum_qty = e->d2;
	ev.u.exec.avg_price = e->d3;
	ev.u.exec.ts_ns = ib_now_real_ns();
	ib_pipeline_publish(p, &ev);

	struct order *s = find(o, e->i0, true);
	if (s && !s->u.symbol[0])
		ib_strlcpy(s->u.symbol, e->symbol, sizeof(s->u.symbol));
	/* The matching orderStatus normally follows; an execution alone never regresses state. */
}

/* The reconcile after a reconnect is complete: what the gateway did not mention, it does not have. */
static void
sweep_unconfirmed(ib_pipeline *p, struct orders *o)
{
	int n = 0;

	for (uint32_t i = 0; i < ORDER_CAP; i++) {
		struct order *s = &o->t[i];
		if (s->id == 0 || !s->unconfirmed)
			continue;
		s->unconfirmed = false;
		if (s->terminal)
			continue;
		ib_strlcpy(s->u.status, "Inactive", sizeof(s->u.status));
		ib_strlcpy(s->u.reason, "unknown to the gateway after a reconnect: never received (sent into a "
					"connection it was not reading)", sizeof(s->u.reason));
		s->terminal = true;
		emit(p, s);
		n++;
	}
	if (n)
		ib_log(IB_LL_WARN, "orders", "%d order(s) unknown to the gateway after the reconnect: marked Inactive", n);
}

void
ib_orders_on_event(ib_pipeline *p, const struct ib_acct_event *e)
{
	struct orders *o = p->orders;
	struct order *s;

	/* any word from the gateway about an order confirms it exists there */
	if ((e->kind == IB_AE_OPEN_ORDER || e->kind == IB_AE_ORDER_STATUS || e->kind == IB_AE_EXEC) &&
	    (s = find(o, e->i0, false)) != NULL)
		s->unconfirmed = false;
	switch (e->kind) {
	case IB_AE_CONN_DOWN:
		for (uint32_t i = 0; i < ORDER_CAP; i++)
			if (o->t[i].id != 0 && !o->t[i].terminal)
				o->t[i].unconfirmed = true;
		o->await_open_end = o->await_exec_end = true;
		break;
	case IB_AE_OPEN_ORDER_END:
	case IB_AE_EXEC_END:
		if (e->kind == IB_AE_OPEN_ORDER_END)
			o->await_open_end = false;
		else if (e->i0 == IB_REQID_EXEC)
			o->await_exec_end = false;
		if (!o->await_open_end && !o->await_exec_end)
			sweep_unconfirmed(p, o);
		break;
	case IB_AE_PLACED:
		if ((s = find(o, e->i0, true)) == NULL)
			break;
		s->owner = e->i1;
		if (s->u.status[0]) {
			/* a modification: the gateway's openOrder/orderStatus will say what became of it */
			break;
		}
		ib_strlcpy(s->u.symbol, e->symbol, sizeof(s->u.symbol));
		ib_strlcpy(s->u.action, e->s2, sizeof(s->u.action));
		ib_strlcpy(s->order_type, e->s3, sizeof(s->order_type));
		ib_strlcpy(s->tif, e->text, sizeof(s->tif));
		ib_strlcpy(s->account, e->s0, sizeof(s->account));
		s->u.total_qty = e->d0;
		s->lmt_price = e->d1;
		s->aux_price = e->d2;
		ib_strlcpy(s->u.status, "PendingSubmit", sizeof(s->u.status));
		s->u.remaining = e->d0;
		emit(p, s);
		break;
	case IB_AE_OPEN_ORDER:
		if ((s = find(o, e->i0, true)) == NULL)
			break;
		{
			bool changed = !s->u.symbol[0] || s->u.total_qty != e->d0 || s->lmt_price != e->d1;
			ib_strlcpy(s->u.symbol, e->symbol, sizeof(s->u.symbol));
			ib_strlcpy(s->u.action, e->s2, sizeof(s->u.action));
			ib_strlcpy(s->order_type, e->s3, sizeof(s->order_type));
			ib_strlcpy(s->tif, e->text, sizeof(s->tif));
			ib_strlcpy(s->account, e->s0, sizeof(s->account));
			s->u.total_qty = e->d0;
			s->lmt_price = e->d1;
			s->aux_price = e->d2;
			s->perm_id = e->l0;
			/* a modified quantity changes what remains */
			double remaining = e->d0 - s->u.filled > 0 ? e->d0 - s->u.filled : 0;
			/* fills and final states come with orderStatus, which carries the quantities; an
			   openOrder saying "Filled" before it would otherwise freeze the order at filled 0 */
			if (e->s1[0] && !is_terminal(e->s1) && apply_status(s, e->s1, s->u.filled, remaining, 0, 0))
				changed = true;
			if (changed)
				emit(p, s);
		}
		break;
	case IB_AE_ORDER_STATUS:
		if ((s = find(o, e->i0, true)) == NULL)
			break;
		s->perm_id = e->l0 ? e->l0 : s->perm_id;
		if (apply_status(s, e->s1, e->d0, e->d1, e->d2, e->d3))
			emit(p, s);
		break;
	case IB_AE_EXEC:
		on_exec(p, o, e);
		break;
	case IB_AE_REFUSED:
		if ((s = find(o, e->i0, true)) != NULL && !s->terminal) {
			if (s->owner < 0)
				s->owner = e->i1;
			ib_strlcpy(s->u.status, "Rejected", sizeof(s->u.status));
			ib_strlcpy(s->u.reason, e->text, sizeof(s->u.reason));
			s->terminal = true;
			emit(p, s);
		}
		if (e->i1 >= 0 && e->i1 < p->nstrat) {
			struct ib_se_event se = { .kind = IB_SE_REJECT, .i0 = e->i0, .code = (int32_t)e->l0 };
			ib_strlcpy(se.u.text, e->text, sizeof(se.u.text));
			ib_account_to_strategy(p, e->i1, &se);
		}
		break;
	case IB_AE_NOTICE:
		/* errors about one of our orders: 202 cancelled, other 1xx-4xx / 10xxx reject it */
		if (e->i0 <= 0 || (s = find(o, e->i0, false)) == NULL || s->terminal)
			break;
		if (e->i1 == IB_ERR_ORDER_CANCELLED) {
			ib_strlcpy(s->u.reason, e->text, sizeof(s->u.reason));
			if (apply_status(s, "Cancelled", s->u.filled, s->u.remaining, 0, 0))
				emit(p, s);
		} else if (!IB_ERR_IS_INFO(e->i1) && (e->i1 < 2100 || e->i1 >= 10000)) {
			ib_strlcpy(s->u.reason, e->text, sizeof(s->u.reason));
			if (s->u.status[0] == '\0' || strcmp(s->u.status, "PendingSubmit") == 0 ||
			    e->i1 == IB_ERR_ORDER_REJECTED || e->i1 == IB_ERR_DUP_ORDER_ID) {
				ib_strlcpy(s->u.status, "Rejected", sizeof(s->u.status));
				s->terminal = true;
				emit(p, s);
			}
			if (s->owner >= 0 && s->owner < p->nstrat) {
				struct ib_se_event se = { .kind = IB_SE_REJECT, .i0 = e->i0, .code = e->i1 };
				ib_strlcpy(se.u.text, e->text, sizeof(se.u.text));
				ib_account_to_strategy(p, s->owner, &se);
			}
		}
		break;
	default:
		break;
	}
}
