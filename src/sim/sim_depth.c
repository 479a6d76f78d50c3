/*
 * sim_depth.c - tick-by-tick (97/98) and market depth (10/11): the two
 * feeds' subscriptions and limits, the books they read, and what each
 * subscriber is sent when a book changes.
 *
 * A depth subscriber's view is the first numRows rows of the book, kept as
 * a client keeps it with ib_book_init(numRows) (an insert into a full view
 * drops its last row).  Only operations on rows < numRows are sent; a
 * delete inside the view while the book has more rows than the view is
 * followed by an insert at numRows - 1 of the row that moved up into it.
 * Applying what was sent, in order, gives exactly the book's first numRows
 * rows after every operation, and a BidAsk tick always carries the top the
 * subscriber's view shows at that point of the stream.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "sim/sim_depth.h"
#include "util/clock.h"

/* Venues for L2 market makers (smart depth) and trade prints. */
static const char *const venues[] = { "NASDAQ", "ARCA", "NYSE", "BATS", "EDGX", "IEX", "MEMX", "IBEOS" };
enum { NVENUES = sizeof(venues) / sizeof(venues[0]) };
#define FOLLOW_MAX_OPS 512 /* a jump across the whole book is ~250 operations */

static bool
ready(const struct sim_client *c)
{
	return c && !c->dead && c->state == SIM_CS_READY;
}

static bool
same_top(const struct sim_book_top *a, const struct sim_book_top *b)
{
	return a->bid == b->bid && a->ask == b->ask && a->bid_size == b->bid_size && a->ask_size == b->ask_size;
}

static void
quote_top(const struct sim *s, int32_t instr, struct sim_book_top *t)
{
	const struct sim_instr *in = &s->instr[instr];

	*t = (struct sim_book_top){ in->bid, in->ask, in->bid_size, in->ask_size };
}

/* ---- encoding for one subscriber ---- */

static void
enc_row(sim_out *o, const struct sim_dsub *d, int pos, int code, int side, double price, double size)
{
	if (d->smart)
		sim_enc_mkt_depth_l2(o, d->req_id, pos, venues[(uint64_t)llround(price * 100) % NVENUES], code, side,
				     price, size, true);
	else
		sim_enc_mkt_depth(o, d->req_id, pos, code, side, price, size);
}

int
sim_depth_enc_op(sim_out *o, const struct sim_dsub *d, const struct sim_book_op *op, int n_before, const ib_book *b)
{
	const ib_book_level *up;

	if (op->pos >= d->rows)
		return 0;
	if (op->op != SIM_BOOK_DELETE) {
		enc_row(o, d, op->pos, op->op, op->side, op->price, op->size);
		return 1;
	}
	enc_row(o, d, op->pos, SIM_BOOK_DELETE, op->side, op->old_price, op->old_size);
	if (n_before <= d->rows)
		return 1;
	/* the first row below the view moved up into it */
	up = op->side == SIM_BOOK_BID ? &b->bid[d->rows - 1] : &b->ask[d->rows - 1];
	enc_row(o, d, d->rows - 1, SIM_BOOK_INSERT, op->side, up->price, up->size);
	return 2;
}

int
sim_depth_enc_top(sim_out *o, const struct sim_tsub *t, const struct sim_book_top *before,
		  const struct sim_book_top *now, int64_t time)
{
	if (now->bid <= 0 || now->ask <= 0)
		return 0;
	if (t->type == IB_TBT_BID_ASK && !same_top(before, now)) {
		sim_enc_tick_by_tick_bid_ask(o, t->req_id, time, now->bid, now->ask, now->bid_size, now->ask_size, 0);
		return 1;
	}
	if (t->type == IB_TBT_MIDPOINT && (before->bid + before->ask) / 2 != (now->bid + now->ask) / 2) {
		sim_enc_tick_by_tick_midpoint(o, t->req_id, time, (now->bid + now->ask) / 2);
		return 1;
	}
	return 0;
}

