/*
 * pipeline.h - the pipeline as the rest of ibpipe sees it: an opaque
 * ib_pipeline and the calls service/, cli/, bench and tests make on it.
 *
 * The threads (network, market data, account, one per strategy), their
 * rings and their state are core/'s business (core/pipeline_state.h); from
 * outside, the pipeline is built, started, watched through these functions
 * and stopped.  Each function says which thread may call it.  Readers of
 * counters and diagnostics never block a pipeline thread: counters are
 * relaxed atomic loads, the diagnostics copies take a mutex only the
 * account thread (rarely) and other readers hold.
 */
#ifndef IBPIPE_PIPELINE_H
#define IBPIPE_PIPELINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/heartbeat.h"
#include "util/latency.h"
#include "core/stats.h"
#include "ibpipe/book.h"
#include "ibpipe/quote.h"
#include "ibpipe/req.h"
#include "ibpipe/strategy.h"
#include "core/pub_event.h"

typedef struct ib_pipeline ib_pipeline;

/* ---- life cycle (the thread that owns the pipeline: main, a test, a benchmark) ---- */

/* vt: what each of the cfg->strategies threads runs (the caller resolves cfg->strategy by name);
   NULL only with no strategies.  NULL with err set on failure. */
ib_pipeline *ib_pipeline_create(const ib_config *cfg, const ib_strategy_vtable *vt, char *err, size_t errlen);
/* The same with a vtable per strategy thread (vts[0..cfg->strategies-1]): strategies of different kinds. */
ib_pipeline *ib_pipeline_create_mixed(const ib_config *cfg, const ib_strategy_vtable *const *vts, char *err,
				       size_t errlen);
/* Where account, order and sync state is posted (NULL, the default: nowhere); copied.  Before
   ib_pipeline_start.  The Redis publisher is one: ib_pub_as_sink (publish.h). */
void ib_pipeline_set_sink(ib_pipeline *p, const ib_pub_sink *sink);
/* Every inbound frame as read, for a recording (record.h: ib_record_frame): called on the network
   thread, so it must only copy.  NULL, the default: none.  Before ib_pipeline_start. */
typedef void (*ib_frame_tap)(void *arg, const char *frame, uint32_t len, int64_t recv_mono_ns);
void ib_pipeline_set_frame_tap(ib_pipeline *p, ib_frame_tap tap, void *arg);
int ib_pipeline_start(ib_pipeline *p);
/* Any thread, signal-safe in spirit (an atomic store and wake-ups). */
void ib_pipeline_request_stop(ib_pipeline *p);
/* Join every thread; returns the exit code (0 clean). */
int ib_pipeline_join(ib_pipeline *p);
void ib_pipeline_free(ib_pipeline *p);

/* ---- state, any thread ---- */

/* The configuration the pipeline runs with (a copy made by create, never changed after start). */
const ib_config *ib_pipeline_config(const ib_pipeline *p);
/* Counters: read them with IB_STAT_GET (stats.h). */
const ib_stats *ib_pipeline_stats(const ib_pipeline *p);
/* The quote table and the depth books (NULL without depth feeds), for the publisher: created with
   the pipeline, written by its market-data thread, freed by ib_pipeline_free. */
ib_quote_table *ib_pipeline_quotes(ib_pipeline *p);
const ib_book_table *ib_pipeline_books(const ib_pipeline *p);
/* Option computations, one per instrument of ib_pipeline_quotes (valid after ib_pipeline_create). */
const ib_greeks *ib_pipeline_greeks(const ib_pipeline *p);
/* Set by ib_pipeline_request_stop (or a fatal condition inside): every thread is on its way out. */
bool ib_pipeline_stopping(const ib_pipeline *p);
/* The process exit status the pipeline asks for (0 clean; 3 sync timeout ...); the owner may set it. */
int ib_pipeline_exit_code(const ib_pipeline *p);
void ib_pipeline_set_exit_code(ib_pipeline *p, int code);

/* The sync gate: open while the account data is complete and the gateway connected. */
bool ib_pipeline_gate_open(const ib_pipeline *p);
/* How many times it has opened. */
uint64_t ib_pipeline_gate_opens(const ib_pipeline *p);

