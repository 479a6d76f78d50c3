/*
 * bench.c - "bench": counts quotes and measures latency, nothing
 * else.  With ibsim --stamp, a tickPrice's size field carries a stamp of
 * the CLOCK_MONOTONIC time it was sent (ibpipe/stamp.h), so on_quote sees
 * send->strategy latency in whichever size field the tick set; recv->strategy latency (inside the
 * pipeline) comes from the quote's arrival time, or the trade's, or the
 * arrival of the book's latest operation.
 *
 * A quote is a sample of send->strategy only if it brings a stamp newer than
 * the last one measured for its instrument, or the same stamp in a bid, ask
 * or last (price, size) pair that moved since the instrument's previous
 * quote: ibsim stamps a whole batch with one time, so the next frames of a
 * batch repeat the stamp, each moving its own pair, and a batch can be split
 * over two socket reads.  ibsim's own ticks (--tick-rate, 200/s by default,
 * unstamped) also reach on_quote, and the quote they make still carries the
 * other fields' older stamps but moves none of those pairs: measured, each of
 * those looked like the time since that instrument's last blast frame -- up
 * to 190 ms for the first tick after a blast ended, which was the bench's
 * unexplained maximum (docs/performance.md).  With md_lossless every frame
 * is its own on_quote, so every blast frame is a sample (ibbench e2e
 * --lossless checks samples against frames sent); coalesced, a quote that
 * folds several frames is one sample, of the newest.
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

/* The newest send stamp among the quote's sizes, if any carries one: its time and its size value. */
static bool
latest_stamp(const double cur[6], int64_t now, int64_t *sent, double *raw)
{
	bool found = false;
	int64_t t;

	for (int k = 3; k < 6; k++)
		if (ib_stamp_decode(cur[k], now, &t) && (!found || t > *sent)) {
			*sent = t;
			*raw = cur[k];
			found = true;
		}
	return found;
}

/*
 * Whether a (price, size) pair of q moved since prev and its size is the
 * stamp raw.  Two stamps that decode to the same send time are the same
 * size value (a stamp is its time modulo IB_STAMP_MOD), so comparing the
 * values is comparing the times, without decoding again.
 */
static bool
stamped_pair_moved(const double cur[6], const double prev[6], double raw)
{
	for (int k = 0; k < 3; k++)
		if ((cur[k] != prev[k] || cur[k + 3] != prev[k + 3]) && cur[k + 3] == raw)
			return true;
	return false;
}

static void
bench_on_quote(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct ib_bench_strategy *b = self;
	int64_t now = ib_strategy_mono_ns(), sent = 0;
	double raw = 0;
	const double cur[6] = { q->bid, q->ask, q->last, q->bid_size, q->ask_size, q->last_size };
	bool sample;

	(void)ctx;
	b->quotes++;
	ib_hist_add(&b->internal, (uint64_t)(now - q->recv_mono_ns));
	if (inst >= IB_MAX_INSTRUMENTS) {
		b->unstamped++;
		return;
	}
	sample = latest_stamp(cur, now, &sent, &raw) &&
		 (sent > b->last_stamp[inst] ||
		  (sent == b->last_stamp[inst] && stamped_pair_moved(cur, b->last_px[inst], raw)));
	for (int k = 0; k < 6; k++)
		b->last_px[inst][k] = cur[k];
	if (!sample) {
		b->unstamped++;
		return;
	}
	b->last_stamp[inst] = sent;
	ib_hist_add(&b->end_to_end, (uint64_t)(now - sent));
	__atomic_store_n(&b->measured, b->end_to_end.count, __ATOMIC_RELAXED);
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
