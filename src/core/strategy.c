/*
 * strategy.c - strategy threads and what a strategy may call.
 *
 * A strategy thread first waits at the sync gate, then sleeps on its own
 * event count until the market-data thread (quotes) or the account thread
 * (gate, orders, account values) hands it something.  Before the gate's
 * first opening reaches it, quotes are drained without a callback: nothing
 * but waiting happens before sync.
 */
#include <stdio.h>
#include <string.h>

#include "ibpipe/log.h"
#include "core/pipeline_state.h"
#include "util/str.h"
#include "core/place.h"
#include "util/clock.h"
#include "util/latency.h"

int
ib_strategy_index(const ib_strategy_ctx *ctx)
{
	return ctx->index;
}

const char *
ib_strategy_symbol(const ib_strategy_ctx *ctx, uint32_t instrument)
{
	return instrument < ctx->p->quotes->n ? ib_quote_name(ctx->p->quotes, instrument) : "";
}

void
ib_strategy_quote(const ib_strategy_ctx *ctx, uint32_t instrument, ib_quote_data *out)
{
	if (instrument < ctx->p->quotes->n)
		ib_quote_read(ctx->p->quotes, instrument, out);
	else
		memset(out, 0, sizeof(*out));
}

int
ib_strategy_option_greeks(const ib_strategy_ctx *ctx, uint32_t instrument, ib_option_greeks *out)
{
	if (instrument >= ctx->p->quotes->n || !ctx->p->greeks)
		return IB_EINVAL;
	ib_greeks_read(&ctx->p->greeks[instrument], out);
	return out->version ? IB_OK : IB_EINVAL;
}

static void
defer_error(ib_strategy_ctx *ctx, int32_t order_id, int code, const char *why)
{
	if (ctx->ndeferred >= sizeof(ctx->deferred) / sizeof(ctx->deferred[0]))
		return; /* the return code already told the caller */
	struct ib_se_event *e = &ctx->deferred[ctx->ndeferred++];
	memset(e, 0, sizeof(*e));
	e->kind = IB_SE_REJECT;
	e->u.reject.order_id = order_id;
	e->u.reject.code = code;
	ib_strlcpy(e->u.reject.text, why, sizeof(e->u.reject.text));
}

static int
orders_last_second(ib_strategy_ctx *ctx, int64_t now)
{
	int n = 0;

	for (uint32_t i = 0; i < ctx->order_times_cap; i++)
		if (ctx->order_times[i] && now - ctx->order_times[i] < IB_NS_PER_S)
			n++;
	return n;
}

static int place(ib_strategy_ctx *ctx, const ib_contract *c, ib_order *o, bool modify);

int
ib_strategy_place(ib_strategy_ctx *ctx, const ib_contract *c, ib_order *o)
{
	return place(ctx, c, o, false);
}

int
ib_strategy_modify(ib_strategy_ctx *ctx, const ib_contract *c, const ib_order *o)
{
	ib_order copy = *o;
	return place(ctx, c, &copy, true);
}

/* Through the gates every order passes (place.c); a refusal also reaches on_error, after this callback. */
static int
place(ib_strategy_ctx *ctx, const ib_contract *c, ib_order *o, bool modify)
{
	int64_t now = ib_now_mono_ns();
	const ib_place how = { .owner = ctx->index, .orders_last_s = orders_last_second(ctx, now), .modify = modify };
	char why[160];
	int rc = ib_place_order(ctx->p, &how, c, o, why, sizeof(why));

	if (rc < 0 && rc != IB_ECLOSED)
		defer_error(ctx, 0, rc, why);
	if (rc != IB_OK)
		return rc;
	ctx->order_times[ctx->order_times_head++ % ctx->order_times_cap] = now;
	ctx->orders_sent++;
	return IB_OK;
}

int
ib_strategy_place_bracket(ib_strategy_ctx *ctx, const ib_contract *c, ib_order *parent, ib_order *take_profit,
			  ib_order *stop_loss)
{
	int64_t now = ib_now_mono_ns();
	const ib_place how = { .owner = ctx->index, .orders_last_s = orders_last_second(ctx, now) };
	ib_order legs[3] = { *parent, *take_profit, *stop_loss };
	char why[200];

	/* the transmit chain: the gateway holds the three until the last arrives */
	for (int i = 0; i < 3; i++) {
		legs[i].transmit = i == 2;
		if (i > 0) {
			legs[i].parent_id = IB_PARENT_FIRST;
			if (legs[i].oca_type == 0)
				legs[i].oca_type = 1;
		}
	}
	if (take_profit->oca_group[0])
		ib_strlcpy(legs[2].oca_group, take_profit->oca_group, sizeof(legs[2].oca_group));
	int rc = ib_place_orders(ctx->p, &how, c, legs, 3, why, sizeof(why));
	if (rc < 0 && rc != IB_ECLOSED)
		defer_error(ctx, 0, rc, why);
	if (rc != IB_OK)
		return rc;
	*parent = legs[0], *take_profit = legs[1], *stop_loss = legs[2];
	for (int i = 0; i < 3; i++)
		ctx->order_times[ctx->order_times_head++ % ctx->order_times_cap] = now;
	ctx->orders_sent += 3;
	return IB_OK;
}

