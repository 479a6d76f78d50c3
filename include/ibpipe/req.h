/*
 * req.h - outbound requests: what a client asks of the gateway.
 *
 * An ib_req is a fixed-size, self-contained value (no pointers), so it can
 * travel by copy through a ring from a strategy thread to the network thread,
 * which encodes it (codec/encode.h).
 */
#ifndef IBPIPE_REQ_H
#define IBPIPE_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ib.h"

typedef struct ib_contract {
	int32_t con_id;
	char symbol[IB_SYMBOL_LEN];
	char sec_type[8];          /* STK, OPT, FUT, CASH, ... */
	char last_trade_date[24];
	double strike;             /* IB_UNSET_DOUBLE or 0 -> sent as empty/0 as the official client does */
	char right[4];
	char multiplier[12];
	char exchange[16];
	char primary_exchange[16];
	char currency[8];
	char local_symbol[32];
	char trading_class[16];
} ib_contract;

/* A plain STK/SMART/USD contract, the common case. */
void ib_contract_stock(ib_contract *c, const char *symbol);

#define IB_ORDER_ACTION_LEN 8
#define IB_ORDER_TYPE_LEN 8
#define IB_ORDER_TIF_LEN 8

/* A tag=value pair, as IB's algo parameters. */
typedef struct ib_tag_value {
	char tag[24];
	char value[24];
} ib_tag_value;

#define IB_ALGO_PARAMS_MAX 2

/*
 * An order.  What each type needs (docs/protocol.md section 5, "Order types"):
 *   LMT lmt_price; STP aux_price (stop); "STP LMT" lmt_price + aux_price;
 *   TRAIL aux_price (trailing amount) or trailing_percent, optionally
 *   trail_stop_price (the first stop); MOC nothing; LOC lmt_price.
 *   TIF DAY GTC IOC FOK OPG, or GTD with good_till_date.
 * Brackets: children carry parent_id and share an oca_group; every order of
 * the chain but the last goes with transmit = false.
 */
typedef struct ib_order {
	int32_t order_id;
	char action[IB_ORDER_ACTION_LEN];   /* BUY, SELL */
	double total_qty;
	char order_type[IB_ORDER_TYPE_LEN]; /* LMT, MKT, STP, STP LMT, TRAIL, MOC, LOC */
	double lmt_price;   /* IB_UNSET_DOUBLE when not applicable */
	double aux_price;   /* stop price for STP / STP LMT, trailing amount for TRAIL */
	char tif[IB_ORDER_TIF_LEN];         /* DAY, GTC, IOC, FOK, GTD, OPG */
	char account[IB_ACCOUNT_ID_LEN];
	char order_ref[32];
	bool outside_rth;
	bool transmit;      /* false: held by the gateway until a later order of the chain transmits */
	int32_t parent_id;  /* 0: none */
	char oca_group[24]; /* empty: none */
	int32_t oca_type;   /* 0 (unset), 1 cancel others with block, 2 reduce with block, 3 reduce without */
	double trail_stop_price; /* TRAIL: the initial stop; 0 or IB_UNSET_DOUBLE: unset */
	double trailing_percent; /* TRAIL by percent (aux_price unset); 0 or IB_UNSET_DOUBLE: unset */
	char good_till_date[32]; /* GTD: "20260105 16:00:00 US/Eastern" */
	char algo_strategy[16];  /* "Adaptive", or empty */
	int32_t algo_param_count; /* 0..IB_ALGO_PARAMS_MAX */
	ib_tag_value algo_params[IB_ALGO_PARAMS_MAX]; /* Adaptive: adaptivePriority = Patient / Normal / Urgent */
} ib_order;

void ib_order_init(ib_order *o);

typedef struct ib_exec_filter {
	int32_t client_id;
	char account[IB_ACCOUNT_ID_LEN];
	char time[24];
	char symbol[IB_SYMBOL_LEN];
	char sec_type[8];
	char exchange[16];
	char side[8];
} ib_exec_filter;

typedef struct ib_req {
	int32_t id; /* enum ib_out_id */
	union {
		struct { int32_t client_id; char capabilities[64]; } start_api;
		struct {
			int32_t req_id;
			ib_contract contract;
			char generic_ticks[64];
			bool snapshot, regulatory_snapshot;
		} mkt_data;
		struct { int32_t req_id; } cancel; /* cancelMktData, cancelTickByTick, cancelAccountSummary, cancelHistoricalData,
						  cancelRealTimeBars, cancelPnL, cancelPnLSingle */
		struct { int32_t order_id; ib_contract contract; ib_order order; } place_order;
		struct { int32_t order_id; char manual_cancel_time[24]; } cancel_order;
		struct { bool subscribe; char account[IB_ACCOUNT_ID_LEN]; } acct_data;
		struct { int32_t req_id; ib_exec_filter filter; } executions;
		struct { int32_t num_ids; } ids;
		struct { int32_t req_id; ib_contract contract; bool include_expired; } contract_data;
		struct { int32_t type; } market_data_type;
		struct { int32_t req_id; char group[32]; char tags[256]; } account_summary;
		struct {
			int32_t req_id;
			ib_contract contract;
			char tick_type[12]; /* Last, AllLast, BidAsk, MidPoint */
			int32_t number_of_ticks;
			bool ignore_size;
		} tick_by_tick;
		struct { int32_t req_id; ib_contract contract; int32_t num_rows; bool is_smart; } mkt_depth;
		struct { int32_t req_id; bool is_smart; } cancel_mkt_depth;
		struct {
			int32_t req_id;
			ib_contract contract;
			bool include_expired;
			char end_date_time[32]; /* "20260105 16:00:00 US/Eastern", or empty: now (keepUpToDate needs empty) */
			char bar_size[16];      /* "1 min", "5 secs", "1 day" */
			char duration[16];      /* "1 D", "3600 S", "2 W" */
			bool use_rth;
			char what_to_show[24];  /* TRADES, MIDPOINT, BID, ASK, BID_ASK, ... */
			int32_t format_date;    /* 1: "yyyymmdd hh:mm:ss", 2: epoch seconds */
			bool keep_up_to_date;   /* then historicalDataUpdate follows */
		} historical_data;          /* cancelHistoricalData: cancel */
		struct {
			int32_t req_id;
			ib_contract contract;
			int32_t bar_size;       /* 5: IB serves only 5-second bars */
			char what_to_show[24];  /* TRADES, MIDPOINT, BID, ASK */
			bool use_rth;
		} realtime_bars;            /* cancelRealTimeBars: cancel */
		struct {
			int32_t req_id;
			char account[IB_ACCOUNT_ID_LEN];
			char model_code[24];
			int32_t con_id;         /* reqPnLSingle only */
		} pnl;                      /* cancelPnL, cancelPnLSingle: cancel */
	} u;
} ib_req;

/* True for message ids that place, modify or cancel orders. */
bool ib_req_is_order(int32_t id);

#endif
