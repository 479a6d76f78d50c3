/*
 * mktdata.c - the market-data thread: applies ticks to the quote table and
 * depth to the books, and fans the changes out to every strategy.
 *
 * Fan-out is per drained batch, not per tick: an instrument that ticked ten
 * times in one batch is sent once, with its latest quote (the other nine
 * are counted in fanout_coalesced); a book that changed ten times is
 * announced once, and the strategy copies the book as it then is.  Trades
 * are the exception: each goes out on its own, carrying its price and size.
 *
 * A strategy whose ring is full gets the (instrument, kind) marked pending
 * and receives the latest state when there is room: market data for a slow
 * strategy is coalesced, never queued without bound, and the network
 * thread never waits for a strategy.  Every fold is counted.
 *
 * Lossless mode (replay, tests, md_lossless) folds nothing: every tick is
 * its own event (the strategies woken once per batch, as above), the
 * thread waits for room, and before changing a book it waits
 * until each strategy has copied the book it was last told about, so a
 * replay hands a strategy exactly the books the live run did.  Those waits
 * hold during shutdown too: they end only when the strategy has left (its
 * `gone`), never on the stop flag.  Ending them on stop let this thread race
 * through its backlog changing books that strategies had been told about but
 * not yet copied -- the replay divergence (a max-speed replay is stopped
 * while its backlog is still being handled).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "ibpipe/book.h"
#include "core/contracts.h"
#include "core/pipeline_state.h"
#include "util/clock.h"

#define MD_BATCH 1024

struct md {
	ib_pipeline *p;
	uint32_t *touched;      /* instruments changed in this batch */
	uint32_t ntouched;
	uint8_t *touched_mask;  /* per instrument: enum ib_sq_kind bits changed in this batch */
	bool handed_on;         /* events went to strategies directly in this batch (trades; every event
				   in lossless mode): wake them */
};

/* A lossless wait's give-up condition: the strategy thread has left, nothing will drain its ring. */
static bool
strategy_gone(const void *c)
{
	return atomic_load_explicit(&((const struct ib_strategy_ctx *)c)->gone, memory_order_acquire);
}

/* Lossless: the account thread has left, so no event it was never handed can be waited for. */
static bool
account_left(const void *p)
{
	return atomic_load_explicit(&((const ib_pipeline *)p)->acct.left, memory_order_acquire);
}

static void
apply_tick(ib_quote_data *q, const struct ib_md_event *e)
{
	switch (e->kind) {
	case IB_MD_PRICE:
		switch (e->field) {
		case IB_TICK_BID: case IB_TICK_DELAYED_BID:
			q->bid = e->a;
			if (e->b > 0)
				q->bid_size = e->b;
			break;
		case IB_TICK_ASK: case IB_TICK_DELAYED_ASK:
			q->ask = e->a;
			if (e->b > 0)
				q->ask_size = e->b;
			break;
		case IB_TICK_LAST: case IB_TICK_DELAYED_LAST:
			q->last = e->a;
			if (e->b > 0)
				q->last_size = e->b;
			break;
		default:
			break;
		}
		break;
	case IB_MD_SIZE:
		switch (e->field) {
		case IB_TICK_BID_SIZE: case IB_TICK_DELAYED_BID_SIZE: q->bid_size = e->a; break;
		case IB_TICK_ASK_SIZE: case IB_TICK_DELAYED_ASK_SIZE: q->ask_size = e->a; break;
		case IB_TICK_LAST_SIZE: case IB_TICK_DELAYED_LAST_SIZE: q->last_size = e->a; break;
		case IB_TICK_VOLUME: case IB_TICK_DELAYED_VOLUME: q->volume = e->a; break;
		default: break;
		}
		break;
	case IB_MD_TBT_BIDASK:
		q->bid = e->a, q->ask = e->b, q->bid_size = e->c, q->ask_size = e->d;
		break;
	case IB_MD_TBT_TRADE:
		q->last = e->a, q->last_size = e->b, q->last_time = (int64_t)e->c;
		break;
	case IB_MD_TBT_MID:
		q->mid = e->a;
		break;
	default:
		break;
	}
}

