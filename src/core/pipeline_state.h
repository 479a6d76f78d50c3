/*
 * pipeline_state.h - inside the pipeline: the threads' state, the rings
 * between them and the functions the threads call on each other.  For
 * src/core/ only (and white-box tests): everything outside core/ sees an
 * opaque ib_pipeline through core/pipeline.h.
 *
 *   socket -> [network] -md ring-> [market data] -quote rings-> [strategy 0..N-1]
 *                       -acct ring-> [account]   -event rings-> [strategy 0..N-1]
 *   strategies, account -out ring-> [network] -> socket      (paced)
 *   account, gate -> sink (pub_event.h: the publisher) -> [redis]   quotes: read from the table
 *
 * One struct per thread (ib_net_state, ib_md_state, ib_acct_state, and each
 * strategy's ib_strategy_ctx) says who writes what; ib_order_ids,
 * ib_risk_state and ib_diag_state are what they share, each with its rule.
 *
 * Every ring is a preallocated ck_ring of fixed-size slots.  Account, order
 * and connection events are never dropped: a full ring stops the producer
 * (the network thread then stops reading the socket).  Market data is
 * coalesced per instrument under backpressure, and counted.
 */
#ifndef IBPIPE_PIPELINE_STATE_H
#define IBPIPE_PIPELINE_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ibpipe/account.h"
#include "core/pipeline.h"
#include "config/config.h"
#include "core/event.h"
#include "core/gate.h"
#include "core/heartbeat.h"
#include "core/pub_event.h"
#include "ibpipe/quote.h"
#include "ibpipe/req.h"
#include "core/risk.h"
#include "core/stats.h"
#include "ibpipe/strategy.h"
#include "core/sync.h"
#include "core/wake.h"
#include "util/bits.h"

struct ib_orders;           /* orders.c */
struct ib_contract_table;   /* contracts.h: configured contract specs, resolved */
struct ib_pnl_table;        /* pnl.c */

#define IB_MAX_STRATEGIES 64
#define IB_MD_RING_SIZE 65536
#define IB_ACCT_RING_SIZE 4096
#define IB_OUT_RING_SIZE 16384
#define IB_SQ_RING_SIZE 4096     /* per-strategy quote ring */
#define IB_SE_RING_SIZE 1024     /* per-strategy event ring */
/* ck_ring masks its index: every ring size is a power of two */
_Static_assert(IB_IS_POW2(IB_MD_RING_SIZE), "IB_MD_RING_SIZE is a power of two");
_Static_assert(IB_IS_POW2(IB_ACCT_RING_SIZE), "IB_ACCT_RING_SIZE is a power of two");
_Static_assert(IB_IS_POW2(IB_OUT_RING_SIZE), "IB_OUT_RING_SIZE is a power of two");
_Static_assert(IB_IS_POW2(IB_SQ_RING_SIZE), "IB_SQ_RING_SIZE is a power of two");
_Static_assert(IB_IS_POW2(IB_SE_RING_SIZE), "IB_SE_RING_SIZE is a power of two");

/* Request ids: instrument i is subscribed as base + i. */
#define IB_REQID_MKT 1000
#define IB_REQID_TBT 100000
#define IB_REQID_DEPTH 200000
#define IB_REQID_EXEC 9000
#define IB_REQID_BARS 300000   /* + series (core/bars.c) */

struct ib_out_slot {
	ib_req req;
	int32_t strategy;  /* who asked, -1 for the pipeline itself */
};

enum ib_sq_kind { IB_SQ_QUOTE = 1, IB_SQ_BBO = 2, IB_SQ_TRADE = 4, IB_SQ_BOOK = 8 }; /* bits */

struct ib_sq_event {    /* market data for a strategy */
	uint32_t instrument;
	uint8_t kind;       /* one of enum ib_sq_kind */
	uint8_t pad;
	uint16_t book;      /* IB_SQ_BOOK: index in the book table */
	union {
		ib_quote_data q;  /* quote, bbo */
		ib_trade t;       /* trade */
	} u;
};

