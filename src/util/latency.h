/*
 * latency.h - ibpipe's own side of the latency histogram: the type, add,
 * merge and quantile are public (include/ibpipe/hist.h, part of the SDK);
 * here are the lock-free shared writer/reader pair the metrics use.
 */
#ifndef IBPIPE_LATENCY_H
#define IBPIPE_LATENCY_H

#include <stdint.h>

#include "ibpipe/hist.h"
/*
 * One writer thread, readers on any thread (the metrics listener): every field
 * is written with a relaxed atomic store and read with a load, so a reader
 * never takes a lock and the writer pays no more than plain stores.  A copy
 * taken while samples arrive can be a few samples behind in some buckets:
 * count the buckets (ib_hist_count_le(h, UINT64_MAX)) when they must agree.
 */
void ib_hist_add_shared(ib_hist *h, uint64_t v);
void ib_hist_read_shared(const ib_hist *h, ib_hist *out);
/* Samples certainly <= le: those in buckets whose upper edge is <= le (a bucket holding le counts above). */
uint64_t ib_hist_count_le(const ib_hist *h, uint64_t le);

#endif