/* Odd lots (under 100 shares) print as AllLast only, with condition "I", as they do not set the last price. */
int
sim_depth_enc_trade(sim_out *o, const struct sim_tsub *t, double price, double size, uint64_t venue, int64_t time)
{
	bool odd = size < 100;

	if (t->type != IB_TBT_ALL_LAST && (t->type != IB_TBT_LAST || odd))
		return 0;
	sim_enc_tick_by_tick_last(o, t->req_id, t->type, time, price, size, 0, venues[venue % NVENUES], odd ? "I" : "");
	return 1;
}

/* ---- books ---- */

struct sim_ibook *
sim_depth_book(struct sim *s, int32_t instr)
{
	struct sim_ibook *k = s->depth->book[instr];
	struct sim_book_top t;

	if (k)
		return k;
	k = malloc(sizeof(*k));
	if (!k)
		return NULL;
	ib_book_init(&k->b, IB_BOOK_ROWS);
	quote_top(s, instr, &t);
	sim_book_seed(&k->b, &s->rng, &t);
	sim_book_top(&k->b, &k->sent);
	k->nsubs = 0;
	k->active = -1;
	k->frozen_by = -1;
	s->depth->book[instr] = k;
	return k;
}

bool
sim_depth_apply(struct sim *s, int32_t instr, struct sim_book_op *op)
{
	struct sim_depth *d = s->depth;
	struct sim_ibook *k = d->book[instr];
	int n = sim_book_do(&k->b, op);

	if (n < 0) {
		ib_log(IB_LL_ERROR, "ibsim", "%s: book refused operation %d side %d pos %d", s->instr[instr].symbol, op->op,
		       op->side, op->pos);
		return false;
	}
	for (int i = 0; i < d->ndsub; i++) {
		struct sim_client *c = s->clients[d->dsub[i].slot];
		if (d->dsub[i].instr == instr && !d->dsub[i].in_blast && ready(c))
			sim_depth_enc_op(&c->out, &d->dsub[i], op, n, &k->b);
	}
	return true;
}

void
sim_depth_settle(struct sim *s, int32_t instr)
{
	struct sim_depth *d = s->depth;
	struct sim_ibook *k = d->book[instr];
	struct sim_instr *in = &s->instr[instr];
	struct sim_book_top now;
	int64_t t = (int64_t)time(NULL);

	sim_book_top(&k->b, &now);
	if (same_top(&now, &k->sent))
		return;
	for (int i = 0; i < d->ntsub; i++) {
		struct sim_client *c = s->clients[d->tsub[i].slot];
		if (d->tsub[i].instr == instr && !d->tsub[i].in_blast && ready(c))
			sim_depth_enc_top(&c->out, &d->tsub[i], &k->sent, &now, t);
	}
	k->sent = now;
	if (now.bid > 0 && now.ask > 0) {
		/* reqMktData, fills and tick-by-tick see one market */
		in->bid = now.bid;
		in->ask = now.ask;
		in->bid_size = now.bid_size;
		in->ask_size = now.ask_size;
		in->high = fmax(in->high, in->bid);
		in->low = fmin(in->low, in->ask);
	}
}

void
sim_depth_follow_quote(struct sim *s, int32_t instr)
{
	struct sim_ibook *k = s->depth->book[instr];
	struct sim_book_top t;
	struct sim_book_op op;

	if (!k || k->frozen_by >= 0)
		return;
	quote_top(s, instr, &t);
	for (int n = 0; n < FOLLOW_MAX_OPS && sim_book_toward(&k->b, &s->rng, &t, &op); n++)
		if (!sim_depth_apply(s, instr, &op))
			break;
	sim_depth_settle(s, instr);
}

void
sim_depth_trade(struct sim *s, int32_t instr, double price, double size)
{
	struct sim_depth *d = s->depth;
	struct sim_instr *in = &s->instr[instr];
	uint64_t venue = (uint64_t)(sim_rand(s) * NVENUES);
	int64_t t = (int64_t)time(NULL);

	for (int i = 0; i < d->ntsub; i++) {
		struct sim_client *c = s->clients[d->tsub[i].slot];
		if (d->tsub[i].instr == instr && !d->tsub[i].in_blast && ready(c))
			sim_depth_enc_trade(&c->out, &d->tsub[i], price, size, venue, t);
	}
	in->high = fmax(in->high, price);
	in->low = fmin(in->low, price);
}

