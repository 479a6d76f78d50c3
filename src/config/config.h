/*
 * config.h - every setting of ibpipe in one struct.
 *
 * Precedence, lowest first: built-in defaults < config file (--config or
 * $IBPIPE_CONFIG) < IBPIPE_<KEY> environment variables < command-line
 * flags.  All three go through ib_config_set(key, value), so a key has one
 * name everywhere: file `sync_timeout = 30`, env IBPIPE_SYNC_TIMEOUT=30,
 * flag --sync-timeout 30.  Bad values are errors naming the key (and the
 * file line).
 */
#ifndef IBPIPE_CONFIG_H
#define IBPIPE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "config/bar_spec.h"
#include "ibpipe/quote.h"

#define IB_CFG_MAX_SYMBOLS 1024
#define IB_CFG_MAX_SUBS 64

enum ib_on_timeout { IB_TIMEOUT_WAIT, IB_TIMEOUT_EXIT };
/* How a thread waits for work (core/wake.h): park at once, busy-poll, or busy-poll a while then park. */
enum ib_wait_mode { IB_WAIT_BLOCK, IB_WAIT_SPIN, IB_WAIT_HYBRID };

/* One `symbols` item: a stock symbol or a contract spec in canonical form (docs/contracts.md), with its NUL. */
#define IB_CFG_SYMBOL_LEN 96
#define IB_CFG_MAX_BARS 128      /* bar series (`bars`) */

typedef struct ib_sub {
	char symbol[IB_CFG_SYMBOL_LEN]; /* a stock symbol, or a contract spec that is also among `symbols` */
	char kind[12];   /* tick-by-tick type (Last, AllLast, BidAsk, MidPoint) */
	int rows;        /* depth rows */
} ib_sub;

typedef struct ib_risk_limits {
	double max_order_qty;       /* per order, shares; 0 = no limit */
	double max_position;        /* absolute per symbol; 0 = no limit */
	double max_notional;        /* qty * price per order; 0 = no limit */
	int max_open_orders;        /* 0 = no limit */
	int max_orders_per_s;       /* 0 = no limit */
	double price_collar_pct;    /* LMT price vs quote mid, percent; 0 = off */
	double price_collar_ticks;  /* LMT price vs quote mid, in the contract's min ticks; 0 = off */
} ib_risk_limits;

#define IB_CFG_STRATEGY_LEN 256
#define IB_CFG_MAX_PARAMS 32
/* One `param` value, STRATEGY.KEY=VALUE (read by ib_strategy_param_*). */
typedef struct ib_cfg_param {
	char strategy[32], key[32], value[128];
} ib_cfg_param;