int
ib_strategy_cancel(ib_strategy_ctx *ctx, int32_t order_id)
{
	ib_req r = { .id = IB_OUT_CANCEL_ORDER };

	r.u.cancel_order.order_id = order_id;
	return ib_pipeline_send(ctx->p, &r, ctx->index) ? IB_OK : IB_ECLOSED;
}

bool
ib_strategy_stopping(const ib_strategy_ctx *ctx)
{
	return ck_pr_load_int(&ctx->p->stop) != 0;
}

uint64_t
ib_strategy_orders_placed(const ib_strategy_ctx *ctx)
{
	return ctx->orders_sent;
}

int
ib_strategy_request(ib_strategy_ctx *ctx, const ib_req *req)
{
	if (ib_req_is_order(req->id))
		return IB_EINVAL; /* orders go through ib_strategy_place / cancel, which check risk */
	return ib_pipeline_send(ctx->p, req, ctx->index) ? IB_OK : IB_ECLOSED;
}

/* ---- the thread ---- */

static void
deliver(ib_strategy_ctx *ctx, struct ib_se_event *e, bool *open)
{
	const ib_strategy_vtable *vt = ctx->vt;

	switch (e->kind) {
	case IB_SE_GATE_OPEN:
		*open = true;
		if (vt->on_start)
			vt->on_start(ctx->self, ctx, &e->u.gate_open.snap->a);
		ib_snapshot_release(e->u.gate_open.snap);
		break;
	case IB_SE_GATE_CLOSED:
		*open = false;
		if (vt->on_pause)
			vt->on_pause(ctx->self, ctx, e->u.gate_closed.reason);
		break;
	case IB_SE_ORDER:
		if (vt->on_order)
			vt->on_order(ctx->self, ctx, &e->u.order);
		break;
	case IB_SE_ACCOUNT:
		if (*open && vt->on_account)
			vt->on_account(ctx->self, ctx, &e->u.account);
		break;
	case IB_SE_BAR:
		/* open or not: the warm-up comes before on_start, and a bar is never held back */
		if (vt->on_bar)
			vt->on_bar(ctx->self, ctx, &e->u.bar);
		break;
	case IB_SE_REJECT:
		if (vt->on_error)
			vt->on_error(ctx->self, ctx, e->u.reject.order_id, e->u.reject.code, e->u.reject.text);
		break;
	default:
		break;
	}
}

/*
 * Frame read -> this callback: what P:health's latency_p50/p99/p999_us and /metrics'
 * strategy_latency_seconds show, the same figure as the bench's read->strategy.  A vDSO clock
 * read (no system call) and a few relaxed stores, for the first callback of every batch and every
 * SAMPLE_EVERY-th after it: at ordinary rates a batch is a message or two, so every one is
 * measured; flat out, a 4096-message batch is measured 256 times rather than paying the
 * clock's ~21 ns on every message (14 % of the 0.15 us per-message budget, docs/performance.md).
 */
#define SAMPLE_EVERY 16

static void
took(ib_strategy_ctx *ctx, int64_t recv_ns, bool sample)
{
	if (!sample || recv_ns <= 0) /* a replayed frame has no read time */
		return;
	int64_t now = ib_now_mono_ns();
	ib_hist_add_shared(&ctx->cb_latency, (uint64_t)(now > recv_ns ? now - recv_ns : 0));
}

/* Market data: the high-rate kinds fall back to on_quote for a strategy without their callback.
   sample: measure this one's latency (took). */
