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
 *   HALTED                                      pause until the kill switch is on
 *   PNL ACCOUNT [CONID]                         pause until the SDK has the account's (the
 *                                               position's) P&L, then log it
 *   QUOTE NAME                                  pause until the instrument named NAME (or whose
 *                                               key starts with it: FUT:ES@CME) has a bid and an ask
 *   GREEKS NAME                                 pause until that instrument (an option: OPT:SPY) has
 *                                               a model computation (ib_strategy_option_greeks), log it
 *   ORDER BUY|SELL SYM QTY [key=value ...]      any order (every key optional):
 *       type=MKT|LMT|STP|STP_LMT|TRAIL|MOC|LOC lmt=P aux=P (stop / trailing amount)
 *       pct=P (trailing percent) stop=P (TRAIL's first stop) tif=DAY|GTC|IOC|FOK|GTD|OPG
 *       gtd=YYYYMMDD-HH:MM:SS rth=1 (outsideRth) adaptive=Patient|Normal|Urgent
 *       oca=GROUP ocatype=N sectype=FUT exch=CME ccy=USD expiry=YYYYMM mult=N conid=N
 *   BRACKET BUY|SELL SYM QTY tp=P sl=P [the entry's keys as ORDER's]
 *                                               parent + take-profit LMT + stop-loss STP,
 *                                               one call (orders n, n+1, n+2)
 * Steps run on the strategy thread, driven by quotes and order updates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ibpipe/sdk.h>

#define NS_PER_MS 1000000LL

/* The recorder (recorder.c) logs every callback of ours: the two files are linked together, as a
   plugin built from two files would be, and this declaration is all the one knows of the other. */
extern const ib_strategy_vtable ib_strategy_recorder_vt;

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
	snprintf(t->script, sizeof(t->script), "%s", s ? s : "");
	for (char *tok = strtok_r(t->script, ";", &save); tok && t->nsteps < MAX_STEPS; tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok)
			t->steps[t->nsteps++] = tok;
	}
	return t;
}

/* One key=value of an ORDER / BRACKET step into the contract or the order; false if unknown. */
static bool
order_key(const char *k, const char *v, ib_contract *c, ib_order *o, double *tp, double *sl)
{
	char *end = NULL;
	double d = strtod(v, &end);
	bool num = end != v && *end == '\0';

	if (strcmp(k, "type") == 0) {
		snprintf(o->order_type, sizeof(o->order_type), "%s", strcmp(v, "STP_LMT") == 0 ? "STP LMT" : v);
	} else if (strcmp(k, "tif") == 0) {
		snprintf(o->tif, sizeof(o->tif), "%s", v);
	} else if (strcmp(k, "gtd") == 0) {
		snprintf(o->good_till_date, sizeof(o->good_till_date), "%s", v);
		for (char *p = o->good_till_date; *p; p++)
			if (*p == '-')
				*p = ' ';
	} else if (strcmp(k, "adaptive") == 0) {
		snprintf(o->algo_strategy, sizeof(o->algo_strategy), "%s", "Adaptive");
		o->algo_param_count = 1;
		snprintf(o->algo_params[0].tag, sizeof(o->algo_params[0].tag), "%s", "adaptivePriority");
		snprintf(o->algo_params[0].value, sizeof(o->algo_params[0].value), "%s", v);
	} else if (strcmp(k, "oca") == 0) {
		snprintf(o->oca_group, sizeof(o->oca_group), "%s", v);
	} else if (strcmp(k, "sectype") == 0) {
		snprintf(c->sec_type, sizeof(c->sec_type), "%s", v);
	} else if (strcmp(k, "exch") == 0) {
		snprintf(c->exchange, sizeof(c->exchange), "%s", v);
	} else if (strcmp(k, "ccy") == 0) {
		snprintf(c->currency, sizeof(c->currency), "%s", v);
	} else if (strcmp(k, "expiry") == 0) {
		snprintf(c->last_trade_date, sizeof(c->last_trade_date), "%s", v);
	} else if (strcmp(k, "mult") == 0) {
		snprintf(c->multiplier, sizeof(c->multiplier), "%s", v);
	} else if (!num) {
		return false;
	} else if (strcmp(k, "lmt") == 0) {
		o->lmt_price = d;
	} else if (strcmp(k, "aux") == 0) {
		o->aux_price = d;
	} else if (strcmp(k, "pct") == 0) {
		o->trailing_percent = d;
	} else if (strcmp(k, "stop") == 0) {
		o->trail_stop_price = d;
	} else if (strcmp(k, "rth") == 0) {
		o->outside_rth = d != 0;
	} else if (strcmp(k, "ocatype") == 0) {
		o->oca_type = (int32_t)d;
	} else if (strcmp(k, "conid") == 0) {
		c->con_id = (int32_t)d;
	} else if (strcmp(k, "tp") == 0) {
		*tp = d;
	} else if (strcmp(k, "sl") == 0) {
		*sl = d;
	} else {
		return false;
	}
	return true;
}

