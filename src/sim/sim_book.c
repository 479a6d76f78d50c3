/*
 * sim_book.c - the order-book model of sim_book.h: seeding, applying and
 * inverting row operations, walking the top to a new quote, and random
 * changes (queue sizes, new and vanishing levels, trades taking liquidity).
 *
 * Prices are compared as integer cents and written back as cents / 100.0,
 * the double nearest the decimal a client parses, so ibsim's rows and a
 * client's rows compare equal with ==.
 */
#include <math.h>

#include "ibpipe/ib.h"
#include "sim/sim_book.h"

#define TOP_WEIGHTED_TRIES 4

double
sim_book_rand(uint64_t *rng)
{
	*rng ^= *rng >> 12;
	*rng ^= *rng << 25;
	*rng ^= *rng >> 27;
	return (double)((*rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static int64_t
cents(double price)
{
	return llround(price * 100);
}

static double
price_of(int64_t c)
{
	return (double)c / 100.0;
}

static int
count(const ib_book *b, int side)
{
	return side == SIM_BOOK_BID ? b->nbid : b->nask;
}

static const ib_book_level *
row(const ib_book *b, int side, int pos)
{
	return side == SIM_BOOK_BID ? &b->bid[pos] : &b->ask[pos];
}

/* 1..n-th queue of round lots */
static double
lots(uint64_t *rng, int n)
{
	return 100.0 * (1 + (int)(sim_book_rand(rng) * n));
}

/* A position in [0, n), more often near the top, as activity in a real book. */
static int
near_top(uint64_t *rng, int n)
{
	double r = sim_book_rand(rng);

	return (int)(n * r * r);
}

static void
set(struct sim_book_op *op, int code, int side, int pos, double price, double size)
{
	*op = (struct sim_book_op){ .op = (int8_t)code, .side = (int8_t)side, .pos = (int16_t)pos, .price = price,
				    .size = size };
}

void
sim_book_top(const ib_book *b, struct sim_book_top *t)
{
	t->bid = b->nbid ? b->bid[0].price : 0;
	t->bid_size = b->nbid ? b->bid[0].size : 0;
	t->ask = b->nask ? b->ask[0].price : 0;
	t->ask_size = b->nask ? b->ask[0].size : 0;
}

int
sim_book_do(ib_book *b, struct sim_book_op *op)
{
	int n = count(b, op->side);

	if (op->pos >= 0 && op->pos < n && op->op != SIM_BOOK_INSERT) {
		op->old_price = row(b, op->side, op->pos)->price;
		op->old_size = row(b, op->side, op->pos)->size;
	}
	if (ib_book_apply(b, op->pos, op->op, op->side, op->price, op->size) != IB_OK)
		return -1;
	return n;
}

void
sim_book_invert(const struct sim_book_op *op, struct sim_book_op *inv)
{
	switch (op->op) {
	case SIM_BOOK_INSERT:
		set(inv, SIM_BOOK_DELETE, op->side, op->pos, op->price, op->size);
		break;
	case SIM_BOOK_DELETE:
		set(inv, SIM_BOOK_INSERT, op->side, op->pos, op->old_price, op->old_size);
		break;
	default:
		set(inv, SIM_BOOK_UPDATE, op->side, op->pos, op->old_price, op->old_size);
		break;
	}
}

/* A new row appended behind the last one of a side, 1 or 2 cents further out; false at a zero price. */
static bool
append(const ib_book *b, uint64_t *rng, int side, const struct sim_book_top *t, struct sim_book_op *op)
{
	int n = count(b, side);
	int64_t last = n ? cents(row(b, side, n - 1)->price) : cents(side == SIM_BOOK_BID ? t->bid : t->ask);
	int64_t gap = 1 + (sim_book_rand(rng) < 0.2);
	int64_t c = side == SIM_BOOK_BID ? last - gap : last + gap;

	if (c < 1)
		return false;
	set(op, SIM_BOOK_INSERT, side, n, price_of(c), lots(rng, 30));
	return true;
}

bool
sim_book_toward(const ib_book *b, uint64_t *rng, const struct sim_book_top *t, struct sim_book_op *op)
{
	int64_t bid = cents(t->bid), ask = cents(t->ask);

	/* rows the new quote crossed go first: the book is never crossed on the way */
	if (b->nbid && cents(b->bid[0].price) > bid)
		return set(op, SIM_BOOK_DELETE, SIM_BOOK_BID, 0, 0, 0), true;
	if (b->nask && cents(b->ask[0].price) < ask)
		return set(op, SIM_BOOK_DELETE, SIM_BOOK_ASK, 0, 0, 0), true;
	if (!b->nbid || cents(b->bid[0].price) < bid)
		return set(op, SIM_BOOK_INSERT, SIM_BOOK_BID, 0, t->bid, t->bid_size), true;
	if (b->bid[0].size != t->bid_size)
		return set(op, SIM_BOOK_UPDATE, SIM_BOOK_BID, 0, t->bid, t->bid_size), true;
	if (!b->nask || cents(b->ask[0].price) > ask)
		return set(op, SIM_BOOK_INSERT, SIM_BOOK_ASK, 0, t->ask, t->ask_size), true;
	if (b->ask[0].size != t->ask_size)
		return set(op, SIM_BOOK_UPDATE, SIM_BOOK_ASK, 0, t->ask, t->ask_size), true;
	/* then the depth: trim what a jump pushed beyond the range, refill what it swept away */
	for (int side = SIM_BOOK_ASK; side <= SIM_BOOK_BID; side++) {
		if (count(b, side) > SIM_BOOK_MAX_LEVELS)
			return set(op, SIM_BOOK_DELETE, side, count(b, side) - 1, 0, 0), true;
		if (count(b, side) < SIM_BOOK_MIN_LEVELS && append(b, rng, side, t, op))
			return true;
	}
	return false;
}

void
sim_book_seed(ib_book *b, uint64_t *rng, const struct sim_book_top *t)
{
	struct sim_book_op op;

	while (sim_book_toward(b, rng, t, &op))
		sim_book_do(b, &op);
	for (int side = SIM_BOOK_ASK; side <= SIM_BOOK_BID; side++)
		while (count(b, side) < SIM_BOOK_SEED_LEVELS && append(b, rng, side, t, &op))
			sim_book_do(b, &op);
}

/* A price strictly between the rows around position pos of a side, if the grid has room. */
static bool
gap_price(const ib_book *b, uint64_t *rng, int side, int pos, int64_t *out)
{
	int n = count(b, side), other = side == SIM_BOOK_BID ? SIM_BOOK_ASK : SIM_BOOK_BID;
	int64_t inner, outer; /* the neighbour toward the spread, and away from it */

	if (pos > 0)
		inner = cents(row(b, side, pos - 1)->price);
	else if (count(b, other))
		inner = cents(row(b, other, 0)->price); /* a new best: inside the spread */
	else
		return false;
	if (pos < n)
		outer = cents(row(b, side, pos)->price);
	else if (n)
		outer = cents(row(b, side, n - 1)->price) + (side == SIM_BOOK_BID ? -4 : 4);
	else
		return false;
	int64_t lo = inner < outer ? inner : outer, hi = inner < outer ? outer : inner;
	if (hi - lo < 2 || hi - 1 < 1)
		return false;
	*out = lo + 1 + (int64_t)(sim_book_rand(rng) * (double)(hi - lo - 1));
	return *out >= 1;
}

static bool
random_size(const ib_book *b, uint64_t *rng, int side, int lim, struct sim_book_op *op)
{
	int p = near_top(rng, lim);
	const ib_book_level *lv = row(b, side, p);
	double size = lots(rng, 30);

	if (size == lv->size)
		size += 100;
	set(op, SIM_BOOK_UPDATE, side, p, lv->price, size);
	return true;
}

static bool
random_insert(const ib_book *b, uint64_t *rng, int side, int max_pos, struct sim_book_op *op)
{
	int n = count(b, side), lim = n < max_pos - 1 ? n : max_pos - 1; /* positions 0..lim */
	int64_t c;

	if (n >= SIM_BOOK_MAX_LEVELS)
		return false;
	for (int tries = 0; tries < TOP_WEIGHTED_TRIES; tries++) {
		int p = near_top(rng, lim + 1);
		if (gap_price(b, rng, side, p, &c)) {
			set(op, SIM_BOOK_INSERT, side, p, price_of(c), lots(rng, 20));
			return true;
		}
	}
	return false;
}

/* A trade at the best price of a side, taking some or all of its queue. */
static bool
random_trade(const ib_book *b, uint64_t *rng, int side, struct sim_book_op *op)
{
	const ib_book_level *top = row(b, side, 0);
	double size;

	if (sim_book_rand(rng) < 0.15)
		size = 1 + (int)(sim_book_rand(rng) * 99); /* an odd lot */
	else
		size = lots(rng, (int)(top->size / 100) + 1);
	if (size >= top->size && count(b, side) <= SIM_BOOK_MIN_LEVELS)
		size = top->size - 1; /* the level survives: the book keeps its minimum depth */
	if (size < 1)
		return false;
	if (size >= top->size) {
		set(op, SIM_BOOK_DELETE, side, 0, top->price, top->size);
		size = top->size;
	} else {
		set(op, SIM_BOOK_UPDATE, side, 0, top->price, top->size - size);
	}
	op->trade_size = size;
	return true;
}

bool
sim_book_random(const ib_book *b, uint64_t *rng, int ev, int max_pos, struct sim_book_op *op)
{
	int side = sim_book_rand(rng) < 0.5 ? SIM_BOOK_BID : SIM_BOOK_ASK, n = count(b, side);
	int lim = n < max_pos ? n : max_pos;

	if (lim <= 0)
		return false;
	switch (ev) {
	case SIM_BOOK_EV_SIZE:
		return random_size(b, rng, side, lim, op);
	case SIM_BOOK_EV_INSERT:
		return random_insert(b, rng, side, max_pos, op);
	case SIM_BOOK_EV_DELETE:
		if (n <= SIM_BOOK_MIN_LEVELS)
			return false;
		set(op, SIM_BOOK_DELETE, side, near_top(rng, lim), 0, 0);
		return true;
	default:
		return random_trade(b, rng, side, op);
	}
}

bool
sim_book_valid(const ib_book *b)
{
	for (int side = SIM_BOOK_ASK; side <= SIM_BOOK_BID; side++) {
		int n = count(b, side);
		if (n < 0 || n > SIM_BOOK_MAX_LEVELS + 1)
			return false;
		for (int k = 0; k < n; k++) {
			const ib_book_level *lv = row(b, side, k);
			if (lv->size < 1 || lv->size != floor(lv->size) || lv->price <= 0 ||
			    price_of(cents(lv->price)) != lv->price)
				return false;
			if (k > 0 && (side == SIM_BOOK_BID ? lv->price >= b->bid[k - 1].price
							    : lv->price <= b->ask[k - 1].price))
				return false;
		}
	}
	return !(b->nbid && b->nask && b->bid[0].price >= b->ask[0].price);
}
