/*
 * sim_depth_events.c - what moves the books.  At --depth-rate, changes are
 * drawn over the instruments that have tick-by-tick or depth subscribers:
 * queue sizes, levels added and pulled, trades taking liquidity at the best
 * price, and steps of the instrument's own random walk (sim_md_walk), which
 * the book follows.  The walk reqMktData drives (sim_mktdata.c) reaches the
 * books through the feed hooks, so every view of an instrument is one
 * market.
 *
 * Pacing is a credit per elapsed time, as for ticks: the loop's timer wakes
 * every 1/rate s (1 to 10 ms apart) and a stall or a busy spell is not made
 * up for in one burst.  Books held by a depth blast are skipped; while every
 * book with subscribers is held, the feed sets no deadline and earns no credit.
 */
#include <stdint.h>

#include "sim/sim_depth.h"
#include "util/clock.h"

#define PERIOD_MAX_NS 10000000LL
#define PERIOD_MIN_NS IB_NS_PER_MS
#define MAX_SKIPS 64 /* frozen books drawn in a row before giving up until the next wake-up */

static int64_t
period(const struct sim *s)
{
	int64_t p = (int64_t)(IB_NS_PER_S / s->o.depth_rate);

	return p < PERIOD_MIN_NS ? PERIOD_MIN_NS : p > PERIOD_MAX_NS ? PERIOD_MAX_NS : p;
}

/*
 * Some book with subscribers is not held by a depth blast.  When none is,
 * --depth-rate has nothing it may change: it sets no deadline, so a blast
 * over every active book is driven by its socket alone, not woken every
 * period for nothing.  Stops at the first movable book: O(1) when no blast runs.
 */
static bool
movable(const struct sim_depth *d)
{
	for (int i = 0; i < d->nactive; i++)
		if (d->book[d->active[i]]->frozen_by < 0)
			return true;
	return false;
}

int64_t
sim_depth_next_deadline(const struct sim *s)
{
	if (s->o.depth_rate <= 0 || !movable(s->depth))
		return INT64_MAX;
	return s->depth->last_ns + period(s);
}

/* One book change on one instrument: its operations, then BidAsk / MidPoint if the top moved. */
static void
change(struct sim *s, int32_t instr)
{
	struct sim_ibook *k = s->depth->book[instr];
	struct sim_instr *in = &s->instr[instr];
	struct sim_book_op op;
	double r = sim_rand(s);
	int ev = r < 0.45 ? SIM_BOOK_EV_SIZE
	       : r < 0.57 ? SIM_BOOK_EV_INSERT
	       : r < 0.69 ? SIM_BOOK_EV_DELETE
	       : r < 0.82 ? SIM_BOOK_EV_TRADE
			  : -1;

	if (ev < 0) {
		sim_md_walk(s, instr);
		sim_depth_follow_quote(s, instr);
		return;
	}
	if (!sim_book_random(&k->b, &s->rng, ev, IB_BOOK_ROWS, &op) &&
	    !sim_book_random(&k->b, &s->rng, SIM_BOOK_EV_SIZE, IB_BOOK_ROWS, &op))
		return;
	if (op.trade_size > 0) {
		/* the print goes first: at the best price the subscribers' views show right now */
		double px = op.side == SIM_BOOK_BID ? k->b.bid[0].price : k->b.ask[0].price;
		sim_depth_trade(s, instr, px, op.trade_size);
		in->last = px;
		in->last_size = op.trade_size;
		in->volume += op.trade_size;
	}
	sim_depth_apply(s, instr, &op);
	sim_depth_settle(s, instr);
}

void
sim_depth_step(struct sim *s, int64_t now)
{
	struct sim_depth *d = s->depth;
	int skips = 0;

	if (s->o.depth_rate <= 0 || !movable(d)) {
		/* no credit for the time nothing could move: no burst when a blast ends */
		d->last_ns = now;
		d->credit = 0;
		return;
	}
	if (now < d->last_ns + period(s))
		return;
	d->credit += s->o.depth_rate * ib_ns_to_s(now - d->last_ns);
	if (d->credit > s->o.depth_rate * 0.05 + 4)
		d->credit = s->o.depth_rate * 0.05 + 4;
	d->last_ns = now;
	while (d->credit >= 1 && d->nactive > 0 && skips < MAX_SKIPS) {
		int32_t instr = d->active[(int)(sim_rand(s) * d->nactive)];
		if (d->book[instr]->frozen_by >= 0) {
			skips++;
			continue;
		}
		skips = 0;
		change(s, instr);
		d->credit -= 1;
	}
}

void
sim_depth_on_move(struct sim *s, int32_t instr, int64_t now)
{
	const struct sim_ibook *k = s->depth->book[instr];

	(void)now;
	if (k && k->nsubs > 0)
		sim_depth_follow_quote(s, instr);
}

/*
 * reqMktData's trade already set last, size and volume, at the bid or the
 * ask the book now shows; the print is capped at the queue there, as the
 * book's own trades are, so tick-by-tick never shows more than the book had.
 */
void
sim_depth_on_trade(struct sim *s, int32_t instr, int64_t now)
{
	const struct sim_ibook *k = s->depth->book[instr];
	const struct sim_instr *in = &s->instr[instr];
	double queue = 0;

	(void)now;
	if (!k || k->nsubs == 0 || k->frozen_by >= 0)
		return;
	if (k->b.nbid && k->b.bid[0].price == in->last)
		queue = k->b.bid[0].size;
	else if (k->b.nask && k->b.ask[0].price == in->last)
		queue = k->b.ask[0].size;
	if (queue > 0)
		sim_depth_trade(s, instr, in->last, in->last_size < queue ? in->last_size : queue);
}
