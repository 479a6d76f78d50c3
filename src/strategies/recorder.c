/*
 * recorder.c - "recorder": writes every callback it gets as a JSON
 * line to $IB_STRATEGY_LOG.<index>, so tests (and people) can see exactly
 * what a strategy saw and when.  Quotes are counted, and the first 50 are
 * written in full; $IB_RECORDER_ALL writes every quote, trade, bid/ask and
 * book.  The last book of each instrument is written at stop ("book_final"),
 * so a test can compare it with the gateway's.  $IB_RECORDER_TBT
 * (SYM:KIND,...) and $IB_RECORDER_DEPTH (SYM:ROWS,...) are subscriptions
 * the strategy asks for itself, in create(); so is $IB_RECORDER_BARS
 * (ITEM,...: bar series as in `bars`).  Every bar is written ("bar").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/str.h"
#include "ibpipe/log.h"
#include "ibpipe/strategy.h"
#include "strategies/builtin.h"
#include "util/clock.h"

struct last_book {
	uint32_t instrument;
	ib_book book;
};

struct recorder {
	FILE *f;
	uint64_t quotes, trades, bbos, books;
	struct last_book *last;     /* IB_MAX_BOOKS */
	int nlast;
	int starts;
	bool all;      /* $IB_RECORDER_ALL: write every quote, with its per-instrument version */
	char esc[4][IB_JSON_ESC_MAX * 256 + 1]; /* esc()'s buffers: four strings per line at most */
	unsigned nesc;
};

/* s as a JSON string body (json.c), in one of r's rotating buffers: account ids and texts come
   from the gateway and may hold any bytes.  Symbols are checked by the configuration ([A-Z0-9. ]),
   but every string a JSON line carries goes through here all the same (one rule, no exceptions). */
static const char *
esc(struct recorder *r, const char *s)
{
	char *b = r->esc[r->nesc++ % 4];
	ib_json j;

	ib_json_init(&j, b, sizeof(r->esc[0]));
	ib_json_strn(&j, s, strnlen(s, 255));
	b[j.len ? j.len - 1 : 0] = '\0'; /* without the quotes */
	return j.len ? b + 1 : b;
}

/* "AAPL:BidAsk,MSFT:AllLast" or "AAPL:10": subscriptions of the strategy's own. */
static void
want_each(ib_strategy_ctx *ctx, const char *list, bool depth)
{
	char buf[512], *save = NULL;

	if (list == NULL)
		return;
	ib_strlcpy(buf, list, sizeof(buf));
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':');
		if (colon == NULL)
			continue;
		*colon = '\0';
		if (depth)
			ib_strategy_want_depth(ctx, item, (int)strtol(colon + 1, NULL, 10)); /* checked there: 1..50 */
		else
			ib_strategy_want_tbt(ctx, item, colon + 1);
	}
}

/* "AAPL:5s,MSFT:1min:1D": bar series of the strategy's own. */
static void
want_bars(ib_strategy_ctx *ctx, const char *list)
{
	char buf[1024], *save = NULL;

	if (list == NULL)
		return;
	ib_strlcpy(buf, list, sizeof(buf));
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save))
		ib_strategy_want_bars(ctx, item);
}

static void *
rec_create(ib_strategy_ctx *ctx)
{
	struct recorder *r = calloc(1, sizeof(*r));
	const char *base = getenv("IB_STRATEGY_LOG");
	char path[512];

	if (r == NULL)
		return NULL;
	r->all = getenv("IB_RECORDER_ALL") != NULL;
	r->last = calloc(IB_MAX_BOOKS, sizeof(*r->last));
	want_each(ctx, getenv("IB_RECORDER_TBT"), false);
	want_each(ctx, getenv("IB_RECORDER_DEPTH"), true);
	want_bars(ctx, getenv("IB_RECORDER_BARS"));
	if (base && *base) {
		snprintf(path, sizeof(path), "%s.%d", base, ib_strategy_index(ctx));
		r->f = fopen(path, "w");
		if (r->f == NULL)
			ib_log(IB_LL_ERROR, "strategy", "recorder: cannot open %s", path);
	}
	return r;
}

static void
rec_line(struct recorder *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
rec_line(struct recorder *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->f)
		return;
	fprintf(r->f, "{\"t_ns\":%lld,", (long long)ib_now_mono_ns());
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
	fputs("}\n", r->f);
	fflush(r->f);
}

static void
rec_on_start(void *self, ib_strategy_ctx *ctx, const ib_accounts *s)
{
	struct recorder *r = self;

	(void)ctx;
	r->starts++;
	if (!r->f)
		return;
	fprintf(r->f, "{\"t_ns\":%lld,\"cb\":\"start\",\"n\":%d,\"next_order_id\":%d,\"accounts\":[",
		(long long)ib_now_mono_ns(), r->starts, s->next_order_id);
	for (int i = 0; i < s->n; i++) {
		const ib_account *a = &s->a[i];
		const char *nl = ib_account_value(a, "NetLiquidation", "USD");
		const char *ready = ib_account_value(a, "AccountReady", "");
		fprintf(r->f, "%s{\"id\":\"%s\",\"values\":%d,\"positions\":%d,\"NetLiquidation\":\"%s\",\"AccountReady\":\"%s\"}",
			i ? "," : "", esc(r, a->id), a->nvalues, a->npositions, esc(r, nl ? nl : ""), esc(r, ready ? ready : ""));
	}
	fputs("]}\n", r->f);
	fflush(r->f);
}

static void
rec_on_pause(void *self, ib_strategy_ctx *ctx, const char *reason)
{
	(void)ctx;
	rec_line(self, "\"cb\":\"pause\",\"reason\":\"%s\"", esc(self, reason));
}