/* account thread (and a strategy's own refusals) -> one strategy */
enum ib_strat_kind {
	IB_SE_GATE_OPEN = 1, /* u.gate_open: on_start with the snapshot */
	IB_SE_GATE_CLOSED,   /* u.gate_closed: on_pause */
	IB_SE_ORDER,         /* u.order: an order of ours (or of no one's here) changed */
	IB_SE_ACCOUNT,       /* u.account: an account value changed */
	IB_SE_REJECT,        /* u.reject: a request of ours was refused */
	IB_SE_BAR,           /* u.bar: on_bar */
};

#define IB_SE_TEXT_LEN 200  /* a pause or refusal reason as a strategy gets it */

struct ib_snapshot;

typedef struct ib_se_gate_open {
	struct ib_snapshot *snap;   /* the strategy's reference: release with ib_snapshot_release */
} ib_se_gate_open;

typedef struct ib_se_gate_closed {
	char reason[IB_SE_TEXT_LEN];
} ib_se_gate_closed;

typedef struct ib_se_reject {
	int32_t order_id;
	int32_t code;               /* enum ib_status (refused here) or the gateway's error code */
	char text[IB_SE_TEXT_LEN];
} ib_se_reject;

struct ib_se_event {    /* anything else for a strategy */
	int32_t kind;       /* enum ib_strat_kind: which member of u is set */
	union {
		ib_se_gate_open gate_open;
		ib_se_gate_closed gate_closed;
		ib_order_update order;
		ib_account_update account;
		ib_se_reject reject;
		ib_bar_data bar;
	} u;
};
#define IB_SE_EVENT_MAX 280
_Static_assert(sizeof(struct ib_se_event) <= IB_SE_EVENT_MAX, "strategy event outgrew its ring slot budget");

/* Accounts as of one gate opening, shared by the strategies, refcounted.  refs is a C11
   atomic, not ck_pr: the last release frees the snapshot while the other strategies' reads of
   it happened on other threads, and ThreadSanitizer can order those reads before the free only
   if it sees the decrement (ck_pr's inline assembly is invisible to it). */
struct ib_snapshot {
	atomic_int refs;
	ib_accounts a;
};
void ib_snapshot_release(struct ib_snapshot *s);

IB_RING_DEFINE(out, ib_out_slot)
IB_RING_DEFINE(sq, ib_sq_event)
IB_RING_DEFINE(se, ib_se_event)

/* One strategy: its thread's state and what the market-data and account threads keep for it.
   The strategy itself sees only the opaque ib_strategy_ctx of ibpipe/strategy.h. */
struct ib_strategy_ctx {
	struct ib_pipeline *p;
	int index;
	const ib_strategy_vtable *vt;
	void *self;
	pthread_t thread;
	ib_wake wake;
	struct ck_ring sq_ring;
	struct ib_sq_event *sq_buf;
	struct ck_ring se_ring;
	struct ib_se_event *se_buf;
	/* market-data thread's coalescing state for this strategy */
	uint8_t *pending;          /* per instrument: enum ib_sq_kind bits waiting for room */
	uint32_t *pending_list;
	uint32_t npending;
	/* account thread's overflow for never-drop events when the ring is full */
	struct ib_se_event *se_overflow;
	uint32_t se_ofl_head, se_ofl_tail, se_ofl_cap;
	uint64_t orders_sent;      /* strategy thread only */
	int64_t *order_times;      /* ring of this strategy's last order times, for max_orders_per_s */
	uint32_t order_times_cap, order_times_head;
	struct ib_se_event deferred[16]; /* local refusals, delivered after the current callback */
	uint32_t ndeferred;
	ib_book *book_copy;        /* what on_book is handed (strategy thread) */
	uint64_t books_sent;       /* market-data thread: book events pushed */
	uint64_t books_read;       /* __atomic, strategy thread: book events read (lossless mode waits on it) */
	atomic_bool gone;          /* strategy thread: it has left its loop and reads nothing more */
	int64_t timer_ns, timer_next_ns; /* strategy thread: on_timer period (0: none) and next due, monotonic */
	ib_hist cb_latency;        /* strategy thread (shared writes, latency.h): frame read -> market-data callback */
};

