/*
 * strategy.h - how a strategy plugs in: a small table of callbacks.
 *
 * Each strategy runs on its own thread.  It is held until the account-sync
 * gate opens, then on_start receives a consistent copy of every account.
 * If the connection drops, on_pause is called and no order can be sent
 * until the next full sync, which calls on_start again with fresh state.
 * All callbacks of one strategy run on its thread, one at a time.  What a
 * callback is handed by pointer (a quote, a trade, a book, an update) is
 * good until the callback returns: a quote may be read where it lies in the
 * pipeline's ring, so copy what you keep.
 */
#ifndef IBPIPE_STRATEGY_H
#define IBPIPE_STRATEGY_H

#include <stdbool.h>
#include <stdint.h>

#include "account.h"
#include "bar.h"
#include "book.h"
#include "quote.h"
#include "req.h"

/* Opaque: a strategy reaches the pipeline only through the functions below. */
typedef struct ib_strategy_ctx ib_strategy_ctx;

#define IB_ORDER_STATUS_LEN 24
#define IB_ORDER_REASON_LEN 160

typedef struct ib_order_update {
	int32_t order_id;
	char symbol[IB_SYMBOL_LEN];
	char action[IB_ORDER_ACTION_LEN];
	char status[IB_ORDER_STATUS_LEN];  /* PendingSubmit Submitted PartiallyFilled Filled Cancelled Inactive Rejected */
	double total_qty, filled, remaining, avg_fill_price, last_fill_price;
	char reason[IB_ORDER_REASON_LEN];  /* why rejected / cancelled, when known */
} ib_order_update;

/* One tick-by-tick trade (Last or AllLast). */
typedef struct ib_trade {
	double price, size;
	int64_t time;            /* exchange time, epoch s */
	int64_t recv_mono_ns;    /* CLOCK_MONOTONIC when the frame was read */
} ib_trade;

typedef struct ib_strategy_vtable {
	const char *name;
	void *(*create)(ib_strategy_ctx *ctx);
	void (*on_start)(void *self, ib_strategy_ctx *ctx, const ib_accounts *accounts);
	void (*on_pause)(void *self, ib_strategy_ctx *ctx, const char *reason);
	void (*on_quote)(void *self, ib_strategy_ctx *ctx, uint32_t instrument, const ib_quote_data *q);
	void (*on_account)(void *self, ib_strategy_ctx *ctx, const ib_account_update *u);
	void (*on_order)(void *self, ib_strategy_ctx *ctx, const ib_order_update *u);
	/* A request of ours was refused (readonly, risk limit, gateway error). */
	void (*on_error)(void *self, ib_strategy_ctx *ctx, int32_t order_id, int code, const char *text);
	void (*on_stop)(void *self, ib_strategy_ctx *ctx);
	void (*destroy)(void *self);
	/*
	 * High-rate feeds (tick-by-tick and depth subscriptions).  on_trade gets
	 * every trade unless the strategy lags, when it gets the latest one and
	 * the skipped ones are counted; on_bbo gets the quote with the new
	 * bid/ask; on_book a consistent copy of the book as it is when the
	 * callback runs (changes in between are folded into it, and counted).
	 * Without on_trade / on_bbo those updates reach on_quote instead.
	 */
	void (*on_trade)(void *self, ib_strategy_ctx *ctx, uint32_t instrument, const ib_trade *t);
	void (*on_bbo)(void *self, ib_strategy_ctx *ctx, uint32_t instrument, const ib_quote_data *q);
	void (*on_book)(void *self, ib_strategy_ctx *ctx, uint32_t instrument, const ib_book *book);
	/*
	 * SDK ABI 1.0 (sdk.h).  Callbacks added later go below this line, so a
	 * plugin built before them sees them NULL.  on_timer: every interval set
	 * with ib_strategy_set_timer, while the gate is open, on the strategy's
	 * thread between other callbacks (a late tick is not repeated: one call
	 * however late, then the next is one interval on).
	 */
	void (*on_timer)(void *self, ib_strategy_ctx *ctx, int64_t now_mono_ns);
	/*
	 * SDK ABI 1.2.  on_bar: every bar of every series (`bars` in the
	 * config, ib_strategy_want_bars), on the strategy's own thread, in the
	 * order IB sent them, never coalesced or skipped.  A series with a
	 * history (AAPL:1min:2D) delivers it first, kind IB_BAR_HISTORICAL,
	 * all of it before on_start (the gate waits for its historicalDataEnd);
	 * then the bar being built, kind IB_BAR_UPDATE, again with update 1, 2
	 * ... as it changes.  5s series deliver IB_BAR_REALTIME bars.  Bars
	 * also come while paused (after on_pause): a reconnect's history is
	 * not delivered again, only what is newer.
	 */
	void (*on_bar)(void *self, ib_strategy_ctx *ctx, const ib_bar_data *bar);
} ib_strategy_vtable;