typedef struct ib_config {
	/* gateway */
	char host[128];
	int port;
	int client_id;              /* first id to try */
	int client_id_max;          /* --client-id-range A-B sets both */
	bool readonly;
	int connect_timeout_ms;
	int reconnect_min_ms, reconnect_max_ms;
	int write_stall_ms;     /* bytes unacknowledged this long: the gateway stopped reading; reconnect */
	int pacing_per_s;           /* outbound messages per second (IB: 50) */
	/* sync gate */
	double sync_timeout_s;
	enum ib_on_timeout on_sync_timeout;
	bool require_download_end;  /* false: accept a quiet period as download end (multi-account gateways) */
	int download_quiet_ms;      /* the fallback's quiet period */
	/* market data */
	char symbols[IB_CFG_MAX_SYMBOLS][IB_CFG_SYMBOL_LEN]; /* AAPL, or a spec: FUT:ES@CME, conid:265598 */
	int nsymbols;
	int market_data_type;       /* 1 live, 2 frozen, 3 delayed, 4 delayed-frozen */
	ib_sub tbt[IB_CFG_MAX_SUBS];
	int ntbt;
	ib_sub depth[IB_CFG_MAX_SUBS];
	int ndepth;
	int max_tbt, max_depth;     /* per-account subscription limits */
	int redis_book_levels;      /* rows per side in P:book:SYM */
	bool pnl;                   /* reqPnL per account, reqPnLSingle per position (core/pnl.c) */
	ib_bar_cfg bars[IB_CFG_MAX_BARS]; /* `bars` (config/bar_spec.h) */
	int nbars;
	double hist_pacing_scale;   /* IB's historical pacing windows times this (1; tests against ibsim less) */
	int redis_bars_maxlen;      /* P:bars:<key>:<size> MAXLEN ~ this */
	bool md_lossless;           /* never coalesce: the network thread waits for the market-data
	                               thread, which hands every tick to every strategy (replay, tests) */
	/* waiting for work, per thread (wait_* keys): the network thread on its socket, the others on rings */
	enum ib_wait_mode wait_net, wait_md, wait_account, wait_strategy;
	int wait_spin_us;           /* hybrid: spin this long before parking */
	int cpu_net, cpu_md, cpu_account; /* pin the thread to this CPU; -1: not pinned */
	int cpu_strategy;           /* strategy i on CPU cpu_strategy + i; -1: not pinned */
	/* strategies */
	int strategies;             /* threads in all */
	char strategy[IB_CFG_STRATEGY_LEN]; /* what they run: a built-in's name ("example", ...) or a plugin's path */
	char strategy_list[1024];   /* or, when set, "momentum.so x2, example" (strategy_list.h); strategies is its sum */
	ib_cfg_param params[IB_CFG_MAX_PARAMS]; /* param: per-strategy parameters, a later one replaces */
	int nparams;
	/* risk */
	ib_risk_limits risk;
	char state_dir[256];        /* where the order-id high-water mark is kept */
	/* redis */
	bool redis;                 /* publish to Redis at all */
	char redis_url[256];
	char redis_prefix[32];
	char redis_sentinels[256];  /* host:port,...: find the master through Sentinel; empty: the URL's host */
	char redis_master[64];      /* the name the sentinels monitor */
	char redis_sentinel_password[128]; /* from IBPIPE_REDIS_SENTINEL_PASSWORD (the sentinels' requirepass); never logged */
	char redis_password[128];   /* from IBPIPE_REDIS_PASSWORD or redis_password_file; never logged */
	char redis_password_file[256];
	bool commands;              /* read orders from P:stream:commands (service/commands.h) */
	int command_journal_keep;   /* commands the journal keeps at start (and open orders); 0: all */
	/* record */
	char record[256];
	/* the metrics / health listener (metrics_http.c); port -1: off */
	char metrics_host[64];
	int metrics_port;
	/* logging and display */
	char log_level[8];
	char log_format[8];         /* text, json */
	bool progress;              /* one refreshing status line */
	double run_seconds;         /* stop after this long; 0 = until signalled */
} ib_config;

void ib_config_defaults(ib_config *c);
/* Set one key; err gets "key: reason" on failure.  Keys use underscores; dashes are accepted too. */
int ib_config_set(ib_config *c, const char *key, const char *value, char *err, size_t errlen);
/* Load a file of `key = value` lines (# comments).  err names the file, line and key. */
int ib_config_load_file(ib_config *c, const char *path, char *err, size_t errlen);
/* Apply IBPIPE_* variables from environ. */
int ib_config_load_env(ib_config *c, char *err, size_t errlen);
/*
 * The whole precedence chain for a subcommand: defaults, file (--config
 * FILE among argv, else $IBPIPE_CONFIG), env, then --key value / --key=value
 * / --flag flags.  Non-option arguments are left in argv order in *rest
 * (up to maxrest).  Returns 0, or -1 with err set.
 */
int ib_config_from_args(ib_config *c, int argc, char **argv, char **rest, int maxrest, int *nrest, char *err,
			size_t errlen);
/*
 * Checks between keys, run last by ib_config_from_args (call it yourself
 * after a series of ib_config_set): tbt / depth within max_tbt / max_depth
 * is an error; reconnect_max_ms below reconnect_min_ms and client_id_max
 * below client_id are raised to match.  Returns 0, or -1 with err set.
 */
int ib_config_validate(ib_config *c, char *err, size_t errlen);
/*
 * Append one tbt ("SYM:KIND") or depth ("SYM:ROWS") subscription, checked
 * like the keys and against max_tbt / max_depth; an exact duplicate is a
 * no-op.  Returns 0, or -1 with err naming the key.
 */
int ib_config_add_sub(ib_config *c, bool is_depth, const char *item, char *err, size_t errlen);
/*
 * Print every key with its current value as `key = value` lines that load
 * back as a config file; the password appears only as a comment line
 * "# redis_password = (set)" or "(unset)".
 */
void ib_config_print(const ib_config *c, void *file);
/* Usage text for all keys, one line each, for --help. */
void ib_config_usage(void *file);

#endif
