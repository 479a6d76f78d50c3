/*
 * msg.h - typed inbound messages.
 *
 * ib_msg_decode turns one frame payload into a fixed-size struct: numbers
 * parsed, strings left as views into the payload (valid as long as the
 * frame is).  Field order follows the negotiated server version.
 * Nothing here allocates, and nothing here knows about threads or Redis.
 */
#ifndef IBPIPE_MSG_H
#define IBPIPE_MSG_H

#include "codec/wire.h"

/* Contract fields as they appear inside inbound messages. */
typedef struct ib_contract_view {
	int32_t con_id;
	ib_str symbol, sec_type, last_trade_date;
	double strike;
	ib_str right, multiplier, exchange, primary_exchange, currency, local_symbol, trading_class;
} ib_contract_view;

typedef struct ib_tick_price {
	int32_t req_id, tick_type;
	double price, size;
	int32_t attr_mask;
} ib_tick_price;

typedef struct ib_tick_size {
	int32_t req_id, tick_type;
	double size;
} ib_tick_size;

typedef struct ib_tick_string {
	int32_t req_id, tick_type;
	ib_str value;
} ib_tick_string;

typedef struct ib_tick_generic {
	int32_t req_id, tick_type;
	double value;
} ib_tick_generic;

/*
 * tickOptionComputation (21): IB's option model for one tick type (10 bid, 11 ask, 12 last,
 * 13 model, 80-83 the delayed ones).  Server versions 156+ (all we speak) send tickAttrib
 * (0 return-based, 1 price-based) and no message version.  IB marks "not computed" with -1
 * (impliedVol, optPrice, pvDividend, undPrice) or -2 (delta, gamma, vega, theta); those, and
 * anything not finite, decode as IB_UNSET_DOUBLE.
 */
typedef struct ib_tick_option {
	int32_t req_id, tick_type, tick_attrib;
	double implied_vol, delta, opt_price, pv_dividend, gamma, vega, theta, und_price;
} ib_tick_option;

typedef struct ib_order_status {
	int32_t order_id;
	ib_str status;
	double filled, remaining, avg_fill_price;
	int64_t perm_id;
	int32_t parent_id;
	double last_fill_price;
	int32_t client_id;
	ib_str why_held;
	double mkt_cap_price;
} ib_order_status;

typedef struct ib_error {
	int32_t req_id, code;
	ib_str message, advanced_json;
	int64_t error_time_ms; /* 0 before server version 194 */
} ib_error;

typedef struct ib_open_order {
	int32_t order_id;
	ib_contract_view contract;
	ib_str action;
	double total_qty;
	ib_str order_type;
	double lmt_price, aux_price;
	ib_str tif, account, order_ref;
	int32_t client_id;
	int64_t perm_id;
	ib_str oca_group;   /* "" none */
	int32_t parent_id;  /* a bracket child's parent, 0 none */
	ib_str status; /* order state block; empty if the frame ended early */
} ib_open_order;

typedef struct ib_acct_value {
	ib_str key, value, currency, account;
} ib_acct_value;

typedef struct ib_portfolio_value {
	ib_contract_view contract;
	double position, market_price, market_value, average_cost, unrealized_pnl, realized_pnl;
	ib_str account;
} ib_portfolio_value;

typedef struct ib_acct_update_time {
	ib_str time;
} ib_acct_update_time;

typedef struct ib_next_valid_id {
	int32_t order_id;
} ib_next_valid_id;

typedef struct ib_managed_accts {
	ib_str list; /* comma-separated, may end with a comma: use ib_accounts_next */
} ib_managed_accts;

typedef struct ib_exec_details {
	int32_t req_id, order_id;
	ib_contract_view contract;
	ib_str exec_id, time, account, exchange, side;
	double shares, price;
	int64_t perm_id;
	int32_t client_id, liquidation;
	double cum_qty, avg_price;
	ib_str order_ref;
	int32_t last_liquidity;
} ib_exec_details;

typedef struct ib_current_time {
	int64_t time;
} ib_current_time;

typedef struct ib_acct_download_end {
	ib_str account;
} ib_acct_download_end;

typedef struct ib_req_end {
	int32_t req_id; /* execDetailsEnd, contractDataEnd, accountSummaryEnd, ...Multi end */
} ib_req_end;

typedef struct ib_market_data_type {
	int32_t req_id, type;
} ib_market_data_type;

typedef struct ib_position {
	ib_str account;
	ib_contract_view contract;
	double position, avg_cost;
} ib_position;

typedef struct ib_account_summary {
	int32_t req_id;
	ib_str account, tag, value, currency;
} ib_account_summary;

typedef struct ib_account_update_multi {
	int32_t req_id;
	ib_str account, model_code, key, value, currency;
} ib_account_update_multi;

typedef struct ib_tick_req_params {
	int32_t ticker_id;
	double min_tick;
	ib_str bbo_exchange;
	int32_t snapshot_permissions;
} ib_tick_req_params;

typedef struct ib_contract_data {
	int32_t req_id;
	ib_contract_view contract;
	ib_str market_name;
	double min_tick;
	ib_str order_types, valid_exchanges, long_name;
	int32_t under_con_id;
	ib_str contract_month;         /* "202603" for futures and options */
	ib_str time_zone_id;           /* "US/Central" */
	ib_str trading_hours, liquid_hours; /* "20260105:1700-20260106:1600;..." */
	ib_str under_symbol, under_sec_type;
	ib_str market_rule_ids;
	ib_str real_expiration_date;   /* empty before server version 134 */
	ib_str stock_type;             /* empty before 152 */
	double min_size, size_increment, suggested_size_increment; /* 0 before 164 */
} ib_contract_data;