/* Instrument an event belongs to, or -1. */
static int64_t
instrument_of(const ib_pipeline *p, const struct ib_md_event *e)
{
	int64_t i;

	switch (e->kind) {
	case IB_MD_DEPTH:
	case IB_MD_BOOK_RESET:
		i = (int64_t)e->req_id - IB_REQID_DEPTH;
		return i >= 0 && i < p->books->n ? (int64_t)p->books->instrument[i] : -1;
	case IB_MD_TBT_TRADE:
	case IB_MD_TBT_BIDASK:
	case IB_MD_TBT_MID:
		i = (int64_t)e->req_id - IB_REQID_TBT;
		return i >= 0 && i < p->cfg.ntbt ? p->tbt_inst[i] : -1;
	default:
		i = (int64_t)e->req_id - IB_REQID_MKT;
		return i >= 0 && i < (int64_t)p->quotes->n ? i : -1;
	}
}

/* The event that carries the latest state of (inst, kind). */
static void
latest(const ib_pipeline *p, uint32_t inst, uint8_t kind, struct ib_sq_event *ev)
{
	ev->instrument = inst;
	ev->kind = kind;
	ev->book = 0;
	if (kind == IB_SQ_BOOK) {
		ev->book = (uint16_t)p->inst_book[inst];
	} else if (kind == IB_SQ_TRADE) {
		ib_quote_data q;
		ib_quote_peek(p->quotes, inst, &q);
		ev->u.t = (ib_trade){ q.last, q.last_size, q.last_time, q.recv_mono_ns };
	} else {
		ib_quote_peek(p->quotes, inst, &ev->u.q);
	}
}

/* A book pushed is a book the strategy must read before it changes (lossless: wait_books_read). */
static void
count_book(struct ib_strategy_ctx *c, const struct ib_sq_event *ev)
{
	if (ev->kind == IB_SQ_BOOK)
		c->books_sent++;
}

static bool
push(struct ib_strategy_ctx *c, const struct ib_sq_event *ev)
{
	if (!ib_ring_push_spsc_sq(&c->sq_ring, c->sq_buf, ev))
		return false;
	count_book(c, ev);
	return true;
}

static void
count_fold(ib_pipeline *p, uint8_t kind)
{
	if (kind == IB_SQ_TRADE)
		IB_STAT_INC(p->stats.md.trades_coalesced);
	else if (kind == IB_SQ_BOOK)
		IB_STAT_INC(p->stats.md.book_coalesced);
	else
		IB_STAT_INC(p->stats.md.fanout_coalesced);
}

/* Hand ev to strategy c, or fold it into what is pending for that strategy. */
static void
offer(ib_pipeline *p, struct ib_strategy_ctx *c, const struct ib_sq_event *ev)
{
	uint32_t inst = ev->instrument;

	if (p->cfg.md_lossless) {
		ib_ring_waiter w = { .wake = &c->wake, .stopped = strategy_gone, .arg = c };
		if (ib_ring_push_wait_spsc_sq(&c->sq_ring, c->sq_buf, ev, &w))
			count_book(c, ev);
		return;
	}
	if (c->pending[inst] & ev->kind) {
		count_fold(p, ev->kind); /* already waiting: it will carry the latest state when sent */
		return;
	}
	if (c->npending == 0 && push(c, ev))
		return;
	if (c->pending[inst] == 0)
		c->pending_list[c->npending++] = inst;
	c->pending[inst] |= ev->kind;
}

static void
flush_pending(ib_pipeline *p, struct ib_strategy_ctx *c)
{
	uint32_t done = 0;

	while (done < c->npending) {
		uint32_t inst = c->pending_list[done];
		while (c->pending[inst]) {
			uint8_t kind = (uint8_t)(c->pending[inst] & -c->pending[inst]); /* lowest bit */
			struct ib_sq_event ev;
			latest(p, inst, kind, &ev);
			if (!push(c, &ev))
				goto out;
			c->pending[inst] &= (uint8_t)~kind;
		}
		done++;
	}
out:
	if (done > 0) {
		memmove(c->pending_list, c->pending_list + done, (c->npending - done) * sizeof(uint32_t));
		c->npending -= done;
	}
}

