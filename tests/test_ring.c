/*
 * test_ring.c - the rings and the gate across real threads.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/gate.h"
#include "ibpipe/ib.h"
#include "core/ring.h"
#include "core/wake.h"
#include "util/clock.h"
#include "testutil.h"

struct item {
	uint64_t seq, producer, check;
};
IB_RING_DEFINE(titem, item)

#if defined(IB_TSAN) || defined(__SANITIZE_ADDRESS__)
/* sanitizers slow the spinning MPSC commit enough that, on 2 cores, 200k items take minutes */
#define N_ITEMS 4000
#else
#define N_ITEMS 200000
#endif
#define RING 1024

static struct ck_ring ring;
static struct item ring_buf[RING];
static ib_wake wake;

static void *
producer(void *arg)
{
	uint64_t id = *(const uint64_t *)arg;
	for (uint64_t i = 0; i < N_ITEMS; i++) {
		struct item it = { i, id, i * 2654435761u ^ id };
		while (!(id == 0 ? ib_ring_push_spsc_titem(&ring, ring_buf, &it) : ib_ring_push_mpsc_titem(&ring, ring_buf, &it))) {
			ib_wake_signal(&wake);
			sched_yield(); /* two cores, up to four threads: let the consumer run */
		}
		if ((i & 63) == 0)
			ib_wake_signal(&wake);
	}
	ib_wake_signal(&wake);
	return NULL;
}

/* Check one item against what its producer sent next; counts it. */
static void
take(const struct item *it, int producers, uint64_t next[4], uint64_t *got, int *bad)
{
	int k = producers == 1 ? 0 : (int)it->producer - 1;

	if (it->seq != next[k] || it->check != (it->seq * 2654435761u ^ it->producer))
		(*bad)++;
	next[k] = it->seq + 1;
	(*got)++;
}

