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
 *
 * Orders of an earlier run (the command journal's, after a restart) are not
 * in the table until the gateway mentions them: once this run's first
 * reconcile is complete, ib_orders_answer_check tells the command reader
 * which of the ids it asked about the gateway has.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "core/pipeline_state.h"
#include "util/str.h"
#include "util/clock.h"
#include "util/bits.h"

#include "core/risk.h"

/*
 * The table keeps IB_ORDER_TABLE_CAP orders.  When it is full, the slot of a
 * finished order is reused (oldest first); only when every one is live does
 * a new order go untracked, logged and counted, and risk refuses placements
 * before that (risk.c).  Orders are found by id through an index twice the
 * size, so probing stays short however full the table is; a lookup checks
 * the id of the order it lands on, so a reused slot never answers for its
 * former order.
 */
#define ORDER_CAP IB_ORDER_TABLE_CAP
#define INDEX_CAP (2 * ORDER_CAP)   /* power of two */
_Static_assert(IB_IS_POW2(INDEX_CAP), "the order index probes with & (INDEX_CAP - 1)");
_Static_assert(ORDER_CAP <= UINT16_MAX, "the index holds 1 + a table position in 16 bits");
#define EXEC_SEEN_CAP 8192

struct order {
	int32_t id;          /* 0 = empty slot */
	int32_t owner;       /* strategy index, -1 unknown */
	ib_order_update u;
	char account[IB_ACCOUNT_ID_LEN];
	char order_type[IB_ORDER_TYPE_LEN], tif[IB_ORDER_TIF_LEN];
	double lmt_price, aux_price;
	int32_t parent_id;   /* a bracket child's parent order */
	char oca_group[24];
	int64_t perm_id;
	bool terminal;
	bool counted;        /* in p->risk.open_orders */
	bool unconfirmed;    /* live across a disconnect, not yet mentioned by the gateway since */
	bool queued;         /* in the reuse queue */
};

struct ib_orders {
	struct order t[ORDER_CAP];
	uint16_t idx[INDEX_CAP];       /* by id, linear probing: 1 + position in t, 0 empty */
	/* positions in t that may be reusable, oldest first: every order as it is added, and again
	   once it is final if it was passed over while live; each at most once */
	uint16_t reuse[ORDER_CAP];
	uint32_t reuse_head, reuse_n;
	uint32_t nused;                /* t[0..nused) have been handed out */
	bool full_said;                /* "table full" logged; again after an order finishes */
	uint64_t exec_seen[EXEC_SEEN_CAP]; /* hashes of recent execIds, FIFO */
	uint32_t exec_head;
	int nopen;           /* orders not in a final state: max_open_orders reads it */
	bool await_open_end, await_exec_end; /* the reconcile after a disconnect is not complete yet */
	/* this run's first reconcile: both answers on one connection; from then on the table holds
	   every order the gateway had (ib_orders_answer_check) */
	bool first_open_end, first_exec_end, first_done;
};

int
ib_orders_init(ib_pipeline *p)
{
	p->acct.orders = calloc(1, sizeof(struct ib_orders));
	return p->acct.orders ? IB_OK : IB_ENOSPC;
}

void
ib_orders_free(ib_pipeline *p)
{
	free(p->acct.orders);
	p->acct.orders = NULL;
}

static uint32_t
home(int32_t id)
{
	return ((uint32_t)id * 2654435761u) & (INDEX_CAP - 1);
}

static uint32_t
next(uint32_t i)
{
	return (i + 1) & (INDEX_CAP - 1);
}

/* The order with this id, or NULL. */
static struct order *
find(struct ib_orders *o, int32_t id)
{
	for (uint32_t i = home(id); o->idx[i]; i = next(i))
		if (o->t[o->idx[i] - 1].id == id)
			return &o->t[o->idx[i] - 1];
	return NULL;
}

/* Out of the index (backward shift: every id stays reachable from its home without tombstones). */
static void
unindex(struct ib_orders *o, int32_t id)
{
	uint32_t i = home(id);

	while (o->t[o->idx[i] - 1].id != id)
		i = next(i);
	for (uint32_t j = next(i); o->idx[j]; j = next(j)) {
		uint32_t h = home(o->t[o->idx[j] - 1].id);
		if (((j - h) & (INDEX_CAP - 1)) >= ((j - i) & (INDEX_CAP - 1))) {
			o->idx[i] = o->idx[j];
			i = j;
		}
	}
	o->idx[i] = 0;
}

static void
queue_reuse(struct ib_orders *o, struct order *s)
{
	o->reuse[(o->reuse_head + o->reuse_n++) % ORDER_CAP] = (uint16_t)(s - o->t);
	s->queued = true;
}

/*
 * A slot for a new order: one never used, else the oldest reusable one.  Reusable is
 * what is not in p->risk.open_orders: final, or never published (an execution of an
 * order we know nothing else of).  A live one met on the way leaves the queue and
 * comes back when it is final, so each order is looked at once per queueing.
 */
static struct order *
free_slot(struct ib_orders *o)
{
	if (o->nused < ORDER_CAP)
		return &o->t[o->nused++];
	while (o->reuse_n > 0) {
		struct order *s = &o->t[o->reuse[o->reuse_head]];
		o->reuse_head = (o->reuse_head + 1) % ORDER_CAP;
		o->reuse_n--;
		s->queued = false;
		if (!s->counted) {
			unindex(o, s->id);
			return s;
		}
	}
	return NULL;
}

/*
 * The order with this id, added if new; NULL only when every slot holds a live order:
 * then it is not followed (logged once until an order finishes, counted).
 */
static struct order *
get(ib_pipeline *p, struct ib_orders *o, int32_t id)
{
	struct order *s = find(o, id);
	uint32_t i;

	if (s != NULL)
		return s;
	if ((s = free_slot(o)) == NULL) {
		IB_STAT_INC(p->stats.acct.orders_untracked);
		if (!o->full_said)
			ib_log(IB_LL_ERROR, "orders", "order table full: %d live orders; order %d is not followed (no "
			       "P:order, stream or strategy updates; orders_untracked counts them, said once until an "
			       "order finishes)", ORDER_CAP, id);
		o->full_said = true;
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->owner = -1;
	s->u.order_id = id;
	for (i = home(id); o->idx[i]; i = next(i))
		;
	o->idx[i] = (uint16_t)(s - o->t + 1);
	queue_reuse(o, s);
	return s;
}

static bool
is_terminal(const char *st)
{
	return strcmp(st, "Filled") == 0 || strcmp(st, "Cancelled") == 0 || strcmp(st, "ApiCancelled") == 0 ||
	       strcmp(st, "Inactive") == 0 || strcmp(st, "Rejected") == 0;
}

static void publish(ib_pipeline *p, struct order *s);

static void
emit(ib_pipeline *p, struct order *s)
{
	struct ib_se_event se = { .kind = IB_SE_ORDER };

	publish(p, s);
	se.u.order = s->u;
	if (s->owner >= 0 && s->owner < p->nstrat)
		ib_account_to_strategy(p, s->owner, &se);
	else
		ib_account_to_strategies(p, &se);
}

/* The order's state to Redis (hash and stream), and the open-order count risk reads. */
static void
publish(ib_pipeline *p, struct order *s)
{
	ib_pub_event ev = { .kind = IB_PUB_ORDER };

	if (s->terminal == s->counted) {
		struct ib_orders *o = p->acct.orders;
		o->nopen += s->terminal ? -1 : 1;
		s->counted = !s->terminal;
		ck_pr_store_int(&p->risk.open_orders, o->nopen);
		if (s->terminal) {
			o->full_said = false; /* a full table is news again */
			if (!s->queued)
				queue_reuse(o, s);
		}
	}
	ev.u.order.order_id = s->id;
	ev.u.order.perm_id = s->perm_id;
	ev.u.order.parent_id = s->parent_id;
	ib_strlcpy(ev.u.order.oca_group, s->oca_group, sizeof(ev.u.order.oca_group));
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
}

/* Apply a status; true if anything a reader cares about changed. */
static bool
apply_status(struct order *s, const char *status, double filled, double remaining, double avg, double last)
{
	char st[24];

	if (s->terminal)
		return false; /* Filled/Cancelled/... are final: later repeats or stragglers change nothing */
	/* Infinity or NaN (the wire takes what strtod takes) is no count: unknown, keep the last.
	   Kept, Infinity made every later report look older, and the order never moved again. */
	if (!isfinite(filled))
		filled = s->u.filled;
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
on_exec(ib_pipeline *p, struct ib_orders *o, const ib_ae_exec *x)
{
	uint64_t h = x->exec_hash;
	ib_pub_event ev = { .kind = IB_PUB_EXEC };

	/* 0: no execId, nothing to tell a re-send from a new fill by; publishing a re-sent fill twice
	   beats losing a fill (the network thread logged and counted it).  An empty slot of
	   exec_seen is 0 too, so 0 must never be looked up or stored. */
	if (h != 0) {
		for (uint32_t i = 0; i < EXEC_SEEN_CAP; i++)
			if (o->exec_seen[i] == h)
				return; /* already seen (e.g. re-sent by reqExecutions after a reconnect) */
		o->exec_seen[o->exec_head++ % EXEC_SEEN_CAP] = h;
	}
	ev.u.exec.order_id = x->order_id;
	ib_strlcpy(ev.u.exec.exec_id, x->exec_id, sizeof(ev.u.exec.exec_id));
	ib_strlcpy(ev.u.exec.account, x->account, sizeof(ev.u.exec.account));
	ib_strlcpy(ev.u.exec.symbol, x->contract.symbol, sizeof(ev.u.exec.symbol));
	ib_strlcpy(ev.u.exec.side, x->side, sizeof(ev.u.exec.side));
	ib_strlcpy(ev.u.exec.time, x->time, sizeof(ev.u.exec.time));
	ev.u.exec.shares = x->shares;
	ev.u.exec.price = x->price;
	ev.u.exec.cum_qty = x->cum_qty;
	ev.u.exec.avg_price = x->avg_price;
	ev.u.exec.ts_ns = ib_now_real_ns();
	ib_pipeline_publish(p, &ev);

	struct order *s = get(p, o, x->order_id);
	if (s && !s->u.symbol[0])
		ib_strlcpy(s->u.symbol, x->contract.symbol, sizeof(s->u.symbol));
	/* The matching orderStatus normally follows; an execution alone never regresses state. */
}

/* The reconcile after a reconnect is complete: what the gateway did not mention, it does not have. */
static void
sweep_unconfirmed(ib_pipeline *p, struct ib_orders *o)
{
	int n = 0;

	for (uint32_t i = 0; i < o->nused; i++) {
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

/* What the order is, as placed or as openOrder describes it. */
static void
set_order(struct order *s, const ib_ae_order *d)
{
	ib_strlcpy(s->u.symbol, d->contract.symbol, sizeof(s->u.symbol));
	ib_strlcpy(s->u.action, d->action, sizeof(s->u.action));
	ib_strlcpy(s->order_type, d->order_type, sizeof(s->order_type));
	ib_strlcpy(s->tif, d->tif, sizeof(s->tif));
	ib_strlcpy(s->account, d->account, sizeof(s->account));
	s->u.total_qty = d->total_qty;
	s->lmt_price = d->lmt_price;
	s->aux_price = d->aux_price;
	/* a report without them (orderStatus-only knowledge, an older gateway) leaves what we know */
	if (d->parent_id)
		s->parent_id = d->parent_id;
	if (d->oca_group[0])
		ib_strlcpy(s->oca_group, d->oca_group, sizeof(s->oca_group));
}

static void
on_placed(ib_pipeline *p, struct ib_orders *o, const ib_ae_placed *pl)
{
	struct order *s = get(p, o, pl->order_id);

	if (s == NULL)
		return;
	s->owner = pl->strategy;
	if (s->u.status[0])
		return; /* a modification: the gateway's openOrder/orderStatus will say what became of it */
	set_order(s, &pl->order);
	ib_strlcpy(s->u.status, "PendingSubmit", sizeof(s->u.status));
	s->u.remaining = pl->order.total_qty;
	emit(p, s);
}

static void
on_open_order(ib_pipeline *p, struct ib_orders *o, const ib_ae_open_order *oo)
{
	struct order *s = get(p, o, oo->order_id);

	if (s == NULL)
		return;
	bool changed = !s->u.symbol[0] || s->u.total_qty != oo->order.total_qty || s->lmt_price != oo->order.lmt_price;
	set_order(s, &oo->order);
	s->perm_id = oo->perm_id;
	/* a modified quantity changes what remains */
	double remaining = oo->order.total_qty - s->u.filled > 0 ? oo->order.total_qty - s->u.filled : 0;
	/* fills and final states come with orderStatus, which carries the quantities; an
	   openOrder saying "Filled" before it would otherwise freeze the order at filled 0 */
	if (oo->status[0] && !is_terminal(oo->status) && apply_status(s, oo->status, s->u.filled, remaining, 0, 0))
		changed = true;
	if (changed)
		emit(p, s);
}

static void
on_order_status(ib_pipeline *p, struct ib_orders *o, const ib_ae_order_status *os)
{
	struct order *s = get(p, o, os->order_id);

	if (s == NULL)
		return;
	s->perm_id = os->perm_id ? os->perm_id : s->perm_id;
	if (os->parent_id > 0)
		s->parent_id = os->parent_id;
	if (apply_status(s, os->status, os->filled, os->remaining, os->avg_fill_price, os->last_fill_price))
		emit(p, s);
}

static void
reject_to_strategy(ib_pipeline *p, int strategy, int32_t order_id, int32_t code, const char *text)
{
	struct ib_se_event se = { .kind = IB_SE_REJECT };

	se.u.reject.order_id = order_id;
	se.u.reject.code = code;
	ib_strlcpy(se.u.reject.text, text, sizeof(se.u.reject.text));
	ib_account_to_strategy(p, strategy, &se);
}

static void
on_refused(ib_pipeline *p, struct ib_orders *o, const ib_ae_refused *r)
{
	/* a reqGlobalCancel refused (readonly, disconnected) is about no order of ours */
	struct order *s = r->order_id > 0 ? get(p, o, r->order_id) : NULL;

	if (s != NULL && !s->terminal) {
		if (s->owner < 0)
			s->owner = r->strategy;
		ib_strlcpy(s->u.status, "Rejected", sizeof(s->u.status));
		ib_strlcpy(s->u.reason, r->reason, sizeof(s->u.reason));
		s->terminal = true;
		emit(p, s);
	}
	if (r->strategy >= 0 && r->strategy < p->nstrat)
		reject_to_strategy(p, r->strategy, r->order_id, r->status, r->reason);
}

/*
 * Codes IB sends about an order that goes on: a warning, never its end (ib_insync's
 * warningCodes, less 202, a real cancel).  399 "will not be placed at the exchange
 * until ...", 404 held while shares are located, 10349 TIF set to DAY by a preset;
 * 161 and 10148 refuse a cancel, not the order; 165 and 10167 are market-data notes
 * (a request id may equal an order id); 2100-2199 are notices.  The order's status
 * keeps coming from orderStatus.
 */
static bool
order_warning(int32_t code)
{
	switch (code) {
	case 161: case 165: case 399: case 404: case IB_ERR_CANNOT_CANCEL: case 10167: case 10349:
		return true;
	default:
		return code >= 2100 && code < 2200;
	}
}

/* errors about one of our orders: 202 cancelled, a warning changes nothing, other 1xx-4xx / 10xxx reject it */
static void
on_notice(ib_pipeline *p, struct ib_orders *o, const ib_ae_notice *nt)
{
	struct order *s;

	if (nt->req_id <= 0 || (s = find(o, nt->req_id)) == NULL)
		return;
	if (s->terminal) {
		/* 202 after orderStatus Cancelled (ibsim's order, and IB's at times): the why ("OCA group member
		   filled") still reaches Redis; the strategy already heard Cancelled */
		if (nt->code == IB_ERR_ORDER_CANCELLED && strcmp(s->u.status, "Cancelled") == 0 && !s->u.reason[0] &&
		    strchr(nt->text, ':') && strchr(nt->text, ':')[1]) {
			ib_strlcpy(s->u.reason, nt->text, sizeof(s->u.reason));
			publish(p, s);
		}
		return;
	}
	if (nt->code == IB_ERR_ORDER_CANCELLED) {
		ib_strlcpy(s->u.reason, nt->text, sizeof(s->u.reason));
		if (apply_status(s, "Cancelled", s->u.filled, s->u.remaining, 0, 0))
			emit(p, s);
	} else if (order_warning(nt->code)) {
		ib_log(IB_LL_INFO, "orders", "order %d: warning %d, status %s kept: %s", nt->req_id, nt->code,
		       s->u.status[0] ? s->u.status : "(none yet)", nt->text);
		/* the strategy hears what it heard before (on_error: not 2100-9999), but not as the order's end */
		if ((nt->code < 2100 || nt->code >= 10000) && s->owner >= 0 && s->owner < p->nstrat)
			reject_to_strategy(p, s->owner, nt->req_id, nt->code, nt->text);
	} else if (nt->code < 2100 || nt->code >= 10000) {
		ib_strlcpy(s->u.reason, nt->text, sizeof(s->u.reason));
		if (s->u.status[0] == '\0' || strcmp(s->u.status, "PendingSubmit") == 0 ||
		    nt->code == IB_ERR_ORDER_REJECTED || nt->code == IB_ERR_DUP_ORDER_ID) {
			ib_strlcpy(s->u.status, "Rejected", sizeof(s->u.status));
			s->terminal = true;
			emit(p, s);
		}
		if (s->owner >= 0 && s->owner < p->nstrat)
			reject_to_strategy(p, s->owner, nt->req_id, nt->code, nt->text);
	}
}

/* The order an event is about, for the events that confirm an order exists at the gateway. */
static int32_t
confirming_order_id(const struct ib_acct_event *e)
{
	switch (e->kind) {
	case IB_AE_OPEN_ORDER:
		return e->u.open_order.order_id;
	case IB_AE_ORDER_STATUS:
		return e->u.order_status.order_id;
	case IB_AE_EXEC:
		return e->u.exec.order_id;
	default:
		return 0;
	}
}

void
ib_orders_on_event(ib_pipeline *p, const struct ib_acct_event *e)
{
	struct ib_orders *o = p->acct.orders;
	int32_t confirmed = confirming_order_id(e);
	struct order *s;

	/* any word from the gateway about an order confirms it exists there */
	if (confirmed != 0 && (s = find(o, confirmed)) != NULL)
		s->unconfirmed = false;
	switch (e->kind) {
	case IB_AE_CONN_DOWN:
		if (!o->first_done) /* the answers of a connection that is gone do not count as a whole */
			o->first_open_end = o->first_exec_end = false;
		for (uint32_t i = 0; i < o->nused; i++)
			if (o->t[i].id != 0 && !o->t[i].terminal)
				o->t[i].unconfirmed = true;
		o->await_open_end = o->await_exec_end = true;
		break;
	case IB_AE_OPEN_ORDER_END:
	case IB_AE_EXEC_END:
		if (e->kind == IB_AE_OPEN_ORDER_END)
			o->await_open_end = false, o->first_open_end = true;
		else if (e->u.exec_end.req_id == IB_REQID_EXEC)
			o->await_exec_end = false, o->first_exec_end = true;
		o->first_done = o->first_done || (o->first_open_end && o->first_exec_end);
		if (!o->await_open_end && !o->await_exec_end)
			sweep_unconfirmed(p, o);
		break;
	case IB_AE_PLACED:
		on_placed(p, o, &e->u.placed);
		break;
	case IB_AE_OPEN_ORDER:
		on_open_order(p, o, &e->u.open_order);
		break;
	case IB_AE_ORDER_STATUS:
		on_order_status(p, o, &e->u.order_status);
		break;
	case IB_AE_EXEC:
		on_exec(p, o, &e->u.exec);
		break;
	case IB_AE_REFUSED:
		on_refused(p, o, &e->u.refused);
		break;
	case IB_AE_NOTICE:
		on_notice(p, o, &e->u.notice);
		break;
	default:
		break;
	}
}

void
ib_orders_answer_check(ib_pipeline *p)
{
	struct ib_orders *o = p->acct.orders;
	struct ib_order_check *k = &p->acct.check;

	if (!o->first_done || atomic_load_explicit(&k->state, memory_order_acquire) != IB_CHECK_ARMED)
		return;
	/* an id of an earlier run is in the table only if the gateway mentioned it (this run placed
	   none of them: its ids are above the earlier run's mark) */
	for (int i = 0; i < k->n; i++)
		k->known[i] = find(o, k->ids[i]) != NULL;
	atomic_store_explicit(&k->state, IB_CHECK_DONE, memory_order_release);
}

bool
ib_pipeline_check_orders(ib_pipeline *p, const int32_t *ids, int n)
{
	struct ib_order_check *k = &p->acct.check;

	if (n < 0 || n > IB_ORDER_CHECK_MAX || atomic_load_explicit(&k->state, memory_order_acquire) != IB_CHECK_IDLE)
		return false;
	memcpy(k->ids, ids, (size_t)n * sizeof(ids[0]));
	k->n = n;
	atomic_store_explicit(&k->state, IB_CHECK_ARMED, memory_order_release);
	ib_wake_signal(&p->acct.wake);
	return true;
}

int
ib_pipeline_checked_orders(ib_pipeline *p, bool *known)
{
	struct ib_order_check *k = &p->acct.check;

	if (atomic_load_explicit(&k->state, memory_order_acquire) != IB_CHECK_DONE)
		return -1;
	int n = k->n;
	memcpy(known, k->known, (size_t)n * sizeof(known[0]));
	atomic_store_explicit(&k->state, IB_CHECK_IDLE, memory_order_release);
	return n;
}