/* The network thread: socket, decoding, routing; its inbox is the out ring (requests to send). */
struct ib_net_state {
	pthread_t th;
	bool started;              /* ck_pr: the thread runs (set before it is created) */
	ib_heartbeat hb;           /* its loop count, read by the supervisor (heartbeat.h) */
	struct ck_ring out_ring;   /* MPSC: strategies, account thread, order entry -> network */
	struct ib_out_slot *out_buf;
	int out_efd;               /* eventfd: wakes the network thread for outbound work */
	/* market-data coalescing under backpressure */
	struct ib_md_event *md_pending;   /* [instrument * IB_MD_SLOTS + slot] */
	uint8_t *md_pending_used;
	uint32_t *md_dirty;
	uint32_t nmd_dirty;
	uint8_t *md_dirty_flag;
	uint64_t acct_seq_pushed;  /* account events in the acct ring so far */
	uint64_t md_seq_pushed;    /* market-data events in the md ring so far */
	char conn_error[128];      /* why the last connection attempt failed, "" after success */
	uint32_t live_session;     /* ck_pr: the connection up now, numbered from 1; 0 between connections */
	ib_frame_tap tap;          /* every inbound frame, for a recording (optional) */
	void *tap_arg;
};

/* The market-data thread: applies quotes, trades and books, fans them out to the strategies. */
struct ib_md_state {
	pthread_t th;
	bool started;
	ib_heartbeat hb;
	struct ck_ring ring;       /* SPSC inbox: network -> market data */
	struct ib_md_event *buf;
	ib_wake wake;
	/* The histogram is written for every event by this thread: padded on both sides, off the line
	   that holds the ring's size and buffer (read by the network thread on every push) and the wake
	   counter it bumps. */
	char latency_pad0[CK_MD_CACHELINE];
	ib_hist latency;           /* ib_hist_add_shared: frame read -> applied, for /metrics */
	char latency_pad[CK_MD_CACHELINE];
	_Atomic uint64_t seq_done; /* lossless: that many md events are handled and fanned out */
	atomic_bool done;          /* finished, nothing more goes to a strategy */
};

/* ib_pipeline_check_orders' hand-over: the command reader arms it, the account thread answers. */
enum { IB_CHECK_IDLE, IB_CHECK_ARMED, IB_CHECK_DONE };
struct ib_order_check {
	atomic_int state;          /* IB_CHECK_*: release by the writer of the fields below, acquire by the reader */
	int n;
	int32_t ids[IB_ORDER_CHECK_MAX];
	bool known[IB_ORDER_CHECK_MAX];
};

/* The account thread: accounts, the sync gate, orders; the only writer of ib_accounts. */
struct ib_acct_state {
	pthread_t th;
	bool started;
	ib_heartbeat hb;
	struct ck_ring ring;       /* SPSC inbox: network -> account (never dropped) */
	struct ib_acct_event *buf;
	ib_wake wake;
	ib_accounts accounts;
	ib_sync sync;
	int64_t sync_deadline_ns;
	bool sync_timeout_reported;
	char sub[IB_ACCOUNT_ID_LEN]; /* the account whose updates we subscribed last, "" none */
	char list[IB_ACCOUNT_LIST_MAX + 1]; /* managedAccounts assembled from its parts */
	size_t list_len;
	bool list_over;            /* the parts did not fit: the list is refused */
	bool unmanaged_logged, unknown_end_logged; /* said once per connection, counted always */
	char *sync_json;           /* [IB_SYNC_JSON_MAX]: scratch for the detail */
	bool ever_connected;
	bool ib_lost;              /* 1100 seen, no 1101/1102 yet: the gate stays closed */
	uint32_t session;          /* the connection whose events this thread handles now (net.live_session) */
	struct ib_orders *orders;  /* order book-keeping (orders.c) */
	struct ib_order_check check; /* orders of an earlier run, asked about by the command reader */
	struct ib_bar_track *bars; /* per bar series: the last bar delivered (bars.c), [cfg.nbars] */
	uint64_t seq_done;         /* __atomic: every account event up to here is handled, gate included */
	/* Shutdown in lossless mode: every stage drains what the one before it handed on, and the gate
	   closes only after the last market data was delivered behind it. */
	atomic_bool left;          /* out of its loop, no event is handled any more */
	atomic_bool done;          /* finished, gate closed: strategies may leave */
};

