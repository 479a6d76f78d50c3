/*
 * momentum.c - an ibpipe strategy plugin, quote-driven.  Shows: on_quote,
 * the starting position from on_start ("my position in X" across the
 * accounts), fills from on_order, and a risk-aware position target: it
 * wants +target shares while the mid is above its moving average by more
 * than a threshold, -target below, and only ever orders the difference
 * between that target and what it holds plus what is in flight.
 *
 *   cc -shared -fPIC $(pkg-config --cflags ibpipe) momentum.c -o momentum.so
 *   ibpipe run --strategy ./momentum.so --symbols AAPL --param momentum.window=50
 */
#include <stdlib.h>
#include <string.h>

#include <ibpipe/sdk.h>

struct momentum {
	int window;          /* quotes in the moving average (param momentum.window) */
	double threshold;    /* fraction away from the average before it trades (momentum.threshold_bp / 1e4) */
	double target;       /* shares long or short (momentum.target) */
	double avg;          /* exponential moving average of the mid, instrument 0 */
	int seen;
	double position;     /* filled, summed over accounts */
	double in_flight;    /* signed quantity of orders not yet final */
	int32_t live_id;     /* the one order it keeps working, 0 if none */
	double live_signed, live_filled;
};

static void *
mom_create(ib_strategy_ctx *ctx)
{
	struct momentum *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	/* read in create(): a malformed or misspelt parameter stops ibpipe at start, naming it */
	m->window = (int)ib_strategy_param_int(ctx, "window", 20);
	m->threshold = ib_strategy_param_double(ctx, "threshold_bp", 5) / 1e4;
	m->target = ib_strategy_param_double(ctx, "target", 10);
	if (m->window < 1 || m->target < 1) {
		ib_log(IB_LL_ERROR, "momentum", "window and target must be >= 1");
		free(m);
		return NULL;
	}
	return m;
}

static void
mom_start(void *self, ib_strategy_ctx *ctx, const ib_accounts *accts)
{
	struct momentum *m = self;
	const char *sym = ib_strategy_symbol(ctx, 0);

	m->position = 0;
	for (int i = 0; sym && i < accts->n; i++) {
		const ib_pos *p = ib_account_position(&accts->a[i], sym);
		if (p)
			m->position += p->position;
	}
	ib_log(IB_LL_INFO, "momentum", "start: %d accounts, position in %s %.0f", accts->n, sym ? sym : "-", m->position);
}

static void
mom_quote(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct momentum *m = self;

	if (inst != 0 || q->bid <= 0 || q->ask <= 0)
		return;
	double mid = (q->bid + q->ask) / 2;
	m->avg = m->seen ? m->avg + (mid - m->avg) * (2.0 / (m->window + 1)) : mid;
	if (++m->seen < m->window || m->live_id != 0 || !ib_strategy_gate_open(ctx) || ib_strategy_halted(ctx))
		return;
	double target = mid > m->avg * (1 + m->threshold) ? m->target
			: mid < m->avg * (1 - m->threshold) ? -m->target : m->position;
	double want = target - m->position - m->in_flight;
	if (want > -1 && want < 1)
		return;
	ib_contract c;
	ib_order o;
	ib_contract_stock(&c, ib_strategy_symbol(ctx, 0));
	ib_order_init(&o);
	strcpy(o.action, want > 0 ? "BUY" : "SELL");
	o.total_qty = want > 0 ? want : -want;
	strcpy(o.order_type, "LMT");
	o.lmt_price = want > 0 ? q->ask : q->bid;   /* marketable */
	if (ib_strategy_place(ctx, &c, &o) == IB_OK) {
		m->live_id = o.order_id;
		m->live_signed = want;
		m->live_filled = 0;
		m->in_flight = want;
		ib_log(IB_LL_INFO, "momentum", "order %d: %s %.0f at %.2f (mid %.4f, average %.4f)", o.order_id, o.action,
		       o.total_qty, o.lmt_price, mid, m->avg);
	}
}

static void
mom_order(void *self, ib_strategy_ctx *ctx, const ib_order_update *u)
{
	struct momentum *m = self;
	(void)ctx;

	if (u->order_id != m->live_id)
		return;
	double sign = m->live_signed > 0 ? 1 : -1;
	m->position += sign * (u->filled - m->live_filled);
	m->in_flight -= sign * (u->filled - m->live_filled);
	m->live_filled = u->filled;
	if (!strcmp(u->status, "Filled") || !strcmp(u->status, "Cancelled") || !strcmp(u->status, "Inactive") ||
	    !strcmp(u->status, "Rejected")) {
		m->live_id = 0;
		m->in_flight = 0;
		ib_log(IB_LL_INFO, "momentum", "order %d %s: position %.0f", u->order_id, u->status, m->position);
	}
}

static void
mom_error(void *self, ib_strategy_ctx *ctx, int32_t id, int code, const char *text)
{
	struct momentum *m = self;
	(void)ctx;

	ib_log(IB_LL_WARN, "momentum", "order %d refused (%d): %s", id, code, text);
	if (id == m->live_id) {
		m->live_id = 0;
		m->in_flight = 0;
	}
}

static const ib_strategy_vtable momentum_vt = {
	.name = "momentum",
	.create = mom_create,
	.on_start = mom_start,
	.on_quote = mom_quote,
	.on_order = mom_order,
	.on_error = mom_error,
	.destroy = free,
};

IB_SDK_PLUGIN(momentum_vt)
