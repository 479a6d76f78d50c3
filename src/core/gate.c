/*
 * gate.c - open/closed as the parity of a futex-backed event count.
 *
 * Opening increments the count (to odd) and wakes every waiter; a waiter
 * that wakes re-reads the parity, so a close-open pair it slept through is
 * seen as open, which is the state that matters.
 */
#include <ck_pr.h>

#include "core/gate.h"
#include "ibpipe/ib.h"
#include "util/clock.h"

void
ib_gate_init(ib_gate *g)
{
	ib_wake_init(&g->w);
}

bool
ib_gate_is_open(const ib_gate *g)
{
	return (ib_wake_snapshot(&g->w) & 1) != 0;
}

uint32_t
ib_gate_generation(const ib_gate *g)
{
	return (ib_wake_snapshot(&g->w) + 1) / 2;
}

void
ib_gate_open(ib_gate *g)
{
	if (!ib_gate_is_open(g))
		ib_wake_signal(&g->w);
}

void
ib_gate_close(ib_gate *g)
{
	if (ib_gate_is_open(g))
		ib_wake_signal(&g->w);
}

int
ib_gate_wait(ib_gate *g, int timeout_ms, const int *stop)
{
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : ib_now_mono_ns() + (int64_t)timeout_ms * IB_NS_PER_MS;

	for (;;) {
		uint32_t v = ib_wake_snapshot(&g->w);
		if (v & 1)
			return IB_OK;
		if (stop && ck_pr_load_int(stop))
			return IB_ECLOSED;
		int64_t left = deadline - ib_now_mono_ns();
		if (left <= 0)
			return IB_ETIMEDOUT;
		/* Wake at least every 100 ms to notice *stop. */
		ib_wake_wait(&g->w, v, left > 100000000LL ? 100 : (int)(left / IB_NS_PER_MS) + 1);
	}
}
