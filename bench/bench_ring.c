/*
 * bench_ring.c - `ibbench ring`: the ck_ring handoff alone, one producer
 * thread to one consumer thread, with the slot the pipeline really uses
 * (struct ib_md_event, 48 bytes).  Batch size = how many items the
 * producer pushes between wake signals and the consumer drains per wake.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/event.h"
#include "core/wake.h"
#include "util/clock.h"

#define RING_SIZE 65536

struct ring_run {
	struct ck_ring r;
	struct ib_md_event *buf;
	ib_wake wake;
	uint64_t n;
	int batch;
	uint64_t sum;
};

static void *
consumer(void *arg)
{
	struct ring_run *x = arg;
	struct ib_md_event e;
	uint64_t got = 0, sum = 0;

	while (got < x->n) {
		uint32_t snap = ib_wake_snapshot(&x->wake);
		int k = 0;
		while (k < x->batch && ib_ring_pop_md(&x->r, x->buf, &e)) {
			sum += (uint64_t)e.req_id;
			k++;
		}
		got += (uint64_t)k;
		if (k == 0)
			ib_wake_wait(&x->wake, snap, 10);
	}
	x->sum = sum;
	return NULL;
}

static double
run_once(uint64_t n, int batch)
{
	struct ring_run x = { .n = n, .batch = batch };
	pthread_t th;
	struct ib_md_event e;
	int64_t t0;

	memset(&e, 0, sizeof(e));
	x.buf = calloc(RING_SIZE, sizeof(*x.buf));
	ck_ring_init(&x.r, RING_SIZE);
	ib_wake_init(&x.wake);
	pthread_create(&th, NULL, consumer, &x);
	t0 = ib_now_mono_ns();
	for (uint64_t i = 0; i < n;) {
		int k = 0;
		while (k < batch && i < n) {
			e.req_id = (int32_t)(i & 0xffff);
			if (!ib_ring_push_spsc_md(&x.r, x.buf, &e))
				break;
			k++;
			i++;
		}
		ib_wake_signal(&x.wake);
		if (k == 0)
			sched_yield();
	}
	pthread_join(th, NULL);
	double secs = (double)(ib_now_mono_ns() - t0) / 1e9;
	free(x.buf);
	return (double)n / secs;
}

int
bench_ring(int argc, char **argv)
{
	static const int batches[] = { 1, 16, 256 };
	uint64_t n = bench_quick(argc, argv) ? 2000000 : 20000000;

	printf("%-28s %14s %10s\n", "ring (ib_md_event, 48 B)", "msgs/s", "ns/msg");
	for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
		double best = 0;
		for (int rep = 0; rep < 3; rep++) {
			double r = run_once(n, batches[i]);
			if (r > best)
				best = r;
		}
		char name[64];
		snprintf(name, sizeof(name), "ring_spsc_batch_%d", batches[i]);
		printf("%-28s %14.0f %10.1f\n", name, best, 1e9 / best);
		bench_result(name, "msgs_per_s", best);
	}
	return 0;
}
