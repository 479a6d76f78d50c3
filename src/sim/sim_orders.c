/*
 * sim_orders.c - orders as a gateway and an exchange handle them:
 * placeOrder / cancelOrder, the PreSubmitted -> Submitted -> Filled
 * lifecycle, fills against the simulated quote, partial fills for large
 * orders, executions (live and through reqExecutions), reqOpenOrders and
 * reqIds.  Order types: MKT, LMT, STP, STP LMT, TRAIL (amount or percent;
 * the stop follows the walk), MOC and LOC (filled at a simulated close, the
 * control command `close`), TIF DAY, GTC, IOC (the rest is cancelled), FOK
 * (all or nothing), GTD (cancelled when due) and OPG (control `open`);
 * brackets (an order with transmit = false waits for the order of its chain
 * that transmits; a child goes live when its parent has filled and is
 * cancelled with it) and OCA groups (a fill cancels, or with ocaType 2/3
 * reduces, the group's other orders).
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
#include "util/str.h"
#include "util/clock.h"

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
		.total_qty = o->qty, .order_type = o->type, .lmt_price = o->lmt,
		.aux_price = strcmp(o->type, "TRAIL") == 0 ? o->trail_amt : o->aux, .tif = o->tif,
		.account = s->acct[o->acct].id, .order_ref = o->order_ref, .outside_rth = o->outside_rth,
		.status = status_name(o), .commission = o->state == SIM_OS_FILLED ? o->commission : DBL_MAX,
		.parent_id = o->parent_id, .oca_type = o->oca_type, .oca_group = o->oca_group,
		.good_till_date = o->good_till, .trail_stop_price = strcmp(o->type, "TRAIL") == 0 ? o->stop : 0,
		.trailing_percent = o->trail_pct,
	};

	sim_md_contract(s, o->instr, "SMART", &k);
	sim_enc_open_order(&c->out, &k, &e);
}

static void
send_status(struct sim_client *c, const struct sim_order *o, double last_fill)
{
	sim_enc_status st = {
		.order_id = o->id, .status = status_name(o), .filled = o->filled, .remaining = o->qty - o->filled,
		.avg_fill_price = o->avg_price, .perm_id = o->perm_id, .parent_id = o->parent_id, .last_fill_price = last_fill,
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

static void send_cancelled(struct sim *s, struct sim_order *o, const char *why);

/* A fill of o reaches its OCA group: the others are cancelled (ocaType 1, or unset) or reduced (2, 3). */
static void
oca_fired(struct sim *s, const struct sim_order *o, double qty)
{
	if (!o->oca_group[0])
		return;
	for (int i = 0; i < s->norders; i++) {
		struct sim_order *x = &s->orders[i];
		if (x == o || !live(x) || x->client_id != o->client_id || strcmp(x->oca_group, o->oca_group) != 0)
			continue;
		if (o->oca_type == 2 || o->oca_type == 3) {
			x->qty -= qty;
			if (x->qty - x->filled > 1e-9)
				continue;
			x->qty = x->filled;
		}
		send_cancelled(s, x, "OCA group member filled");
	}
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
	oca_fired(s, o, qty);
}

static bool
type_is(const struct sim_order *o, const char *t)
{
	return strcmp(o->type, t) == 0;
}

static bool
stop_type(const struct sim_order *o)
{
	return type_is(o, "STP") || type_is(o, "STP LMT") || type_is(o, "TRAIL");
}

/* TRAIL: the stop follows the market by the amount (or percent), never back. */
static void
trail(const struct sim_instr *in, struct sim_order *o, bool buy)
{
	double ref = buy ? in->ask : in->bid;
	double off = o->trail_pct > 0 ? ref * o->trail_pct / 100 : o->trail_amt;
	double cand = buy ? ref + off : ref - off;

	if (o->stop == 0 || (buy ? cand < o->stop : cand > o->stop))
		o->stop = round(cand * 1e8) / 1e8;
}

