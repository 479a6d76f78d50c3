/*
 * latency.c - the latency histogram's functions that are not inline
 * (include/ibpipe/hist.h: merge, quantile) and the shared writer/reader
 * pair of util/latency.h.  bucket_top is the inverse of ib_hist_bucket.
 */
#include <ck_pr.h>

#include "util/latency.h"

static uint64_t
bucket_top(unsigned b)
{
	if (b < 16)
		return b;
	unsigned e = b / 16 + 3, sub = b % 16;
	return ((uint64_t)(16 + sub + 1) << (e - 4)) - 1;
}

void
ib_hist_merge(ib_hist *into, const ib_hist *from)
{
	for (unsigned i = 0; i < IB_HIST_BUCKETS; i++)
		into->b[i] += from->b[i];
	into->count += from->count;
	into->sum += from->sum;
	if (from->max > into->max)
		into->max = from->max;
}

uint64_t
ib_hist_quantile(const ib_hist *h, double q)
{
	uint64_t want, seen = 0;

	if (h->count == 0)
		return 0;
	want = (uint64_t)(q * (double)h->count);
	if (want >= h->count)
		want = h->count - 1;
	for (unsigned i = 0; i < IB_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > want) {
			uint64_t top = bucket_top(i);
			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}

uint64_t
ib_hist_count_le(const ib_hist *h, uint64_t le)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < IB_HIST_BUCKETS && bucket_top(i) <= le; i++)
		n += h->b[i];
	return n;
}

void
ib_hist_add_shared(ib_hist *h, uint64_t v)
{
	uint64_t *b = &h->b[ib_hist_bucket(v)];

	ck_pr_store_64(b, ck_pr_load_64(b) + 1);
	ck_pr_store_64(&h->count, ck_pr_load_64(&h->count) + 1);
	ck_pr_store_64(&h->sum, ck_pr_load_64(&h->sum) + v);
	if (v > ck_pr_load_64(&h->max))
		ck_pr_store_64(&h->max, v);
}

void
ib_hist_read_shared(const ib_hist *h, ib_hist *out)
{
	ib_hist *src = (ib_hist *)h; /* ck_pr loads take non-const pointers */

	for (unsigned i = 0; i < IB_HIST_BUCKETS; i++)
		out->b[i] = ck_pr_load_64(&src->b[i]);
	out->count = ck_pr_load_64(&src->count);
	out->sum = ck_pr_load_64(&src->sum);
	out->max = ck_pr_load_64(&src->max);
}
