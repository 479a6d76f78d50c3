/*
 * bench.c - "bench": counts quotes and measures latency, nothing
 * else.  With ibsim --stamp, a tickPrice's size field carries a stamp of
 * the CLOCK_MONOTONIC time it was sent (ibpipe/stamp.h), so on_quote sees
 * send->strategy latency in whichever size field the tick set; recv->strategy latency (inside the
 * pipeline) comes from the quote's arrival time, or the trade's, or the
 * arrival of the book's latest operation.
 *
 * A quote is a sample of send->strategy only if it brings a stamp newer than
 * the last one measured for its instrument (or the same stamp, read in the
 * same socket read: ibsim stamps a whole batch with one time).  ibsim's own ticks (--tick-rate,
 * 200/s by default, unstamped) also reach on_quote, and the quote they make
 * still carries the other fields' older stamps: measured, each of those
 * looked like the time since that instrument's last blast frame -- up to
 * 190 ms for the first tick after a blast ended, which was the bench's
 * unexplained maximum (docs/performance.md).
 *
 * Written against the SDK alone, like a plugin: the same file is the
 * built-in and build/<variant>/bench-plugin.so, which make bench compares.
 * Strategy thread (create: main thread).
 */
#include <stdlib.h>

#include <ibpipe/sdk.h>

#include "bench.h"

static void *
bench_create(ib_strategy_ctx *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(struct ib_bench_strategy));
}

/* The latest send stamp among the quote's sizes, if any carries one. */
static bool
latest_stamp(const ib_quote_data *q, int64_t now, int64_t *sent)
{
	const double sizes[] = { q->bid_size, q->ask_size, q->last_size };
	bool found = false;
	int64_t t;

	for (int i = 0; i < 3; i++)
		if (ib_stamp_decode(sizes[i], now, &t) && (!found || t > *sent)) {
			*sent = t;
			found = true;
		}
	return found;
}

static void
bench_on_quote(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct ib_bench_strategy *b = self;
	int64_t now = ib_strategy_mono_ns(), sent = 0;

	(void)ctx;
	b->quotes++;
	ib_hist_add(&b->internal, (uint64_t)(now - q->recv_mono_ns));
	if (!latest_stamp(q, now, &sent) || inst >= IB_MAX_INSTRUMENTS || sent < b->last_stamp[inst] ||
	    (sent == b->last_stamp[inst] && q->recv_mono_ns != b->last_recv[inst])) {
		b->unstamped++;
		return;
	}
	b->last_stamp[inst] = sent;
	b->last_recv[inst] = q->recv_mono_ns;
	ib_hist_add(&b->end_to_end, (uint64_t)(now - sent));
}

/* One more update of a high-rate kind, and its time inside the pipeline. */
static void
count(struct ib_bench_strategy *b, uint64_t *n, int64_t recv_mono_ns)
{
	(*n)++;
	ib_hist_add(&b->internal, (uint64_t)(ib_strategy_mono_ns() - recv_mono_ns));
}

static void
bench_on_bbo(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct ib_bench_strategy *b = self;

	(void)ctx, (void)inst;
	count(b, &b->bbos, q->recv_mono_ns);
}

static void
bench_on_trade(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_trade *t)
{
	struct ib_bench_strategy *b = self;

	(void)ctx, (void)inst;
	count(b, &b->trades, t->recv_mono_ns);
}

static void
bench_on_book(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_book *book)
{
	struct ib_bench_strategy *b = self;

	(void)ctx, (void)inst;
	b->book_rows += (uint64_t)(book->nbid + book->nask);
	count(b, &b->books, book->recv_mono_ns);
}

static void
bench_destroy(void *self)
{
	free(self);
}

static const ib_strategy_vtable bench_vt = {
	.name = "bench",
	.create = bench_create,
	.on_quote = bench_on_quote,
	.destroy = bench_destroy,
	.on_trade = bench_on_trade,
	.on_bbo = bench_on_bbo,
	.on_book = bench_on_book,
};

IB_SDK_PLUGIN(bench_vt)
