/*
 * sim_encode.h - the gateway's side of the wire: inbound messages (what
 * IB Gateway sends) encoded field for field at a negotiated server version.
 *
 * Every function appends one complete frame (length prefix included) to a
 * sim_out, or nothing: a frame that does not fit is rolled back and
 * o->overflow is set, so a buffer never holds half a message.  Layouts are
 * exact for server versions SIM_SV_MIN..SIM_SV_MAX (see
 * docs/protocol.md): strict clients such as @stoqey/ib reject a
 * frame with one field too many or too few, so nothing here is lenient.
 * No allocation; numbers are formatted as the Java gateway formats them.
 */
#ifndef IBSIM_SIM_ENCODE_H
#define IBSIM_SIM_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ibpipe/ib.h"

/* The server versions ibsim serves; every layout below is exact across them. */
#define SIM_SV_MIN IB_CLIENT_MIN
#define SIM_SV_MAX IB_CLIENT_MAX

/* Gates inside SIM_SV_MIN..SIM_SV_MAX that change what a gateway sends. */
enum sim_sv_gate {
	SIM_SV_DURATION = 158,             /* openOrder: duration */
	SIM_SV_POST_TO_ATS = 160,          /* openOrder: postToAts */
	SIM_SV_AUTO_CANCEL_PARENT = 162,   /* openOrder: autoCancelParent */
	SIM_SV_FRACTIONAL_SIZE = 163,      /* contractData: one size field, only at 163 */
	SIM_SV_SIZE_RULES = IB_SV_SIZE_RULES,                     /* 164 contractData: no version, size rules */
	SIM_SV_ADVANCED_REJECT = IB_SV_ADVANCED_ORDER_REJECT,     /* 166 errMsg: advancedOrderRejectJson */
	SIM_SV_PEG_BEST_MID = 170,         /* openOrder: minTradeQty .. midOffsetAtHalf */
	SIM_SV_FA_PROFILE_DESUPPORT = 177, /* openOrder: faProfile gone (above what we serve) */
};

typedef struct sim_out {
	char *buf;
	size_t len, cap;
	int sv;          /* negotiated server version the layouts follow */
	bool overflow;   /* a frame did not fit and was dropped */
	uint64_t frames; /* frames appended */
	/* private: the frame being built */
	size_t start;
	bool bad;
} sim_out;

void sim_out_init(sim_out *o, char *buf, size_t cap, int sv);

/* A contract as a gateway describes one of its own (a US stock, here). */
typedef struct sim_k {
	int32_t con_id;
	const char *symbol;
	const char *sec_type;      /* "STK" */
	const char *exchange;      /* routing exchange: "SMART" in orders, venue in executions */
	const char *primary;       /* listing exchange: "NASDAQ", "NYSE", "ARCA" */
	const char *currency;
	const char *local_symbol;
	const char *trading_class; /* "NMS" for US stocks */
	/* derivatives (NULL / 0 for a stock): what a gateway fills in for FUT, OPT, CASH, IND */
	const char *last_trade_date; /* "20260320" */
	double strike;
	const char *right;           /* "C", "P" */
	const char *multiplier;      /* "50" */
} sim_k;

/* An order as openOrder reports it: the values a client set, plus the gateway's. */
typedef struct sim_enc_order {
	int32_t order_id, client_id;
	int64_t perm_id;
	const char *action;     /* BUY, SELL */
	double total_qty;
	const char *order_type; /* MKT, LMT, STP, STP LMT, TRAIL, MOC, LOC */
	double lmt_price, aux_price;
	const char *tif, *account, *order_ref;
	bool outside_rth;
	const char *status;     /* order state: PreSubmitted, Submitted, Filled, Cancelled */
	double commission;      /* IB_UNSET_DOUBLE until known */
	/* brackets, OCA, TRAIL, GTD (0 / NULL: none) */
	int32_t parent_id, oca_type;
	const char *oca_group, *good_till_date;
	double trail_stop_price, trailing_percent;
} sim_enc_order;

typedef struct sim_enc_status {
	int32_t order_id;
	const char *status;
	double filled, remaining, avg_fill_price;
	int64_t perm_id;
	int32_t parent_id;
	double last_fill_price;
	int32_t client_id;
	const char *why_held;
	double mkt_cap_price;
} sim_enc_status;

typedef struct sim_enc_exec {
	int32_t req_id, order_id;
	const char *exec_id, *time, *account, *exchange, *side; /* side: BOT, SLD */
	double shares, price;
	int64_t perm_id;
	int32_t client_id;
	double cum_qty, avg_price;
	const char *order_ref;
} sim_enc_exec;

typedef struct sim_enc_details {
	const char *market_name, *long_name, *industry, *category, *subcategory, *isin;
	double min_tick;
	/* NULL / 0: a US stock's values */
	int32_t under_con_id;
	const char *contract_month, *time_zone, *trading_hours, *liquid_hours;
	const char *under_symbol, *under_sec_type, *real_expiration, *stock_type;
	const char *order_types, *valid_exchanges, *sec_id_type; /* sec_id_type: "ISIN" when NULL */
	const char *min_size, *size_increment, *suggested_size_increment;
} sim_enc_details;

/* One bar of historicalData / historicalDataUpdate / realtimeBar. */
typedef struct sim_enc_bar {
	const char *time;   /* as the request's formatDate asks */
	int64_t epoch;      /* realtimeBar's time */
	double open, high, low, close, volume, wap; /* volume, wap -1 where none */
	int32_t count;
} sim_enc_bar;

