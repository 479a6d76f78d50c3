/*
 * hist_pacer.h - IB's historical-data pacing rules, kept by queueing: a
 * reqHistoricalData waits here until sending it cannot break a rule, so the
 * gateway never has a reason to answer with error 162.
 *
 * The rules (IB's "Historical Data Limitations"), each window times `scale`:
 *   - at most 60 requests in any 10 minutes;
 *   - no identical request (same contract, end, duration, bar size, what to
 *     show, RTH, keepUpToDate) within 15 s;
 *   - at most IB_HP_MAX_BURST requests for the same contract and what to
 *     show within 2 s.  IB's text says "six or more ... within two seconds"
 *     is a violation; we allow five, as ibsim's strict reading does and as
 *     the official client's users learned to (a sixth at exactly 2.0 s is the
 *     case gateways disagree on).
 * Every window is widened by a guard (IB_HP_GUARD_NS, not scaled): the
 * gateway times a request when it reads it, we when we write it, and the
 * two differ by the transit and the gateway's own delays, which are not
 * ours to count on (against ibsim on a loaded 2-core machine, 100 ms was
 * not always enough: an early request read late looked too close to a
 * later one read at once).
 *
 * Fixed memory: the queue (IB_HP_QUEUE requests) and the send log (the last
 * IB_HP_KEEP sends, which holds every send of the longest window: at most
 * 60) are arrays inside the struct; nothing is allocated after init.  Pure
 * logic with the clock passed in (unit-tested with an injected clock); the
 * network thread owns the one the pipeline uses.
 */
#ifndef IBPIPE_HIST_PACER_H
#define IBPIPE_HIST_PACER_H

#include <stdbool.h>
#include <stdint.h>

#include "ibpipe/req.h"

#define IB_HP_KEEP 64
#define IB_HP_QUEUE 256
#define IB_HP_MAX_WINDOW 60
#define IB_HP_MAX_BURST 5
#define IB_HP_WINDOW_NS 600000000000LL   /* 10 minutes */
#define IB_HP_IDENTICAL_NS 15000000000LL /* 15 s */
#define IB_HP_BURST_NS 2000000000LL      /* 2 s */
#define IB_HP_GUARD_NS 500000000LL       /* 500 ms on each window */

typedef struct ib_hp_sent {
	int64_t t;
	uint64_t ident, burst;
} ib_hp_sent;

typedef struct ib_hp_item {
	ib_req req;
	int32_t owner;          /* who asked: a strategy index, -1 the pipeline */
	uint64_t ident, burst;
	const char *told;       /* the rule its logged wait named (logged again when another holds it) */
} ib_hp_item;

typedef struct ib_hist_pacer {
	int64_t window_ns, identical_ns, burst_ns;  /* scaled, guard included */
	ib_hp_sent sent[IB_HP_KEEP];                /* oldest at (head - n) */
	int nsent, head;
	ib_hp_item q[IB_HP_QUEUE];                  /* FIFO: q[0] is the oldest */
	int nq;
	int64_t recheck_ns;                         /* nothing can go before this (0: look now) */
	uint64_t queued, waited, refused;           /* counters: accepted, had to wait, queue full */
} ib_hist_pacer;

/* scale: every window times this (1 = IB's; tests against ibsim --hist-pacing-scale use the same). */
void ib_hist_pacer_init(ib_hist_pacer *hp, double scale);
/* The keys of a reqHistoricalData: the whole request, and its contract plus what to show. */
uint64_t ib_hist_pacer_ident(const ib_req *r);
uint64_t ib_hist_pacer_burst(const ib_req *r);
/* 0 when a request with these keys may be sent at now, else how long it must wait (ns); *why names the rule. */
int64_t ib_hist_pacer_wait(const ib_hist_pacer *hp, uint64_t ident, uint64_t burst, int64_t now, const char **why);
/* Remember a send at now. */
void ib_hist_pacer_sent(ib_hist_pacer *hp, uint64_t ident, uint64_t burst, int64_t now);
/* Queue a request; false (counted in refused, logged) when the queue is full. */
bool ib_hist_pacer_offer(ib_hist_pacer *hp, const ib_req *r, int32_t owner, int64_t now);
/* Drop a queued request by reqId (cancelHistoricalData before it went); true if one was queued. */
bool ib_hist_pacer_cancel(ib_hist_pacer *hp, int32_t req_id);
/*
 * The oldest queued request the rules let go at now, taken out of the queue
 * and recorded as sent: true with *out and *owner set.  Otherwise false and
 * *wait_ns says when to look again (INT64_MAX: nothing queued).  A request
 * found waiting is logged with its expected delay and the rule, once per
 * rule that holds it.
 */
bool ib_hist_pacer_next(ib_hist_pacer *hp, int64_t now, ib_req *out, int32_t *owner, int64_t *wait_ns);
/* Forget the queue (the connection is gone; its owner re-requests); the send log stays. */
void ib_hist_pacer_clear_queue(ib_hist_pacer *hp);

#endif
