/*
 * pub_event.h - what the pipeline tells the outside world: sync state,
 * accounts, positions, orders, executions, connection facts (and, from the
 * command reader, command results), as fixed-size events, and the sink
 * they are posted to.
 *
 * core/ defines them and posts through an ib_pub_sink the pipeline's owner
 * sets (ib_pipeline_set_sink); the Redis publisher (publish/) is the sink
 * ibpipe runs with.  So core/ never includes publish/: the publisher sits
 * above the pipeline it reads, as the README's layers say.  A sink's
 * functions are called from the account thread (and the command reader);
 * they may wait for room, never drop.
 */
#ifndef IBPIPE_PUB_EVENT_H
#define IBPIPE_PUB_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/bar_spec.h"
#include "ibpipe/account.h"
#include "ibpipe/bar.h"
#include "ibpipe/strategy.h"

enum ib_sync_state { IB_SYNC_DISCONNECTED, IB_SYNC_SYNCING, IB_SYNC_READY };
const char *ib_sync_state_name(enum ib_sync_state s);

enum ib_pub_kind {
	IB_PUB_SYNC = 1,       /* gate state changed */
	IB_PUB_ACCOUNTS,       /* managed accounts list */
	IB_PUB_ACCT_VALUE,
	IB_PUB_POSITION,
	IB_PUB_ORDER,          /* order state changed */
	IB_PUB_EXEC,           /* an execution (fill) */
	IB_PUB_CONN,           /* connection facts for health: server version, client id */
	IB_PUB_CMD,            /* the result of a command from P:stream:commands (service/commands.c) */
	IB_PUB_PNL,            /* an account's P&L (reqPnL) */
	IB_PUB_BAR,            /* a bar of a configured series: P:bars:<name> */
};

/*
 * The account list and the sync detail can be far larger than one ring slot
 * (a thousand accounts): they travel as parts.  part counts from 0, more is
 * non-zero on every part but the last, and the publisher applies the whole
 * only at the last part.  Only the account thread posts these, so the parts
 * of one value are never interleaved with another's.  A single part with
 * part = more = 0 (a zeroed event) is a whole value.
 */
#define IB_PUB_MAX_ACCOUNTS 32   /* ids per part */
#define IB_PUB_DETAIL_PART 464   /* detail bytes per part */

typedef struct ib_pub_event {
	int32_t kind;
	union {
		struct {
			int32_t state;       /* enum ib_sync_state */
			int32_t part, more;
			char detail[IB_PUB_DETAIL_PART]; /* JSON object text (this part of it): have / missing / since */
		} sync;
		struct {
			int32_t n;           /* ids in this part */
			int32_t part, more;
			char ids[IB_PUB_MAX_ACCOUNTS][IB_ACCOUNT_ID_LEN];
		} accounts;
		ib_account_update acct_value;
		struct {
			char account[IB_ACCOUNT_ID_LEN];
			int32_t con_id;
			char symbol[IB_SYMBOL_LEN], sec_type[8], exchange[16], currency[8];
			double position, avg_cost, market_price, market_value, unrealized_pnl, realized_pnl;
			/* from reqPnLSingle (has_pnl): NAN where the gateway did not say */
			bool has_pnl;
			double pnl_daily, pnl_unrealized, pnl_realized, pnl_value;
		} position;
		struct {
			char account[IB_ACCOUNT_ID_LEN];
			double daily, unrealized, realized;  /* NAN: not said */
			int64_t ts_ns;
		} pnl;
		struct {
			int32_t order_id;
			int64_t perm_id;
			char account[IB_ACCOUNT_ID_LEN], symbol[IB_SYMBOL_LEN], action[8], order_type[8], tif[8];
			int32_t parent_id;       /* a bracket child's parent, 0 none */
			char oca_group[24];      /* "" none */
			char status[24];         /* PendingSubmit, Submitted, PartiallyFilled, Filled, Cancelled, Inactive, Rejected */
			double total_qty, lmt_price, aux_price, filled, remaining, avg_fill_price, last_fill_price;
			char reason[160];        /* rejection / error text */
			int64_t ts_ns;
		} order;
		struct {
			int32_t order_id;
			char exec_id[48], account[IB_ACCOUNT_ID_LEN], symbol[IB_SYMBOL_LEN], side[8], time[40];
			double shares, price, cum_qty, avg_price;
			int64_t ts_ns;
		} exec;
		struct {
			int32_t connected, server_version, client_id;
		} conn;
		struct {
			uint64_t seq;            /* the command reader's count: ib_pub_cmd_acked reports it back */
			int32_t order_id;        /* 0: none */
			int32_t repeat;          /* 1: the answer to a cmd_id seen before (the first result again) */
			char cmd_id[68], cmd[12], result[12]; /* result: accepted | refused */
			char reason[160];
			int64_t ts_ns;
		} cmd;
		struct {
			char name[IB_BAR_NAME_LEN]; /* "<key>:<size>" */
			ib_bar_data b;       /* b.time and b.update make the stream id: <time ms>-<update> */
		} bar;
	} u;
} ib_pub_event;

/*
 * Where the pipeline posts: arg is handed back to each function.  post: one
 * event; post_sync: the sync state with its JSON detail of any length (up to
 * IB_SYNC_JSON_MAX), as parts; post_accounts: the account list, n
 * NUL-terminated ids one every stride bytes from ids, as parts.  Each returns
 * false only once the sink is stopped.
 */
typedef struct ib_pub_sink {
	void *arg;
	bool (*post)(void *arg, const ib_pub_event *ev);
	bool (*post_sync)(void *arg, int32_t state, const char *detail, size_t len);
	bool (*post_accounts)(void *arg, const char *ids, size_t stride, int n);
} ib_pub_sink;

#endif
