/*
 * sim_orders.c - orders as a gateway and an exchange handle them:
 * placeOrder / cancelOrder, the PreSubmitted -> Submitted -> Filled
 * lifecycle, fills against the simulated quote, partial fills for large
 * orders, executions (live and through reqExecutions), reqOpenOrders and
 * reqIds.
 *
 * Invariants: order ids are per client id (as at IB) and an order outlives
 * the connection that placed it; an id below the client's next valid id
 * that names no live order of that client is a duplicate (103).  Every
 * fill moves the account through sim_account_fill, which pushes the new
 * position and values to whoever follows them.  Orders advance only in
 * sim_orders_step, each on its own deadline (next_ns).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "sim/sim.h"

#define SUBMIT_NS 2000000LL    /* PreSubmitted -> Submitted */
#define FIRST_FILL_NS 5000000LL
#define SLICE_NS 30000000LL    /* between partial fills */
#define REST_NS 20000000LL     /* a resting order looks at the market this often */
#define PARTIAL_SLICES 3

int
sim_orders_init(struct sim *s)
{
	s->orders = calloc(SIM_MAX_ORDERS, sizeof(*s->orders));
	s->execs = calloc(SIM_MAX_EXECS, sizeof(*s->execs));
	if (!s->orders || !s->execs)
		return -1;
	s->next_order_id = s->first_order_id = 1;
	s->next_perm_id = 1000000000LL + (int64_t)(s->o.seed % 100000000ull);
	s->exec_epoch = (uint32_t)time(NULL);
	return 0;
}

void
sim_orders_rollback(struct sim *s)
{
	/* what some gateways did after a restart: ids a client already used come back */
	ib_log(IB_LL_INFO, "ibsim", "restart: nextValidId rolls back from %d to %d", s->next_order_id, s->first_order_id);
	s->next_order_id = s->first_order_id;
}

static bool
live(const struct sim_order *o)
{
	return o->state == SIM_OS_PRESUBMITTED || o->state == SIM_OS_SUBMITTED;
}

static const char *
status_name(const struct sim_order *o)
{
	switch (o->state) {
	case SIM_OS_PRESUBMITTED: return "PreSubmitted";
	case SIM_OS_SUBMITTED: return "Submitted";
	case SIM_OS_FILLED: return "Filled";
	case SIM_OS_CANCELLED: return "Cancelled";
	}
	return "PendingSubmit";
}

static struct sim_order *
find(struct sim *s, int32_t client_id, int32_t id)
{
	for (int i = s->norders - 1; i >= 0; i--)
		if (s->orders[i].id == id && s->orders[i].client_id == client_id)
			return &s->orders[i];
	return NULL;
}

/* The connected client an order reports to, if any. */
static struct sim_client *
owner(struct sim *s, const struct sim_order *o)
{
	struct sim_client *found = NULL;

	SIM_FOREACH_CLIENT(s, c) {
		if (c->state == SIM_CS_READY && c->client_id == o->client_id)
			found = c;
	}
	return found;
}

static void
send_open_order(struct sim *s, struct sim_client *c, const struct sim_order *o)
{
	sim_k k;
	sim_enc_order e = {
		.order_id = o->id, .client_id = o->client_id, .perm_id = o->perm_id, .action = o->action,
		.total_qty = o->qty, .order_type = o->type, .lmt_price = o->lmt, .aux_price = o->aux, .tif = o->tif,
		.account = s->acct[o->acct].id, .order_ref = o->order_ref, .outside_rth = o->outside_rth,
		.status = status_name(o), .commission = o->state == SIM_OS_FILLED ? o->commission : DBL_MAX,
	};

	sim_md_contract(s, o->instr, "SMART", &k);
	sim_enc_open_order(&c->out, &k, &e);
}

static void
send_status(struct sim_client *c, const struct sim_order *o, double last_fill)
{
	sim_enc_status st = {
		.order_id = o->id, .status = status_name(o), .filled = o->filled, .remaining = o->qty - o->filled,
		.avg_fill_price = o->avg_price, .perm_id = o->perm_id, .parent_id = 0, .last_fill_price = last_fill,
		.client_id = o->client_id, .why_held = "", .mkt_cap_price = 0,
	};

	sim_enc_order_status(&c->out, &st);
}

