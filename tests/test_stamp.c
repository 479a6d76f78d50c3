/*
 * test_stamp.c - ibsim's --stamp encoding (ibpipe/stamp.h): a stamp is
 * told from a real size by construction, on a machine booted a second ago
 * as on one up for years, and decodes to its exact send time.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "ibpipe/stamp.h"
#include "loader/registry.h"
#include "strategies/bench.h"
#include "util/clock.h"

static void
test_stamp_round_trip(void)
{
	/* send times: just booted (the case the old `size >= 1e12` rule missed), 17 minutes,
	   a day, past the modulus, years */
	static const int64_t sent[] = { 0, 1000, 5000000000LL, 999999999999LL, 1000000000000LL, 86400000000000LL,
					IB_STAMP_MOD - 1, IB_STAMP_MOD, IB_STAMP_MOD + 7, 3LL * 365 * 86400000000000LL };
	static const int64_t age[] = { 0, 1, 25000, 3000000000LL, 3600000000000LL, IB_STAMP_MOD - 1 };

	for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
		int64_t v = ib_stamp_encode(sent[i]);
		char txt[32];

		CU_ASSERT_EQUAL(snprintf(txt, sizeof(txt), "%0*lld", IB_STAMP_DIGITS, (long long)v), IB_STAMP_DIGITS);
		for (size_t j = 0; j < sizeof(age) / sizeof(age[0]); j++) {
			int64_t got = -1;
			CU_ASSERT_TRUE(ib_stamp_decode((double)v, sent[i] + age[j], &got));
			CU_ASSERT_EQUAL(got, sent[i]);
		}
	}
}

static void
test_real_sizes_are_not_stamps(void)
{
	static const double sizes[] = { 0, 1, 100, 1e6, 1e12, 5e12, 899999999999999.0, 1e15, 1e18, -9e14,
					900000000000000.5 };
	int64_t t = 12345;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CU_ASSERT_FALSE(ib_stamp_decode(sizes[i], 1000000000LL, &t));
		CU_ASSERT_EQUAL(t, 12345); /* untouched */
	}
}

/*
 * The bench strategy's send->strategy samples: a quote counts only if it brought a new stamp, or
 * the same stamp in a (price, size) pair that moved (the next frame of the same ibsim batch).
 * ibsim's own ticks make quotes that still carry the last blast stamps; measured, they read as
 * the time since that stamp (the 190 ms maximum of every paced bench run).
 */
static void
test_bench_measures_only_new_stamps(void)
{
	const ib_strategy_vtable *vt = ib_strategy_find("bench");
	struct ib_bench_strategy *b = vt->create(NULL);
	int64_t now = ib_now_mono_ns(), old = now - 190 * IB_NS_PER_MS;
	ib_quote_data q = { .bid = 440.96, .bid_size = (double)ib_stamp_encode(old), .ask_size = 100, .recv_mono_ns = old };

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	vt->on_quote(b, NULL, 3, &q); /* a blast frame, 190 ms ago: one sample */
	CU_ASSERT_EQUAL(b->end_to_end.count, 1);
	q.ask_size = 1200; /* ibsim's own tickSize on the same instrument, read now: the bid stamp is stale */
	q.recv_mono_ns = now;
	vt->on_quote(b, NULL, 3, &q);
	CU_ASSERT_EQUAL(b->end_to_end.count, 1);
	CU_ASSERT_EQUAL(b->unstamped, 1);
	q.last = 441.00, q.last_size = (double)ib_stamp_encode(now); /* the next blast frame: a new stamp */
	vt->on_quote(b, NULL, 3, &q);
	CU_ASSERT_EQUAL(b->end_to_end.count, 2);
	q.bid = 440.97, q.bid_size = q.last_size; /* the same batch's next frame, same read: measured */
	vt->on_quote(b, NULL, 3, &q);
	CU_ASSERT_EQUAL(b->end_to_end.count, 3);
	q.last = 441.01; /* ...and its next one, in the next socket read (a batch split over two reads) */
	q.recv_mono_ns = now + 1;
	vt->on_quote(b, NULL, 3, &q);
	CU_ASSERT_EQUAL(b->end_to_end.count, 4);
	q.ask = 441.02, q.ask_size = 300; /* ibsim's own tickPrice, same read: moves an unstamped pair */
	vt->on_quote(b, NULL, 3, &q);
	CU_ASSERT_EQUAL(b->end_to_end.count, 4);
	q.recv_mono_ns = now + 2; /* its volume or timestamp tick, a later read: nothing moved */
	vt->on_quote(b, NULL, 3, &q);
	CU_ASSERT_EQUAL(b->end_to_end.count, 4);
	CU_ASSERT_EQUAL(b->unstamped, 3);
	CU_ASSERT_EQUAL(b->quotes, 7);
	CU_ASSERT_EQUAL(b->measured, 4);
	vt->destroy(b);
}

void
test_stamp_register(void)
{
	CU_pSuite s = CU_add_suite("stamp", NULL, NULL);
	CU_add_test(s, "a send stamp decodes to its send time, whatever the uptime", test_stamp_round_trip);
	CU_add_test(s, "real sizes are never taken for stamps", test_real_sizes_are_not_stamps);
	CU_add_test(s, "the bench strategy measures a quote that brings a new stamp or moves a stamped pair",
		    test_bench_measures_only_new_stamps);
}
