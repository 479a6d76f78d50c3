/*
 * heartbeat.h - "this thread is still going round its loop".
 *
 * Each watched thread (network, market data, account, publisher) owns one
 * counter on its own cache line and bumps it once per loop iteration,
 * including the idle waits (which time out at least every second) and the
 * reconnect backoff.  A plain load + store of its own line: no lock, no
 * system call, nothing shared with the message path.  The supervisor
 * (supervisor.c) reads the counters and calls a thread hung when its counter
 * has not moved for longer than the longest wait that thread can make.
 */
#ifndef IBPIPE_HEARTBEAT_H
#define IBPIPE_HEARTBEAT_H

#include <ck_md.h>
#include <ck_pr.h>
#include <stdint.h>

typedef struct ib_heartbeat {
	uint64_t beats;  /* ck_pr; written by its one thread only */
	char pad[CK_MD_CACHELINE - sizeof(uint64_t)];
} ib_heartbeat;

static inline void
ib_heartbeat_beat(ib_heartbeat *h)
{
	ck_pr_store_64(&h->beats, ck_pr_load_64(&h->beats) + 1);
}

static inline uint64_t
ib_heartbeat_read(const ib_heartbeat *h)
{
	return ck_pr_load_64((uint64_t *)&h->beats);
}

#endif