static void
send_exec(struct sim *s, struct sim_client *c, int32_t req_id, const struct sim_exec *x)
{
	const struct sim_order *o = &s->orders[x->order];
	const char *venue = s->instr[o->instr].primary;
	sim_k k;
	sim_enc_exec e = {
		.req_id = req_id, .order_id = o->id, .exec_id = x->exec_id, .time = x->time,
		.account = s->acct[o->acct].id, .exchange = venue, .side = strcmp(o->action, "BUY") == 0 ? "BOT" : "SLD",
		.shares = x->shares, .price = x->price, .perm_id = o->perm_id, .client_id = o->client_id,
		.cum_qty = x->cum_qty, .avg_price = x->avg_price, .order_ref = o->order_ref,
	};

	sim_md_contract(s, o->instr, venue, &k);
	sim_enc_exec_details(&c->out, &k, &e);
}

static void
send_commission(struct sim_client *c, const struct sim_exec *x)
{
	sim_enc_commission_report(&c->out, x->exec_id, x->commission, "USD", x->realized);
}

/* IB's fixed rate for US stocks: $0.005 a share, at least $1, at most 1% of the value. */
static double
commission(double shares, double price)
{
	return round(fmin(fmax(1.0, 0.005 * shares), 0.01 * shares * price) * 100) / 100;
}

static void
fill(struct sim *s, struct sim_order *o, double qty, double px)
{
	struct sim_exec *x = &s->execs[s->nexecs % SIM_MAX_EXECS];
	struct sim_client *c;
	double comm = commission(qty, px), realized;

	o->avg_price = (o->avg_price * o->filled + px * qty) / (o->filled + qty);
	o->filled += qty;
	o->commission += comm;
	if (o->qty - o->filled < 1e-9) {
		o->state = SIM_OS_FILLED;
		o->next_ns = 0;
	}
	memset(x, 0, sizeof(*x));
	x->order = (int32_t)(o - s->orders);
	snprintf(x->exec_id, sizeof(x->exec_id), "%08x.%08x.01.01", s->exec_epoch, (unsigned)(s->nexecs + 1));
	sim_utc_time(x->time, sizeof(x->time), "%Y%m%d %H:%M:%S UTC");
	x->shares = qty;
	x->price = px;
	x->cum_qty = o->filled;
	x->avg_price = o->avg_price;
	x->commission = comm;
	s->nexecs++;
	ib_log(IB_LL_DEBUG, "ibsim", "order %d (client %d): %s %g %s at %.2f, %g of %g filled", o->id, o->client_id,
	       o->action, qty, s->instr[o->instr].symbol, px, o->filled, o->qty);
	/* as a gateway orders them: the execution, the order's new state, positions, the commission */
	c = owner(s, o);
	if (c) {
		send_exec(s, c, -1, x);
		if (o->state == SIM_OS_FILLED)
			send_open_order(s, c, o);
		send_status(c, o, px);
	}
	sim_account_fill(s, o->acct, o->instr, strcmp(o->action, "BUY") == 0 ? qty : -qty, px, comm, &realized);
	x->realized = realized;
	if (c && !c->dead) {
		send_commission(c, x);
		sim_client_ok(s, c);
	}
}

/* The price an order fills at now, or 0 if it does not. */
static double
fill_price(struct sim *s, struct sim_order *o)
{
	const struct sim_instr *in = &s->instr[o->instr];
	bool buy = strcmp(o->action, "BUY") == 0;
	double touch = buy ? in->ask : in->bid;

	if (strcmp(o->type, "MKT") == 0)
		return touch;
	if (strcmp(o->type, "LMT") == 0)
		return (buy ? touch <= o->lmt : touch >= o->lmt) ? touch : 0;
	/* a stop triggers on a trade or a quote through it (quotes move even when nobody trades) */
	if (strcmp(o->type, "STP") == 0 &&
	    (buy ? in->last >= o->aux || in->ask >= o->aux : in->last <= o->aux || in->bid <= o->aux)) {
		strcpy(o->type, "MKT"); /* triggered: from here on a market order */
		return touch;
	}
	return 0;
}

