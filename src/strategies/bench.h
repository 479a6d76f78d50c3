/*
 * bench.h - what the "bench" strategy measured, for the harness that runs it
 * (ibbench e2e reads ctx->self of each strategy after the pipeline is
 * joined).  The strategy's own header, like a plugin's: the SDK and nothing
 * else.
 */
#ifndef IBPIPE_STRATEGY_BENCH_H
#define IBPIPE_STRATEGY_BENCH_H

#include <stdint.h>

#include <ibpipe/sdk.h>

struct ib_bench_strategy {
	uint64_t quotes, trades, bbos, books;
	uint64_t book_rows;  /* rows seen in the books handed over (keeps the copy honest) */
	ib_hist internal;    /* network-thread arrival -> on_quote / on_bbo / on_trade / on_book */
	ib_hist end_to_end;  /* ibsim send stamp -> on_quote, for quotes that brought a new stamp */
	uint64_t unstamped;  /* quotes that brought no new stamp (ibsim's own ticks): not in end_to_end */
	uint64_t measured;   /* __atomic: end_to_end.count, for a harness that polls while the strategy runs */
	int64_t last_stamp[IB_MAX_INSTRUMENTS]; /* newest send stamp measured, per instrument */
	double last_px[IB_MAX_INSTRUMENTS][6];  /* the previous quote's bid, ask, last and their sizes */
};

#endif