static void
deliver_md(ib_strategy_ctx *ctx, const struct ib_sq_event *e, bool open, bool sample)
{
	const ib_strategy_vtable *vt = ctx->vt;
	ib_quote_data q;

	switch (e->kind) {
	case IB_SQ_BOOK:
		/* copy even before the gate opens: lossless mode waits for this acknowledgement */
		ib_book_read(&ctx->p->books->book[e->book], ctx->book_copy);
		__atomic_store_n(&ctx->books_read, ctx->books_read + 1, __ATOMIC_RELEASE); /* the copy is done */
		if (open && vt->on_book)
			vt->on_book(ctx->self, ctx, e->instrument, ctx->book_copy);
		break;
	case IB_SQ_TRADE:
		if (open && vt->on_trade) {
			took(ctx, e->u.t.recv_mono_ns, sample);
			vt->on_trade(ctx->self, ctx, e->instrument, &e->u.t);
		} else if (open && vt->on_quote) {
			ib_quote_read(ctx->p->quotes, e->instrument, &q);
			took(ctx, e->u.t.recv_mono_ns, sample);
			vt->on_quote(ctx->self, ctx, e->instrument, &q);
		}
		break;
	case IB_SQ_BBO:
		if (open && (vt->on_bbo || vt->on_quote)) {
			took(ctx, e->u.q.recv_mono_ns, sample);
			(vt->on_bbo ? vt->on_bbo : vt->on_quote)(ctx->self, ctx, e->instrument, &e->u.q);
		}
		break;
	default:
		if (open && vt->on_quote) {
			took(ctx, e->u.q.recv_mono_ns, sample);
			vt->on_quote(ctx->self, ctx, e->instrument, &e->u.q);
		}
		break;
	}
}

static void
deliver_deferred(ib_strategy_ctx *ctx, bool *open)
{
	for (uint32_t i = 0; i < ctx->ndeferred; i++) {
		struct ib_se_event e = ctx->deferred[i];
		deliver(ctx, &e, open);
	}
	ctx->ndeferred = 0;
}

/*
 * Lossless: the market data read before the gate closed is delivered before on_pause.  Account
 * events and market data come through two rings and this thread drains the account ring first;
 * the account thread closes the gate only once every earlier tick is in our market-data ring
 * (account.c), so draining that ring first puts the close back in stream order.  Without it a
 * max-speed replay lost its last book or two to the shutdown's pause.
 */
static int
drain_md_before_close(ib_strategy_ctx *ctx, const struct ib_se_event *se, bool *open)
{
	struct ib_sq_event sq;
	int n = 0;

	if (!ctx->p->cfg.md_lossless || se->kind != IB_SE_GATE_CLOSED)
		return 0;
	while (ib_ring_pop_sq(&ctx->sq_ring, ctx->sq_buf, &sq)) {
		deliver_md(ctx, &sq, *open, false);
		deliver_deferred(ctx, open);
		n++;
	}
	return n;
}

void *
ib_strategy_thread(void *arg)
{
	ib_strategy_ctx *ctx = arg;
	ib_pipeline *p = ctx->p;
	struct ib_se_event se;
	bool open = false;
	const ib_wait_policy wait = { p->cfg.wait_strategy, (int64_t)p->cfg.wait_spin_us * IB_NS_PER_US, &p->stop };

	/* Held here until the account data is complete (or we are told to stop). */
	if (ib_gate_wait(&p->gate, -1, &p->stop) != IB_OK)
		goto stop;
	for (;;) {
		uint32_t snap = ib_wake_snapshot(&ctx->wake);
		int n = 0;
		while (ib_ring_pop_se(&ctx->se_ring, ctx->se_buf, &se)) {
			n += drain_md_before_close(ctx, &se, &open);
			deliver(ctx, &se, &open);
			deliver_deferred(ctx, &open);
			n++;
		}
		/* read in place (no copy of the 200-byte event), given back IB_RING_RELEASE_EVERY at a
		   time (core/ring.h) */
		const struct ib_sq_event *md;
		unsigned held = 0;
		for (int k = 0; n < 4096 && (md = ib_ring_peek_sq(&ctx->sq_ring, ctx->sq_buf, held)) != NULL; k++) {
			deliver_md(ctx, md, open, k % SAMPLE_EVERY == 0);
			deliver_deferred(ctx, &open);
			n++;
			ib_ring_consumed_sq(&ctx->sq_ring, &held);
		}
		ib_ring_release_sq(&ctx->sq_ring, held);
		int wait_ms = ib_sdk_run_timer(ctx, open);   /* also under a flood: a timer is not starved */
		if (n > 0)
			continue;
		/* lossless: leave only once nothing more can come (the market-data thread waits for us) */
		if (ck_pr_load_int(&p->stop) && (!p->cfg.md_lossless || atomic_load_explicit(&p->acct.done, memory_order_acquire)))
			break;
		ib_wake_wait_as(&ctx->wake, snap, wait_ms, &wait);
	}
stop:
	atomic_store_explicit(&ctx->gone, true, memory_order_release);
	/* A snapshot may still sit in the ring: release it so nothing leaks. */
	while (ib_ring_pop_se(&ctx->se_ring, ctx->se_buf, &se))
		if (se.kind == IB_SE_GATE_OPEN)
			ib_snapshot_release(se.u.gate_open.snap);
	if (ctx->vt->on_stop)
		ctx->vt->on_stop(ctx->self, ctx);
	return NULL;
}
