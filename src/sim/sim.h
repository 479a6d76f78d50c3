/*
 * sim.h - ibsim, the simulated IB Gateway: the state its modules share.
 *
 * One thread, one epoll loop (sim_server.c).  A client is a session state
 * machine (sim_session.c) with a fixed output buffer that holds whole
 * frames only; every module appends to it through sim_encode and the loop
 * writes it out.  Everything with a deadline (delayed downloads, ticks,
 * fills, paced blasts, stalls, restarts) is a *_ns field the loop looks at
 * when it computes its next wake-up: nothing sleeps.
 *
 * Modules and what they own:
 *   main.c          options
 *   sim_server.c    sockets, clients, the loop, timers, stall/restart, summaries
 *   sim_session.c   handshake, startApi, request dispatch
 *   sim_account.c   accounts, positions, account values, downloads and pushes
 *   sim_mktdata.c   instruments, random walk, reqMktData subscriptions, ticks,
 *                   and the feed hook for tick-by-tick / depth (sim_feed)
 *   sim_book.c      the order-book model (pure: row operations on an ib_book)
 *   sim_depth.c     tick-by-tick and depth subscriptions, limits, what each
 *                   subscriber is sent for a book change (sim_depth.h)
 *   sim_depth_events.c  what moves the books: --depth-rate, the walk, trades
 *   sim_depth_blast.c   pre-encoded depth load: depth-blast, --depth-blast
 *   sim_blast.c     pre-encoded load: --blast, --blast-rate, --stamp
 *   sim_orders.c    orders, matching, fills, executions
 *   sim_contracts.c futures, FX, options, an index and an ambiguous stock
 *                   beside the stocks; reqContractDetails for all of them
 *   sim_bars.c      real-time and historical bars, keepUpToDate, the
 *                   historical pacing rules (error 162)
 *   sim_pnl.c       reqPnL / reqPnLSingle from positions and marks
 *   sim_control.c   the line-based control port
 */
#ifndef IBSIM_SIM_H
#define IBSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "ibpipe/req.h"
#include "codec/wire.h"
#include "sim/sim_encode.h"
#include "util/bits.h"

#define SIM_MAX_CLIENTS 64        /* IB allows 32 API clients per session */
#define SIM_MAX_INSTR 16384       /* known symbols */
#define SIM_INSTR_HASH 32768      /* open-addressing table, power of two, 2x instruments */
_Static_assert(IB_IS_POW2(SIM_INSTR_HASH) && SIM_INSTR_HASH >= 2 * SIM_MAX_INSTR,
	       "the symbol table probes with & (SIM_INSTR_HASH - 1) and stays at most half full");
#define SIM_MAX_SUBS 32768        /* reqMktData subscriptions over all clients */
#define SIM_MAX_ACCOUNTS 1100    /* past ibpipe's limit (1024), to test it */
#define SIM_MAX_POSITIONS 64      /* per account */
#define SIM_MAX_ORDERS 4096
#define SIM_MAX_EXECS 8192        /* kept for reqExecutions; oldest overwritten */
#define SIM_MAX_CONTROL 8         /* control-port connections at once */
#define SIM_MAX_FEED_PER_CLIENT 64 /* upper bound of --max-tbt / --max-depth */
#define SIM_OUT_CAP (4u << 20)    /* per-client output buffer */
#define SIM_IN_CAP (256u << 10)   /* per-client input buffer; requests are small */
#define SIM_DEFAULT_PORT 4002

struct sim;
struct sim_client;

/* ---- options (main.c) ---- */

