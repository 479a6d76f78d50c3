/*
 * supervisor.h - is the process healthy, is it ready, and telling systemd.
 *
 * One thread (started by ib_app_run for `ibpipe run`) wakes a few times a
 * second, reads the heartbeat counters of the network, market-data, account
 * and publisher threads (heartbeat.h), and:
 *   - sends READY=1 once every watched thread has gone round its loop;
 *   - sends STATUS= with the gate state and what the gate waits for, when it
 *     changes (the gate opening and closing is not service start and stop);
 *   - sends WATCHDOG=1 every WATCHDOG_USEC/2 while every watched thread makes
 *     progress, and stops sending while one does not, so systemd restarts a
 *     hung process and never a healthy, reconnecting one;
 *   - keeps a snapshot (health, gate, publisher figures) that the metrics
 *     listener serves, so an HTTP scrape never touches a pipeline lock.
 */
#ifndef IBPIPE_SUPERVISOR_H
#define IBPIPE_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>

#include "util/latency.h"
#include "core/pipeline.h"
#include "publish/publish.h"

enum ib_sv_thread { IB_SV_NET, IB_SV_MD, IB_SV_ACCT, IB_SV_PUB, IB_SV_NTHREADS };
extern const char *const ib_sv_thread_name[IB_SV_NTHREADS];  /* "network", "market-data", ... */

typedef struct ib_sv_snapshot {
	int64_t taken_mono_ns;              /* when the supervisor took it */
	bool ready_sent;                    /* every thread has run; READY=1 sent (if systemd listens) */
	bool healthy;                       /* every watched thread made progress within hang_ms */
	char reason[256];                   /* why not healthy; "" when healthy */
	bool watched[IB_SV_NTHREADS];       /* the publisher only when Redis is on */
	double idle_s[IB_SV_NTHREADS];      /* seconds since the thread's counter last moved */
	double hang_s;                      /* the limit */
	bool gate_open, connected;
	uint32_t gate_opens;
	char waiting[512];                  /* what the gate waits for (the sync diagnostics) */
	double last_sync_s;                 /* connect -> gate open, the last time it opened */
	int64_t gate_opened_real_ns;        /* 0: never opened */
	bool have_pub;
	ib_pub_stats pub;
	ib_pub_counts pub_counts;
	ib_hist staleness;                  /* tick arrival -> acknowledged by Redis, whole run */
	ib_hist md_latency;                 /* frame read -> applied by the market-data thread, whole run */
	ib_hist strategy_latency;           /* frame read -> strategy market-data callback, whole run */
	uint64_t watchdog_pings;
	double msgs_per_s;                  /* gateway messages per second over the last second or so */
} ib_sv_snapshot;

typedef struct ib_supervisor ib_supervisor;

/* Set up (after ib_pipeline_start; pub may be NULL), then start the thread: READY=1 follows once
   every watched thread has run, so start it after anything else that can still fail. */
ib_supervisor *ib_supervisor_create(ib_pipeline *p, ib_pub *pub, char *err, size_t errlen);
int ib_supervisor_start(ib_supervisor *s, char *err, size_t errlen);
/* STOPPING=1, join (if started), free.  NULL is fine. */
void ib_supervisor_stop(ib_supervisor *s);
/* A copy of the latest snapshot (any thread; takes the supervisor's own mutex only). */
void ib_supervisor_snapshot(ib_supervisor *s, ib_sv_snapshot *out);
/* pthread id of a watched thread, for per-thread CPU; false if it is not running. */
bool ib_supervisor_thread_id(ib_supervisor *s, enum ib_sv_thread t, pthread_t *out);
/* The hang limit: the longest a watched thread can legitimately block (a connect + handshake). */
int64_t ib_supervisor_hang_ns(const ib_config *cfg);

#endif
