/*
 * trader.c - "trader": runs a script of orders, for tests and
 * demonstrations, and logs every callback like "recorder".
 *
 * $IB_TRADER_SCRIPT holds steps separated by ';', run one after another
 * once the gate has opened, each when the previous one's delay has passed:
 *   BUY|SELL SYM QTY MKT|LMT|STP [PRICE] [GTC]   place (order n = n-th placed)
 *   MODIFY n QTY PRICE                          re-send order n with new qty/price
 *   CANCEL n                                    cancel order n
 *   WAIT MS                                     pause the script
 * Steps run on the strategy thread, driven by quotes and order updates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "ibpipe/strategy.h"
#include "strategies/builtin.h"
#include "util/str.h"
#include "util/clock.h"

#define MAX_STEPS 64

struct trader {
	void *rec;                 /* the recorder that logs our callbacks */
	char script[2048];
	char *steps[MAX_STEPS];
	int nsteps, next;
	int64_t not_before;
	bool started;
	int32_t ids[MAX_STEPS];
	ib_contract contracts[MAX_STEPS];
	ib_order orders[MAX_STEPS];
	int nplaced;
};

static void *
trader_create(ib_strategy_ctx *ctx)
{
	struct trader *t = calloc(1, sizeof(*t));
	const char *s = getenv("IB_TRADER_SCRIPT");
	char *save = NULL;

	if (t == NULL)
		return NULL;
	t->rec = ib_strategy_recorder_vt.create(ctx);
	ib_strlcpy(t->script, s ? s : "", sizeof(t->script));
	for (char *tok = strtok_r(t->script, ";", &save); tok && t->nsteps < MAX_STEPS; tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok)
			t->steps[t->nsteps++] = tok;
	}
	return t;
}

/* sscanf's patterns are the script's grammar (a step that matches none is logged and skipped).  The
   script is a test fixture the tests write themselves (IB_TRADER_SCRIPT), not outside input, so
   cert-err34-c (no range errors from sscanf) is waived here. */
/* NOLINTBEGIN(cert-err34-c) */
static void
step(struct trader *t, ib_strategy_ctx *ctx)
{
	while (t->started && t->next < t->nsteps && ib_now_mono_ns() >= t->not_before) {
		char verb[16] = "", sym[IB_SYMBOL_LEN] = "", type[8] = "", tif[8] = "";
		double qty = 0, px = 0;
		int n = 0;
		const char *s = t->steps[t->next++];

		if (sscanf(s, "WAIT %d", &n) == 1) {
			t->not_before = ib_now_mono_ns() + (int64_t)n * IB_NS_PER_MS;
		} else if (sscanf(s, "CANCEL %d", &n) == 1 && n >= 1 && n <= t->nplaced) {
			ib_strategy_cancel(ctx, t->ids[n - 1]);
		} else if (sscanf(s, "MODIFY %d %lf %lf", &n, &qty, &px) == 3 && n >= 1 && n <= t->nplaced) {
			ib_order o = t->orders[n - 1];
			o.total_qty = qty;
			o.lmt_price = px;
			ib_strategy_modify(ctx, &t->contracts[n - 1], &o);
		} else if (sscanf(s, "%15s %23s %lf %7s %lf %7s", verb, sym, &qty, type, &px, tif) >= 4) {
			ib_contract c;
			ib_order o;
			ib_contract_stock(&c, sym);
			ib_order_init(&o);
			ib_strlcpy(o.action, verb, sizeof(o.action));
			ib_strlcpy(o.order_type, type, sizeof(o.order_type));
			o.total_qty = qty;
			if (strcmp(type, "LMT") == 0)
				o.lmt_price = px;
			else if (strcmp(type, "STP") == 0)
				o.aux_price = px;
			if (tif[0] || (strcmp(type, "MKT") == 0 && px == 0 && sscanf(s, "%*s %*s %*f %*s %7s", tif) == 1))
				ib_strlcpy(o.tif, tif, sizeof(o.tif));
			if (ib_strategy_place(ctx, &c, &o) == IB_OK && t->nplaced < MAX_STEPS) {
				t->ids[t->nplaced] = o.order_id;
				t->contracts[t->nplaced] = c;
				t->orders[t->nplaced] = o;
				t->nplaced++;
			}
		} else {
			ib_log(IB_LL_WARN, "strategy", "trader: cannot parse step '%s'", s);
		}
	}
}
/* NOLINTEND(cert-err34-c) */

static void
trader_on_start(void *self, ib_strategy_ctx *ctx, const ib_accounts *a)
{
	struct trader *t = self;

	ib_strategy_recorder_vt.on_start(t->rec, ctx, a);
	t->started = true;
	step(t, ctx);
}

static void
trader_on_pause(void *self, ib_strategy_ctx *ctx, const char *reason)
{
	ib_strategy_recorder_vt.on_pause(((struct trader *)self)->rec, ctx, reason);
}

static void
trader_on_quote(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct trader *t = self;

	ib_strategy_recorder_vt.on_quote(t->rec, ctx, inst, q);
	step(t, ctx);
}

static void
trader_on_account(void *self, ib_strategy_ctx *ctx, const ib_account_update *u)
{
	ib_strategy_recorder_vt.on_account(((struct trader *)self)->rec, ctx, u);
}

static void
trader_on_order(void *self, ib_strategy_ctx *ctx, const ib_order_update *u)
{
	struct trader *t = self;

	ib_strategy_recorder_vt.on_order(t->rec, ctx, u);
	step(t, ctx);
}

static void
trader_on_error(void *self, ib_strategy_ctx *ctx, int32_t id, int code, const char *text)
{
	ib_strategy_recorder_vt.on_error(((struct trader *)self)->rec, ctx, id, code, text);
}

static void
trader_on_stop(void *self, ib_strategy_ctx *ctx)
{
	ib_strategy_recorder_vt.on_stop(((struct trader *)self)->rec, ctx);
}

static void
trader_destroy(void *self)
{
	struct trader *t = self;

	if (t)
		ib_strategy_recorder_vt.destroy(t->rec);
	free(t);
}

const ib_strategy_vtable ib_strategy_trader_vt = {
	.name = "trader",
	.create = trader_create,
	.on_start = trader_on_start,
	.on_pause = trader_on_pause,
	.on_quote = trader_on_quote,
	.on_account = trader_on_account,
	.on_order = trader_on_order,
	.on_error = trader_on_error,
	.on_stop = trader_on_stop,
	.destroy = trader_destroy,
};