struct sim_opts {
	char bind[64];
	int port;
	char port_file[256];
	int control_port;
	int server_version;     /* highest served; "server-version N" changes it for new connections */
	char accounts[256];
	int account_count;      /* --account-count N: N generated accounts instead of --accounts */
	bool accounts_any;      /* --accounts-hex: any bytes but ',' and NUL, not only account-code characters */
	const char *symbols;    /* NULL: the built-in list */
	int account_delay_ms;   /* "account-delay MS" changes it for new connections */
	int account_jitter_ms;
	int contract_delay_ms;  /* reqContractDetails answered this much later ("contract-delay MS" changes it) */
	bool no_download_end;
	double tick_rate;       /* market-data messages per second over all subscriptions */
	double partial_fill_above;
	int64_t blast;
	double blast_rate;      /* 0: as fast as the socket takes them */
	bool stamp;
	bool restart_rollback;
	uint64_t seed;
	double depth_rate;      /* book changes per second over all instruments with depth/tbt subscribers */
	int64_t depth_blast;    /* --depth-blast: depth updates blasted once depth subscriptions settle */
	int max_tbt, max_depth; /* simultaneous subscriptions per client, as IB's per-account limits */
	int rcvbuf;             /* --rcvbuf: SO_RCVBUF of client sockets (0: the kernel's), so a deaf one fills fast */
	int deaf_after_orders;  /* --deaf-after-orders N: stop reading a connection after its N-th order */
	bool drop_sessions;     /* --drop-sessions: close every connection right after its startApi */
	int rtbar_ms;           /* --rtbar-ms: real-time bar (and keepUpToDate update) period; IB's is 5000 */
	int pnl_ms;             /* --pnl-ms: P&L update period (default 1000) */
	double pacing_scale;    /* --hist-pacing-scale: the historical pacing windows times this (default 1) */
};

/* ---- instruments (sim_mktdata.c) ---- */

struct sim_instr {
	char symbol[IB_SYMBOL_LEN];
	char primary[12];       /* listing exchange */
	const char *long_name, *industry;
	int32_t con_id;
	double bid, ask, last;
	double bid_size, ask_size, last_size, volume;
	double open, high, low, close;
	int nsubs;              /* reqMktData subscriptions on it, over all clients */
	const struct sim_contract *k; /* NULL: a US stock; else its contract (sim_contracts.c) */
	double tick;            /* price grid: the contract's min tick (0.01 for stocks) */
	bool pinned;            /* control `price`: the walk leaves bid/ask where they were set */
};

/* ---- contracts beyond US stocks (sim_contracts.c) ---- */

#define SIM_MAX_CONTRACTS 64

struct sim_contract {
	char sec_type[8], symbol[IB_SYMBOL_LEN], exchange[16], primary[16], currency[8];
	char local_symbol[32], trading_class[16];
	char expiry[12];        /* lastTradeDateOrContractMonth as the gateway answers: YYYYMMDD */
	char month[8];          /* contractMonth: YYYYMM */
	double strike;
	char right[2];
	char multiplier[8];
	double min_tick, price;
	int32_t con_id, under_con_id;
	const char *long_name, *under_symbol, *under_sec_type, *time_zone, *order_types, *exchanges;
	int32_t instr;          /* its index in s->instr */
};

/* One reqMktData subscription.  Dense array; removal swaps the last one in. */
struct sim_sub {
	int16_t slot;           /* client slot */
	int32_t req_id;
	int32_t instr;
};

/*
 * A market-data feed other than reqMktData: tick-by-tick (97/98) and depth
 * (10/11).  sim_mktdata.c holds a table of them; a feed keeps its own state
 * (an order book per instrument, indexed by instrument index, which is
 * stable for the life of the process).  Hooks may be NULL.
 */
struct sim_feed {
	const char *name;
	int32_t start_id, cancel_id;    /* enum ib_out_id */
	void (*start)(struct sim *s, struct sim_client *c, const ib_req *r);
	void (*cancel)(struct sim *s, struct sim_client *c, const ib_req *r);
	void (*on_move)(struct sim *s, int32_t instr, int64_t now); /* after each random-walk step */
	void (*on_trade)(struct sim *s, int32_t instr, int64_t now); /* after on_move, when the step traded */
	void (*client_gone)(struct sim *s, struct sim_client *c);
};

/* ---- accounts (sim_account.c) ---- */

struct sim_position {
	int32_t instr;
	double qty, avg_cost;
};

struct sim_account {
	char id[32];            /* longer than ibpipe accepts (23), to test that too */
	bool listed;            /* named by managedAccounts now */
	int download_delay_ms;  /* its download comes this long after it is requested ("account-delay-one") */
	double cash, realized, commissions;
	int npos;
	struct sim_position pos[SIM_MAX_POSITIONS];
};

/* ---- orders (sim_orders.c) ---- */

enum sim_order_state { SIM_OS_PENDING, SIM_OS_PRESUBMITTED, SIM_OS_SUBMITTED, SIM_OS_FILLED, SIM_OS_CANCELLED };