void
sim_depth_unfreeze(struct sim *s, int slot)
{
	struct sim_depth *d = s->depth;

	for (int i = 0; i < s->ninstr; i++)
		if (d->book[i] && d->book[i]->frozen_by == slot)
			d->book[i]->frozen_by = -1;
	for (int i = 0; i < d->ndsub; i++)
		if (d->dsub[i].slot == slot)
			d->dsub[i].in_blast = false;
	for (int i = 0; i < d->ntsub; i++)
		if (d->tsub[i].slot == slot)
			d->tsub[i].in_blast = false;
}

/* ---- subscriptions ---- */

/* A book with subscribers is in the active list that --depth-rate draws from. */
static void
count_sub(struct sim *s, int32_t instr, int delta)
{
	struct sim_depth *d = s->depth;
	struct sim_ibook *k = d->book[instr];

	k->nsubs += delta;
	if (k->nsubs > 0 && k->active < 0) {
		k->active = d->nactive;
		d->active[d->nactive++] = instr;
	} else if (k->nsubs == 0 && k->active >= 0) {
		int32_t moved = d->active[--d->nactive];
		d->active[k->active] = moved;
		d->book[moved]->active = k->active;
		k->active = -1;
	}
}

static int
find_dsub(const struct sim_depth *d, int slot, int32_t req_id)
{
	for (int i = 0; i < d->ndsub; i++)
		if (d->dsub[i].slot == slot && d->dsub[i].req_id == req_id)
			return i;
	return -1;
}

static int
find_tsub(const struct sim_depth *d, int slot, int32_t req_id)
{
	for (int i = 0; i < d->ntsub; i++)
		if (d->tsub[i].slot == slot && d->tsub[i].req_id == req_id)
			return i;
	return -1;
}

static void
remove_dsub(struct sim *s, int i)
{
	struct sim_depth *d = s->depth;
	struct sim_client *c = s->clients[d->dsub[i].slot];

	if (c)
		c->ndepth--;
	count_sub(s, d->dsub[i].instr, -1);
	d->dsub[i] = d->dsub[--d->ndsub];
}

static void
remove_tsub(struct sim *s, int i)
{
	struct sim_depth *d = s->depth;
	struct sim_client *c = s->clients[d->tsub[i].slot];

	if (c)
		c->ntbt--;
	count_sub(s, d->tsub[i].instr, -1);
	d->tsub[i] = d->tsub[--d->ntsub];
}

/* A new subscription on a blasting client's books joins its depth blast's settling time. */
static void
settle_blast(struct sim *s, struct sim_client *c)
{
	if (c->depth_blast_pending > 0 && !c->blast)
		c->depth_blast_arm_ns = ib_now_mono_ns() + SIM_BLAST_SETTLE_NS;
	if (s->o.depth_blast > 0 && !c->depth_blast_done && c->ndepth > 0) {
		c->depth_blast_pending = s->o.depth_blast;
		c->depth_blast_arm_ns = ib_now_mono_ns() + SIM_BLAST_SETTLE_NS;
	}
}

static void
no_security(struct sim *s, struct sim_client *c, int32_t req)
{
	sim_send_error(s, c, req, IB_ERR_NO_SECURITY, "No security definition has been found for the request");
}

/* The instrument's book for a new subscriber, in step with its quote; NULL when out of memory. */
static struct sim_ibook *
open_book(struct sim *s, struct sim_client *c, int32_t instr)
{
	struct sim_ibook *b = sim_depth_book(s, instr);

	if (!b) {
		ib_log(IB_LL_ERROR, "ibsim", "client %d: out of memory for the %s book", c->client_id,
		       s->instr[instr].symbol);
		return NULL;
	}
	sim_depth_follow_quote(s, instr);
	return b;
}

