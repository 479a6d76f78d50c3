/*
 * wake.h - sleep until something changed: a ck_ec event count on a futex.
 *
 * Consumer: snap = ib_wake_snapshot(w); drain; if nothing, ib_wake_wait(w,
 * snap, ms).  Producer: publish (ring push), then ib_wake_signal(w) -- once
 * per batch, not per message; it is a system call only when someone sleeps.
 * ck_ec spins briefly before it sleeps, so a busy pipeline never sleeps and
 * an idle one uses no CPU.
 */
#ifndef IBPIPE_WAKE_H
#define IBPIPE_WAKE_H

#include <ck_ec.h>
#include <stdint.h>

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

#endif