struct sim_order {
	int32_t id, client_id;  /* order ids are per client id, as at IB */
	int32_t instr, acct;
	char action[8], type[8], tif[8], order_ref[32];
	bool outside_rth;
	double qty, lmt, aux, filled, avg_price, commission;
	int64_t perm_id;
	int state;              /* enum sim_order_state */
	int64_t next_ns;        /* next lifecycle step; 0 when none */
	/* the order types of issue #17 */
	int32_t parent_id;      /* a bracket child: live once the parent has filled */
	char oca_group[24];
	int32_t oca_type;
	double trail_amt, trail_pct, stop; /* TRAIL: by amount or percent; the stop as it trails */
	char good_till[32];     /* GTD, as sent */
	int64_t good_till_s;    /* ... as epoch seconds (UTC) */
	bool held;              /* transmit = false: waits for an order of its chain that transmits */
	bool triggered;         /* STP, STP LMT, TRAIL: the stop was hit */
};

struct sim_exec {
	int32_t order;          /* index into s->orders */
	char exec_id[32], time[32];
	double shares, price, cum_qty, avg_price, commission, realized;
};

/* ---- blast (sim_blast.c, sim_depth_blast.c) ---- */

enum sim_blast_kind { SIM_BLAST_TICKS, SIM_BLAST_DEPTH };

/*
 * A pre-encoded template of units written in batches.  A tickPrice blast's
 * unit is one frame; a depth blast's unit is one book operation: the
 * updateMktDepth frames it takes in each of the client's views, and the
 * tick-by-tick frames it implies.
 */
struct sim_blast {
	int kind;               /* enum sim_blast_kind */
	char *buf;              /* the template; allocated once per blast */
	size_t len;
	uint32_t *frame_end;    /* end offset of each unit */
	uint32_t *stamp_off;    /* offset of each frame's size field (--stamp; tickPrice blasts only) */
	uint32_t *msg_end;      /* messages up to the end of each unit; NULL: one per unit */
	uint32_t *depth_end;    /* of which updateMktDepth frames (depth blasts) */
	void *ops;              /* the depth blast's operations (struct sim_depth_blast_op) */
	int nframes;            /* units in the template */
	int64_t total, queued;  /* units to send, units handed to the socket so far */
	int64_t start_ns, next_ns;
	double rate;            /* units/s (msgs; book operations for a depth blast); 0: unpaced */
	int pos;                /* next frame of the template */
	uint64_t wakeups0, timer_wakeups0; /* the loop's counters when the blast started */
	uint64_t full, epollout; /* its client's flushes that ended on a full socket; EPOLLOUTs it got */
	size_t batch_off, batch_end; /* the batch being written: [batch_off, batch_end) of buf */
	int batch_unit, batch_units_end; /* its units not yet wholly written: [batch_unit, batch_units_end) */
};

/* ---- clients (sim_server.c, sim_session.c) ---- */

enum sim_cstate { SIM_CS_MAGIC, SIM_CS_VERSION, SIM_CS_START_API, SIM_CS_READY };

struct sim_counters {
	uint64_t msgs_in;
	/* frames whose last byte went to the socket (blasted and buffered), not those queued: a stall or
	   a drop keeps the unwritten ones, and the count must match what the client could have read */
	uint64_t msgs_out;
	uint64_t orders, order_frames, errors, bad_frames;
	uint64_t hist, hist_paced;  /* historical requests served, and refused for pacing (error 162) */
};