/* One bar of historicalData, historicalDataUpdate or realtimeBar. */
typedef struct ib_bar {
	ib_str time;   /* as sent: "20260105 09:30:00" (formatDate 1), epoch seconds (2), or realtimeBar's epoch */
	double open, high, low, close;
	double volume, wap; /* -1 where IB has none (MIDPOINT, BID, ASK bars) */
	int32_t count;      /* trades in the bar; -1 where IB has none */
} ib_bar;

/*
 * historicalData (17): the bars stay in the frame.  Decoding checks every
 * bar's every field, so ib_bars_next over a decoded message cannot fail.
 */
typedef struct ib_historical_data {
	int32_t req_id;
	ib_str start, end;   /* the range served; empty from server version 196 (historicalDataEnd) */
	int32_t count;
	const char *bars;    /* first field of the first bar */
	uint32_t bars_len;   /* bytes of all count bars' fields */
} ib_historical_data;

typedef struct ib_bar_iter {
	ib_fields c;
	int32_t left;
} ib_bar_iter;

typedef struct ib_historical_update {
	int32_t req_id;
	ib_bar bar;          /* keepUpToDate: the bar being built; time is its start */
} ib_historical_update;

typedef struct ib_historical_end {
	int32_t req_id;
	ib_str start, end;
} ib_historical_end;

typedef struct ib_realtime_bar {
	int32_t req_id;
	int64_t time;        /* bar start, epoch seconds */
	ib_bar bar;          /* bar.time is the same time as text */
} ib_realtime_bar;

/* pnl (94): account P&L; IB sends DBL_MAX (IB_UNSET_DOUBLE) for a value it does not have. */
typedef struct ib_pnl {
	int32_t req_id;
	double daily, unrealized, realized;
} ib_pnl;

/* pnlSingle (95): one position's P&L. */
typedef struct ib_pnl_single {
	int32_t req_id;
	double position, daily, unrealized, realized, value;
} ib_pnl_single;

typedef struct ib_tick_by_tick {
	int32_t req_id, type; /* enum ib_tbt_type */
	int64_t time;
	double price, size;      /* Last, AllLast */
	int32_t attr_mask;       /* all but MidPoint */
	ib_str exchange, special_conditions;
	double bid_price, ask_price, bid_size, ask_size; /* BidAsk */
	double mid_point;        /* MidPoint */
} ib_tick_by_tick;

typedef struct ib_mkt_depth {
	int32_t req_id, position;
	ib_str market_maker; /* L2 only */
	int32_t operation;   /* 0 insert, 1 update, 2 delete */
	int32_t side;        /* 0 ask, 1 bid */
	double price, size;
	bool is_smart;       /* L2 only */
} ib_mkt_depth;

typedef struct ib_msg {
	int32_t id; /* enum ib_in_id */
	union {
		ib_tick_price tick_price;
		ib_tick_size tick_size;
		ib_tick_string tick_string;
		ib_tick_generic tick_generic;
		ib_tick_option tick_option;
		ib_order_status order_status;
		ib_error error;
		ib_open_order open_order;
		ib_acct_value acct_value;
		ib_portfolio_value portfolio_value;
		ib_acct_update_time acct_update_time;
		ib_next_valid_id next_valid_id;
		ib_managed_accts managed_accts;
		ib_exec_details exec_details;
		ib_current_time current_time;
		ib_acct_download_end acct_download_end;
		ib_req_end req_end;
		ib_market_data_type market_data_type;
		ib_position position;
		ib_account_summary account_summary;
		ib_account_update_multi account_update_multi;
		ib_tick_req_params tick_req_params;
		ib_contract_data contract_data;
		ib_tick_by_tick tick_by_tick;
		ib_mkt_depth mkt_depth;
		ib_historical_data historical_data;
		ib_historical_update historical_update;
		ib_historical_end historical_end;
		ib_realtime_bar realtime_bar;
		ib_pnl pnl;
		ib_pnl_single pnl_single;
	} u;
} ib_msg;

/* Where decoding failed: message id and field index, plus a printable reason. */
typedef struct ib_decode_err {
	int32_t msg_id;
	int field;
	char errstr[128];
} ib_decode_err;

/*
 * Decode one payload at the given server version.  Returns IB_OK,
 * IB_EUNKNOWN for ids this decoder does not know (the frame is to be
 * skipped and counted), or IB_EFIELD / IB_ENUM with *err filled in.
 * Surplus trailing fields are ignored; a missing last optional text field
 * (advancedOrderRejectJson) reads as empty.  err may be NULL.
 */
int ib_msg_decode(const char *payload, size_t len, int server_version, ib_msg *out, ib_decode_err *err);

/* The message's name as in the official client ("tickPrice"), or NULL. */
const char *ib_msg_name(int32_t id);

/*
 * Server's handshake reply: "serverVersion|connectionTime|".
 * IB_OK, or IB_EFIELD / IB_ENUM for anything else.
 */
int ib_handshake_reply_parse(const char *payload, size_t len, int *server_version, ib_str *conn_time);

/* Iterate a managedAccounts list, skipping empties: while (ib_accounts_next(&list, &acct)) ... */
bool ib_accounts_next(ib_str *list, ib_str *acct);

/* Walk a decoded historicalData's bars: ib_bars_begin(&m->u.historical_data, &it); while (ib_bars_next(&it, &bar)) ... */
void ib_bars_begin(const ib_historical_data *m, ib_bar_iter *it);
bool ib_bars_next(ib_bar_iter *it, ib_bar *bar);

/*
 * Write one message as a JSON object (no newline) into buf; returns the
 * length written, or a negative status if it did not fit.  Used by
 * `ibpipe dump` and by logs.
 */
int ib_msg_to_json(const ib_msg *m, char *buf, size_t cap);

#endif
