/*
 * event.h - what the network thread routes to the market-data and account
 * threads (the strategies' ring slots are in pipeline_state.h).
 *
 * Every event is a fixed-size value with its strings copied in: the frame
 * it came from is gone by the time a consumer looks.  The market-data event
 * is kept small (it is the hot path); account and order events are a tagged
 * union of one small struct per kind, bigger and rarer.
 */
#ifndef IBPIPE_EVENT_H
#define IBPIPE_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "ibpipe/account.h"
#include "ibpipe/bar.h"
#include "ibpipe/quote.h"
#include "ibpipe/req.h"
#include "ibpipe/strategy.h"
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
	IB_MD_OPTION,     /* tickOptionComputation, field = tick type: a = iv, b = delta, c = optPrice, d = undPrice */
	IB_MD_OPTION_GREEKS, /* the model one's rest: a = gamma, b = vega, c = theta, d = pvDividend */
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
_Static_assert(sizeof(struct ib_md_event) == 64, "the market-data event is one cache line: keep it so");

/* ---- network -> account thread: account, order and connection events ---- */

enum ib_acct_kind {
	IB_AE_CONN_UP = 1,   /* u.conn_up: the handshake is done */
	IB_AE_CONN_DOWN,     /* u.conn_down */
	IB_AE_NOTICE,        /* u.notice: errMsg */
	IB_AE_MANAGED_ACCTS, /* u.managed_accts: one part of the list */
	IB_AE_NEXT_ID,       /* u.next_id */
	IB_AE_ACCT_VALUE,    /* u.acct_value */
	IB_AE_PORTFOLIO,     /* u.portfolio */
	IB_AE_ACCT_TIME,     /* u.acct_time */
	IB_AE_DOWNLOAD_END,  /* u.download_end */
	IB_AE_POSITION,      /* u.position */
	IB_AE_POSITION_END,  /* no member */
	IB_AE_ORDER_STATUS,  /* u.order_status */
	IB_AE_OPEN_ORDER,    /* u.open_order */
	IB_AE_OPEN_ORDER_END, /* no member */
	IB_AE_EXEC,          /* u.exec */
	IB_AE_EXEC_END,      /* u.exec_end */
	IB_AE_CURRENT_TIME,  /* u.current_time */
	IB_AE_PLACED,        /* u.placed: our placeOrder went out */
	IB_AE_CANCEL_SENT,   /* u.cancel_sent: our cancelOrder went out */
	IB_AE_REFUSED,       /* u.refused: a request of ours was refused locally */
	IB_AE_CONTRACT,      /* u.contract: a configured contract resolved, or could not be (resolve.c) */
	IB_AE_PNL,           /* u.pnl: pnl or pnlSingle */
	IB_AE_BAR,           /* u.bar: one bar (historical, keepUpToDate update, real-time) */
	IB_AE_BAR_END,       /* u.bar.req_id: historicalDataEnd, the history of a request is all in */
};

/* Widths of the strings only these events carry (bytes, with the NUL). */
#define IB_AE_TEXT_LEN 256      /* a gateway message, a refusal, a disconnect reason, a list part */
#define IB_EXEC_ID_LEN 48
#define IB_EXEC_SIDE_LEN 8      /* BOT, SLD */
#define IB_EXEC_TIME_LEN 40     /* "20240102  15:30:00 US/Eastern" */

/* The contract fields the account thread keeps (an ib_pos, an order's symbol). */
typedef struct ib_ae_contract {
	int32_t con_id;
	char symbol[IB_SYMBOL_LEN];
	char sec_type[IB_SEC_TYPE_LEN];
	char exchange[IB_EXCHANGE_LEN];  /* the primary exchange when IB gave no exchange */
	char currency[IB_CURRENCY_LEN];
} ib_ae_contract;

/* What an order is, as we placed it or as openOrder describes it. */
typedef struct ib_ae_order {
	ib_ae_contract contract;
	char account[IB_ACCOUNT_ID_LEN];
	char action[IB_ORDER_ACTION_LEN];
	char order_type[IB_ORDER_TYPE_LEN];
	char tif[IB_ORDER_TIF_LEN];
	double total_qty, lmt_price, aux_price;
	int32_t parent_id;           /* 0: none */
	char oca_group[24];          /* "": none */
} ib_ae_order;

typedef struct ib_ae_conn_up {
	int32_t server_version, client_id;
	uint32_t session;          /* net.live_session of this connection */
} ib_ae_conn_up;

typedef struct ib_ae_conn_down {
	char reason[IB_AE_TEXT_LEN];
} ib_ae_conn_down;

typedef struct ib_ae_notice {
	int32_t req_id, code;  /* code: enum ib_err_code or any other the gateway sends */
	char text[IB_AE_TEXT_LEN];
} ib_ae_notice;

/* A managedAccounts list longer than one event comes in parts (netloop.c). */
typedef struct ib_ae_managed_accts {
	int32_t part;  /* from 0 */
	bool more;     /* another part follows */
	char list[IB_AE_TEXT_LEN];
} ib_ae_managed_accts;