static void
remember(struct trader *t, const ib_contract *c, const ib_order *o)
{
	if (t->nplaced >= MAX_STEPS)
		return;
	t->ids[t->nplaced] = o->order_id;
	t->contracts[t->nplaced] = *c;
	t->orders[t->nplaced] = *o;
	t->nplaced++;
}

/* ORDER / BRACKET: "VERB SIDE SYM QTY key=value ..."; false when it does not parse. */
static bool
order_step(struct trader *t, ib_strategy_ctx *ctx, const char *step)
{
	char buf[512], *save = NULL, *tok;
	ib_contract c;
	ib_order o;
	double tp = 0, sl = 0;
	int n = 0;
	bool bracket = strncmp(step, "BRACKET ", 8) == 0;

	snprintf(buf, sizeof(buf), "%s", step);
	ib_order_init(&o);
	snprintf(o.order_type, sizeof(o.order_type), "%s", "MKT");
	memset(&c, 0, sizeof(c));
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), n++) {
		char *eq = strchr(tok, '='), *end = NULL;
		if (n == 1) {
			snprintf(o.action, sizeof(o.action), "%s", tok);
		} else if (n == 2) {
			ib_contract_stock(&c, tok);
		} else if (n == 3) {
			o.total_qty = strtod(tok, &end);
			if (end == tok || *end)
				return false;
		} else if (n > 3) {
			if (eq == NULL)
				return false;
			*eq = '\0';
			if (!order_key(tok, eq + 1, &c, &o, &tp, &sl))
				return false;
		}
	}
	if (n < 4)
		return false;
	if (!bracket) {
		if (ib_strategy_place(ctx, &c, &o) == IB_OK)
			remember(t, &c, &o);
		return true;
	}
	/* the children: the other side, a take-profit limit and a stop-loss stop */
	ib_order tpo = o, slo = o;
	const char *exit = strcmp(o.action, "BUY") == 0 ? "SELL" : "BUY";
	ib_order_init(&tpo);
	ib_order_init(&slo);
	snprintf(tpo.action, sizeof(tpo.action), "%s", exit);
	snprintf(slo.action, sizeof(slo.action), "%s", exit);
	tpo.total_qty = slo.total_qty = o.total_qty;
	snprintf(tpo.order_type, sizeof(tpo.order_type), "%s", "LMT");
	tpo.lmt_price = tp;
	snprintf(slo.order_type, sizeof(slo.order_type), "%s", "STP");
	slo.aux_price = sl;
	snprintf(tpo.tif, sizeof(tpo.tif), "%s", "GTC");
	snprintf(slo.tif, sizeof(slo.tif), "%s", "GTC");
	if (ib_strategy_place_bracket(ctx, &c, &o, &tpo, &slo) == IB_OK) {
		remember(t, &c, &o);
		remember(t, &c, &tpo);
		remember(t, &c, &slo);
	}
	return true;
}

static bool
have_quote(ib_strategy_ctx *ctx, const char *sym)
{
	const char *name;
	ib_quote_data q;

	for (uint32_t i = 0; (name = ib_strategy_symbol(ctx, i)) != NULL; i++)
		if (strncmp(name, sym, strlen(sym)) == 0) {
			ib_strategy_quote(ctx, i, &q);
			return q.bid > 0 && q.ask > 0;
		}
	return false;
}

/* The first instrument whose key starts with sym, or -1. */
static int64_t
find_instrument(ib_strategy_ctx *ctx, const char *sym)
{
	const char *name;

	for (uint32_t i = 0; (name = ib_strategy_symbol(ctx, i)) != NULL; i++)
		if (strncmp(name, sym, strlen(sym)) == 0)
			return i;
	return -1;
}

