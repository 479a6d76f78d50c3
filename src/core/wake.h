/*
 * wake.h - sleep until something changed: a ck_ec event count on a futex.
 *
 * Consumer: snap = ib_wake_snapshot(w); drain; if nothing, ib_wake_wait(w,
 * snap, ms).  Producer: publish (ring push), then ib_wake_signal(w) -- once
 * per batch, not per message; it is a system call only when someone sleeps.
 * A consumer drains until its ring is empty before it sleeps, so a busy
 * pipeline seldom sleeps, and an idle one uses no CPU.
 */
#ifndef IBPIPE_WAKE_H
#define IBPIPE_WAKE_H

#include <ck_ec.h>
#include <stdint.h>

#include "config/config.h"

typedef struct ib_wake {
	struct ck_ec32 ec;
} ib_wake;

extern const struct ck_ec_mode ib_wake_mode;

static inline void
ib_wake_init(ib_wake *w)
{
	ck_ec32_init(&w->ec, 0);
}

static inline uint32_t
ib_wake_snapshot(const ib_wake *w)
{
	return ck_ec32_value(&w->ec);
}

static inline void
ib_wake_signal(ib_wake *w)
{
	ck_ec32_inc(&w->ec, &ib_wake_mode);
}

/* Returns when the count moved past snap or timeout_ms elapsed. */
void ib_wake_wait(ib_wake *w, uint32_t snap, int timeout_ms);

/*
 * How one thread waits (the wait_* settings), in the spirit of the LMAX
 * Disruptor's wait strategies:
 *   block   ib_wake_wait: parks on the futex at once.
 *           Least CPU; each sleep costs the producer a futex wake and us a
 *           context switch.
 *   spin    poll the count until it moves: never parks, so the producer's
 *           signal is one atomic add, never a system call.  A core's worth
 *           of CPU: for dedicated (isolated) cores.
 *   hybrid  spin for spin_ns, then block: a burst's next message is caught
 *           spinning, a quiet feed parks.
 * A spinner also returns as soon as *stop is set, and at the timeout, so a
 * thread's shutdown and its timers work the same in every mode.  No
 * allocation, no lock, no system call but the futex of block.
 */
typedef struct ib_wait_policy {
	enum ib_wait_mode mode;
	int64_t spin_ns;   /* hybrid: how long to spin before parking */
	const int *stop;   /* the pipeline's stop flag (a spinner checks it), or NULL */
} ib_wait_policy;

/* Returns when the count moved past snap, timeout_ms elapsed, or (spinning) *stop was set. */
void ib_wake_wait_as(ib_wake *w, uint32_t snap, int timeout_ms, const ib_wait_policy *pol);

#endif
