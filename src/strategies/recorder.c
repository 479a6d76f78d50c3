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
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ibpipe/sdk.h>

#define ESC_IN 255      /* bytes of a string esc() writes */
#define ESC_OUT_MAX 6   /* bytes one input byte can become (\u00XX) */
#define NUM_MAX 330     /* "%.4f" of -DBL_MAX (IB's "unset"): a sign, 309 digits, the point, 4 places */

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
	char esc[4][ESC_OUT_MAX * ESC_IN + 1]; /* esc()'s buffers: four strings per line at most */
	unsigned nesc;
	char num[4][NUM_MAX];   /* num()'s buffers: four numbers per line at most */
	unsigned nnum;
};

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if s[0] does not start one
   (overlong forms, UTF-16 surrogates and code points past U+10FFFF are not valid). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	len = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x3Fu >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/*
 * s (its first 255 bytes) as a JSON string body, in one of r's rotating buffers: account ids
 * and texts come from the gateway and may hold any bytes.  Valid UTF-8 passes, '"' and '\\'
 * are escaped, control bytes become \u00XX and a byte that starts no valid UTF-8 sequence
 * \ufffd, so every line is valid JSON whatever the gateway sent.  Symbols are checked by the
 * configuration ([A-Z0-9. ]), but every string a JSON line carries goes through here all the
 * same (one rule, no exceptions).
 */
static const char *
esc(struct recorder *r, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char *b = r->esc[r->nesc++ % 4], *o = b;
	size_t n = strnlen(s, ESC_IN), u;

	for (size_t i = 0; i < n; i += u) {
		u = utf8_len(p + i, n - i);
		if (u > 1 || (u == 1 && p[i] >= 0x20 && p[i] != 0x7F && p[i] != '"' && p[i] != '\\')) {
			memcpy(o, p + i, u);
			o += u;
			continue;
		}
		u = 1;
		if (p[i] == '"' || p[i] == '\\') {
			*o++ = '\\';
			*o++ = (char)p[i];
		} else if (p[i] >= 0x80) {
			memcpy(o, "\\ufffd", 6);   /* U+FFFD, the replacement character */
			o += 6;
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = hex[p[i] >> 4];
			o[5] = hex[p[i] & 15];
			o += 6;
		}
	}
	*o = '\0';
	return b;
}

/*
 * v as a JSON number, in one of r's rotating buffers: "%.*f" (fixed) or "%.*g" with prec.
 * Prices and sizes come from the gateway, whose numbers the wire parser takes as strtod does
 * (Infinity, NaN, 1e999), and printf writes those as inf / nan, which no JSON reader takes.
 * A value no JSON number can hold is null, as in the decoded messages' JSON (msg_json.c).
 */
static const char *
num(struct recorder *r, double v, bool fixed, int prec)
{
	char *b = r->num[r->nnum++ % 4];

	if (!isfinite(v))
		return "null";
	snprintf(b, NUM_MAX, fixed ? "%.*f" : "%.*g", prec, v);
	return b;
}

/* The line formats: prices with 4 places, sizes and quantities as %g (6 digits). */
static const char *
price(struct recorder *r, double v)
{
	return num(r, v, true, 4);
}

static const char *
qty(struct recorder *r, double v)
{
	return num(r, v, false, 6);
}

/* "AAPL:BidAsk,MSFT:AllLast" or "AAPL:10": subscriptions of the strategy's own. */
static void
want_each(ib_strategy_ctx *ctx, const char *list, bool depth)
{
	char buf[512], *save = NULL;

	if (list == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s", list);
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
	snprintf(buf, sizeof(buf), "%s", list);
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
	fprintf(r->f, "{\"t_ns\":%lld,", (long long)ib_strategy_mono_ns());
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
		(long long)ib_strategy_mono_ns(), r->starts, s->next_order_id);
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
		rec_line(r, "\"cb\":\"quote\",\"symbol\":\"%s\",\"v\":%llu,\"bid\":%s,\"ask\":%s,\"last\":%s",
			 esc(r, ib_strategy_symbol(ctx, inst)), (unsigned long long)q->version, price(r, q->bid),
			 price(r, q->ask), price(r, q->last));
}

static void
rec_on_trade(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_trade *t)
{
	struct recorder *r = self;

	r->trades++;
	if (r->all)
		rec_line(r, "\"cb\":\"trade\",\"symbol\":\"%s\",\"price\":%s,\"size\":%s,\"time\":%lld",
			 esc(r, ib_strategy_symbol(ctx, inst)), price(r, t->price), qty(r, t->size), (long long)t->time);
}

static void
rec_on_bbo(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct recorder *r = self;

	r->bbos++;
	if (r->all)
		rec_line(r, "\"cb\":\"bbo\",\"symbol\":\"%s\",\"bid\":%s,\"ask\":%s,\"bid_size\":%s,\"ask_size\":%s",
			 esc(r, ib_strategy_symbol(ctx, inst)), price(r, q->bid), price(r, q->ask), qty(r, q->bid_size),
			 qty(r, q->ask_size));
}

static void
book_line(struct recorder *r, ib_strategy_ctx *ctx, const char *cb, uint32_t inst, const ib_book *b)
{
	if (!r->f)
		return;
	fprintf(r->f, "{\"t_ns\":%lld,\"cb\":\"%s\",\"symbol\":\"%s\",\"bids\":[", (long long)ib_strategy_mono_ns(), cb,
		esc(r, ib_strategy_symbol(ctx, inst)));
	for (int k = 0; k < b->nbid; k++)
		fprintf(r->f, "%s[%s,%s]", k ? "," : "", price(r, b->bid[k].price), qty(r, b->bid[k].size));
	fputs("],\"asks\":[", r->f);
	for (int k = 0; k < b->nask; k++)
		fprintf(r->f, "%s[%s,%s]", k ? "," : "", price(r, b->ask[k].price), qty(r, b->ask[k].size));
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
	rec_line(self, "\"cb\":\"order\",\"id\":%d,\"symbol\":\"%s\",\"status\":\"%s\",\"filled\":%s,\"remaining\":%s", u->order_id,
		 esc(self, u->symbol), esc(self, u->status), qty(self, u->filled), qty(self, u->remaining));
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
		 "\"update\":%u,\"open\":%s,\"close\":%s,\"gate\":%s", b->series, esc(r, name ? name : ""),
		 b->req_id, b->kind, (long long)b->time, b->update, num(r, b->open, false, 17), num(r, b->close, false, 17),
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

IB_SDK_PLUGIN(ib_strategy_recorder_vt)
