/*
 * bar_spec.h - one `bars` item: which bars of which contract, and whether
 * they warm a strategy up before the gate opens.
 *
 *   CONTRACT:SIZE                     live bars only (SIZE 5s: reqRealTimeBars)
 *   CONTRACT:SIZE:DURATION            DURATION of history first (reqHistoricalData,
 *                                     keepUpToDate), then the bar being built
 *   ...[:WHAT]                        what to show: TRADES (default; MIDPOINT for CASH),
 *                                     MIDPOINT, BID, ASK, BID_ASK, ...
 *
 * CONTRACT is a contract spec (codec/contract_spec.h: AAPL, FUT:ES@CME:202603,
 * CASH:EUR.USD@IDEALPRO, ...); the size, duration and what-to-show are
 * taken from the right, so a spec's own colons stay its own.  SIZE: 5s 10s
 * 15s 30s, 1min 2min 3min 5min 10min 15min 20min 30min, 1h 2h 3h 4h 8h,
 * 1d, 1w, 1mo.  DURATION: a count and IB's unit, S D W M Y (3600S, 2D, 1W).
 * Examples: `bars = AAPL:5s, FUT:ES@CME:202603:1min:2D, CASH:EUR.USD@IDEALPRO:5min:1D`.
 * Pure parsing, no state; any thread.
 */
#ifndef IBPIPE_BAR_SPEC_H
#define IBPIPE_BAR_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "codec/contract_spec.h"
#include "ibpipe/req.h"

#define IB_BAR_SIZE_TOK 8      /* "1min", "5s" */
#define IB_BAR_NAME_LEN (IB_SPEC_BUF + IB_BAR_SIZE_TOK + 32) /* "<key>:<size>[:<what>]" */

typedef struct ib_bar_cfg {
	ib_contract contract;
	char key[IB_SPEC_BUF];          /* the instrument key (ib_spec_key): Redis and the SDK */
	char size_tok[IB_BAR_SIZE_TOK]; /* as written: 5s, 1min, 1h ... */
	char name[IB_BAR_NAME_LEN];     /* "<key>:<size_tok>", ":<what>" added when not the default:
	                                   P:bars:<name>, sync detail bars:<name>, one series per name */
	char bar_size[16];              /* IB's words: "5 secs", "1 min", "2 hours" */
	char duration[16];              /* IB's words: "2 D"; "" for live-only bars */
	char what[24];                  /* TRADES, MIDPOINT, ... */
	bool realtime;                  /* 5s without a duration: reqRealTimeBars */
	bool warmup;                    /* a duration: history before the gate opens */
	int bar_secs;                   /* the bar's length in seconds (a month counts 30 days) */
} ib_bar_cfg;

/* Parse one item (len bytes of text); IB_OK, or IB_EINVAL with a line naming it in err. */
int ib_bar_spec_parse(const char *text, size_t len, ib_bar_cfg *out, char *err, size_t errcap);
/*
 * A comma list of items into out[0..max-1] (spaces around items ignored, an
 * item naming a series already listed dropped); *n the count.  All or
 * nothing: on IB_EINVAL out and *n are untouched.
 */
int ib_bar_list_parse(const char *v, ib_bar_cfg *out, int max, int *n, char *err, size_t errcap);
/* Append one item to out[0..*n) (a duplicate is a no-op); IB_EINVAL when bad or full. */
int ib_bar_list_add(const char *item, ib_bar_cfg *out, int max, int *n, char *err, size_t errcap);
/* The list as it would be written: "AAPL:5s,FUT:ES@CME:202603:1min:2D:TRADES". */
void ib_bar_list_show(const ib_bar_cfg *b, int n, char *out, size_t cap);

#endif
