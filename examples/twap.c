/*
 * twap.c - an ibpipe strategy plugin, timer-driven.  Shows: on_timer with an
 * interval the strategy sets in create(), and working a parent quantity in
 * child orders: every tick of the timer it sends one child of
 * PARENT / SLICES shares (the last one takes the remainder), so the
 * children always sum to the parent.  It logs each child and, at the end,
 * the sum.
 *
 *   cc -shared -fPIC $(pkg-config --cflags ibpipe) twap.c -o twap.so
 *   ibpipe run --strategy ./twap.so --symbols AAPL
 */
#include <stdlib.h>
#include <string.h>

#include <ibpipe/sdk.h>

#define PARENT 100.0     /* shares to buy in all */
#define SLICES 7         /* children (100 / 7: six of 14, the last 16) */
#define INTERVAL_MS 200  /* between children */

struct twap {
	double sent;         /* summed child quantities */
	int children;
};

static void *
twap_create(ib_strategy_ctx *ctx)
{
	if (ib_strategy_set_timer(ctx, INTERVAL_MS) != IB_OK)
		return NULL;
	return calloc(1, sizeof(struct twap));
}

static void
twap_timer(void *self, ib_strategy_ctx *ctx, int64_t now)
{
	struct twap *t = self;
	ib_quote_data q;
	(void)now;

	if (t->children >= SLICES || ib_strategy_halted(ctx))
		return;
	ib_strategy_quote(ctx, 0, &q);
	if (q.ask <= 0)
		return;   /* no price yet: try at the next tick */
	double qty = t->children == SLICES - 1 ? PARENT - t->sent : (double)(long)(PARENT / SLICES);
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
	ib_log(IB_LL_INFO, "twap", "child %d/%d: order %d BUY %.0f at %.2f", t->children, SLICES, o.order_id, qty,
	       o.lmt_price);
	if (t->children == SLICES)
		ib_log(IB_LL_INFO, "twap", "parent done: %d children summing to %.0f of %.0f", t->children, t->sent, PARENT);
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