static void
rec_on_quote(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct recorder *r = self;

	if (++r->quotes <= 50 || r->all)
		rec_line(r, "\"cb\":\"quote\",\"symbol\":\"%s\",\"v\":%llu,\"bid\":%.4f,\"ask\":%.4f,\"last\":%.4f",
			 esc(r, ib_strategy_symbol(ctx, inst)), (unsigned long long)q->version, q->bid, q->ask, q->last);
}

static void
rec_on_trade(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_trade *t)
{
	struct recorder *r = self;

	r->trades++;
	if (r->all)
		rec_line(r, "\"cb\":\"trade\",\"symbol\":\"%s\",\"price\":%.4f,\"size\":%g,\"time\":%lld",
			 esc(r, ib_strategy_symbol(ctx, inst)), t->price, t->size, (long long)t->time);
}

static void
rec_on_bbo(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct recorder *r = self;

	r->bbos++;
	if (r->all)
		rec_line(r, "\"cb\":\"bbo\",\"symbol\":\"%s\",\"bid\":%.4f,\"ask\":%.4f,\"bid_size\":%g,\"ask_size\":%g",
			 esc(r, ib_strategy_symbol(ctx, inst)), q->bid, q->ask, q->bid_size, q->ask_size);
}

static void
book_line(struct recorder *r, ib_strategy_ctx *ctx, const char *cb, uint32_t inst, const ib_book *b)
{
	if (!r->f)
		return;
	fprintf(r->f, "{\"t_ns\":%lld,\"cb\":\"%s\",\"symbol\":\"%s\",\"bids\":[", (long long)ib_now_mono_ns(), cb,
		esc(r, ib_strategy_symbol(ctx, inst)));
	for (int k = 0; k < b->nbid; k++)
		fprintf(r->f, "%s[%.4f,%g]", k ? "," : "", b->bid[k].price, b->bid[k].size);
	fputs("],\"asks\":[", r->f);
	for (int k = 0; k < b->nask; k++)
		fprintf(r->f, "%s[%.4f,%g]", k ? "," : "", b->ask[k].price, b->ask[k].size);
	fputs("]}\n", r->f);
	fflush(r->f);
}

static void
rec_on_book(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_book *b)
{
	struct recorder *r = self;
	int i;

	r->books++;
	for (i = 0; i < r->nlast && r->last[i].instrument != inst; i++)
		;
	if (i == r->nlast && r->last && r->nlast < IB_MAX_BOOKS)
		r->last[r->nlast++].instrument = inst;
	if (r->last && i < r->nlast)
		r->last[i].book = *b;
	if (r->all)
		book_line(r, ctx, "book", inst, b);
}

static void
rec_on_account(void *self, ib_strategy_ctx *ctx, const ib_account_update *u)
{
	(void)ctx;
	rec_line(self, "\"cb\":\"account\",\"account\":\"%s\",\"key\":\"%s\",\"currency\":\"%s\",\"value\":\"%s\"",
		 esc(self, u->account), esc(self, u->key), esc(self, u->currency), esc(self, u->value));
}

static void
rec_on_order(void *self, ib_strategy_ctx *ctx, const ib_order_update *u)
{
	(void)ctx;
	rec_line(self, "\"cb\":\"order\",\"id\":%d,\"symbol\":\"%s\",\"status\":\"%s\",\"filled\":%g,\"remaining\":%g", u->order_id,
		 esc(self, u->symbol), esc(self, u->status), u->filled, u->remaining);
}

static void
rec_on_error(void *self, ib_strategy_ctx *ctx, int32_t id, int code, const char *text)
{
	(void)ctx;
	rec_line(self, "\"cb\":\"error\",\"id\":%d,\"code\":%d,\"text\":\"%s\"", id, code, esc(self, text));
}

static void
rec_on_stop(void *self, ib_strategy_ctx *ctx)
{
	struct recorder *r = self;

	for (int i = 0; i < r->nlast; i++)
		book_line(r, ctx, "book_final", r->last[i].instrument, &r->last[i].book);
	rec_line(r, "\"cb\":\"stop\",\"quotes\":%llu,\"trades\":%llu,\"bbos\":%llu,\"books\":%llu",
		 (unsigned long long)r->quotes, (unsigned long long)r->trades, (unsigned long long)r->bbos,
		 (unsigned long long)r->books);
}

static void
rec_destroy(void *self)
{
	struct recorder *r = self;

	if (r && r->f)
		fclose(r->f);
	if (r)
		free(r->last);
	free(r);
}

static void
rec_on_bar(void *self, ib_strategy_ctx *ctx, const ib_bar_data *b)
{
	struct recorder *r = self;
	const char *name = ib_strategy_bar_name(ctx, b->series);

	rec_line(r, "\"cb\":\"bar\",\"series\":%d,\"name\":\"%s\",\"req_id\":%d,\"kind\":%d,\"time\":%lld,"
		 "\"update\":%u,\"open\":%.17g,\"close\":%.17g,\"gate\":%s", b->series, esc(r, name ? name : ""),
		 b->req_id, b->kind, (long long)b->time, b->update, b->open, b->close,
		 ib_strategy_gate_open(ctx) ? "true" : "false");
}

const ib_strategy_vtable ib_strategy_recorder_vt = {
	.name = "recorder",
	.create = rec_create,
	.on_start = rec_on_start,
	.on_pause = rec_on_pause,
	.on_quote = rec_on_quote,
	.on_account = rec_on_account,
	.on_order = rec_on_order,
	.on_error = rec_on_error,
	.on_stop = rec_on_stop,
	.destroy = rec_destroy,
	.on_trade = rec_on_trade,
	.on_bbo = rec_on_bbo,
	.on_book = rec_on_book,
	.on_bar = rec_on_bar,
};
