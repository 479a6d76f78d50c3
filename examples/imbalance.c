/*
 * imbalance.c - an ibpipe strategy plugin, book-driven.  Shows: asking for
 * a depth feed from create() (ib_strategy_want_depth) and reading on_book,
 * a consistent copy of the book.  It computes the order-book imbalance of
 * the top rows levels, (bid size - ask size) / (bid size + ask size), and
 * logs when it crosses +-edge (parameters imbalance.rows and imbalance.edge).  It does not trade.
 *
 *   cc -shared -fPIC $(pkg-config --cflags ibpipe) imbalance.c -o imbalance.so
 *   ibpipe run --strategy ./imbalance.so --symbols AAPL
 */
#include <stdlib.h>

#include <ibpipe/sdk.h>

struct imbalance {
	int rows;            /* levels summed (param imbalance.rows) */
	double edge;         /* |imbalance| that counts (imbalance.edge) */
	int side;            /* -1, 0, +1: which edge it was last past */
	unsigned long books;
};

static void *
imb_create(ib_strategy_ctx *ctx)
{
	const char *sym = ib_strategy_symbol(ctx, 0);
	struct imbalance *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->rows = (int)ib_strategy_param_int(ctx, "rows", 5);
	s->edge = ib_strategy_param_double(ctx, "edge", 0.6);
	if (sym == NULL || s->rows < 1 || s->rows > IB_BOOK_ROWS || ib_strategy_want_depth(ctx, sym, s->rows) != IB_OK) {
		free(s);
		return NULL;   /* create() fails: ibpipe exits 2 naming this plugin */
	}
	return s;
}

static void
imb_book(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_book *b)
{
	struct imbalance *s = self;
	double bid = 0, ask = 0;

	for (int i = 0; i < b->nbid && i < s->rows; i++)
		bid += b->bid[i].size;
	for (int i = 0; i < b->nask && i < s->rows; i++)
		ask += b->ask[i].size;
	s->books++;
	if (bid + ask <= 0)
		return;
	double imb = (bid - ask) / (bid + ask);
	int side = imb > s->edge ? 1 : imb < -s->edge ? -1 : 0;
	if (side != s->side)
		ib_log(IB_LL_INFO, "imbalance", "%s: imbalance %+.2f (bid %.0f, ask %.0f, book %lu)",
		       ib_strategy_symbol(ctx, inst), imb, bid, ask, s->books);
	s->side = side;
}

static const ib_strategy_vtable imbalance_vt = {
	.name = "imbalance",
	.create = imb_create,
	.on_book = imb_book,
	.destroy = free,
};

IB_SDK_PLUGIN(imbalance_vt)
