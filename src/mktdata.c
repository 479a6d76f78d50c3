/*
 * mktdata.c - the market-data thread: applies ticks to the quote table and
 * fans the changed quotes out to every strategy.
 *
 * Fan-out is per drained batch, not per tick: an instrument that ticked ten
 * times in one batch is sent once, with its latest quote (the other nine
 * are counted in fanout_coalesced).  A strategy whose ring is full gets the
 * instrument marked pending and receives its latest quote when there is
 * room: market data for a slow strategy is coalesced, never queued without
 * bound, and the network thread never waits for a strategy.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "ibpipe/mktdata.h"
#include "ibpipe/pipeline.h"

#define MD_BATCH 1024

struct md {
	ib_pipeline *p;
	uint32_t *touched;      /* instruments changed in this batch */
	uint32_t ntouched;
	uint8_t *touched_flag;
	ib_book *books;         /* depth, per depth subscription */
};

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
		q->last = e->a, q->last_size = e->b;
		break;
	default:
		break;
	}
}

/* Index of the instrument an event belongs to, or -1. */
static int64_t
instrument_of(const ib_pipeline *p, const struct ib_md_event *e)
{
	int64_t i;

	if (e->kind == IB_MD_DEPTH)
		return -1;
	if (e->req_id >= IB_REQID_TBT && e->req_id < IB_REQID_TBT + p->cfg.ntbt) {
		const char *sym = p->cfg.tbt[e->req_id - IB_REQID_TBT].symbol;
		for (uint32_t k = 0; k < p->quotes->n; k++)
			if (strcmp(p->quotes->symbol[k], sym) == 0)
				return k;
		return -1;
	}
	i = (int64_t)e->req_id - IB_REQID_MKT;
	return i >= 0 && i < (int64_t)p->quotes->n ? i : -1;
}

static void
fan_out_one(ib_pipeline *p, struct ib_strategy_ctx *c, uint32_t inst)
{
	struct ib_sq_event ev = { .instrument = inst };

	if (p->cfg.md_lossless) {
		ib_quote_peek(p->quotes, inst, &ev.q);
		while (!ib_ring_push_spsc_sq(&c->sq_ring, c->sq_buf, &ev) && !ck_pr_load_int(&p->stop)) {
			ib_wake_signal(&c->wake);
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
		}
		return;
	}

	if (c->pending[inst]) {
		IB_STAT_INC(p->stats.md.fanout_coalesced);
		return; /* already waiting: it will carry the latest quote when sent */
	}
	ib_quote_peek(p->quotes, inst, &ev.q);
	if (c->npending == 0 && ib_ring_push_spsc_sq(&c->sq_ring, c->sq_buf, &ev))
		return;
	c->pending[inst] = 1;
	c->pending_list[c->npending++] = inst;
}

static bool
flush_pending(ib_pipeline *p, struct ib_strategy_ctx *c)
{
	uint32_t done = 0;
	bool pushed = false;

	while (done < c->npending) {
		struct ib_sq_event ev = { .instrument = c->pending_list[done] };
		ib_quote_peek(p->quotes, ev.instrument, &ev.q);
		if (!ib_ring_push_spsc_sq(&c->sq_ring, c->sq_buf, &ev))
			break;
		c->pending[ev.instrument] = 0;
		pushed = true;
		done++;
	}
	if (done > 0) {
		memmove(c->pending_list, c->pending_list + done, (c->npending - done) * sizeof(uint32_t));
		c->npending -= done;
	}
	return pushed;
}

