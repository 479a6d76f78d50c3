/*
 * bar.h - a bar as a strategy gets it (on_bar, strategy.h): historical
 * warm-up bars, the bar being built of a keepUpToDate series, and IB's
 * real-time 5-second bars.
 *
 * Part of the SDK since ABI 1.2.  ibpipe hands a plugin a pointer to one;
 * fields are only ever appended, so a plugin reads the ones it knows.
 */
#ifndef IBPIPE_BAR_H
#define IBPIPE_BAR_H

#include <stdint.h>

enum ib_bar_kind {
	IB_BAR_HISTORICAL = 1, /* served by reqHistoricalData: the warm-up, before the gate opens */
	IB_BAR_UPDATE = 2,     /* keepUpToDate: the latest bar as it is being built (update counts its revisions) */
	IB_BAR_REALTIME = 3,   /* reqRealTimeBars: one finished 5-second bar */
};

typedef struct ib_bar_data {
	int32_t series;     /* the series (`bars` order, then ib_strategy_want_bars'); -1: a request the strategy sent itself */
	int32_t req_id;     /* the IB request it answers */
	int32_t kind;       /* enum ib_bar_kind */
	uint32_t update;    /* 0: the first time this bar (this start time) is delivered; n: its nth revision */
	int64_t time;       /* the bar's start, epoch seconds, UTC (a daily bar: its date at 00:00 UTC) */
	double open, high, low, close;
	double volume, wap; /* -1 where IB has none (MIDPOINT, BID, ASK bars) */
	int32_t count;      /* trades in it; -1 where IB has none */
	int64_t recv_mono_ns; /* CLOCK_MONOTONIC when its frame was read */
} ib_bar_data;

#endif