/* The price an order fills at now, or 0 if it does not.  MOC, LOC and OPG wait for the auction. */
static double
fill_price(struct sim *s, struct sim_order *o)
{
	const struct sim_instr *in = &s->instr[o->instr];
	bool buy = strcmp(o->action, "BUY") == 0;
	double touch = buy ? in->ask : in->bid;

	if (type_is(o, "MOC") || type_is(o, "LOC") || strcmp(o->tif, "OPG") == 0)
		return 0;
	if (stop_type(o) && !o->triggered) {
		double stop = o->aux;
		if (type_is(o, "TRAIL")) {
			trail(in, o, buy);
			stop = o->stop;
		}
		/* a stop triggers on a trade or a quote through it (quotes move even when nobody trades) */
		if (!(buy ? in->last >= stop || in->ask >= stop : in->last <= stop || in->bid <= stop))
			return 0;
		o->triggered = true; /* from here on a market order (STP LMT: a limit order) */
		ib_log(IB_LL_DEBUG, "ibsim", "order %d: %s triggered at %g", o->id, o->type, stop);
	}
	if (type_is(o, "LMT") || type_is(o, "STP LMT"))
		return (buy ? touch <= o->lmt : touch >= o->lmt) ? touch : 0;
	return touch;
}

static void send_cancelled(struct sim *s, struct sim_order *o, const char *why);

/* Whatever the state of o's parent allows: 1 go on, 0 wait, -1 o was cancelled with it. */
static int
parent_allows(struct sim *s, struct sim_order *o)
{
	const struct sim_order *p = o->parent_id ? find(s, o->client_id, o->parent_id) : NULL;

	if (!p || p->state == SIM_OS_FILLED)
		return 1;
	if (p->state == SIM_OS_CANCELLED) {
		send_cancelled(s, o, "parent order cancelled");
		return -1;
	}
	return 0;
}

/* IOC / FOK: filled now as far as they can be, and never left resting. */
static void
immediate(struct sim *s, struct sim_order *o, double px)
{
	double left = o->qty - o->filled;
	bool fok = strcmp(o->tif, "FOK") == 0;

	if (px <= 0) {
		send_cancelled(s, o, fok ? "FOK order not filled" : "IOC order not filled");
		return;
	}
	if (fok) {
		fill(s, o, left, px); /* all at once: no slices */
		return;
	}
	fill(s, o, o->qty > s->o.partial_fill_above ? fmin(ceil(o->qty / PARTIAL_SLICES), left) : left, px);
	if (live(o))
		send_cancelled(s, o, "IOC: the rest cancelled");
}