static void
step(struct sim *s, struct sim_order *o, int64_t now)
{
	struct sim_client *c;
	double px, left, slice;

	if (o->state == SIM_OS_PRESUBMITTED) {
		o->state = SIM_OS_SUBMITTED;
		o->next_ns = now + FIRST_FILL_NS;
		if ((c = owner(s, o)) != NULL) {
			send_open_order(s, c, o);
			send_status(c, o, 0);
			sim_client_ok(s, c);
		}
		return;
	}
	/* nobody watches it: its price moves anyway, so resting orders can fill */
	if (s->instr[o->instr].nsubs == 0)
		sim_md_walk(s, o->instr);
	px = fill_price(s, o);
	if (px <= 0) {
		o->next_ns = now + REST_NS;
		return;
	}
	left = o->qty - o->filled;
	slice = o->qty > s->o.partial_fill_above ? ceil(o->qty / PARTIAL_SLICES) : left;
	fill(s, o, fmin(slice, left), px);
	if (live(o))
		o->next_ns = now + SLICE_NS;
}

void
sim_orders_step(struct sim *s, int64_t now)
{
	for (int i = 0; i < s->norders; i++) {
		struct sim_order *o = &s->orders[i];
		if (live(o) && o->next_ns && now >= o->next_ns)
			step(s, o, now);
	}
}

int64_t
sim_orders_next_deadline(const struct sim *s)
{
	int64_t t = INT64_MAX;

	for (int i = 0; i < s->norders; i++)
		if (live(&s->orders[i]) && s->orders[i].next_ns && s->orders[i].next_ns < t)
			t = s->orders[i].next_ns;
	return t;
}

/* ---- requests ---- */

static void
reject(struct sim *s, struct sim_client *c, int32_t id, const char *why)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "Order rejected - reason:%s", why);
	sim_send_error(s, c, id, IB_ERR_ORDER_REJECTED, msg);
}

static void
place(struct sim *s, struct sim_client *c, const ib_req *r)
{
	const ib_order *in = &r->u.place_order.order;
	int32_t id = r->u.place_order.order_id, instr, acct;
	struct sim_order *o = find(s, c->client_id, id);
	bool buy = strcmp(in->action, "BUY") == 0;

	if (o && !live(o)) {
		sim_send_error(s, c, id, IB_ERR_DUP_ORDER_ID, "Duplicate order id");
		return;
	}
	if (!o && id < c->next_valid_id) {
		sim_send_error(s, c, id, IB_ERR_DUP_ORDER_ID, "Duplicate order id");
		return;
	}
	instr = sim_md_lookup(s, &r->u.place_order.contract);
	if (instr < 0) {
		sim_send_error(s, c, id, IB_ERR_NO_SECURITY, "No security definition has been found for the request");
		return;
	}
	acct = in->account[0] ? sim_account_find(s, in->account) : 0;
	if (acct < 0)
		return reject(s, c, id, "invalid account code");
	if (!buy && strcmp(in->action, "SELL") != 0)
		return reject(s, c, id, "action must be BUY or SELL");
	if (!(in->total_qty > 0) || in->total_qty > 1e9)
		return reject(s, c, id, "invalid total quantity");
	if (strcmp(in->order_type, "MKT") != 0 && strcmp(in->order_type, "LMT") != 0 && strcmp(in->order_type, "STP") != 0)
		return reject(s, c, id, "ibsim fills MKT, LMT and STP orders only");
	if (strcmp(in->order_type, "LMT") == 0 && !(in->lmt_price > 0 && in->lmt_price < DBL_MAX))
		return reject(s, c, id, "a limit order needs a limit price");
	if (strcmp(in->order_type, "STP") == 0 && !(in->aux_price > 0 && in->aux_price < DBL_MAX))
		return reject(s, c, id, "a stop order needs a stop price");
	c->n.orders++;
	if (!o) {
		if (s->norders == SIM_MAX_ORDERS)
			return reject(s, c, id, "ibsim order table full");
		o = &s->orders[s->norders++];
		memset(o, 0, sizeof(*o));
		o->id = id;
		o->client_id = c->client_id;
		o->perm_id = s->next_perm_id++;
		o->state = SIM_OS_PRESUBMITTED;
		o->next_ns = sim_now() + SUBMIT_NS;
		if (id >= c->next_valid_id)
			c->next_valid_id = id + 1;
		if (id >= s->next_order_id)
			s->next_order_id = id + 1;
	} else if (o->instr != instr || strcmp(o->action, in->action) != 0 || in->total_qty < o->filled) {
		return reject(s, c, id, "a modification may change price, quantity and time in force only");
	}
	/* new, or a modification of a live order */
	o->instr = instr;
	o->acct = acct;
	ib_strlcpy(o->action, in->action, sizeof(o->action));
	ib_strlcpy(o->type, in->order_type, sizeof(o->type));
	ib_strlcpy(o->tif, in->tif[0] ? in->tif : "DAY", sizeof(o->tif));
	ib_strlcpy(o->order_ref, in->order_ref, sizeof(o->order_ref));
	o->outside_rth = in->outside_rth;
	o->qty = in->total_qty;
	o->lmt = in->lmt_price < DBL_MAX ? in->lmt_price : 0;
	o->aux = in->aux_price < DBL_MAX ? in->aux_price : 0;
	if (o->state == SIM_OS_SUBMITTED && o->next_ns == 0)
		o->next_ns = sim_now() + FIRST_FILL_NS;
	send_open_order(s, c, o);
	send_status(c, o, 0);
}

