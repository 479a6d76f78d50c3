/*
 * hist.h - a fixed-size log-linear histogram of nanosecond samples, for a
 * strategy that measures its own latencies (tick to decision, decision to
 * fill): 16 linear sub-buckets per power of two, so every bucket is within
 * 1/16 (6.25 %) of its values, and no allocation per sample.
 *
 * ib_hist_add is inline: a strategy records a sample per callback without a
 * call into ibpipe (a plugin's call would go through the PLT).  The bucket
 * layout is therefore part of the SDK ABI: it changes only with the major
 * version.  One writer per histogram; merge and read after the writer is
 * done (or on its own thread).  SDK ABI 1.3.
 */
#ifndef IBPIPE_HIST_H
#define IBPIPE_HIST_H

#include <stdint.h>

#define IB_HIST_BUCKETS (64 * 16)

typedef struct ib_hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum;    /* of every sample (a Prometheus histogram's _sum) */
	uint64_t b[IB_HIST_BUCKETS];
} ib_hist;

/* The bucket of v: (exponent, the 4 bits below the top one); values below 16 have one each. */
static inline unsigned
ib_hist_bucket(uint64_t v)
{
	if (v < 16)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= 4 */
	unsigned sub = (unsigned)(v >> (e - 4)) & 15u;
	unsigned b = (e - 3) * 16 + sub;
	return b < IB_HIST_BUCKETS ? b : IB_HIST_BUCKETS - 1;
}

/* One sample.  The histogram's one writer thread. */
static inline void
ib_hist_add(ib_hist *h, uint64_t v)
{
	h->b[ib_hist_bucket(v)]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

/* Add from's samples into into.  Any thread, when neither is being written. */
void ib_hist_merge(ib_hist *into, const ib_hist *from);
/* Value at quantile q (0..1): the upper edge of the bucket holding it (at most the max).  Any thread, as merge. */
uint64_t ib_hist_quantile(const ib_hist *h, double q);

#endif
