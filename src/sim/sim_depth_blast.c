/*
 * sim_depth_blast.c - load for depth consumers: `depth-blast N` (control
 * port) and --depth-blast N (once a connection's depth subscriptions have
 * settled) send a client N book operations on the books of its depth
 * subscriptions, as fast as its socket takes them (or at --blast-rate),
 * through sim_blast.c's batch writer.  An operation is one unit: the
 * updateMktDepth(L2) frames it takes in each of the client's views (one, or
 * two for a delete that pulls a row up into a view), preceded by a
 * Last / AllLast print when it is liquidity taken by a trade, and followed
 * by BidAsk / MidPoint when it moved the top -- for the client's
 * tick-by-tick subscriptions on that instrument.
 *
 * The template, encoded once when the blast starts: TEMPLATE_OPS operations
 * round-robin over the client's depth instruments.  The first half are
 * random operations drawn from the books as they are, on rows the client
 * sees (positions below its largest numRows on that book), never an insert
 * into a full book, each applied as it is drawn; the second half are their
 * inverses in reverse order (insert <-> delete of that row, update <->
 * update back to the old row).  One pass over the template therefore leaves
 * every book as it found it, and the template is cycled until N units have
 * gone.  Nothing is allocated or encoded per message.
 *
 * While the blast runs its books are frozen: no --depth-rate change and no
 * walk touches them, so the client's views follow the template exactly.
 * When the last unit has been handed to the socket, the blast's net effect
 * -- the first (N mod TEMPLATE_OPS) operations of the template -- is applied
 * to the books for real and sent to every other subscriber (the client's
 * own subscriptions had them from the template), and the books move again.
 * So after a blast of N updates, `book SYM` is the start state with the
 * first N mod TEMPLATE_OPS operations applied: exactly what the client
 * built.  A client whose books are held by another client's depth blast
 * waits for it.  Tick-by-tick time fields carry the second the template was
 * built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "sim/sim_depth.h"
#include "util/clock.h"

#define TEMPLATE_OPS 8192          /* even: half drawn, half undoing them */
#define FRAME_MAX_BYTES 112        /* an updateMktDepthL2 or tickByTick frame is well under 100 bytes */
#define TEMPLATE_START_BYTES ((size_t)TEMPLATE_OPS * 64)

struct sim_depth_blast_op {
	int32_t instr;
	struct sim_book_op op;
};

/* The client's side of the template: its blasted books and its subscriptions on them. */
struct plan {
	int n;
	int32_t instr[SIM_MAX_FEED_PER_CLIENT];
	int max_pos[SIM_MAX_FEED_PER_CLIENT];          /* deepest view the client has on that book */
	struct sim_book_top heard[SIM_MAX_FEED_PER_CLIENT]; /* top its BidAsk / MidPoint last carried */
	ib_book start[SIM_MAX_FEED_PER_CLIENT];        /* to check a pass is the identity */
	int nd, dsub[SIM_MAX_FEED_PER_CLIENT];         /* indices in sim_depth.dsub */
	int nt, tsub[SIM_MAX_FEED_PER_CLIENT];         /* indices in sim_depth.tsub */
};

struct gen {
	struct sim *s;
	struct sim_blast *b;
	struct plan *p;
	sim_out o;
	uint32_t depth;                                /* updateMktDepth frames so far */
	int64_t time;
	uint64_t venue;
};

void
sim_depth_blast_arm(struct sim *s, struct sim_client *c, int64_t updates)
{
	(void)s;
	if (c->blast && c->blast->kind == SIM_BLAST_DEPTH) {
		c->blast->total += updates; /* running: just send more */
		return;
	}
	c->depth_blast_pending += updates;
	c->depth_blast_arm_ns = ib_now_mono_ns();
}

/* Which books, views and tick-by-tick lines the client's blast covers; false if another blast holds one. */
static bool
make_plan(struct sim *s, const struct sim_client *c, struct plan *p)
{
	const struct sim_depth *d = s->depth;

	p->n = p->nd = p->nt = 0;
	for (int i = 0; i < d->ndsub && p->nd < SIM_MAX_FEED_PER_CLIENT; i++) {
		const struct sim_dsub *ds = &d->dsub[i];
		int j;
		if (ds->slot != c->slot)
			continue;
		p->dsub[p->nd++] = i;
		for (j = 0; j < p->n && p->instr[j] != ds->instr; j++)
			;
		if (j == p->n) {
			p->instr[p->n] = ds->instr;
			p->max_pos[p->n++] = ds->rows;
		} else if (ds->rows > p->max_pos[j]) {
			p->max_pos[j] = ds->rows;
		}
	}
	for (int j = 0; j < p->n; j++) {
		const struct sim_ibook *k = d->book[p->instr[j]];
		if (k->frozen_by >= 0 && k->frozen_by != c->slot)
			return false;
		p->heard[j] = k->sent;
		p->start[j] = k->b;
	}
	for (int i = 0; i < d->ntsub && p->nt < SIM_MAX_FEED_PER_CLIENT; i++)
		for (int j = 0; j < p->n; j++)
			if (d->tsub[i].slot == c->slot && d->tsub[i].instr == p->instr[j])
				p->tsub[p->nt++] = i;
	return true;
}