/* Order ids: next to hand out and the persisted high-water mark; any placing thread, under mu. */
struct ib_order_ids {
	int32_t next;              /* ck_pr */
	int32_t reserved;          /* ids below this are reserved on disk */
	pthread_mutex_t mu;        /* order placement is rare: a mutex is fine here */
	pthread_mutex_t place_mu;  /* a new order's id and its place in the out ring are taken together */
	char path[300];
	char dir[256];             /* state_dir, synced after each rename */
	bool failed;               /* the mark could not be stored: no new order id (under mu) */
	uint64_t store_failures;   /* ck_pr: stores of the mark that failed (for /metrics) */
	uint64_t refused_no_id;    /* ck_pr: new orders refused since, for want of an id on disk */
};

/* A contract's position summed over accounts (account thread writes, placers read). */
#define IB_MAX_CONTRACT_POS 4096
struct ib_conpos {
	int32_t con_id;
	char symbol[IB_SYMBOL_LEN], sec_type[IB_SEC_TYPE_LEN];
	uint64_t pos_bits;         /* __atomic: the position as double bits */
};

/* What the placing threads' risk checks read (writer: account thread, ck_pr) and count. */
struct ib_risk_state {
	struct ib_conpos *conpos;  /* [IB_MAX_CONTRACT_POS]; entries only appended */
	uint32_t nconpos;          /* __atomic release/acquire: entries filled (stored after the entry) */
	int open_orders;           /* orders not in a final state */
	int halted;                /* kill switch: no new orders */
	uint64_t rejects[IB_RISK_NCODES];
	uint64_t orders_placed;
};

/* The latest sync diagnostics, for probe, progress and the supervisor (under mu: not hot). */
struct ib_diag_state {
	pthread_mutex_t mu;
	char text[512];
	char *json;                /* [IB_SYNC_JSON_MAX] */
	char accounts[256];        /* "DU111111 NetLiquidation 1000000.00 USD" for the progress line */
	int64_t handshake_ns, synced_ns, connect_start_ns;
	int64_t gate_opened_real_ns;  /* CLOCK_REALTIME of the last gate opening, 0 never */
};

struct ib_pipeline {
	/* set up before the threads start, read-only after */
	ib_config cfg;
	ib_quote_table *quotes;
	ib_greeks *greeks;         /* [quotes->n]: option computations, written by the md thread */
	struct ib_contract_table *contracts; /* rules of who writes what: core/contracts.h */
	uint32_t nquote_subs;      /* the first n instruments get reqMktData; the rest are tbt/depth only */
	int32_t tbt_inst[IB_CFG_MAX_SUBS];  /* tick-by-tick subscription -> instrument */
	ib_book_table *books;      /* one per depth subscription; writer: market-data thread */
	int16_t *inst_book;        /* instrument -> book index, -1 none */
	ib_pub_sink sink;          /* the publisher link (post NULL: none) */
	int nstrat;
	/* ib_strategy_param_* during create() (main thread): which params were read, the first malformed one */
	bool param_read[IB_CFG_MAX_PARAMS], creating;
	char param_err[256];
	struct ib_strategy_ctx strat[IB_MAX_STRATEGIES];

	/* every thread */
	ib_stats stats;
	ib_gate gate;
	int stop;                  /* ck_pr; set by signal handling / stop */
	int exit_code;

	/* one per thread, and what the threads share */
	struct ib_net_state net;
	struct ib_md_state md;
	struct ib_acct_state acct;
	struct ib_order_ids ids;
	struct ib_risk_state risk;
	struct ib_diag_state diag;
	struct ib_pnl_table *pnl;  /* writer: account thread; readers: the SDK (pnl.c) */
};

#define IB_MD_SLOTS 17

/* A placeOrder with a new id (set in r), queued in id order whatever thread places it. */
bool ib_pipeline_send_new_order(ib_pipeline *p, ib_req *r, int strategy);
/* The same with hook(arg, id) between taking the id and queueing (place.h: the command journal). */
bool ib_pipeline_send_new_order_hook(ib_pipeline *p, ib_req *r, int strategy, bool (*hook)(void *, int32_t), void *arg);
/* n new orders with consecutive ids from the first (the hook is told that one), queued together;
   an order whose parent_id is IB_PARENT_FIRST gets the first one's id (a bracket's children). */
