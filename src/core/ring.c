/*
 * ring.c - the back-off of a producer that found a ring full (ring.h).
 * Runs on whichever thread pushes; only ever on the slow path.
 */
#include <ck_pr.h>

#include "core/ring.h"

bool
ib_ring_backoff(ib_ring_waiter *w)
{
	unsigned n = w->waits++;

	if (w->wake)
		ib_wake_signal(w->wake);
	if (w->stopped && w->stopped(w->arg))
		return false;
	if (n < IB_RING_SPINS)
		ck_pr_stall();
	else
		ib_nap_ns(IB_RING_NAP_NS);
	return true;
}