/* in_place: the consumer reads with peek and gives slots back 7 at a time, as the pipeline's do by 64 */
static void
run(int producers, bool in_place)
{
	pthread_t th[4];
	uint64_t next[4] = { 0 }, got = 0;
	int bad = 0;

	ck_ring_init(&ring, RING);
	ib_wake_init(&wake);
	static const uint64_t spsc_id = 0, mpsc_ids[4] = { 1, 2, 3, 4 }; /* producer 0 pushes spsc */
	for (int i = 0; i < producers; i++)
		pthread_create(&th[i], NULL, producer, (void *)(producers == 1 ? &spsc_id : &mpsc_ids[i]));
	while (got < (uint64_t)N_ITEMS * (uint64_t)producers) {
		uint32_t snap = ib_wake_snapshot(&wake);
		struct item it;
		const struct item *at;
		unsigned held = 0;
		bool any = false;
		if (in_place) {
			while ((at = ib_ring_peek_titem(&ring, ring_buf, held)) != NULL) {
				take(at, producers, next, &got, &bad);
				any = true;
				if (++held == 7) {
					ib_ring_release_titem(&ring, held);
					held = 0;
				}
			}
			ib_ring_release_titem(&ring, held);
		} else {
			while (ib_ring_pop_titem(&ring, ring_buf, &it)) {
				take(&it, producers, next, &got, &bad);
				any = true;
			}
		}
		if (!any)
			ib_wake_wait(&wake, snap, 10);
	}
	for (int i = 0; i < producers; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_EQUAL(bad, 0); /* every item, in order per producer, intact */
	CU_ASSERT_EQUAL(ck_ring_size(&ring), 0);
}

static void
test_spsc(void)
{
	run(1, false);
}

static void
test_mpsc(void)
{
	run(3, false);
}

static void
test_spsc_in_place(void)
{
	run(1, true);
}

/* peek reads a slot where it lies; the producer gets slots back only when they are released */
static void
test_peek_release(void)
{
	struct item buf[8], it;
	struct ck_ring r;

	ck_ring_init(&r, 8);
	for (uint64_t i = 0; i < 7; i++) {
		it = (struct item){ .seq = i };
		CU_ASSERT_TRUE(ib_ring_push_spsc_titem(&r, buf, &it));
	}
	it = (struct item){ .seq = 7 };
	CU_ASSERT_FALSE(ib_ring_push_spsc_titem(&r, buf, &it)); /* full: N-1 */
	for (unsigned k = 0; k < 7; k++) {
		const struct item *at = ib_ring_peek_titem(&r, buf, k);
		CU_ASSERT_PTR_NOT_NULL_FATAL(at);
		CU_ASSERT_EQUAL(at->seq, k);
	}
	CU_ASSERT_PTR_NULL(ib_ring_peek_titem(&r, buf, 7)); /* nothing past the producer */
	CU_ASSERT_FALSE(ib_ring_push_spsc_titem(&r, buf, &it)); /* read, not released: still full */
	ib_ring_release_titem(&r, 3);
	CU_ASSERT_EQUAL(ib_ring_peek_titem(&r, buf, 0)->seq, 3);
	for (uint64_t i = 7; i < 10; i++) { /* the three released slots take new items, across the wrap */
		it = (struct item){ .seq = i };
		CU_ASSERT_TRUE(ib_ring_push_spsc_titem(&r, buf, &it));
	}
	CU_ASSERT_FALSE(ib_ring_push_spsc_titem(&r, buf, &it));
	ib_ring_release_titem(&r, 0); /* nothing given back */
	for (uint64_t want = 3; want < 10; want++) {
		CU_ASSERT_TRUE(ib_ring_pop_titem(&r, buf, &it));
		CU_ASSERT_EQUAL(it.seq, want);
	}
	CU_ASSERT_PTR_NULL(ib_ring_peek_titem(&r, buf, 0));
}

static void
test_ring_holds_size_minus_one(void)
{
	struct item buf[8], it = { 0 };
	struct ck_ring r;
	int n = 0;

	ck_ring_init(&r, 8);
	while (ib_ring_push_spsc_titem(&r, buf, &it))
		n++;
	CU_ASSERT_EQUAL(n, 7);
}

/* stopped() for the full-ring test: gives up on the third wait */
static bool
third_wait(const void *arg)
{
	return ++*(int *)arg >= 3;
}

struct drainer {
	struct ck_ring *r;
	struct item *buf;
	ib_wake *w;
	uint32_t snap;
	struct item got;
};

/* Waits until a producer signals it (the ring is full), then makes room for one item. */
static void *
drain_one(void *arg)
{
	struct drainer *d = arg;

	while (ib_wake_snapshot(d->w) == d->snap)
		ib_wake_wait(d->w, d->snap, 1000);
	ib_ring_pop_titem(d->r, d->buf, &d->got);
	return NULL;
}

static void
test_push_wait_on_a_full_ring(void)
{
	struct item buf[8], it = { 0 };
	struct ck_ring r;
	ib_wake w;
	int asked = 0;

	ck_ring_init(&r, 8);
	ib_wake_init(&w);
	for (uint64_t i = 0; i < 7; i++) {
		it.seq = i;
		CU_ASSERT_TRUE_FATAL(ib_ring_push_spsc_titem(&r, buf, &it));
	}
	/* full, and the producer must stop: it gives up when told, having woken the consumer each time */
	ib_ring_waiter giveup = { .wake = &w, .stopped = third_wait, .arg = &asked };
	uint32_t snap = ib_wake_snapshot(&w);
	it.seq = 7;
	CU_ASSERT_FALSE(ib_ring_push_wait_spsc_titem(&r, buf, &it, &giveup));
	CU_ASSERT_EQUAL(asked, 3);
	CU_ASSERT_EQUAL(giveup.waits, 3);
	CU_ASSERT_EQUAL(ib_wake_snapshot(&w) - snap, 3);
	/* full, no stop: the push waits until a consumer woken by it makes room, then lands */
	struct drainer d = { &r, buf, &w, ib_wake_snapshot(&w), { 0 } };
	pthread_t th;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, drain_one, &d), 0);
	ib_ring_waiter wait = { .wake = &w };
	CU_ASSERT_TRUE(ib_ring_push_wait_spsc_titem(&r, buf, &it, &wait));
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(d.got.seq, 0);
	CU_ASSERT(wait.waits >= 1);
	/* and the ring holds 1..7, in order */
	for (uint64_t i = 1; i <= 7; i++) {
		struct item out;
		CU_ASSERT_TRUE_FATAL(ib_ring_pop_titem(&r, buf, &out));
		CU_ASSERT_EQUAL(out.seq, i);
	}
}

/*
 * A wait with nothing signalled lasts to its deadline, no longer.  ck_ec
 * slept in steps of 2, 16, 128, 1024 ms from the start, unclamped: a 200 ms
 * wait lasted ~1,024 ms.  The bound below leaves 600 ms for a loaded box.
 */
