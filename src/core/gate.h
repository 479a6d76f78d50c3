/*
 * gate.h - the account-sync gate strategies wait at.
 *
 * A ck_ec event count whose parity is the state: odd = open, even = closed.
 * Only the account thread opens and closes it; any thread may wait.  Waiters
 * sleep on the futex behind the count, so a multi-second sync costs no CPU.
 */
#ifndef IBPIPE_GATE_H
#define IBPIPE_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/wake.h"

typedef struct ib_gate {
	ib_wake w;
} ib_gate;

void ib_gate_init(ib_gate *g);
/* Account thread only. */
void ib_gate_open(ib_gate *g);
void ib_gate_close(ib_gate *g);
bool ib_gate_is_open(const ib_gate *g);
/* Times the gate has opened so far. */
uint32_t ib_gate_generation(const ib_gate *g);
/*
 * Block until open, *stop becomes non-zero, or timeout_ms (< 0: forever).
 * IB_OK when open, IB_ETIMEDOUT, or IB_ECLOSED when stopped.
 */
int ib_gate_wait(ib_gate *g, int timeout_ms, const int *stop);

#endif