/* Room for one more unit in the template buffer. */
static bool
reserve(struct gen *g)
{
	size_t need = (size_t)(2 * g->p->nd + 2 * g->p->nt + 1) * FRAME_MAX_BYTES;

	if (g->o.cap - g->o.len >= need)
		return true;
	size_t cap = g->o.cap * 2 + need;
	char *nb = realloc(g->b->buf, cap);
	if (!nb)
		return false;
	g->b->buf = g->o.buf = nb;
	g->o.cap = cap;
	return true;
}

/* Apply op to plan book j and encode it as unit i: print, depth frames, top. */
static bool
unit(struct gen *g, int i, int j, struct sim_book_op *op)
{
	struct sim_depth *d = g->s->depth;
	int32_t instr = g->p->instr[j];
	ib_book *bk = &d->book[instr]->b;
	struct sim_book_top now;
	int n;

	if (!reserve(g))
		return false;
	if (op->trade_size > 0) {
		double px = op->side == SIM_BOOK_BID ? bk->bid[0].price : bk->ask[0].price;
		g->venue++;
		for (int t = 0; t < g->p->nt; t++)
			if (d->tsub[g->p->tsub[t]].instr == instr)
				sim_depth_enc_trade(&g->o, &d->tsub[g->p->tsub[t]], px, op->trade_size, g->venue, g->time);
	}
	if ((n = sim_book_do(bk, op)) < 0)
		return false;
	for (int k = 0; k < g->p->nd; k++)
		if (d->dsub[g->p->dsub[k]].instr == instr)
			g->depth += (uint32_t)sim_depth_enc_op(&g->o, &d->dsub[g->p->dsub[k]], op, n, bk);
	sim_book_top(bk, &now);
	for (int t = 0; t < g->p->nt; t++)
		if (d->tsub[g->p->tsub[t]].instr == instr)
			sim_depth_enc_top(&g->o, &d->tsub[g->p->tsub[t]], &g->p->heard[j], &now, g->time);
	g->p->heard[j] = now;
	if (g->o.overflow)
		return false;
	g->b->frame_end[i] = (uint32_t)g->o.len;
	g->b->msg_end[i] = (uint32_t)g->o.frames;
	g->b->depth_end[i] = g->depth;
	((struct sim_depth_blast_op *)g->b->ops)[i] = (struct sim_depth_blast_op){ instr, *op };
	return true;
}

static int
draw_event(struct sim *s)
{
	double r = sim_rand(s);

	return r < 0.55 ? SIM_BOOK_EV_SIZE : r < 0.70 ? SIM_BOOK_EV_INSERT : r < 0.85 ? SIM_BOOK_EV_DELETE
										  : SIM_BOOK_EV_TRADE;
}

static bool
generate(struct gen *g)
{
	struct sim_depth_blast_op *ops = g->b->ops;
	struct sim_depth *d = g->s->depth;
	struct sim_book_op op;

	for (int i = 0; i < TEMPLATE_OPS / 2; i++) {
		int j = i % g->p->n;
		const ib_book *bk = &d->book[g->p->instr[j]]->b;
		if (!sim_book_random(bk, &g->s->rng, draw_event(g->s), g->p->max_pos[j], &op) &&
		    !sim_book_random(bk, &g->s->rng, SIM_BOOK_EV_SIZE, g->p->max_pos[j], &op))
			return false;
		if (!unit(g, i, j, &op))
			return false;
	}
	for (int i = TEMPLATE_OPS / 2; i < TEMPLATE_OPS; i++) {
		const struct sim_depth_blast_op *undo = &ops[TEMPLATE_OPS - 1 - i];
		int j = 0;
		while (g->p->instr[j] != undo->instr)
			j++;
		sim_book_invert(&undo->op, &op);
		if (!unit(g, i, j, &op))
			return false;
	}
	/* a pass is the identity: every book is back where it was */
	for (int j = 0; j < g->p->n; j++) {
		const ib_book *now = &d->book[g->p->instr[j]]->b, *was = &g->p->start[j];
		if (now->nbid != was->nbid || now->nask != was->nask ||
		    memcmp(now->bid, was->bid, sizeof(now->bid[0]) * (size_t)now->nbid) != 0 ||
		    memcmp(now->ask, was->ask, sizeof(now->ask[0]) * (size_t)now->nask) != 0)
			return false;
	}
	return true;
}

