/*
 * event.h - what travels through the pipeline's rings.
 *
 * Every event is a fixed-size value with its strings copied in: the frame
 * it came from is gone by the time a consumer looks.  The market-data event
 * is kept small (it is the hot path); account and order events are bigger
 * and rarer.
 */
#ifndef IBPIPE_EVENT_H
#define IBPIPE_EVENT_H

#include <stdint.h>

#include "ibpipe/quote.h"
#include "core/ring.h"

/* ---- network -> market-data thread ---- */

enum ib_md_kind {
	IB_MD_PRICE = 1,  /* a = price, b = size (tickPrice) */
	IB_MD_SIZE,       /* a = size (tickSize) */
	IB_MD_GENERIC,    /* a = value */
	IB_MD_TBT_TRADE,  /* a = price, b = size, time */
	IB_MD_TBT_BIDASK, /* a = bid, b = ask, c = bid size, d = ask size */
	IB_MD_TBT_MID,    /* a = mid */
	IB_MD_DEPTH,      /* a = price, b = size, position/operation/side */
	IB_MD_BOOK_RESET, /* empty the book of req_id: it is (re)subscribed, or IB said 317 */
};

struct ib_md_event {
	uint8_t kind;
	uint8_t operation, side;
	uint8_t pad;
	int32_t req_id;
	int32_t field;     /* tick type, or depth position */
	int32_t pad2;
	double a, b, c, d;
	int64_t recv_ns;   /* CLOCK_MONOTONIC when the frame was read */
	uint64_t acct_before; /* sequence number of the last account event routed before this one */
};

/* ---- network -> account thread: account, order and connection events ---- */

enum ib_acct_kind {
	IB_AE_CONN_UP = 1,   /* i0 = server version, i1 = client id */
	IB_AE_CONN_DOWN,     /* s0 = reason */
	IB_AE_NOTICE,        /* errMsg: i0 = req id, i1 = code, text = message */
	IB_AE_MANAGED_ACCTS, /* text = comma list */
	IB_AE_NEXT_ID,       /* i0 */
	IB_AE_ACCT_VALUE,    /* s0 account, s1 key, s2 currency, s3 value */
	IB_AE_PORTFOLIO,     /* s0 account, c = contract, d0.. */
	IB_AE_ACCT_TIME,     /* s3 = time */
	IB_AE_DOWNLOAD_END,  /* s0 = account */
	IB_AE_POSITION,      /* s0 account, contract, d0 position, d1 avg cost */
	IB_AE_POSITION_END,
	IB_AE_ORDER_STATUS,  /* i0 order id, s1 status, d0 filled, d1 remaining, d2 avg, d3 last, l0 perm id, text why held */
	IB_AE_OPEN_ORDER,    /* i0 order id, contract, s0 account, s1 status, s2 action, s3 type, d0 qty, d1 lmt, d2 aux, text tif */
	IB_AE_OPEN_ORDER_END,
	IB_AE_EXEC,          /* i0 order id, i1 req id, contract, s0 account, s1 side, s2 exec id, text time, d0 shares, d1 price, d2 cum, d3 avg */
	IB_AE_EXEC_END,      /* i0 req id */
	IB_AE_CURRENT_TIME,  /* l0 */
	IB_AE_PLACED,        /* our placeOrder went out: i0 order id, i1 strategy, contract, s0 account, s2 action, s3 type, d0 qty, d1 lmt, d2 aux, text tif */
	IB_AE_CANCEL_SENT,   /* i0 order id */
	IB_AE_REFUSED,       /* a request of ours was refused locally: i0 order id, i1 strategy, l0 status code, text reason */
};

struct ib_acct_event {
	int32_t kind;
	int32_t i0, i1;
	int32_t con_id;
	int64_t l0;
	double d0, d1, d2, d3, d4, d5;
	char s0[24], s1[48], s2[48], s3[64];
	char symbol[IB_SYMBOL_LEN], sec_type[8], exchange[16], currency[8];
	char text[256];
	int64_t recv_ns;
	uint64_t seq;      /* position in the stream of account events, from 1 */
	uint64_t md_before; /* market-data events routed before this one */
};

/* ---- market-data / account threads -> one strategy ---- */

enum ib_strat_kind {
	IB_SE_QUOTE = 1,     /* instrument, quote */
	IB_SE_ORDER,         /* order update */
	IB_SE_ACCOUNT,       /* account value changed: s0 account, s1 key, s2 currency, s3 value */
	IB_SE_GATE,          /* gate closed (i0 = 0) or opened (i0 = 1) */
	IB_SE_REJECT,        /* our own request refused: i0 order id, text reason */
	IB_SE_TRADE,         /* tick-by-tick trade: instrument, a price, b size */
	IB_SE_BBO,           /* tick-by-tick bid/ask: instrument */
	IB_SE_BOOK,          /* depth changed: instrument (the book is read from the shared table) */
};

IB_RING_DEFINE(md, ib_md_event)
IB_RING_DEFINE(acct, ib_acct_event)

#endif