/* Copies of the latest sync diagnostics ("waiting for ..." text and JSON detail); either may be NULL. */
void ib_pipeline_diag(ib_pipeline *p, char *text, size_t tcap, char *json, size_t jcap);
/* The accounts line of the progress display ("DU111111 NetLiquidation 1000000.00 USD"), "" before sync. */
void ib_pipeline_diag_accounts(ib_pipeline *p, char *buf, size_t cap);
typedef struct ib_pipeline_times {
	int64_t handshake_ns;         /* connect -> API handshake done, of the latest session */
	int64_t synced_ns;            /* connect -> gate open, of the latest session */
	int64_t gate_opened_real_ns;  /* CLOCK_REALTIME of the latest gate opening, 0 never */
} ib_pipeline_times;
void ib_pipeline_get_times(ib_pipeline *p, ib_pipeline_times *out);
/* The market-data thread's frame read -> applied histogram (a consistent-enough copy, see latency.h). */
void ib_pipeline_md_latency(const ib_pipeline *p, ib_hist *out);
/* Frame read -> market-data callback, every strategy thread's samples merged (whole run; any thread). */
void ib_pipeline_strategy_latency(const ib_pipeline *p, ib_hist *out);

/* The kill switch: while halted no new order passes the gates (modifies and cancels do). */
void ib_pipeline_halt(ib_pipeline *p, bool halted);
bool ib_pipeline_halted(const ib_pipeline *p);

/* ---- threads, for the supervisor, /metrics and benchmarks ---- */

enum ib_pipeline_thread { IB_PT_NET, IB_PT_MD, IB_PT_ACCT };
/* The thread's id, false when it is not running. */
bool ib_pipeline_thread_id(const ib_pipeline *p, enum ib_pipeline_thread t, pthread_t *out);
/* Its loop counter (heartbeat.h), valid for the pipeline's life. */
const ib_heartbeat *ib_pipeline_heartbeat(const ib_pipeline *p, enum ib_pipeline_thread t);
int ib_pipeline_nstrategies(const ib_pipeline *p);
/* Strategy i's thread id, false when it is not running. */
bool ib_pipeline_strategy_thread(const ib_pipeline *p, int i, pthread_t *out);
/* What strategy i's create() returned: read it after ib_pipeline_join (benchmarks). */
void *ib_pipeline_strategy_self(const ib_pipeline *p, int i);

/* ---- requests and orders from outside a strategy ---- */

/*
 * Queue a request (not a new order: those go through core/place.h, which
 * applies the gates) from any thread; waits while the out ring is full.
 * owner: a strategy index, or IB_OWNER_COMMANDS (place.h).  false when stopping.
 */
bool ib_pipeline_send(ib_pipeline *p, const ib_req *r, int owner);
/* The command reader's counters (it is their only writer: IB_STAT_INC on them). */
struct ib_stats_cmd *ib_pipeline_cmd_stats(ib_pipeline *p);
/*
 * The gateway's word on orders an earlier run of ibpipe sent (the command journal's check after a
 * restart; command reader thread).  ib_pipeline_check_orders hands over up to IB_ORDER_CHECK_MAX
 * ids (false while a check is under way); once this run's first reconcile is complete (openOrderEnd
 * and execDetailsEnd on one connection) the account thread answers: ib_pipeline_checked_orders
 * then returns how many and known[i] (the gateway mentioned ids[i]: an open order, a status, an
 * execution), -1 before that.  An id this run never placed and the gateway never mentioned is not
 * at the gateway.
 */
#define IB_ORDER_CHECK_MAX 256
bool ib_pipeline_check_orders(ib_pipeline *p, const int32_t *ids, int n);
int ib_pipeline_checked_orders(ib_pipeline *p, bool *known);
/* Order-id mark failures and the new orders refused for want of an id since (for /metrics). */
void ib_pipeline_order_id_failures(const ib_pipeline *p, uint64_t *mark_failures, uint64_t *refused_no_id);

#endif