/* Log the SDK's greeks of sym's option once it has a model computation; false while it has none. */
static bool
log_greeks(ib_strategy_ctx *ctx, const char *sym)
{
	int64_t i = find_instrument(ctx, sym);
	ib_option_greeks g;

	if (i < 0 || ib_strategy_option_greeks(ctx, (uint32_t)i, &g) != IB_OK || g.delta == IB_UNSET_DOUBLE ||
	    g.iv == IB_UNSET_DOUBLE || g.gamma == IB_UNSET_DOUBLE)
		return false;
	ib_log(IB_LL_INFO, "strategy", "trader: greeks %s: iv %.9g delta %.9g gamma %.9g vega %.9g theta %.9g und %.9g",
	       ib_strategy_symbol(ctx, (uint32_t)i), g.iv, g.delta, g.gamma, g.vega, g.theta, g.und_price);
	return true;
}

/* sscanf's patterns are the script's grammar (a step that matches none is logged and skipped).  The
   script is a test fixture the tests write themselves (IB_TRADER_SCRIPT), not outside input, so
   cert-err34-c (no range errors from sscanf) is waived here. */
/* NOLINTBEGIN(cert-err34-c) */
static void
step(struct trader *t, ib_strategy_ctx *ctx)
{
	while (t->started && t->next < t->nsteps && ib_strategy_mono_ns() >= t->not_before) {
		char verb[16] = "", sym[IB_SYMBOL_LEN] = "", type[8] = "", tif[8] = "";
		double qty = 0, px = 0;
		int n = 0, k;
		const char *s = t->steps[t->next++];

		if ((k = sscanf(s, "PNL %23s %d", sym, &n)) >= 1) {
			ib_pnl_values v;
			int rc = k == 2 ? ib_strategy_position_pnl(ctx, sym, n, &v) : ib_strategy_pnl(ctx, sym, &v);
			if (rc != IB_OK) {
				t->next--; /* again at the next callback */
				return;
			}
			ib_log(IB_LL_INFO, "strategy", "trader: pnl %s %d: daily %.2f unrealized %.2f realized %.2f value %.2f",
			       sym, k == 2 ? n : 0, v.daily, v.unrealized, v.realized, v.value);
		} else if (sscanf(s, "QUOTE %23s", sym) == 1) {
			if (!have_quote(ctx, sym)) {
				t->next--; /* again at the next callback (a quote wakes us) */
				return;
			}
		} else if (sscanf(s, "GREEKS %23s", sym) == 1) {
			if (!log_greeks(ctx, sym)) {
				t->next--; /* again at the next callback (a computation comes with on_quote) */
				return;
			}
		} else if (strcmp(s, "HALTED") == 0) {
			if (!ib_strategy_halted(ctx)) {
				t->next--; /* again at the next callback: the kill switch is waited for, not timed */
				return;
			}
		} else if (sscanf(s, "WAIT %d", &n) == 1) {
			t->not_before = ib_strategy_mono_ns() + (int64_t)n * NS_PER_MS;
		} else if (sscanf(s, "CANCEL %d", &n) == 1 && n >= 1 && n <= t->nplaced) {
			ib_strategy_cancel(ctx, t->ids[n - 1]);
		} else if (sscanf(s, "MODIFY %d %lf %lf", &n, &qty, &px) == 3 && n >= 1 && n <= t->nplaced) {
			ib_order o = t->orders[n - 1];
			o.total_qty = qty;
			o.lmt_price = px;
			ib_strategy_modify(ctx, &t->contracts[n - 1], &o);
		} else if ((strncmp(s, "ORDER ", 6) == 0 || strncmp(s, "BRACKET ", 8) == 0) && order_step(t, ctx, s)) {
			/* placed (or refused: on_error says why) */
		} else if (sscanf(s, "%15s %23s %lf %7s %lf %7s", verb, sym, &qty, type, &px, tif) >= 4) {
			ib_contract c;
			ib_order o;
			ib_contract_stock(&c, sym);
			ib_order_init(&o);
			snprintf(o.action, sizeof(o.action), "%s", verb);
			snprintf(o.order_type, sizeof(o.order_type), "%s", type);
			o.total_qty = qty;
			if (strcmp(type, "LMT") == 0)
				o.lmt_price = px;
			else if (strcmp(type, "STP") == 0)
				o.aux_price = px;
			if (tif[0] || (strcmp(type, "MKT") == 0 && px == 0 && sscanf(s, "%*s %*s %*f %*s %7s", tif) == 1))
				snprintf(o.tif, sizeof(o.tif), "%s", tif);
			if (ib_strategy_place(ctx, &c, &o) == IB_OK)
				remember(t, &c, &o);
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

IB_SDK_PLUGIN(ib_strategy_trader_vt)