static void
blast_free(struct sim_blast *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->frame_end);
	free(b->msg_end);
	free(b->depth_end);
	free(b->ops);
	free(b);
}

struct sim_blast *
sim_depth_blast_build(struct sim *s, struct sim_client *c, int64_t total, bool *blocked)
{
	struct sim_depth *d = s->depth;
	struct plan *p = malloc(sizeof(*p));
	struct sim_blast *b = calloc(1, sizeof(*b));
	struct gen g = { .s = s, .b = b, .p = p, .time = (int64_t)time(NULL) };
	bool ok;

	*blocked = false;
	if (!p || !b || !make_plan(s, c, p) || p->n == 0) {
		*blocked = p && b && p->n > 0;
		free(p);
		blast_free(b);
		return NULL;
	}
	b->kind = SIM_BLAST_DEPTH;
	b->buf = malloc(TEMPLATE_START_BYTES);
	b->frame_end = malloc(sizeof(*b->frame_end) * TEMPLATE_OPS);
	b->msg_end = malloc(sizeof(*b->msg_end) * TEMPLATE_OPS);
	b->depth_end = malloc(sizeof(*b->depth_end) * TEMPLATE_OPS);
	b->ops = malloc(sizeof(struct sim_depth_blast_op) * TEMPLATE_OPS);
	ok = b->buf && b->frame_end && b->msg_end && b->depth_end && b->ops;
	if (ok) {
		sim_out_init(&g.o, b->buf, TEMPLATE_START_BYTES, c->out.sv);
		ok = generate(&g);
	}
	if (!ok) {
		/* put the books back; nobody has been sent anything */
		for (int j = 0; j < p->n; j++)
			d->book[p->instr[j]]->b = p->start[j];
		ib_log(IB_LL_ERROR, "ibsim", "client %d: depth blast: could not build the template", c->client_id);
		free(p);
		blast_free(b);
		return NULL;
	}
	for (int j = 0; j < p->n; j++)
		d->book[p->instr[j]]->frozen_by = c->slot;
	for (int k = 0; k < p->nd; k++)
		d->dsub[p->dsub[k]].in_blast = true;
	for (int t = 0; t < p->nt; t++)
		d->tsub[p->tsub[t]].in_blast = true;
	b->len = g.o.len;
	b->nframes = TEMPLATE_OPS;
	b->total = total;
	ib_log(IB_LL_INFO, "ibsim", "client %d: depth blast of %lld updates over %d books (template %d ops, %zu bytes)",
	       c->client_id, (long long)total, p->n, TEMPLATE_OPS, b->len);
	free(p);
	return b;
}

void
sim_depth_blast_finish(struct sim *s, struct sim_client *c, double secs)
{
	struct sim_blast *b = c->blast;
	const struct sim_depth_blast_op *ops = b->ops;
	int64_t cycles = b->queued / b->nframes, r = b->queued % b->nframes;
	uint64_t msgs = (uint64_t)cycles * b->msg_end[b->nframes - 1] + (r ? b->msg_end[r - 1] : 0);
	uint64_t depth = (uint64_t)cycles * b->depth_end[b->nframes - 1] + (r ? b->depth_end[r - 1] : 0);
	struct sim_depth *d = s->depth;
	char loop[160];

	printf("ibsim: depth-blast %lld updates in %.3f s: %llu depth + %llu tick-by-tick msgs = %.0f msgs/s "
	       "(client %d); %s\n",
	       (long long)b->queued, secs, (unsigned long long)depth, (unsigned long long)(msgs - depth),
	       secs > 0 ? (double)msgs / secs : 0.0, c->client_id, sim_blast_loop_summary(s, b, loop, sizeof(loop)));
	fflush(stdout);
	/* the net effect, for everyone else; the client's own lines skip it (they had it) */
	for (int64_t i = 0; i < r; i++) {
		struct sim_book_op op = ops[i].op;
		sim_depth_apply(s, ops[i].instr, &op);
	}
	for (int i = 0; i < s->ninstr; i++)
		if (d->book[i] && d->book[i]->frozen_by == c->slot)
			sim_depth_settle(s, i);
	sim_depth_unfreeze(s, c->slot);
}
