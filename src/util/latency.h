/*
 * latency.h - a fixed-size log-linear histogram of nanosecond samples
 * (no allocation per sample): 16 linear sub-buckets per power of two.
 */
#ifndef IBPIPE_LATENCY_H
#define IBPIPE_LATENCY_H

#include <stdint.h>

#define IB_HIST_BUCKETS (64 * 16)

typedef struct ib_hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum;    /* of every sample (a Prometheus histogram's _sum) */
	uint64_t b[IB_HIST_BUCKETS];
} ib_hist;

void ib_hist_add(ib_hist *h, uint64_t v);
void ib_hist_merge(ib_hist *into, const ib_hist *from);
/* Value at quantile q (0..1): the upper edge of the bucket holding it. */
uint64_t ib_hist_quantile(const ib_hist *h, double q);
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
