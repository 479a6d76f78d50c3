/*
 * example.c - "example": on start, logs every account's NetLiquidation and positions;
 * on quotes, keeps a slow moving average of each instrument's mid and, when
 * the mid strays more than 20 bp from it, offers one share at the touch
 * (buy below the average, sell above), at most one order a minute.  It is a
 * demonstration of the API -- account data, quotes, orders, refusals --
 * not a trading idea.  In readonly mode the encoder refuses the order and
 * on_error says so.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ibpipe/sdk.h>

struct example {
	double *avg;            /* per instrument */
	int64_t last_order_ns;
	uint64_t quotes, orders, refused;
};

static void *
example_create(ib_strategy_ctx *ctx)
{
	struct example *x = calloc(1, sizeof(*x));

	if (x && !(x->avg = calloc(IB_MAX_INSTRUMENTS, sizeof(double)))) {
		free(x);
		return NULL;
	}
	(void)ctx;
	return x;
}

static void
example_on_start(void *self, ib_strategy_ctx *ctx, const ib_accounts *s)
{
	(void)self;
	for (int i = 0; i < s->n; i++) {
		const ib_account *a = &s->a[i];
		const char *nl = ib_account_value(a, "NetLiquidation", "USD");
		ib_log(IB_LL_INFO, "strategy", "[%d] start: account %s NetLiquidation %s USD, %d values, %d positions",
		       ib_strategy_index(ctx), a->id, nl ? nl : "?", a->nvalues, a->npositions);
		for (int k = 0; k < a->npositions; k++)
			ib_log(IB_LL_INFO, "strategy", "[%d]   %s %g @ %.2f", ib_strategy_index(ctx), a->positions[k].symbol,
			       a->positions[k].position, a->positions[k].avg_cost);
	}
}

static void
example_on_pause(void *self, ib_strategy_ctx *ctx, const char *reason)
{
	(void)self;
	ib_log(IB_LL_INFO, "strategy", "[%d] paused: %s", ib_strategy_index(ctx), reason);
}

static void
example_on_quote(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct example *x = self;
	int64_t now;

	x->quotes++;
	if (!(q->bid > 0 && q->ask > 0))
		return;
	double mid = (q->bid + q->ask) / 2;
	if (x->avg[inst] == 0) {
		x->avg[inst] = mid;
		return;
	}
	x->avg[inst] += (mid - x->avg[inst]) * 0.01;
	if (fabs(mid - x->avg[inst]) / x->avg[inst] < 0.002)
		return;
	now = ib_strategy_mono_ns();
	if (x->last_order_ns && now - x->last_order_ns < 60000000000LL)
		return;
	x->last_order_ns = now;

	ib_contract c;
	ib_order o;
	ib_contract_stock(&c, ib_strategy_symbol(ctx, inst));
	ib_order_init(&o);
	bool buy = mid < x->avg[inst];
	snprintf(o.action, sizeof(o.action), "%s", buy ? "BUY" : "SELL");
	snprintf(o.order_type, sizeof(o.order_type), "LMT");
	o.total_qty = 1;
	o.lmt_price = buy ? q->bid : q->ask;
	if (ib_strategy_place(ctx, &c, &o) == IB_OK) {
		x->orders++;
		ib_log(IB_LL_INFO, "strategy", "[%d] order %d: %s 1 %s LMT %.2f (mid %.2f, avg %.2f)", ib_strategy_index(ctx),
		       o.order_id, o.action, c.symbol, o.lmt_price, mid, x->avg[inst]);
	}
}

static void
example_on_order(void *self, ib_strategy_ctx *ctx, const ib_order_update *u)
{
	(void)self;
	ib_log(IB_LL_INFO, "strategy", "[%d] order %d %s %s filled %g/%g%s%s", ib_strategy_index(ctx), u->order_id,
	       u->symbol, u->status, u->filled, u->total_qty, u->reason[0] ? ": " : "", u->reason);
}

static void
example_on_error(void *self, ib_strategy_ctx *ctx, int32_t order_id, int code, const char *text)
{
	struct example *x = self;

	x->refused++;
	ib_log(IB_LL_WARN, "strategy", "[%d] order %d refused (%d): %s", ib_strategy_index(ctx), order_id, code, text);
}

static void
example_on_stop(void *self, ib_strategy_ctx *ctx)
{
	struct example *x = self;

	ib_log(IB_LL_INFO, "strategy", "[%d] stop: %llu quotes, %llu orders, %llu refused", ib_strategy_index(ctx),
	       (unsigned long long)x->quotes, (unsigned long long)x->orders, (unsigned long long)x->refused);
}

static void
example_destroy(void *self)
{
	struct example *x = self;

	if (x)
		free(x->avg);
	free(x);
}

static const ib_strategy_vtable example_vt = {
	.name = "example",
	.create = example_create,
	.on_start = example_on_start,
	.on_pause = example_on_pause,
	.on_quote = example_on_quote,
	.on_order = example_on_order,
	.on_error = example_on_error,
	.on_stop = example_on_stop,
	.destroy = example_destroy,
};

IB_SDK_PLUGIN(example_vt)