struct sim_client {
	int fd, slot;
	int state;              /* enum sim_cstate */
	int magic_len;
	char magic[4];
	int32_t client_id;
	char peer[48];
	ib_framer in;
	sim_out out;            /* whole frames, written from out_off */
	size_t out_off;
	size_t out_frame;       /* the first frame not wholly written (<= out_off): where counting resumes */
	bool epollout;          /* EPOLLOUT is registered: the socket was full, write again only when it fires */
	bool writable;          /* EPOLLOUT fired in this loop turn */
	bool closing;           /* close once the output is written (326, refusals) */
	int64_t closing_ns;
	bool dead;              /* closed; memory reclaimed at the top of the next loop turn */
	int64_t connected_ns;
	int64_t data_delay_ns;  /* the account delay this connection got (option + jitter) */
	int64_t data_at_ns;     /* account data (downloads, positions) not before this: handshake + delay */
	/* account updates: one account at a time, as at IB */
	int acct;               /* subscribed account index, -1 none */
	bool acct_owed;         /* initial download not sent yet */
	int64_t acct_due_ns;    /* ... and not before this (the account's own delay) */
	bool pos_owed, pos_live;
	int32_t summary_req;    /* reqAccountSummary owed, -1 none */
	char summary_tags[256];
	int md_type;            /* reqMarketDataType; 1 live */
	bool md_type_set;
	int nsubs;
	int32_t next_valid_id;
	struct sim_counters n;
	/* tick-by-tick and depth (sim_depth.c) */
	int ntbt, ndepth;       /* subscriptions held */
	bool reset_handshake;   /* reset-handshake: send RST when the version range arrives */
	/* blast */
	int64_t blast_pending;  /* frames to blast once subscriptions settle */
	int64_t blast_arm_ns;
	bool blast_done;        /* --blast happens once per connection */
	int64_t depth_blast_pending; /* depth updates to blast once depth subscriptions settle */
	int64_t depth_blast_arm_ns;
	bool depth_blast_done;  /* --depth-blast happens once per connection */
	struct sim_blast *blast;
	bool deaf;              /* --deaf-after-orders: never read again; its socket's buffers fill */
};

/* ---- the simulator ---- */

struct sim {
	struct sim_opts o;
	int epfd, lfd, cfd, tfd, sfd;  /* listener, control listener, timerfd, signalfd */
	int port;                      /* bound port (for re-listening after restart) */
	int hold_fd;                   /* restarting: the port, bound and not listening (-1 otherwise) */
	struct sim_client *clients[SIM_MAX_CLIENTS];
	int nclients;
	struct sim_counters closed;    /* counters of clients already gone */
	uint64_t nclosed;
	/* control connections */
	struct sim_ctl {
		int fd;
		size_t len;
		char buf[512];
	} ctl[SIM_MAX_CONTROL];
	/* market data */
	struct sim_instr *instr;
	int ninstr;
	int nstocks;                   /* instr[0..nstocks) are the stocks; the contracts follow */
	struct sim_contract *contracts;
	int ncontracts;
	struct sim_held_details *held; /* --contract-delay-ms: reqContractDetails answered later (sim_contracts.c) */
	int nheld;
	struct sim_bars *bars;         /* sim_bars.c */
	struct sim_pnl *pnl;           /* sim_pnl.c */
	int32_t *instr_hash;
	struct sim_sub *subs;
	int nsubs;
	double tick_credit;
	int64_t tick_last_ns;
	struct sim_depth *depth;       /* books and tbt/depth subscriptions (sim_depth.h) */
	/* accounts */
	struct sim_account acct[SIM_MAX_ACCOUNTS];
	int nacct;
	int list[SIM_MAX_ACCOUNTS];    /* managedAccounts: account indexes in the order listed */
	int nlist;
	/* orders */
	struct sim_order *orders;
	int norders;
	struct sim_exec *execs;
	int64_t nexecs;                /* total ever; index = n % SIM_MAX_EXECS */
	int32_t next_order_id, first_order_id;
	int64_t next_perm_id;
	uint32_t exec_epoch;
	/* faults */
	int64_t stall_until_ns;
	int64_t restart_until_ns;
	int ignore_orders;             /* ignore-orders N: new orders still to read and drop unanswered */
	uint64_t orders_ignored;
	uint64_t global_cancels;       /* reqGlobalCancel requests */
	bool reset_next_handshake;     /* reset-handshake armed: the next connection gets an RST */
	uint64_t rng;
	bool stop;
	/* the loop: epoll_wait returns, and those the timerfd was among (stats, blast summaries) */
	uint64_t wakeups, timer_wakeups;
};

/* Bytes queued for a client that its socket has not taken yet: its buffer's and a blast batch's. */
static inline size_t
sim_unsent_bytes(const struct sim_client *c)
{
	return c->out.len - c->out_off + (c->blast ? c->blast->batch_end - c->blast->batch_off : 0);
}

/* main.c */
double sim_rand(struct sim *s);        /* [0, 1) */
void sim_utc_time(char *buf, size_t cap, const char *fmt);

/* epoll tags (sim_server.c, sim_control.c) */
enum sim_tag { SIM_TAG_LISTEN = 1, SIM_TAG_CONTROL, SIM_TAG_TIMER, SIM_TAG_SIGNAL, SIM_TAG_CTL_CONN = 16,
	       SIM_TAG_CLIENT = 1024 };