/*
 * ---- what a strategy may call ----
 * Threads: "own thread" means from inside one of this strategy's callbacks
 * (never from a thread the strategy starts itself); create() runs on the
 * main thread before any thread starts and may call everything marked
 * "own thread" except placing orders (the gate is closed then).  Of the
 * other functions declared in the SDK headers, the ones a plugin can link
 * are listed in mk/sdk.syms (ib_log, ib_strerror, ib_account_value /
 * _position, ib_accounts_find, ib_contract_stock, ib_order_init,
 * ib_req_is_order, ib_book_read, ib_hist_merge, ib_hist_quantile: any thread,
 * on data the caller holds);
 * the writer side (ib_book_apply, ib_accounts_add, ...) is ibpipe's own.
 */

/* Index of the strategy (0..N-1).  Any thread. */
int ib_strategy_index(const ib_strategy_ctx *ctx);
/* Instrument name of an index (NULL past the table).  Any thread, create() included. */
const char *ib_strategy_symbol(const ib_strategy_ctx *ctx, uint32_t instrument);
/* Latest quote of any instrument, a consistent copy (seqlock).  Any thread. */
void ib_strategy_quote(const ib_strategy_ctx *ctx, uint32_t instrument, ib_quote_data *out);
/*
 * Place an order: assigns an id (never reused, across reconnects and
 * restarts) into order->order_id, checks the risk limits and queues it.
 * Returns IB_OK (queued) or a refusal (< 0: a risk limit, the kill switch,
 * the closed sync gate, or IB_ENOORDERID when no id could be reserved on
 * disk), whose reason also reaches on_error after the current callback
 * returns; IB_ECLOSED once the pipeline is stopping.  Readonly is not
 * checked here: the encoder refuses the order, the one place that cannot
 * be bypassed, and on_error reports it.  Own thread (its rate limit and
 * refusals are the strategy's).
 */
int ib_strategy_place(ib_strategy_ctx *ctx, const ib_contract *c, ib_order *order);
/*
 * SDK ABI 1.1.  A bracket in one call: parent (the entry), take_profit (a
 * LMT on the other side) and stop_loss (a STP, STP LMT or TRAIL on the
 * other side), all for contract c.  The three are risk-checked as a whole
 * first (any refusal: none is sent, the refusal names the leg); then sent
 * in that order with the transmit chain (transmit = false on all but the
 * stop-loss, so nothing goes live before the last is at the gateway).  The
 * children get parent_id = the parent's id and share an OCA group
 * ("ibpipe-bracket-<parent id>" unless take_profit->oca_group names one;
 * ocaType 1), so the gateway holds them until the parent fills and a fill
 * of one cancels the other.  Each order_id is set.  Returns like
 * ib_strategy_place.  Own thread.
 *
 * OCA groups of any orders need no call of their own: give each order the
 * same oca_group (and oca_type) and place them one by one.
 */
int ib_strategy_place_bracket(ib_strategy_ctx *ctx, const ib_contract *c, ib_order *parent, ib_order *take_profit,
			      ib_order *stop_loss);
/*
 * SDK ABI 1.1.  The latest P&L of an account (reqPnL) or of its position in
 * con_id (reqPnLSingle; ibpipe subscribes every managed account and every
 * open position, with `pnl` on, its default).  IB_OK with *out filled, or
 * IB_EINVAL when the gateway has not reported it (yet).  A consistent copy
 * (seqlock).  Any thread.
 */
int ib_strategy_pnl(const ib_strategy_ctx *ctx, const char *account, ib_pnl_values *out);
int ib_strategy_position_pnl(const ib_strategy_ctx *ctx, const char *account, int32_t con_id, ib_pnl_values *out);
/*
 * SDK ABI 1.4.  The latest computations of an option instrument (quote.h:
 * ib_option_greeks; IB's tickOptionComputation, model and bid/ask/last
 * volatilities).  IB_OK with *out filled; IB_EINVAL for an instrument past
 * the table or one no computation has arrived for (yet: any non-option).
 * A consistent copy (seqlock), like ib_strategy_quote.  Any thread.  A new
 * computation comes with an on_quote for the option (its quote's version
 * moves, its prices may not), coalesced like quotes.
 */
