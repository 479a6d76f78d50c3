/*
 * feeds.c - tick-by-tick and depth subscriptions: which instrument each one
 * feeds, the book table, the requests that open them, and the ones a
 * strategy asks for in create().
 *
 * A tbt or depth symbol that is not among `symbols` still gets an
 * instrument (so its trades and bid/ask land in the quote table and reach
 * on_quote / Redis), but no reqMktData line: market-data lines are what IB
 * rations, and the high-rate feed already carries what the line would.
 * Everything here runs before any thread starts, or on the network thread
 * (the requests); the mapping is fixed once the threads run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "core/contracts.h"
#include "core/pipeline_state.h"
#include "util/str.h"

static int
want(ib_strategy_ctx *ctx, bool depth, const char *item)
{
	ib_pipeline *p = ctx->p;
	char err[256];

	if (p->books != NULL) {
		ib_log(IB_LL_ERROR, "strategy", "strategy %d: subscriptions are made in create(), not later (%s)",
		       ctx->index, item);
		return IB_EINVAL;
	}
	if (ib_config_add_sub(&p->cfg, depth, item, err, sizeof(err)) != 0) {
		ib_log(IB_LL_ERROR, "strategy", "strategy %d: %s", ctx->index, err);
		return IB_EINVAL;
	}
	return IB_OK;
}

int
ib_strategy_want_tbt(ib_strategy_ctx *ctx, const char *symbol, const char *kind)
{
	char item[IB_CFG_SYMBOL_LEN + 16];

	snprintf(item, sizeof(item), "%s:%s", symbol, kind);
	return want(ctx, false, item);
}

int
ib_strategy_want_depth(ib_strategy_ctx *ctx, const char *symbol, int rows)
{
	char item[IB_CFG_SYMBOL_LEN + 16];

	snprintf(item, sizeof(item), "%s:%d", symbol, rows);
	return want(ctx, true, item);
}

/* A contract spec (canonical, as the config keeps it), not a bare stock symbol. */
static bool
is_spec(const char *symbol)
{
	return strchr(symbol, ':') != NULL || strchr(symbol, '@') != NULL;
}

/* Index of symbol in the quote table, appended if new; -1 when the table is full, -2 for a contract
   spec that is not among `symbols` (resolved there: a feed rides on its resolution). */
static int32_t
instrument(ib_pipeline *p, const char *symbol)
{
	ib_quote_table *t = p->quotes;

	if (is_spec(symbol)) {
		for (int i = 0; i < p->cfg.nsymbols && i < IB_CFG_MAX_SYMBOLS; i++)
			if (strcmp(p->cfg.symbols[i], symbol) == 0)
				return i;
		return -2;
	}
	for (uint32_t i = 0; i < t->n; i++)
		if (strcmp(ib_quote_name(t, i), symbol) == 0)
			return (int32_t)i;
	if (t->n == IB_MAX_INSTRUMENTS)
		return -1;
	ib_quote_set_name(t, t->n, symbol);
	return (int32_t)t->n++;
}

static int
refuse(int32_t why, const char *symbol, char *err, size_t errlen)
{
	if (why == -2)
		snprintf(err, errlen, "tbt/depth: contract spec %s is not among `symbols`: add it there (it is resolved "
			 "there, and its feeds open once it is)", symbol);
	else
		snprintf(err, errlen, "more than %d instruments with the tbt/depth symbols", IB_MAX_INSTRUMENTS);
	return -1;
}

int
ib_pipeline_setup_feeds(ib_pipeline *p, char *err, size_t errlen)
{
	p->books = calloc(1, sizeof(*p->books));
	p->inst_book = malloc(IB_MAX_INSTRUMENTS * sizeof(*p->inst_book));
	if (!p->books || !p->inst_book) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(p->inst_book, 0xff, IB_MAX_INSTRUMENTS * sizeof(*p->inst_book));
	p->nquote_subs = p->quotes->n;
	for (int i = 0; i < p->cfg.ntbt; i++)
		if ((p->tbt_inst[i] = instrument(p, p->cfg.tbt[i].symbol)) < 0)
			return refuse(p->tbt_inst[i], p->cfg.tbt[i].symbol, err, errlen);
	p->books->n = p->cfg.ndepth;
	for (int d = 0; d < p->cfg.ndepth; d++) {
		int32_t inst = instrument(p, p->cfg.depth[d].symbol);
		if (inst < 0)
			return refuse(inst, p->cfg.depth[d].symbol, err, errlen);
		p->books->instrument[d] = (uint32_t)inst;
		/* P:book:<key>: a contract's key comes with its resolution (the quote table's name) */
		if (!is_spec(p->cfg.depth[d].symbol))
			ib_strlcpy(p->books->symbol[d], p->cfg.depth[d].symbol, IB_SYMBOL_LEN);
		ib_book_init(&p->books->book[d], p->cfg.depth[d].rows);
		p->inst_book[inst] = (int16_t)d;
	}
	return 0;
}

void
ib_pipeline_subscribe_feeds(ib_pipeline *p, int64_t only)
{
	ib_req r;

	/* a contract spec's feeds wait for its resolution on this connection (resolve.c calls again) */
	for (int i = 0; i < p->cfg.ntbt; i++) {
		memset(&r, 0, sizeof(r));
		r.id = IB_OUT_REQ_TICK_BY_TICK;
		r.u.tick_by_tick.req_id = IB_REQID_TBT + i;
		if ((only >= 0 && p->tbt_inst[i] != only) ||
		    !ib_resolve_mkt_contract(p, (uint32_t)p->tbt_inst[i], &r.u.tick_by_tick.contract))
			continue;
		ib_strlcpy(r.u.tick_by_tick.tick_type, p->cfg.tbt[i].kind, sizeof(r.u.tick_by_tick.tick_type));
		ib_pipeline_send(p, &r, -1);
	}
	for (int d = 0; d < p->cfg.ndepth; d++) {
		memset(&r, 0, sizeof(r));
		r.id = IB_OUT_REQ_MKT_DEPTH;
		r.u.mkt_depth.req_id = IB_REQID_DEPTH + d;
		if ((only >= 0 && p->books->instrument[d] != only) ||
		    !ib_resolve_mkt_contract(p, p->books->instrument[d], &r.u.mkt_depth.contract))
			continue;
		r.u.mkt_depth.num_rows = p->cfg.depth[d].rows;
		ib_pipeline_send(p, &r, -1);
	}
}