/* sim_server.c */
int sim_server_run(struct sim *s);
void sim_client_close(struct sim *s, struct sim_client *c, const char *why);
/* The client's frames were all appended, or it overflowed and is now closing. */
bool sim_client_ok(struct sim *s, struct sim_client *c);
int sim_drop_all(struct sim *s, const char *why);
int sim_restart(struct sim *s, int ms);      /* returns the clients dropped */
void sim_stall(struct sim *s, int ms);
int sim_drop_mid_frame(struct sim *s);       /* returns the clients dropped */
void sim_client_reset(struct sim *s, struct sim_client *c, const char *why); /* close with an RST */
/* Each live (not closed) client.  Not nestable; `break` leaves only the inner loop: use `continue`. */
#define SIM_FOREACH_CLIENT(s, c)                                        \
	for (int c##_i = 0; c##_i < SIM_MAX_CLIENTS; c##_i++)           \
		for (struct sim_client *c = (s)->clients[c##_i]; c && !c->dead; c = NULL) /* NOLINT(bugprone-macro-parentheses): c is the loop variable's name */

/* sim_session.c */
void sim_session_input(struct sim *s, struct sim_client *c);
void sim_send_error(struct sim *s, struct sim_client *c, int32_t req_id, int32_t code, const char *msg);
int sim_broadcast_notice(struct sim *s, int32_t code);
int sim_send_malformed(struct sim *s);
/* sim_control.c: hex pairs to bytes (NUL excluded), NUL-terminated; the length, or -1 if hex is not that. */
int sim_hex_decode(const char *hex, char *out, size_t cap);

/* sim_account.c */
int sim_account_init(struct sim *s, const char *list, char *err, size_t errcap);
int sim_account_find(const struct sim *s, const char *id);
void sim_account_request(struct sim *s, struct sim_client *c, const ib_req *r);
void sim_account_timers(struct sim *s, struct sim_client *c, int64_t now);
void sim_account_fill(struct sim *s, int acct, int32_t instr, double signed_qty, double price, double commission,
		      double *realized);
int64_t sim_account_next_deadline(const struct sim_client *c);
void sim_managed_accounts(const struct sim *s, char *buf, size_t cap);
/* sim_account_list.c: the list, changed at run time. */
#define SIM_LIST_CAP (SIM_MAX_ACCOUNTS * 33)
int sim_account_add(struct sim *s, const char *id);          /* index, existing or new; -1 full */
int sim_account_list_set(struct sim *s, const char *list, bool check, char *err, size_t cap); /* accounts listed, -1 */
int sim_account_list_push(struct sim *s);                     /* managedAccounts to every client; how many */
void sim_account_list_generate(int n, char *buf, size_t cap); /* "DU0000001,DU0000002,..." */

/* sim_mktdata.c */
int sim_md_init(struct sim *s, const char *symbols, char *err, size_t errcap);
int32_t sim_md_find(const struct sim *s, const char *symbol);
void sim_md_contract(const struct sim *s, int32_t instr, const char *exchange, sim_k *k);
void sim_md_request(struct sim *s, struct sim_client *c, const ib_req *r);
void sim_md_client_gone(struct sim *s, struct sim_client *c);
void sim_md_step(struct sim *s, int64_t now);
int64_t sim_md_next_deadline(const struct sim *s);
void sim_md_walk(struct sim *s, int32_t instr);
/* The instrument a request's contract names (STK in USD, by symbol or conId), or -1. */
int32_t sim_md_lookup(const struct sim *s, const ib_contract *k);
#define SIM_BLAST_SETTLE_NS 50000000LL /* a blast starts 50 ms after the last subscription */

/* sim_options.c: tickOptionComputation for OPT subscriptions (bid, ask, model); messages sent */
bool sim_opt_is_option(const struct sim_instr *in);
void sim_opt_greeks(const struct sim *s, const struct sim_instr *in, double vol_shift, time_t now, struct sim_greeks *g);
int sim_opt_send(const struct sim *s, struct sim_client *c, int32_t req, const struct sim_instr *in);

/* sim_contracts.c */
int sim_contracts_init(struct sim *s);
/* reqContractDetails: every contract the request matches, or error 200. */
void sim_contracts_details(struct sim *s, struct sim_client *c, const ib_req *r);
/* --contract-delay-ms: answer the held requests that are due; when the next one is (INT64_MAX none) */
void sim_contracts_step(struct sim *s, int64_t now);
int64_t sim_contracts_next_deadline(const struct sim *s);
/* The delay from now on, and for the requests held (due ms from now); returns how many are held. */
int sim_contracts_set_delay(struct sim *s, int ms);
/* The one instrument a request's contract names (any secType), or -1 (none, or several). */
int32_t sim_contracts_lookup(const struct sim *s, const ib_contract *k);
/* The mark an instrument is valued at: the mid. */
double sim_instr_mark(const struct sim_instr *in);
/* Its multiplier (1 when it has none). */
double sim_instr_multiplier(const struct sim_instr *in);

/* sim_bars.c: reqRealTimeBars, reqHistoricalData (and their cancels) */
extern const struct sim_feed sim_feed_rtbars, sim_feed_history;
int sim_bars_init(struct sim *s);
void sim_bars_step(struct sim *s, int64_t now);
int64_t sim_bars_next_deadline(const struct sim *s);

/* sim_pnl.c: reqPnL, reqPnLSingle (and their cancels) */
extern const struct sim_feed sim_feed_pnl, sim_feed_pnl_single;
int sim_pnl_init(struct sim *s);
void sim_pnl_step(struct sim *s, int64_t now);
int64_t sim_pnl_next_deadline(const struct sim *s);
/* `pnl ACCOUNT`: {"daily":..,"unrealized":..,"realized":..,"positions":[{"conId":..,...}]}; -1 unknown account. */
int sim_pnl_json(struct sim *s, const char *account, char *out, size_t cap);

/* sim_depth.c, sim_depth_events.c */
extern const struct sim_feed sim_feed_tbt, sim_feed_depth;
int sim_depth_init(struct sim *s);
void sim_depth_step(struct sim *s, int64_t now);
int64_t sim_depth_next_deadline(const struct sim *s);
/* `book SYMBOL`: {"bids":[[price,size],...],"asks":[...]}; -1 for an unknown symbol. */
int sim_depth_book_json(struct sim *s, const char *symbol, char *out, size_t cap);

/* sim_depth_blast.c */
void sim_depth_blast_arm(struct sim *s, struct sim_client *c, int64_t updates);
/* The template for c's pending depth blast; NULL with *blocked when another blast holds one of its books. */
struct sim_blast *sim_depth_blast_build(struct sim *s, struct sim_client *c, int64_t total, bool *blocked);
void sim_depth_blast_finish(struct sim *s, struct sim_client *c, double secs);

/* sim_blast.c */
void sim_blast_arm(struct sim *s, struct sim_client *c, int64_t frames);
void sim_blast_poll(struct sim *s, struct sim_client *c, int64_t now);
int sim_blast_write(struct sim *s, struct sim_client *c);   /* 1 progress, 0 would block, -1 error */
void sim_blast_count_written(struct sim_client *c);           /* msgs_out += the batch's units now sent */
int64_t sim_blast_next_deadline(const struct sim_client *c);
void sim_blast_free(struct sim_client *c);
/* "loop woken W times, T by the timer; socket full F times, EPOLLOUT E times" since b started: the summaries' tail */
const char *sim_blast_loop_summary(const struct sim *s, const struct sim_blast *b, char *buf, size_t cap);

/* sim_orders.c */
int sim_orders_init(struct sim *s);
void sim_orders_request(struct sim *s, struct sim_client *c, const ib_req *r);
/* Orders still working (any client). */
int sim_orders_live(const struct sim *s);
void sim_orders_step(struct sim *s, int64_t now);
int64_t sim_orders_next_deadline(const struct sim *s);
/* Every resting order looks at the market on the next turn (control `price` moved it). */
void sim_orders_poke(struct sim *s);
void sim_orders_rollback(struct sim *s);
/* `close`: MOC and LOC orders settle at the mid; `open`: OPG orders do.  Returns the orders settled. */
int sim_orders_auction(struct sim *s, bool close);

/* sim_control.c */
void sim_control_accept(struct sim *s);
void sim_control_input(struct sim *s, int idx);
void sim_control_close_all(struct sim *s);

#endif
