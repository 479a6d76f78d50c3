/*
 * stats.h - process-wide counters, written by the pipeline threads with
 * relaxed atomic stores and read by anyone (health publisher, progress line,
 * tests).  Each writer owns its own cache line, so counting never bounces
 * lines.  The compiler's __atomic builtins rather than ck_pr: on x86 both are
 * plain moves, but ThreadSanitizer sees these, so a counter bumped without
 * them somewhere is reported instead of hidden.
 */
#ifndef IBPIPE_STATS_H
#define IBPIPE_STATS_H

#include <ck_md.h>
#include <ck_pr.h>
#include <stdint.h>

/* Written by the network thread only. */
struct ib_stats_net {
	uint64_t msgs_in;        /* frames decoded OK */
	uint64_t bytes_in;
	uint64_t frames_bad;     /* malformed frames (logged, skipped) */
	uint64_t unknown_ids;    /* frames with an id we skip */
	uint64_t md_in;          /* market-data messages routed */
	uint64_t md_coalesced;   /* market-data updates folded under backpressure */
	uint64_t acct_in;        /* account/position messages routed */
	uint64_t order_in;       /* order/execution messages routed */
	uint64_t stalls;         /* times reading paused because a never-drop ring was full */
	uint64_t reqs_out;       /* requests written to the socket */
	uint64_t reqs_refused;   /* requests refused by the encoder (readonly) */
	uint64_t reconnects;
	uint64_t write_stalls;   /* sessions ended because the gateway stopped reading (write_stall_ms) */
	uint64_t exec_ids_bad;   /* executions with an empty execId (not de-duplicated) or one cut to fit */
	uint64_t last_msg_ns;    /* CLOCK_REALTIME of the last frame */
	uint32_t connected;
	int32_t server_version;
	int32_t client_id;
	char pad[CK_MD_CACHELINE];
};

/* Written by the market-data thread only. */
struct ib_stats_md {
	uint64_t quotes;         /* quote updates applied */
	uint64_t fanout_coalesced; /* strategy-ring updates folded because a strategy lagged */
	uint64_t book_errors;    /* depth operations on positions that do not exist */
	uint64_t depth_ops;      /* depth operations applied */
	uint64_t trades;         /* tick-by-tick trades applied */
	uint64_t bbos;           /* tick-by-tick bid/ask updates applied */
	uint64_t book_coalesced; /* book notifications folded: the strategy reads the latest book */
	uint64_t trades_coalesced; /* trades a lagging strategy saw only as the latest one */
	uint64_t greeks;         /* option computations applied (each part of one counts) */
	char pad[CK_MD_CACHELINE];
};

/* Written by the account thread only. */
struct ib_stats_acct {
	uint64_t values;
	uint64_t positions;
	uint64_t orders;
	uint64_t dropped;        /* must stay 0: account and order data are never dropped */
	uint64_t unmanaged;      /* values/positions for accounts not in managedAccounts: not published */
	uint64_t bars;           /* bars handed to the strategies (bars.c) */
	uint64_t bars_bad;       /* bars whose time could not be read: skipped, logged */
	uint64_t download_end_unknown; /* acctDownloadEnd for an account not in managedAccounts */
	uint64_t orders_untracked; /* order events for a new order while every table slot held a live one */
	char pad[CK_MD_CACHELINE];
};

/* Written by the command reader only (service/commands.c). */
struct ib_stats_cmd {
	uint64_t in;             /* commands read from P:stream:commands */
	uint64_t refused;        /* answered "refused" (gates, risk, malformed) */
	uint64_t malformed;      /* refused because the entry was not a valid command */
	uint64_t repeats;        /* a cmd_id seen before: answered with its first result, not executed */
	char pad[CK_MD_CACHELINE];
};

typedef struct ib_stats {
	struct ib_stats_net net;
	struct ib_stats_md md;
	struct ib_stats_acct acct;
	struct ib_stats_cmd cmd;
	uint64_t start_ns;       /* CLOCK_REALTIME at start */
} ib_stats;

#define IB_STAT_ADD(field, n) \
	__atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED)
#define IB_STAT_INC(field) IB_STAT_ADD(field, 1)
#define IB_STAT_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* Every market-data update folded into a later one, wherever it happened. */
static inline uint64_t
ib_stats_coalesced(const ib_stats *s)
{
	return IB_STAT_GET(s->net.md_coalesced) + IB_STAT_GET(s->md.fanout_coalesced) +
	       IB_STAT_GET(s->md.book_coalesced) + IB_STAT_GET(s->md.trades_coalesced);
}

#endif