static void
test_wake_wait_ends_at_its_deadline(void)
{
	ib_wake w;

	ib_wake_init(&w);
	uint32_t snap = ib_wake_snapshot(&w);
	int64_t t0 = ib_now_mono_ns();
	ib_wake_wait(&w, snap, 200);
	int64_t took = ib_now_mono_ns() - t0;
	CU_ASSERT_EQUAL(ib_wake_snapshot(&w), snap);
	CU_ASSERT(took >= 200 * IB_NS_PER_MS);
	CU_ASSERT(took < 800 * IB_NS_PER_MS);
}

struct sleeper {
	ib_wake *w;
	uint32_t snap;
	int64_t took;
};

static void *
sleep_on(void *arg)
{
	struct sleeper *z = arg;
	int64_t t0 = ib_now_mono_ns();

	ib_wake_wait(z->w, z->snap, 20000);
	z->took = ib_now_mono_ns() - t0;
	return NULL;
}

/*
 * A waiter parked in the futex (it flagged the count) is woken by one
 * signal: the multi-producer count loses no wake-up, so one sleep may last
 * to the deadline (20 s here) without ck_ec's periodic re-checks.
 */
static void
test_wake_signal_wakes_a_parked_waiter(void)
{
	ib_wake w;
	pthread_t th;

	ib_wake_init(&w);
	struct sleeper z = { &w, ib_wake_snapshot(&w), 0 };
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, sleep_on, &z), 0);
	/* the waiter's flag: it is about to sleep, or sleeps */
	CU_ASSERT_TRUE(TU_UNTIL(ck_ec32_has_waiters(&w.ec), 10000));
	ib_wake_signal(&w);
	pthread_join(th, NULL);
	CU_ASSERT(z.took < 10 * IB_NS_PER_S);
	CU_ASSERT_EQUAL(ib_wake_snapshot(&w), z.snap + 1);
	CU_ASSERT_FALSE(ck_ec32_has_waiters(&w.ec));
}

static ib_gate gate;
static int stop_flag;

static void *
opener(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 200000000 };
	nanosleep(&ts, NULL);
	ib_gate_open(&gate);
	return NULL;
}

static void
test_gate(void)
{
	pthread_t th;
	int64_t t0;

	ib_gate_init(&gate);
	CU_ASSERT_FALSE(ib_gate_is_open(&gate));
	CU_ASSERT_EQUAL(ib_gate_wait(&gate, 50, &stop_flag), IB_ETIMEDOUT);
	t0 = ib_now_mono_ns();
	pthread_create(&th, NULL, opener, NULL);
	CU_ASSERT_EQUAL(ib_gate_wait(&gate, 5000, &stop_flag), IB_OK);
	CU_ASSERT(ib_now_mono_ns() - t0 >= 150000000LL); /* it really waited for the opener */
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(ib_gate_generation(&gate), 1);
	ib_gate_close(&gate);
	CU_ASSERT_FALSE(ib_gate_is_open(&gate));
	ib_gate_open(&gate);
	ib_gate_open(&gate); /* idempotent */
	CU_ASSERT_EQUAL(ib_gate_generation(&gate), 2);
	ib_gate_close(&gate);
	stop_flag = 1;
	CU_ASSERT_EQUAL(ib_gate_wait(&gate, 5000, &stop_flag), IB_ECLOSED);
	stop_flag = 0;
}

void
test_ring_register(void)
{
	CU_pSuite s = CU_add_suite("ring", NULL, NULL);
	CU_add_test(s, "spsc handoff across threads keeps every item in order", test_spsc);
	CU_add_test(s, "mpsc with three producers keeps per-producer order", test_mpsc);
	CU_add_test(s, "a ring of N holds N-1", test_ring_holds_size_minus_one);
	CU_add_test(s, "peek reads slots in place, and the producer gets them back only on release", test_peek_release);
	CU_add_test(s, "spsc read in place across threads, released 7 at a time, keeps every item in order",
		    test_spsc_in_place);
	CU_add_test(s, "a wake wait with nothing signalled ends at its deadline, not ck_ec's next back-off step",
		    test_wake_wait_ends_at_its_deadline);
	CU_add_test(s, "a waiter parked in the futex is woken by one signal", test_wake_signal_wakes_a_parked_waiter);
	CU_add_test(s, "push_wait on a full ring wakes the consumer, stops when told, lands once there is room",
		    test_push_wait_on_a_full_ring);
	CU_add_test(s, "gate waits, opens, closes, stops", test_gate);
}