static void
fan_out(struct md *m)
{
	ib_pipeline *p = m->p;

	if (!ib_gate_is_open(&p->gate)) {
		/* nothing reaches a strategy before sync; the table keeps the latest for when it starts */
		for (uint32_t k = 0; k < m->ntouched; k++)
			m->touched_flag[m->touched[k]] = 0;
		m->ntouched = 0;
		return;
	}

	for (int s = 0; s < p->nstrat; s++) {
		struct ib_strategy_ctx *c = &p->strat[s];
		if (c->npending)
			flush_pending(p, c);
		for (uint32_t k = 0; k < m->ntouched; k++)
			fan_out_one(p, c, m->touched[k]);
		if (m->ntouched)
			ib_wake_signal(&c->wake);
	}
	for (uint32_t k = 0; k < m->ntouched; k++)
		m->touched_flag[m->touched[k]] = 0;
	m->ntouched = 0;
}

static void
handle(struct md *m, const struct ib_md_event *e, int64_t now_real)
{
	ib_pipeline *p = m->p;
	ib_quote_data q;
	int64_t inst;

	if (e->kind == IB_MD_DEPTH) {
		int64_t d = (int64_t)e->req_id - IB_REQID_DEPTH;
		if (d >= 0 && d < p->cfg.ndepth && ib_book_apply(&m->books[d], e->field, e->operation, e->side, e->a, e->b) != IB_OK)
			IB_STAT_INC(p->stats.md.book_errors);
		IB_STAT_INC(p->stats.md.quotes);
		return;
	}
	inst = instrument_of(p, e);
	IB_STAT_INC(p->stats.md.quotes);
	if (inst < 0)
		return;
	ib_quote_peek(p->quotes, (uint32_t)inst, &q);
	apply_tick(&q, e);
	q.recv_mono_ns = e->recv_ns;
	q.updated_ns = now_real;
	q.version++;
	ib_quote_write(p->quotes, (uint32_t)inst, &q);
	if (p->cfg.md_lossless) {
		/* every tick is its own fan-out: no folding within a batch */
		m->touched[m->ntouched++] = (uint32_t)inst;
		fan_out(m);
	} else if (m->touched_flag[inst]) {
		IB_STAT_INC(p->stats.md.fanout_coalesced);
	} else {
		m->touched_flag[inst] = 1;
		m->touched[m->ntouched++] = (uint32_t)inst;
	}
}

void *
ib_mktdata_thread(void *arg)
{
	ib_pipeline *p = arg;
	struct md m = { .p = p };
	struct ib_md_event e;

	m.touched = calloc(IB_MAX_INSTRUMENTS, sizeof(uint32_t));
	m.touched_flag = calloc(IB_MAX_INSTRUMENTS, 1);
	m.books = calloc((size_t)(p->cfg.ndepth > 0 ? p->cfg.ndepth : 1), sizeof(ib_book));
	if (!m.touched || !m.touched_flag || !m.books) {
		ib_log(IB_LL_ERROR, "mktdata", "out of memory");
		goto out;
	}
	for (int d = 0; d < p->cfg.ndepth; d++)
		ib_book_init(&m.books[d], p->cfg.depth[d].rows);
	for (;;) {
		uint32_t snap = ib_wake_snapshot(&p->md_wake);
		int64_t now_real = ib_now_real_ns();
		int n = 0;
		while (n < MD_BATCH && ib_ring_pop_md(&p->md_ring, p->md_buf, &e)) {
			/* lossless: handle a tick only once every account event before it is handled */
			while (p->cfg.md_lossless && ck_pr_load_64(&p->acct_seq_done) < e.acct_before && !ck_pr_load_int(&p->stop)) {
				struct timespec ts = { 0, 20000 };
				nanosleep(&ts, NULL);
			}
			handle(&m, &e, now_real);
			n++;
		}
		bool pending = false;
		for (int s = 0; s < p->nstrat; s++)
			pending |= p->strat[s].npending != 0;
		if (n > 0 || pending)
			fan_out(&m);
		if (n > 0)
			continue;
		if (ck_pr_load_int(&p->stop) && !ck_pr_load_8((uint8_t *)&p->net_started))
			break;
		ib_wake_wait(&p->md_wake, snap, pending ? 1 : 100);
	}
out:
	free(m.touched);
	free(m.touched_flag);
	free(m.books);
	return NULL;
}