static void
cancel(struct sim *s, struct sim_client *c, int32_t id)
{
	struct sim_order *o = find(s, c->client_id, id);
	char msg[160];

	if (!o) {
		snprintf(msg, sizeof(msg), "Can't find order with id =%d", id);
		sim_send_error(s, c, id, 135, msg);
		return;
	}
	if (!live(o)) {
		snprintf(msg, sizeof(msg), "OrderId %d that needs to be cancelled cannot be cancelled, state: %s.", id,
			 status_name(o));
		sim_send_error(s, c, id, 10148, msg);
		return;
	}
	o->state = SIM_OS_CANCELLED;
	o->next_ns = 0;
	send_status(c, o, 0);
	sim_send_error(s, c, id, IB_ERR_ORDER_CANCELLED, "Order Canceled - reason:");
}

static bool
exec_matches(const struct sim *s, const struct sim_client *c, const struct sim_exec *x, const ib_exec_filter *f)
{
	const struct sim_order *o = &s->orders[x->order];
	bool buy = strcmp(o->action, "BUY") == 0;

	/* a client sees the executions of its own orders; the filter narrows further */
	if (o->client_id != c->client_id || (f->client_id && f->client_id != o->client_id))
		return false;
	if (f->account[0] && strcmp(f->account, s->acct[o->acct].id) != 0)
		return false;
	if (f->symbol[0] && strcmp(f->symbol, s->instr[o->instr].symbol) != 0)
		return false;
	if (f->side[0] && strcmp(f->side, buy ? "BUY" : "SELL") != 0 && strcmp(f->side, buy ? "BOT" : "SLD") != 0)
		return false;
	return true;
}

void
sim_orders_request(struct sim *s, struct sim_client *c, const ib_req *r)
{
	switch (r->id) {
	case IB_OUT_PLACE_ORDER:
		place(s, c, r);
		break;
	case IB_OUT_CANCEL_ORDER:
		cancel(s, c, r->u.cancel_order.order_id);
		break;
	case IB_OUT_REQ_OPEN_ORDERS:
		for (int i = 0; i < s->norders; i++) {
			const struct sim_order *o = &s->orders[i];
			if (live(o) && o->client_id == c->client_id) {
				send_open_order(s, c, o);
				send_status(c, o, 0);
			}
		}
		sim_enc_open_order_end(&c->out);
		break;
	case IB_OUT_REQ_EXECUTIONS: {
		int64_t first = s->nexecs > SIM_MAX_EXECS ? s->nexecs - SIM_MAX_EXECS : 0;
		for (int64_t i = first; i < s->nexecs; i++) {
			const struct sim_exec *x = &s->execs[i % SIM_MAX_EXECS];
			if (exec_matches(s, c, x, &r->u.executions.filter)) {
				send_exec(s, c, r->u.executions.req_id, x);
				send_commission(c, x);
			}
		}
		sim_enc_exec_details_end(&c->out, r->u.executions.req_id);
		break;
	}
	case IB_OUT_REQ_IDS:
		sim_enc_next_valid_id(&c->out, s->next_order_id > c->next_valid_id ? s->next_order_id : c->next_valid_id);
		break;
	}
}