static void
step(struct sim *s, struct sim_order *o, int64_t now)
{
	struct sim_client *c;
	double px, left, slice;
	int pa;

	if (o->held)
		return;
	if (o->good_till_s && (int64_t)time(NULL) >= o->good_till_s) {
		send_cancelled(s, o, "GTD: good-till date reached");
		return;
	}
	if (o->state == SIM_OS_PRESUBMITTED) {
		/* a bracket child stays PreSubmitted until its parent fills */
		if ((pa = parent_allows(s, o)) <= 0) {
			if (pa == 0)
				o->next_ns = now + REST_NS;
			return;
		}
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
	if (strcmp(o->tif, "IOC") == 0 || strcmp(o->tif, "FOK") == 0) {
		immediate(s, o, px);
		return;
	}
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

void
sim_orders_poke(struct sim *s)
{
	int64_t now = ib_now_mono_ns();

	for (int i = 0; i < s->norders; i++)
		if (s->orders[i].state == SIM_OS_SUBMITTED && s->orders[i].next_ns > now)
			s->orders[i].next_ns = now;
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

static void transmit_chain(struct sim *s, const struct sim_order *o);

/* "yyyymmdd hh:mm:ss[ zone]" (the zone ignored: UTC) -> epoch s, or -1. */
static int64_t
gtd_seconds(const char *v)
{
	struct tm tm;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(v, "%4d%2d%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, /* NOLINT(cert-err34-c): fixed-width fields, checked by count and range */
		   &tm.tm_sec, &n) != 6 || (v[n] != '\0' && v[n] != ' ') || tm.tm_mon < 1 || tm.tm_mon > 12)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

static bool
set(double v)
{
	return v > 0 && v < DBL_MAX;
}

/* Why ibsim refuses what an order asks for, or NULL; *gtd gets GTD's time. */
static const char *
order_problem(const ib_order *in, int64_t *gtd)
{
	static const char *const types[] = { "MKT", "LMT", "STP", "STP LMT", "TRAIL", "MOC", "LOC" };
	static const char *const tifs[] = { "", "DAY", "GTC", "IOC", "FOK", "GTD", "OPG" };
	const char *t = in->order_type;
	bool type_ok = false, tif_ok = false;

	*gtd = 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		type_ok |= strcmp(t, types[i]) == 0;
	for (size_t i = 0; i < sizeof(tifs) / sizeof(tifs[0]); i++)
		tif_ok |= strcmp(in->tif, tifs[i]) == 0;
	if (!type_ok)
		return "ibsim fills MKT, LMT, STP, STP LMT, TRAIL, MOC and LOC orders only";
	if (!tif_ok)
		return "time in force must be DAY, GTC, IOC, FOK, GTD or OPG";
	if ((strcmp(t, "LMT") == 0 || strcmp(t, "STP LMT") == 0 || strcmp(t, "LOC") == 0) && !set(in->lmt_price))
		return "a limit order needs a limit price";
	if ((strcmp(t, "STP") == 0 || strcmp(t, "STP LMT") == 0) && !set(in->aux_price))
		return "a stop order needs a stop price";
	if (strcmp(t, "TRAIL") == 0 && set(in->aux_price) == set(in->trailing_percent))
		return "a trailing stop needs a trailing amount or a trailing percent, not both";
	if (strcmp(in->tif, "OPG") == 0 && strcmp(t, "MKT") != 0 && strcmp(t, "LMT") != 0)
		return "OPG is for MKT and LMT orders";
	if (strcmp(in->tif, "GTD") == 0 && (*gtd = gtd_seconds(in->good_till_date)) < 0)
		return "GTD needs a good-till date yyyymmdd hh:mm:ss";
	return NULL;
}

static void
place(struct sim *s, struct sim_client *c, const ib_req *r)
{
	const char *why;
	int64_t good_till_s;
	const ib_order *in = &r->u.place_order.order;
	int32_t id = r->u.place_order.order_id, instr, acct;
	struct sim_order *o = find(s, c->client_id, id);
	bool buy = strcmp(in->action, "BUY") == 0;

	if (!o && s->ignore_orders > 0) { /* lost on its way: the gateway never heard of it */
		s->ignore_orders--;
		s->orders_ignored++;
		ib_log(IB_LL_INFO, "ibsim", "order %d (client %d) ignored (ignore-orders)", id, c->client_id);
		return;
	}
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
	if ((why = order_problem(in, &good_till_s)) != NULL)
		return reject(s, c, id, why);
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
		o->next_ns = ib_now_mono_ns() + SUBMIT_NS;
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
	o->parent_id = in->parent_id;
	ib_strlcpy(o->oca_group, in->oca_group, sizeof(o->oca_group));
	o->oca_type = in->oca_type;
	if (strcmp(o->type, "TRAIL") == 0) {
		o->trail_amt = o->aux;
		o->trail_pct = in->trailing_percent > 0 && in->trailing_percent < DBL_MAX ? in->trailing_percent : 0;
		if (!o->triggered)
			o->stop = in->trail_stop_price > 0 && in->trail_stop_price < DBL_MAX ? in->trail_stop_price : 0;
	}
	ib_strlcpy(o->good_till, in->good_till_date, sizeof(o->good_till));
	o->good_till_s = good_till_s;
	/* transmit = false holds it (and so its chain) until an order of the chain transmits */
	if (o->state == SIM_OS_PRESUBMITTED)
		o->held = !in->transmit;
	if (in->transmit)
		transmit_chain(s, o);
	if (o->state == SIM_OS_SUBMITTED && o->next_ns == 0)
		o->next_ns = ib_now_mono_ns() + FIRST_FILL_NS;
	send_open_order(s, c, o);
	send_status(c, o, 0);
}

/* o ends Cancelled: its owner hears orderStatus and error 202. */
static void
cancel_one(struct sim *s, struct sim_order *o, const char *why)
{
	struct sim_client *c = owner(s, o);
	char msg[160];

	o->state = SIM_OS_CANCELLED;
	o->next_ns = 0;
	o->held = false;
	ib_log(IB_LL_DEBUG, "ibsim", "order %d (client %d) cancelled: %s", o->id, o->client_id, why);
	if (c) {
		snprintf(msg, sizeof(msg), "Order Canceled - reason:%s", why);
		send_status(c, o, 0);
		sim_send_error(s, c, o->id, IB_ERR_ORDER_CANCELLED, msg);
		sim_client_ok(s, c);
	}
}

/* o is cancelled, and its bracket children (and theirs) go with it. */
static void
send_cancelled(struct sim *s, struct sim_order *o, const char *why)
{
	bool more = live(o);

	if (!more)
		return;
	cancel_one(s, o, why);
	while (more) {
		more = false;
		for (int i = 0; i < s->norders; i++) {
			struct sim_order *k = &s->orders[i];
			const struct sim_order *p = k->parent_id ? find(s, k->client_id, k->parent_id) : NULL;
			if (live(k) && p && p->state == SIM_OS_CANCELLED) {
				cancel_one(s, k, "parent order cancelled");
				more = true;
			}
		}
	}
}

static void
cancel(struct sim *s, struct sim_client *c, int32_t id)
{
	struct sim_order *o = find(s, c->client_id, id);
	char msg[160];

	if (!o) {
		snprintf(msg, sizeof(msg), "Can't find order with id =%d", id);
		sim_send_error(s, c, id, IB_ERR_CANT_FIND_ORDER, msg);
		return;
	}
	if (!live(o)) {
		snprintf(msg, sizeof(msg), "OrderId %d that needs to be cancelled cannot be cancelled, state: %s.", id,
			 status_name(o));
		sim_send_error(s, c, id, IB_ERR_CANNOT_CANCEL, msg);
		return;
	}
	send_cancelled(s, o, "");
}

/*
 * The simulated auction: `close` fills MOC at the close (the mid) and LOC
 * when its limit allows (else cancels it); `open` does the same for OPG
 * orders.  Returns the orders it settled.
 */
int
sim_orders_auction(struct sim *s, bool close)
{
	int n = 0;

	for (int i = 0; i < s->norders; i++) {
		struct sim_order *o = &s->orders[i];
		const struct sim_instr *in = &s->instr[o->instr];
		bool buy = strcmp(o->action, "BUY") == 0, limit;
		double tick = in->tick > 0 ? in->tick : 0.01;
		double px = round(round(sim_instr_mark(in) / tick) * tick * 1e8) / 1e8;

		if (o->state != SIM_OS_SUBMITTED || o->held)
			continue;
		if (close ? !type_is(o, "MOC") && !type_is(o, "LOC") : strcmp(o->tif, "OPG") != 0)
			continue;
		limit = type_is(o, "LOC") || type_is(o, "LMT");
		if (limit && (buy ? px > o->lmt : px < o->lmt))
			send_cancelled(s, o, close ? "LOC limit not reached at the close" : "OPG limit not reached at the open");
		else
			fill(s, o, o->qty - o->filled, px);
		n++;
	}
	return n;
}

/* Release the held orders of the chain `o` transmits: its parent and the parent's other children. */
static void
transmit_chain(struct sim *s, const struct sim_order *o)
{
	int32_t root = o->parent_id ? o->parent_id : o->id;
	int64_t now = ib_now_mono_ns();

	for (int i = 0; i < s->norders; i++) {
		struct sim_order *x = &s->orders[i];
		if (x->held && x->client_id == o->client_id && (x->id == root || x->parent_id == root)) {
			x->held = false;
			x->next_ns = now + SUBMIT_NS;
		}
	}
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

int
sim_orders_live(const struct sim *s)
{
	int n = 0;

	for (int i = 0; i < s->norders; i++)
		n += live(&s->orders[i]);
	return n;
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
	case IB_OUT_REQ_GLOBAL_CANCEL: {
		/* as IB: every open order, of every client (and TWS), whoever asks */
		int n = 0;
		for (int i = 0; i < s->norders; i++)
			if (live(&s->orders[i])) {
				send_cancelled(s, &s->orders[i], "");
				n++;
			}
		s->global_cancels++;
		ib_log(IB_LL_INFO, "ibsim", "reqGlobalCancel from client %d: %d order(s) cancelled", c->client_id, n);
		break;
	}
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