static void
depth_start(struct sim *s, struct sim_client *c, const ib_req *r)
{
	struct sim_depth *d = s->depth;
	int32_t req = r->u.mkt_depth.req_id, instr = sim_md_lookup(s, &r->u.mkt_depth.contract);
	struct sim_dsub *sub;
	struct sim_ibook *k;
	char msg[96];
	int rows;

	if (instr < 0) {
		no_security(s, c, req);
		return;
	}
	if (find_dsub(d, c->slot, req) >= 0) {
		sim_send_error(s, c, req, IB_ERR_PROCESSING_REQUEST, "Error processing request:-'bW' : cause - Duplicate ticker id");
		return;
	}
	if (c->ndepth >= s->o.max_depth || d->ndsub == SIM_MAX_FEED_SUBS) {
		snprintf(msg, sizeof(msg), "Max number of (%d) market depth requests has been reached", s->o.max_depth);
		sim_send_error(s, c, req, IB_ERR_DEPTH_LIMIT, msg);
		return;
	}
	if (!(k = open_book(s, c, instr)))
		return;
	rows = r->u.mkt_depth.num_rows < 1 ? 1 : r->u.mkt_depth.num_rows > IB_BOOK_ROWS ? IB_BOOK_ROWS
											 : r->u.mkt_depth.num_rows;
	sub = &d->dsub[d->ndsub++];
	*sub = (struct sim_dsub){ .slot = (int16_t)c->slot, .smart = r->u.mkt_depth.is_smart, .req_id = req,
				  .instr = instr, .rows = rows };
	c->ndepth++;
	count_sub(s, instr, +1);
	/* the current book, as inserts, best rows first */
	for (int p = 0; p < rows && (p < k->b.nask || p < k->b.nbid); p++) {
		if (p < k->b.nask)
			enc_row(&c->out, sub, p, SIM_BOOK_INSERT, SIM_BOOK_ASK, k->b.ask[p].price, k->b.ask[p].size);
		if (p < k->b.nbid)
			enc_row(&c->out, sub, p, SIM_BOOK_INSERT, SIM_BOOK_BID, k->b.bid[p].price, k->b.bid[p].size);
	}
	settle_blast(s, c);
}

static void
depth_cancel(struct sim *s, struct sim_client *c, const ib_req *r)
{
	int i = find_dsub(s->depth, c->slot, r->u.cancel_mkt_depth.req_id);

	if (i >= 0)
		remove_dsub(s, i);
}

static int
tbt_type(const char *name)
{
	static const char *const names[] = { "Last", "AllLast", "BidAsk", "MidPoint" };

	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return IB_TBT_LAST + i;
	return 0;
}

static void
tbt_start(struct sim *s, struct sim_client *c, const ib_req *r)
{
	struct sim_depth *d = s->depth;
	int32_t req = r->u.tick_by_tick.req_id, instr = sim_md_lookup(s, &r->u.tick_by_tick.contract);
	int type = tbt_type(r->u.tick_by_tick.tick_type);
	struct sim_tsub *sub;
	struct sim_ibook *k;
	struct sim_book_top none = { 0 };
	char msg[96];

	if (instr < 0) {
		no_security(s, c, req);
		return;
	}
	if (type == 0) {
		snprintf(msg, sizeof(msg), "Error validating request.-'bQ' : cause - Invalid tick type: %s",
			 r->u.tick_by_tick.tick_type);
		sim_send_error(s, c, req, IB_ERR_VALIDATING_REQUEST, msg);
		return;
	}
	if (find_tsub(d, c->slot, req) >= 0) {
		sim_send_error(s, c, req, IB_ERR_PROCESSING_REQUEST, "Error processing request:-'bW' : cause - Duplicate ticker id");
		return;
	}
	if (c->ntbt >= s->o.max_tbt || d->ntsub == SIM_MAX_FEED_SUBS) {
		sim_send_error(s, c, req, IB_ERR_MAX_TBT, "Max number of tick-by-tick requests has been reached.");
		return;
	}
	if (!(k = open_book(s, c, instr)))
		return;
	/* numberOfTicks > 0 asks for historical ticks first at IB; ibsim has no history and sends none */
	sub = &d->tsub[d->ntsub++];
	*sub = (struct sim_tsub){ .slot = (int16_t)c->slot, .type = (int8_t)type, .req_id = req, .instr = instr };
	c->ntbt++;
	count_sub(s, instr, +1);
	sim_depth_enc_top(&c->out, sub, &none, &k->sent, (int64_t)time(NULL)); /* where the market is now */
	settle_blast(s, c);
}