static void
fan_out(struct md *m)
{
	ib_pipeline *p = m->p;

	if (!ib_gate_is_open(&p->gate)) {
		/* nothing reaches a strategy before sync; the tables keep the latest for when it starts */
		for (uint32_t k = 0; k < m->ntouched; k++)
			m->touched_mask[m->touched[k]] = 0;
		m->ntouched = 0;
		return;
	}
	for (int s = 0; s < p->nstrat; s++) {
		struct ib_strategy_ctx *c = &p->strat[s];
		if (c->npending)
			flush_pending(p, c);
		for (uint32_t k = 0; k < m->ntouched; k++) {
			uint32_t inst = m->touched[k];
			for (uint8_t mask = m->touched_mask[inst]; mask; mask &= (uint8_t)(mask - 1)) {
				struct ib_sq_event ev;
				latest(p, inst, (uint8_t)(mask & -mask), &ev);
				offer(p, c, &ev);
			}
		}
		if (m->ntouched || m->handed_on)
			ib_wake_signal(&c->wake);
	}
	for (uint32_t k = 0; k < m->ntouched; k++)
		m->touched_mask[m->touched[k]] = 0;
	m->ntouched = 0;
	m->handed_on = false;
}

/*
 * Lossless: every change is its own event, built from the quote just
 * written rather than read back from the table, and offered to every
 * strategy (waiting for room).  The strategies are woken once per batch,
 * by fan_out, not per event: a signal is an atomic add on a line the
 * strategy's thread also writes.  A strategy whose ring is full is woken
 * by the wait for room itself (ib_ring_backoff), and so is one whose book
 * must be read before it changes (wait_books_read).
 */
static void
hand_on(struct md *m, uint32_t inst, uint8_t kind, const ib_quote_data *q)
{
	ib_pipeline *p = m->p;
	struct ib_sq_event ev; /* not cleared: a reader looks only at the union member kind names */

	if (!ib_gate_is_open(&p->gate))
		return;
	ev.instrument = inst;
	ev.kind = kind;
	ev.pad = 0;
	ev.book = 0;
	if (kind == IB_SQ_BOOK)
		ev.book = (uint16_t)p->inst_book[inst];
	else
		ev.u.q = *q;
	for (int s = 0; s < p->nstrat; s++)
		offer(p, &p->strat[s], &ev);
	m->handed_on = true;
}

/* Lossless: wake the strategies now for what this batch has handed them so far. */
static void
wake_strategies(struct md *m)
{
	if (!m->handed_on)
		return;
	for (int s = 0; s < m->p->nstrat; s++)
		ib_wake_signal(&m->p->strat[s].wake);
	m->handed_on = false;
}

/* Note that (inst, kind) changed, now q (NULL for a book); folded with earlier changes of this
   batch, or in lossless mode handed on at once. */
static void
touch(struct md *m, uint32_t inst, uint8_t kind, const ib_quote_data *q)
{
	if (m->p->cfg.md_lossless) {
		hand_on(m, inst, kind, q);
		return;
	}
	if (m->touched_mask[inst] & kind) {
		count_fold(m->p, kind);
		return;
	}
	if (m->touched_mask[inst] == 0)
		m->touched[m->ntouched++] = inst;
	m->touched_mask[inst] |= kind;
}

static void
trade_out(struct md *m, uint32_t inst, const struct ib_md_event *e)
{
	ib_pipeline *p = m->p;
	struct ib_sq_event ev = { .instrument = inst, .kind = IB_SQ_TRADE };

	if (!ib_gate_is_open(&p->gate))
		return;
	ev.u.t = (ib_trade){ e->a, e->b, (int64_t)e->c, e->recv_ns };
	for (int s = 0; s < p->nstrat; s++)
		offer(p, &p->strat[s], &ev);
	m->handed_on = true; /* woken at the batch's end (lossless too: see hand_on) */
}

/* Lossless: the strategies must have copied the book they were told about before it changes. */
static void
wait_books_read(ib_pipeline *p)
{
	for (int s = 0; s < p->nstrat; s++) {
		struct ib_strategy_ctx *c = &p->strat[s];
		ib_ring_waiter w = { .wake = &c->wake, .stopped = strategy_gone, .arg = c };
		while (__atomic_load_n(&c->books_read, __ATOMIC_ACQUIRE) < c->books_sent && ib_ring_backoff(&w))
			;
	}
}