bool ib_pipeline_send_new_orders_hook(ib_pipeline *p, ib_req *r, int n, int strategy, bool (*hook)(void *, int32_t),
				      void *arg);
/* positions, open orders and executions: what a (re)sync must see before the gate opens */
void ib_pipeline_request_reconcile(ib_pipeline *p);
/* reqMktData for the configured symbols (the first nquote_subs instruments) */
void ib_pipeline_subscribe_quotes(ib_pipeline *p);
/* feeds.c: map tbt/depth subscriptions to instruments and books (before threads start) */
int ib_pipeline_setup_feeds(ib_pipeline *p, char *err, size_t errlen);
/* reqTickByTickData / reqMktDepth for every subscription (only >= 0: of that instrument) whose
   contract is known on this connection (a bare stock, or a spec once resolved) */
void ib_pipeline_subscribe_feeds(ib_pipeline *p, int64_t only);
/* bars.c: the bar series' state and the gate's warm-up names (main thread, after every create()) */
int ib_bars_setup(ib_pipeline *p, char *err, size_t errlen);
void ib_bars_free(ib_pipeline *p);
/* bars.c, network thread: a bar's time as IB sends it (epoch seconds, yyyymmdd, "yyyymmdd hh:mm:ss[ zone]",
   the zone taken as UTC) -> epoch seconds; 0 when it is none of these */
int64_t ib_bar_time(const char *p, uint32_t len);
/* bars.c, network thread: reqHistoricalData / reqRealTimeBars for every series whose contract is known on
   this connection (only >= 0: the series of that configured instrument, just resolved) */
void ib_pipeline_subscribe_bars(ib_pipeline *p, int64_t only);
/* bars.c, account thread: a bar or a history's end (IB_AE_BAR, IB_AE_BAR_END) */
void ib_bars_on_event(ib_pipeline *p, const struct ib_acct_event *e);
/* bars.c, account thread: a gateway error for a bar series' request is named (true: it was one) */
bool ib_bars_on_error(ib_pipeline *p, int32_t req_id, int32_t code, const char *text);
/* Threads. */
void *ib_net_thread(void *arg);
void *ib_account_thread(void *arg);
void *ib_mktdata_thread(void *arg);
void *ib_strategy_thread(void *arg);
/* core/sdk.c, strategy thread: calls on_timer when due (only while open); returns how long it may sleep, ms. */
int ib_sdk_run_timer(ib_strategy_ctx *ctx, bool open);
/* core/sdk.c, main thread after every create(): -1 with err naming a `param` no strategy read. */
int ib_sdk_check_params(const ib_pipeline *p, char *err, size_t errlen);
/* Orders (orders.c), account thread only. */
int ib_orders_init(ib_pipeline *p);
void ib_orders_free(ib_pipeline *p);
void ib_orders_on_event(ib_pipeline *p, const struct ib_acct_event *e);
/* Answer an armed ib_pipeline_check_orders once the first reconcile is complete (every loop). */
void ib_orders_answer_check(ib_pipeline *p);
/* Push a never-drop event to strategy s (account thread only). */
void ib_account_to_strategy(ib_pipeline *p, int s, const struct ib_se_event *ev);
void ib_account_to_strategies(ib_pipeline *p, const struct ib_se_event *ev);
/* Post to the publisher if there is one. */
void ib_pipeline_publish(ib_pipeline *p, const ib_pub_event *ev);
/* Account thread: post a position's record (with its P&L, when reported). */
void ib_account_post_position(ib_pipeline *p, const char *acct, const ib_pos *pos);
/* Allocate an order id (persisting the high-water mark in blocks); -1 once the mark cannot be stored. */
int32_t ib_pipeline_next_order_id(ib_pipeline *p);
/* true once the mark could not be stored: every new order is refused (IB_ENOORDERID) until a restart */
bool ib_pipeline_orders_stopped(ib_pipeline *p);
void ib_pipeline_seen_order_id(ib_pipeline *p, int32_t next_valid_id);

#endif