typedef struct ib_ae_next_id {
	int32_t order_id;
} ib_ae_next_id;

typedef struct ib_ae_portfolio {
	char account[IB_ACCOUNT_ID_LEN];
	ib_ae_contract contract;
	double position, average_cost, market_price, market_value, unrealized_pnl, realized_pnl;
} ib_ae_portfolio;

typedef struct ib_ae_acct_time {
	char time[IB_ACCT_TIME_LEN];  /* of the account subscribed last */
} ib_ae_acct_time;

typedef struct ib_ae_download_end {
	char account[IB_ACCOUNT_ID_LEN];
} ib_ae_download_end;

typedef struct ib_ae_position {
	char account[IB_ACCOUNT_ID_LEN];
	ib_ae_contract contract;
	double position, avg_cost;
} ib_ae_position;

typedef struct ib_ae_order_status {
	int32_t order_id, parent_id;
	int64_t perm_id;
	char status[IB_ORDER_STATUS_LEN];
	double filled, remaining, avg_fill_price, last_fill_price;
} ib_ae_order_status;

typedef struct ib_ae_open_order {
	int32_t order_id;
	int64_t perm_id;
	char status[IB_ORDER_STATUS_LEN];  /* "" when the frame had no order state */
	ib_ae_order order;
} ib_ae_open_order;

typedef struct ib_ae_exec {
	int32_t order_id, req_id;
	ib_ae_contract contract;
	char account[IB_ACCOUNT_ID_LEN];
	char side[IB_EXEC_SIDE_LEN];
	char exec_id[IB_EXEC_ID_LEN];      /* cut when the gateway's is longer: exec_hash is of the whole */
	char time[IB_EXEC_TIME_LEN];
	double shares, price, cum_qty, avg_price;
	/* the de-duplication key (orders.c): a hash of the whole execId as it came on the wire, so ids
	   that differ only past the cut stay apart; 0 for an empty execId, which cannot be
	   de-duplicated, so every such execution is published */
	uint64_t exec_hash;
} ib_ae_exec;

typedef struct ib_ae_exec_end {
	int32_t req_id;
} ib_ae_exec_end;

typedef struct ib_ae_current_time {
	int64_t time;  /* epoch s */
} ib_ae_current_time;

typedef struct ib_ae_placed {
	int32_t order_id;
	int32_t strategy;  /* who placed it, -1 the pipeline */
	ib_ae_order order;
} ib_ae_placed;

typedef struct ib_ae_cancel_sent {
	int32_t order_id;
} ib_ae_cancel_sent;

typedef struct ib_ae_refused {
	int32_t order_id;
	int32_t strategy;  /* who asked, -1 the pipeline */
	int32_t status;    /* enum ib_status */
	char reason[IB_AE_TEXT_LEN];
} ib_ae_refused;

typedef struct ib_ae_contract_res {
	int32_t slot;      /* in the contract table (core/contracts.h) */
	int32_t outcome;   /* enum ib_contract_outcome */
	int32_t con_id;    /* resolved: its conId */
	char why[IB_AE_TEXT_LEN]; /* not resolved: why, naming the candidates of an ambiguous spec */
} ib_ae_contract_res;
/* pnl (single false) or pnlSingle: the numbers as the gateway sent them (DBL_MAX: unset). */
typedef struct ib_ae_pnl {
	int32_t req_id;
	bool single;
	double position, daily, unrealized, realized, value;
} ib_ae_pnl;

struct ib_acct_event {
	int32_t kind;       /* enum ib_acct_kind: which member of u is set */
	int64_t recv_ns;    /* CLOCK_MONOTONIC when the frame was read (or the request written) */
	uint64_t seq;       /* position in the stream of account events, from 1 */
	uint64_t md_before; /* market-data events routed before this one */
	union {
		ib_ae_conn_up conn_up;
		ib_ae_conn_down conn_down;
		ib_ae_notice notice;
		ib_ae_managed_accts managed_accts;
		ib_ae_next_id next_id;
		ib_account_update acct_value;
		ib_ae_portfolio portfolio;
		ib_ae_acct_time acct_time;
		ib_ae_download_end download_end;
		ib_ae_position position;
		ib_ae_order_status order_status;
		ib_ae_open_order open_order;
		ib_ae_exec exec;
		ib_ae_exec_end exec_end;
		ib_ae_current_time current_time;
		ib_ae_placed placed;
		ib_ae_cancel_sent cancel_sent;
		ib_ae_refused refused;
		ib_ae_contract_res contract;
		ib_ae_pnl pnl;
		ib_bar_data bar;     /* series not yet known: the account thread maps req_id */
	} u;
};

/*
 * Ring slots are copied by value and the ring is preallocated: a field added
 * to one member must not silently grow every slot.
 */
#define IB_ACCT_EVENT_MAX 320
_Static_assert(sizeof(struct ib_acct_event) <= IB_ACCT_EVENT_MAX, "account event outgrew its ring slot budget");

IB_RING_DEFINE(md, ib_md_event)
IB_RING_DEFINE(acct, ib_acct_event)

#endif