static void
depth(struct md *m, uint32_t inst, const struct ib_md_event *e)
{
	ib_pipeline *p = m->p;
	ib_book *b = &p->books->book[e->req_id - IB_REQID_DEPTH];

	if (p->cfg.md_lossless)
		wait_books_read(p);
	__atomic_store_n(&b->recv_mono_ns, e->recv_ns, __ATOMIC_RELAXED); /* readers copy it under the sequence */
	if (e->kind == IB_MD_BOOK_RESET) {
		ib_book_clear(b);
	} else if (ib_book_apply(b, e->field, e->operation, e->side, e->a, e->b) == IB_OK) {
		IB_STAT_INC(p->stats.md.depth_ops);
	} else {
		IB_STAT_INC(p->stats.md.book_errors);
		ib_log(IB_LL_WARN, "mktdata", "%s: depth operation %d on %s row %d refused (the book has %d)",
		       ib_quote_name(p->quotes, inst), e->operation, e->side ? "bid" : "ask", e->field,
		       e->side ? b->nbid : b->nask);
		return;
	}
	touch(m, inst, IB_SQ_BOOK, NULL);
}

/* A model value, or one IB said it has not computed (the codec made that IB_UNSET_DOUBLE). */
static void
apply_option(ib_option_greeks *g, const struct ib_md_event *e)
{
	if (g->version == 0) /* first computation: nothing known yet, not zero */
		g->iv = g->delta = g->gamma = g->vega = g->theta = g->opt_price = g->pv_dividend = g->und_price =
			g->bid_iv = g->ask_iv = g->last_iv = IB_UNSET_DOUBLE;
	if (e->kind == IB_MD_OPTION_GREEKS) {
		g->gamma = e->a, g->vega = e->b, g->theta = e->c, g->pv_dividend = e->d;
		return;
	}
	switch (e->field) {
	case IB_TICK_BID_OPTION: case IB_TICK_DELAYED_BID_OPTION: g->bid_iv = e->a; break;
	case IB_TICK_ASK_OPTION: case IB_TICK_DELAYED_ASK_OPTION: g->ask_iv = e->a; break;
	case IB_TICK_LAST_OPTION: case IB_TICK_DELAYED_LAST_OPTION: g->last_iv = e->a; break;
	default: /* the model */
		g->iv = e->a, g->delta = e->b, g->opt_price = e->c, g->und_price = e->d;
		break;
	}
}

/*
 * An option computation: into the instrument's greeks, and the quote's
 * version moves so that the publisher rewrites P:quote and strategies get
 * on_quote (they read the greeks with ib_strategy_option_greeks).
 */
static void
option(struct md *m, uint32_t inst, const struct ib_md_event *e, int64_t now_real)
{
	ib_pipeline *p = m->p;
	ib_option_greeks g;
	ib_quote_data q;

	IB_STAT_INC(p->stats.md.greeks);
	ib_greeks_read(&p->greeks[inst], &g); /* the only writer: the copy is never torn */
	apply_option(&g, e);
	g.recv_mono_ns = e->recv_ns;
	g.updated_ns = now_real;
	g.version++;
	ib_greeks_write(&p->greeks[inst], &g);
	ib_quote_peek(p->quotes, inst, &q);
	q.version++;
	ib_quote_write(p->quotes, inst, &q);
	touch(m, inst, IB_SQ_QUOTE, &q);
}