int ib_strategy_option_greeks(const ib_strategy_ctx *ctx, uint32_t instrument, ib_option_greeks *out);
/* Re-send a live order with changed quantity/price (same id), risk-checked like a new one.  Own thread. */
int ib_strategy_modify(ib_strategy_ctx *ctx, const ib_contract *c, const ib_order *order);
/* Cancel an order by id.  Own thread. */
int ib_strategy_cancel(ib_strategy_ctx *ctx, int32_t order_id);
/*
 * From create() only, before any thread runs: ask for a tick-by-tick feed
 * (kind Last, AllLast, BidAsk or MidPoint) or a depth feed of `rows` rows
 * for a symbol, on top of the configured ones (the same subscription
 * asked twice is one).  The symbol may be a contract spec ("FUT:ES@CME")
 * that is also among the configured symbols: its feed opens once it is
 * resolved.  IB_EINVAL with a reason in the log when the kind or rows are
 * bad or the per-account limit (max_tbt / max_depth) is reached.
 */
int ib_strategy_want_tbt(ib_strategy_ctx *ctx, const char *symbol, const char *kind);
int ib_strategy_want_depth(ib_strategy_ctx *ctx, const char *symbol, int rows);
/*
 * SDK ABI 1.2.  From create() only: ask for a bar series, written as in the
 * `bars` setting ("AAPL:5s", "FUT:ES@CME:202603:1min:2D", README "Bars").
 * Returns its series index (>= 0; the same series asked again, here or in
 * the config, gives the same index), or IB_EINVAL with the reason in the log.
 * A series with a duration holds the gate until its history is in.
 */
int ib_strategy_want_bars(ib_strategy_ctx *ctx, const char *item);
/* SDK ABI 1.2.  A series' name, "<instrument key>:<size>" ("AAPL:1min"), or NULL.  Any thread. */
const char *ib_strategy_bar_name(const ib_strategy_ctx *ctx, int32_t series);
/* Any other request (subscriptions ...).  Own thread. */
int ib_strategy_request(ib_strategy_ctx *ctx, const ib_req *req);
/*
 * True once the pipeline is stopping (signal, run_seconds, stop): a callback
 * that waits or loops should return.  From the strategy's own thread; one
 * atomic load, so it may be polled.
 */
bool ib_strategy_stopping(const ib_strategy_ctx *ctx);
/* Orders this strategy has placed so far (ib_strategy_place returned IB_OK).  Its own thread only. */
uint64_t ib_strategy_orders_placed(const ib_strategy_ctx *ctx);
/* Call on_timer every interval_ms (> 0; 0 stops it).  From create() or the strategy's own thread. */
int ib_strategy_set_timer(ib_strategy_ctx *ctx, int64_t interval_ms);
/* True while the account-sync gate is open (orders may be sent).  Any thread; one atomic load. */
bool ib_strategy_gate_open(const ib_strategy_ctx *ctx);
/* True while the kill switch is on (ib_strategy_place refuses new orders).  Any thread; one atomic load. */
bool ib_strategy_halted(const ib_strategy_ctx *ctx);
/* Clocks, ns: CLOCK_MONOTONIC (for intervals; as recv_mono_ns) and CLOCK_REALTIME (epoch).  Any thread. */
int64_t ib_strategy_mono_ns(void);
int64_t ib_strategy_wall_ns(void);
/*
 * Parameters: `param STRATEGY.KEY=VALUE` in the config file, IBPIPE_PARAM or
 * --param momentum.window=20 (a flag beats the environment beats the file),
 * STRATEGY being the vtable's name.  The value, or def when none is given.
 * Read them in create(): a malformed value there (not an integer / a
 * finite number) fails the start with exit 2 naming it, and so does a
 * given parameter no create() read (a typo).  Later, from the strategy's
 * own thread, a malformed value is logged and def returned.
 */
int64_t ib_strategy_param_int(ib_strategy_ctx *ctx, const char *key, int64_t def);
double ib_strategy_param_double(ib_strategy_ctx *ctx, const char *key, double def);
const char *ib_strategy_param_str(ib_strategy_ctx *ctx, const char *key, const char *def);

#endif