/* Handshake and session */
int sim_enc_handshake_reply(sim_out *o, int sv, const char *conn_time);
int sim_enc_managed_accounts(sim_out *o, const char *list);
int sim_enc_next_valid_id(sim_out *o, int32_t id);
int sim_enc_current_time(sim_out *o, int64_t epoch_s);
int sim_enc_error(sim_out *o, int32_t req_id, int32_t code, const char *msg);

/* Market data */
int sim_enc_tick_price(sim_out *o, int32_t req_id, int32_t tick_type, double price, double size, int32_t attr);
int sim_enc_tick_size(sim_out *o, int32_t req_id, int32_t tick_type, double size);
int sim_enc_tick_string(sim_out *o, int32_t req_id, int32_t tick_type, const char *value);
int sim_enc_tick_req_params(sim_out *o, int32_t req_id, double min_tick, const char *bbo_exchange, int32_t perms);
int sim_enc_tick_snapshot_end(sim_out *o, int32_t req_id);
int sim_enc_market_data_type(sim_out *o, int32_t req_id, int32_t type);
/* tickOptionComputation (21) at the 156+ layout (tickAttrib, no version); DBL_MAX is sent as IB's "not computed" */
struct sim_greeks {
	double iv, delta, opt_price, pv_dividend, gamma, vega, theta, und_price;
};
int sim_enc_tick_option(sim_out *o, int32_t req_id, int32_t tick_type, const struct sim_greeks *g);
/* tickPrice whose size field is a fixed-width integer of `width` digits (for in-place stamps) */
int sim_enc_tick_price_fixed(sim_out *o, int32_t req_id, int32_t tick_type, double price, int64_t size, int width,
			     size_t *size_off);

/* Depth: updateMktDepth (12), and updateMktDepthL2 (13) for isSmartDepth requests */
int sim_enc_mkt_depth(sim_out *o, int32_t req_id, int32_t pos, int32_t operation, int32_t side, double price,
		      double size);
int sim_enc_mkt_depth_l2(sim_out *o, int32_t req_id, int32_t pos, const char *market_maker, int32_t operation,
			 int32_t side, double price, double size, bool is_smart);
/* tickByTick (99): Last / AllLast, BidAsk, MidPoint */
int sim_enc_tick_by_tick_last(sim_out *o, int32_t req_id, int32_t type, int64_t time, double price, double size,
			      int32_t attr_mask, const char *exchange, const char *special_conditions);
int sim_enc_tick_by_tick_bid_ask(sim_out *o, int32_t req_id, int64_t time, double bid, double ask, double bid_size,
				 double ask_size, int32_t attr_mask);
int sim_enc_tick_by_tick_midpoint(sim_out *o, int32_t req_id, int64_t time, double mid);

/* Accounts and positions */
int sim_enc_acct_value(sim_out *o, const char *key, const char *value, const char *currency, const char *account);
int sim_enc_portfolio_value(sim_out *o, const sim_k *k, double position, double mkt_price, double mkt_value,
			    double avg_cost, double unrealized, double realized, const char *account);
int sim_enc_acct_update_time(sim_out *o, const char *hhmm);
int sim_enc_acct_download_end(sim_out *o, const char *account);
int sim_enc_position(sim_out *o, const char *account, const sim_k *k, double position, double avg_cost);
int sim_enc_position_end(sim_out *o);
int sim_enc_account_summary(sim_out *o, int32_t req_id, const char *account, const char *tag, const char *value,
			    const char *currency);
int sim_enc_account_summary_end(sim_out *o, int32_t req_id);

/* Contracts */
int sim_enc_contract_data(sim_out *o, int32_t req_id, const sim_k *k, const sim_enc_details *d);
int sim_enc_contract_data_end(sim_out *o, int32_t req_id);

/* Bars and P&L */
int sim_enc_historical_data(sim_out *o, int32_t req_id, const char *start, const char *end, const sim_enc_bar *bars,
			    int n);
int sim_enc_historical_update(sim_out *o, int32_t req_id, const sim_enc_bar *b);
int sim_enc_realtime_bar(sim_out *o, int32_t req_id, const sim_enc_bar *b);
int sim_enc_pnl(sim_out *o, int32_t req_id, double daily, double unrealized, double realized);
int sim_enc_pnl_single(sim_out *o, int32_t req_id, double pos, double daily, double unrealized, double realized,
		       double value);

/* Orders and executions */
int sim_enc_open_order(sim_out *o, const sim_k *k, const sim_enc_order *ord);
int sim_enc_open_order_end(sim_out *o);
int sim_enc_order_status(sim_out *o, const sim_enc_status *st);
int sim_enc_exec_details(sim_out *o, const sim_k *k, const sim_enc_exec *x);
int sim_enc_exec_details_end(sim_out *o, int32_t req_id);
int sim_enc_commission_report(sim_out *o, const char *exec_id, double commission, const char *currency,
			      double realized_pnl);

/* Any fields verbatim, for fault injection (a frame a decoder must reject). */
int sim_enc_raw(sim_out *o, const char *const *fields, int n);

/* Number formats the gateway uses; exposed for pre-encoded buffers and tests. */
size_t sim_fmt_double(char *buf, size_t cap, double v);  /* Java Double.toString: "0.0", "187.25", "1.7976931348623157E308" */
size_t sim_fmt_decimal(char *buf, size_t cap, double v); /* a quantity: "100", "0", "12.5" */

#endif