static void
handle(struct md *m, const struct ib_md_event *e, int64_t now_real)
{
	ib_pipeline *p = m->p;
	int64_t inst = instrument_of(p, e);
	ib_quote_data q;

	IB_STAT_INC(p->stats.md.quotes);
	if (inst < 0)
		return;
	if (e->kind == IB_MD_DEPTH || e->kind == IB_MD_BOOK_RESET) {
		depth(m, (uint32_t)inst, e);
		return;
	}
	if (e->kind == IB_MD_OPTION || e->kind == IB_MD_OPTION_GREEKS) {
		option(m, (uint32_t)inst, e, now_real);
		return;
	}
	ib_quote_peek(p->quotes, (uint32_t)inst, &q);
	apply_tick(&q, e);
	/* FX: IB sends bid and ask, never a last; the mid is what a trader reads (set before threads start) */
	if (inst < IB_CFG_MAX_SYMBOLS && p->contracts->mid_from_bbo[inst] && q.bid > 0 && q.ask > 0)
		q.mid = (q.bid + q.ask) / 2;
	q.recv_mono_ns = e->recv_ns;
	q.updated_ns = now_real;
	q.version++;
	ib_quote_write(p->quotes, (uint32_t)inst, &q);
	switch (e->kind) {
	case IB_MD_TBT_TRADE:
		IB_STAT_INC(p->stats.md.trades);
		trade_out(m, (uint32_t)inst, e);
		break;
	case IB_MD_TBT_BIDASK:
		IB_STAT_INC(p->stats.md.bbos);
		touch(m, (uint32_t)inst, IB_SQ_BBO, &q);
		break;
	default:
		touch(m, (uint32_t)inst, IB_SQ_QUOTE, &q);
		break;
	}
}

void *
ib_mktdata_thread(void *arg)
{
	ib_pipeline *p = arg;
	struct md m = { .p = p };
	uint64_t handled = 0;
	const ib_wait_policy wait = { p->cfg.wait_md, (int64_t)p->cfg.wait_spin_us * IB_NS_PER_US, &p->stop };

	m.touched = calloc(IB_MAX_INSTRUMENTS, sizeof(uint32_t));
	m.touched_mask = calloc(IB_MAX_INSTRUMENTS, 1);
	if (!m.touched || !m.touched_mask) {
		ib_log(IB_LL_ERROR, "mktdata", "out of memory");
		goto out;
	}
	for (;;) {
		uint32_t snap = ib_wake_snapshot(&p->md.wake);
		int64_t now_real = ib_now_real_ns(), now_mono = ib_now_mono_ns();
		ib_heartbeat_beat(&p->md.hb);
		int n = 0;
		/* read in place, the slots given back IB_RING_RELEASE_EVERY at a time (core/ring.h) */
		const struct ib_md_event *e;
		unsigned held = 0;
		while (n < MD_BATCH && (e = ib_ring_peek_md(&p->md.ring, p->md.buf, held)) != NULL) {
			/* lossless: handle a tick only once every account event before it is handled (or
			   the account thread has finished: an event it was never handed never comes) */
			if (p->cfg.md_lossless &&
			    __atomic_load_n(&p->acct.seq_done, __ATOMIC_ACQUIRE) < e->acct_before) {
				ib_ring_waiter w = { .stopped = account_left, .arg = p };
				wake_strategies(&m); /* what is handed on already need not wait for the account thread */
				while (__atomic_load_n(&p->acct.seq_done, __ATOMIC_ACQUIRE) < e->acct_before &&
				       ib_ring_backoff(&w))
					;
			}
			handle(&m, e, now_real);
			if (p->cfg.md_lossless) /* the account thread waits for this (see account.c) */
				atomic_store_explicit(&p->md.seq_done, ++handled, memory_order_release);
			/* one clock read per batch: a sample is how long the event waited for this batch; the
			   first event of a batch and every 16th after it (all of them at ordinary rates: a batch
			   is a message or two), as the strategy threads sample theirs */
			if (n % 16 == 0)
				ib_hist_add_shared(&p->md.latency, (uint64_t)(now_mono > e->recv_ns ? now_mono - e->recv_ns : 0));
			n++;
			ib_ring_consumed_md(&p->md.ring, &held);
		}
		ib_ring_release_md(&p->md.ring, held);
		bool pending = false;
		for (int s = 0; s < p->nstrat; s++)
			pending |= p->strat[s].npending != 0;
		if (n > 0 || pending)
			fan_out(&m);
		if (n > 0)
			continue;
		if (ck_pr_load_int(&p->stop) && !ck_pr_load_8((uint8_t *)&p->net.started))
			break;
		ib_wake_wait_as(&p->md.wake, snap, pending ? 1 : 100, &wait);
	}
out:
	atomic_store_explicit(&p->md.done, true, memory_order_release);
	ib_wake_signal(&p->acct.wake);
	free(m.touched);
	free(m.touched_mask);
	return NULL;
}