static void
tbt_cancel(struct sim *s, struct sim_client *c, const ib_req *r)
{
	int i = find_tsub(s->depth, c->slot, r->u.cancel.req_id);

	if (i >= 0)
		remove_tsub(s, i);
}

static void
client_gone(struct sim *s, struct sim_client *c)
{
	struct sim_depth *d = s->depth;

	if (c->blast && c->blast->kind == SIM_BLAST_DEPTH)
		sim_depth_unfreeze(s, c->slot); /* a blast that did not finish leaves the books as they were */
	for (int i = 0; i < d->ndsub;)
		if (d->dsub[i].slot == c->slot)
			remove_dsub(s, i);
		else
			i++;
	for (int i = 0; i < d->ntsub;)
		if (d->tsub[i].slot == c->slot)
			remove_tsub(s, i);
		else
			i++;
}

const struct sim_feed sim_feed_tbt = {
	.name = "tick-by-tick", .start_id = IB_OUT_REQ_TICK_BY_TICK, .cancel_id = IB_OUT_CANCEL_TICK_BY_TICK,
	.start = tbt_start, .cancel = tbt_cancel,
};
const struct sim_feed sim_feed_depth = {
	.name = "depth", .start_id = IB_OUT_REQ_MKT_DEPTH, .cancel_id = IB_OUT_CANCEL_MKT_DEPTH,
	.start = depth_start, .cancel = depth_cancel, .on_move = sim_depth_on_move, .on_trade = sim_depth_on_trade,
	.client_gone = client_gone, /* for both feeds: they share the books */
};

/* ---- setup and the control port ---- */

int
sim_depth_init(struct sim *s)
{
	struct sim_depth *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	d->book = calloc(SIM_MAX_INSTR, sizeof(struct sim_ibook *));
	d->active = calloc(SIM_MAX_INSTR, sizeof(*d->active));
	d->dsub = calloc(SIM_MAX_FEED_SUBS, sizeof(*d->dsub));
	d->tsub = calloc(SIM_MAX_FEED_SUBS, sizeof(*d->tsub));
	s->depth = d;
	return d->book && d->active && d->dsub && d->tsub ? 0 : -1;
}

int
sim_depth_book_json(struct sim *s, const char *symbol, char *out, size_t cap)
{
	int32_t instr = sim_md_find(s, symbol);
	struct sim_ibook *k = instr >= 0 ? sim_depth_book(s, instr) : NULL;
	size_t n = 0;

	if (!k)
		return -1;
	for (int side = SIM_BOOK_BID; side >= SIM_BOOK_ASK; side--) {
		const ib_book_level *lv = side == SIM_BOOK_BID ? k->b.bid : k->b.ask;
		int rows = side == SIM_BOOK_BID ? k->b.nbid : k->b.nask;
		n += (size_t)snprintf(out + n, cap - n, "%s\"%s\":[", side == SIM_BOOK_BID ? "{" : "],",
				      side == SIM_BOOK_BID ? "bids" : "asks");
		for (int p = 0; p < rows && n < cap; p++)
			n += (size_t)snprintf(out + n, cap - n, "%s[%.2f,%.0f]", p ? "," : "", lv[p].price, lv[p].size);
		if (n >= cap)
			return -1;
	}
	n += (size_t)snprintf(out + n, cap - n, "]}");
	return n < cap ? (int)n : -1;
}
