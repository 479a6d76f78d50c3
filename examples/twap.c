/*
 * twap.c - an ibpipe strategy plugin, timer-driven.  Shows: on_timer with an
 * interval the strategy sets in create(), parameters (twap.parent,
 * twap.slices, twap.interval_ms), and working a parent quantity in child
 * orders: every tick of the timer it sends one child of parent / slices
 * shares (the last one takes the remainder), so the children always sum to
 * the parent.  It logs each child and, at the end, the sum.
 *
 *   cc -shared -fPIC $(pkg-config --cflags ibpipe) twap.c -o twap.so
 *   ibpipe run --strategy ./twap.so --symbols AAPL --param twap.parent=500 --param twap.slices=10
 */
#include <stdlib.h>
#include <string.h>

#include <ibpipe/sdk.h>

struct twap {
	long parent;         /* shares to buy in all (param twap.parent) */
	int slices;          /* children (twap.slices; 100 / 7: six of 14, the last 16) */
	double sent;         /* summed child quantities */
	int children;
};

static void *
twap_create(ib_strategy_ctx *ctx)
{
	struct twap *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->parent = (long)ib_strategy_param_int(ctx, "parent", 100);
	t->slices = (int)ib_strategy_param_int(ctx, "slices", 7);
	int64_t interval_ms = ib_strategy_param_int(ctx, "interval_ms", 200);
	if (t->parent < 1 || t->slices < 1 || t->slices > t->parent || ib_strategy_set_timer(ctx, interval_ms) != IB_OK) {
		ib_log(IB_LL_ERROR, "twap", "need 1 <= slices <= parent and interval_ms 1-86400000");
		free(t);
		return NULL;   /* create() fails: ibpipe exits 2 naming this plugin */
	}
	return t;
}

static void
twap_timer(void *self, ib_strategy_ctx *ctx, int64_t now)
{
	struct twap *t = self;
	ib_quote_data q;
	(void)now;

	if (t->children >= t->slices || ib_strategy_halted(ctx))
		return;
	ib_strategy_quote(ctx, 0, &q);
	if (q.ask <= 0)
		return;   /* no price yet: try at the next tick */
	double qty = t->children == t->slices - 1 ? (double)t->parent - t->sent : (double)(t->parent / t->slices);
	ib_contract c;
	ib_order o;
	ib_contract_stock(&c, ib_strategy_symbol(ctx, 0));
	ib_order_init(&o);
	strcpy(o.action, "BUY");
	o.total_qty = qty;
	strcpy(o.order_type, "LMT");
	o.lmt_price = q.ask;
	if (ib_strategy_place(ctx, &c, &o) != IB_OK)
		return;   /* refused (risk, gate): on_error says why; the slice is retried */
	t->sent += qty;
	t->children++;
	ib_log(IB_LL_INFO, "twap", "child %d/%d: order %d BUY %.0f at %.2f", t->children, t->slices, o.order_id, qty,
	       o.lmt_price);
	if (t->children == t->slices)
		ib_log(IB_LL_INFO, "twap", "parent done: %d children summing to %.0f of %ld", t->children, t->sent, t->parent);
}

static void
twap_error(void *self, ib_strategy_ctx *ctx, int32_t id, int code, const char *text)
{
	(void)self;
	(void)ctx;
	ib_log(IB_LL_WARN, "twap", "order %d refused (%d): %s", id, code, text);
}

static const ib_strategy_vtable twap_vt = {
	.name = "twap",
	.create = twap_create,
	.on_timer = twap_timer,
	.on_error = twap_error,
	.destroy = free,
};

IB_SDK_PLUGIN(twap_vt)
